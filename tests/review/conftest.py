"""Fixtures of the review service tests: the web tests' database (SQLite, or a PostgreSQL schema
when ``INTAKE_TEST_DATABASE_URL`` is set) and staff users, plus forms put straight into the
table in the state a test needs (synthetic people only)."""

# ruff: noqa: F811 - the imported fixtures are parameters of the ones defined here

from __future__ import annotations

from collections.abc import Callable

import pytest
from web.conftest import (  # noqa: F401 - fixtures re-used by the review tests
    database_url,
    db_factory,
    fast_hashes,
    settings,
    users,
)

from intake.config import Settings
from intake.db.workflow import Batch, Form
from intake.review.service import Actor, ReviewContext
from intake.review.states import FormState
from intake.staff.roles import Role


def _read(field_id: str, value: str, page: int = 1) -> dict:
    return {
        "field_id": field_id,
        "kind": "name",
        "page": page,
        "raw": value,
        "value": value,
        "confidence": 0.99,
        "problems": [],
        "chars": [{"char": c, "confidence": 0.99, "alternatives": []} for c in value],
        "box_mm": [10.0, 10.0, 50.0, 6.0],
    }


#: one applicant who wrote a home address (no roster match), one child row
VALUES = {
    "p1_forename": _read("p1_forename", "ALEX"),
    "p1_surname": _read("p1_surname", "TESTER"),
    "p1_address1": _read("p1_address1", "1 EXAMPLE ROAD"),
    "p1_postcode": _read("p1_postcode", "ZZ99 9ZZ"),
    "child1_name": _read("child1_name", "SAM TESTER"),
}


@pytest.fixture
def make_form(db_factory, users) -> Callable[..., str]:
    """Put a form in ``state`` into the table, uploaded by the office user; returns its id."""

    def make(state: FormState = FormState.REVIEW, **columns) -> str:
        with db_factory() as session:
            batch = Batch(label="review tests", created_by=users["office"])
            session.add(batch)
            session.flush()
            form = Form(
                batch_id=batch.id,
                identity=f"serial:{batch.id[:8]}",
                state=state.value,
                values=dict(VALUES),
                uploaded_by=users["office"],
                **columns,
            )
            session.add(form)
            session.commit()
            return form.id

    return make


@pytest.fixture
def actors(users) -> dict[str, Actor]:
    return {role: Actor(users[role], Role(role)) for role in ("office", "approver", "admin")}


@pytest.fixture
def review_ctx(settings: Settings) -> ReviewContext:
    return ReviewContext(settings)


def version(db_factory, form_id: str) -> int:
    with db_factory() as session:
        form = session.get(Form, form_id)
        assert form is not None
        return form.row_version
