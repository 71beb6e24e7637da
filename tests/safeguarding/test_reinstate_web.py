"""The safeguarding screen and reinstating: a person's decision, refused while the cause holds."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from intake.accounts import passwords as passwords_module
from intake.accounts.adapters import context_from_db
from intake.accounts.safeguarding import overview, reinstate_suspended_link
from intake.config import Settings
from intake.db.accounts import AccountChange, AccountChild
from intake.db.workflow import AuditEntry
from intake.errors import ConflictError, WorkflowError
from intake.staff import passwords as staff_passwords
from intake.staff.directory import create_staff
from intake.staff.passwords import hash_password
from intake.storage import LocalStorage
from intake.web import create_app

from .helpers import AUTUMN, give_account, run_import, school, state, with_link

PASSWORD = "Correct-Horse-9-Battery"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(autouse=True)
def fast_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(staff_passwords, "_hasher", cheap)
    monkeypatch.setattr(passwords_module, "_hasher", cheap)


@pytest.fixture()
def suspended(factory) -> tuple[str, str]:
    """C1's account with S1 suspended by a court order (S2 still active): (account, link)."""
    run_import(factory, school())
    account_id = give_account(factory, "C1", ["S1", "S2"])
    run_import(factory, with_link(school(), "S1", "C1", court_order=True))
    with factory() as session:
        link = session.scalars(
            select(AccountChild).where(
                AccountChild.account_id == account_id, AccountChild.student_id == "S1"
            )
        ).one()
        return account_id, link.id


def _settings(tmp_path: Path, db_url: str) -> Settings:
    # MFA off in the generic fixtures: tests/staff/test_mfa*.py sign in with the default
    return Settings(data_dir=tmp_path, database_url=db_url, mfa_required_roles=())


def test_refused_while_the_court_order_holds_then_allowed(
    factory, suspended, tmp_path, db_url
) -> None:
    account_id, link_id = suspended
    with factory() as session:
        ctx = context_from_db(session, _settings(tmp_path, db_url))
        with pytest.raises(ConflictError, match="court order"):
            reinstate_suspended_link(session, ctx, link_id, "lead1", "checked with the LA")
        with pytest.raises(WorkflowError, match="needs a reason"):
            reinstate_suspended_link(session, ctx, link_id, "lead1", "")
        session.rollback()
    run_import(factory, school(), now=AUTUMN + timedelta(days=2))  # the order is lifted
    assert state(factory, account_id)[1]["S1"] == "suspended"  # never by itself
    with factory() as session:
        ctx = context_from_db(session, _settings(tmp_path, db_url))
        reinstate_suspended_link(session, ctx, link_id, "lead1", "order discharged, seen copy")
        session.commit()
    assert state(factory, account_id) == ("active", {"S1": "active", "S2": "active"})
    with factory() as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "account.link_reinstated")
        ).one()
        assert (entry.actor_id, entry.detail["student_id"]) == ("lead1", "S1")
        change = session.scalars(
            select(AccountChange).where(AccountChange.kind == "link_reinstated")
        ).one()
        assert change.note == "order discharged, seen copy"


def test_a_suspended_account_comes_back_with_its_link(factory, tmp_path, db_url) -> None:
    run_import(factory, school())
    account_id = give_account(factory, "C2", ["S1"])
    run_import(factory, with_link(school(), "S1", "C2", parental_responsibility=False))
    assert state(factory, account_id) == ("suspended", {"S1": "suspended"})
    run_import(factory, school(), now=AUTUMN + timedelta(days=1))
    with factory() as session:
        data = overview(session)
        (row,) = data.suspended
        assert (row.causes, row.still_holds) == ("parental responsibility removed", "")
        ctx = context_from_db(session, _settings(tmp_path, db_url))
        reinstate_suspended_link(session, ctx, row.link_id, "lead1", "PR confirmed by order")
        session.commit()
    assert state(factory, account_id) == ("active", {"S1": "active"})


@pytest.fixture()
def app(factory, tmp_path: Path, db_url: str) -> Iterator[Flask]:
    settings = _settings(tmp_path, db_url)
    flask_app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "safeguarding-tests-secret-key",
            "INTAKE_SETTINGS": settings,
            "INTAKE_QUEUE": object(),
            "INTAKE_STORAGE": LocalStorage(tmp_path / "files"),
            "RATELIMIT_ENABLED": False,
        }
    )
    with factory() as session:
        for name, role in (("office1", "office"), ("lead1", "approver"), ("admin1", "admin")):
            user, _ = create_staff(session, name, role)
            user.password_hash = hash_password(PASSWORD)
            user.must_change_password = False
        session.commit()
    yield flask_app
    flask_app.extensions["intake_engine"].dispose()


def _client(app: Flask, name: str) -> FlaskClient:
    client = app.test_client()
    token = CSRF_RE.search(client.get("/login").get_data(as_text=True)).group(1)  # type: ignore[union-attr]
    response = client.post(
        "/login", data={"username": name, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    return client


def test_the_screen_lists_the_change_and_reinstates_by_post(app, factory, suspended) -> None:
    account_id, link_id = suspended
    assert _client(app, "office1").get("/safeguarding").status_code == 403
    client = _client(app, "lead1")
    page = client.get("/safeguarding")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "court order" in html and "user-C1" in html and link_id in html
    token = CSRF_RE.search(html).group(1)  # type: ignore[union-attr]
    refused = client.post(
        f"/safeguarding/links/{link_id}/reinstate",
        data={"csrf_token": token, "reason": "asked by parent"},
    )
    assert refused.status_code == 409
    assert "while the school" in refused.get_data(as_text=True)
    assert state(factory, account_id)[1]["S1"] == "suspended"
    no_csrf = client.post(f"/safeguarding/links/{link_id}/reinstate", data={"reason": "x" * 9})
    assert no_csrf.status_code == 400
    run_import(factory, school(), now=AUTUMN + timedelta(days=3))
    done = client.post(
        f"/safeguarding/links/{link_id}/reinstate",
        data={"csrf_token": token, "reason": "order discharged"},
    )
    assert done.status_code == 302
    assert state(factory, account_id)[1]["S1"] == "active"


def test_the_web_roster_import_lists_the_account_changes(app, factory, tmp_path) -> None:
    import io

    from intake.roster.csv_io import write_roster

    run_import(factory, school())
    account_id = give_account(factory, "C1", ["S1", "S2"])
    path = tmp_path / "changed.csv"
    write_roster(with_link(school(), "S2", "C1", parental_responsibility=False), path)
    client = _client(app, "admin1")
    token = CSRF_RE.search(client.get("/admin/roster").get_data(as_text=True)).group(1)  # type: ignore[union-attr]
    response = client.post(
        "/admin/roster",
        data={"csrf_token": token, "roster": (io.BytesIO(path.read_bytes()), "roster.csv")},
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    # a change of parental responsibility is shown first, and nothing is changed yet
    assert "Nothing is imported yet" in html
    assert "student S2, contact C1: parental responsibility removed" in html
    assert state(factory, account_id) == ("active", {"S1": "active", "S2": "active"})
    response = client.post("/admin/roster/confirm", data={"csrf_token": token, "checked": "yes"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert "Portal accounts: 1 change(s)" in html
    assert (
        f"link suspended: parental responsibility removed: account {account_id} (contact C1), "
        "student S2" in html
    )
    assert state(factory, account_id) == ("active", {"S1": "active", "S2": "suspended"})
    with factory() as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "account.link_suspended")
        ).one()
        assert entry.actor_id != "roster-import"  # the admin who uploaded it
