"""Fixtures of the accounts tests: a small synthetic roster, a minimal forms table and audit log
(in their own metadata, so other areas' tables are not needed), and a database per test.

The database is a SQLite file; tests marked ``postgres`` run the same on PostgreSQL in a schema
of their own (the ``postgres_url`` fixture of the suite).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import asdict
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import JSON, Engine, String, select, text
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from intake.accounts.adapters import audit_recorder
from intake.accounts.errors import NotFoundError
from intake.accounts.ports import (
    AccountsContext,
    ApplicantOnForm,
    ChildOnForm,
    FormForApproval,
    RosterInMemory,
)
from intake.config import Settings
from intake.db import records as _records  # noqa: F401 - registers the records tables
from intake.db.base import Base, make_engine, make_session_factory
from intake.db.workflow import AuditEntry
from intake.roster.model import Address, Contact, Relationship, Roster, Student


class FakeBase(DeclarativeBase):
    pass


class FakeForm(FakeBase):
    __tablename__ = "fake_forms"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    state: Mapped[str] = mapped_column(String(20))
    uploaded_by: Mapped[str | None] = mapped_column(String(64))
    last_edited_by: Mapped[str | None] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)


class FakeFormStore:
    def lock(self, session: Session, form_id: str) -> FormForApproval:
        row = session.scalars(
            select(FakeForm).where(FakeForm.id == form_id).with_for_update()
        ).one_or_none()
        if row is None:
            raise NotFoundError("No such form.")
        p = row.payload
        return FormForApproval(
            form_id=row.id,
            state=row.state,
            uploaded_by=row.uploaded_by,
            last_edited_by=row.last_edited_by,
            applicants=tuple(
                ApplicantOnForm(**{**a, "written_address": tuple(a["written_address"])})
                for a in p["applicants"]
            ),
            children=tuple(ChildOnForm(**c) for c in p["children"]),
        )

    def set_state(self, session: Session, form_id: str, state: str, actor_id: str) -> None:
        row = session.get(FakeForm, form_id)
        assert row is not None
        row.state = state


def _student(
    sid: str, forename: str, surname: str, year: int, group: str, on_roll: bool = True
) -> Student:
    return Student(
        sid,
        f"A{sid}",
        forename,
        surname,
        forename,
        surname,
        date(2012, 3, 4),
        year,
        group,
        on_roll=on_roll,
    )


def _address(*lines: str, postcode: str) -> Address:
    return Address(tuple(lines), postcode)


SMITH_HOME = _address("12 Acacia Avenue", "Belper", postcode="DE56 1AA")
JONES_HOME = _address("3 Mill Lane", "Ambergate", postcode="DE56 2BB")


def make_roster() -> Roster:
    """Synthetic families:

    - S1 Amy Smith and S2 Ben Smith: C1 Mrs Jane Smith and C2 Mr John Smith with PR for both;
      C3 Mr Tom Smith (step-father) for S1 with no PR.
    - S3 Cara Jones: C4 Ms Dana Jones with PR; C5 Mr Evan Jones with PR but a court order.
    - S4 Dan Jones, a leaver (off roll), with C4 as PR contact.
    - S5 a pupil named with ReportLab markup, C6 a contact named with markup too.
    """
    students = (
        _student("S1", "Amy", "Smith", 7, "7B"),
        _student("S2", "Ben", "Smith", 9, "9C"),
        _student("S3", "Cara", "Jones", 8, "8A"),
        _student("S4", "Dan", "Jones", 13, "13X", on_roll=False),
        _student("S5", '<img src="/etc/passwd"/>', "Tester", 10, "10R"),
    )
    contacts = (
        Contact("C1", "Mrs", "Jane", "Smith", SMITH_HOME, email="jane.smith@example.org"),
        Contact("C2", "Mr", "John", "Smith", SMITH_HOME, email="jane.smith@example.org"),
        Contact("C3", "Mr", "Tom", "Smith", _address("9 Other Road", "Derby", postcode="DE1 9ZZ")),
        Contact("C4", "Ms", "Dana", "Jones", JONES_HOME, email="dana@example.org"),
        Contact("C5", "Mr", "Evan", "Jones", _address("1 Far Street", "Leeds", postcode="LS1 1AA")),
        Contact(
            "C6",
            "Dr",
            "<b>Bold</b>",
            "O'Brien-Núñez",
            _address("<font size=40>Big</font> House", "Belper", postcode="DE56 3CC"),
            email='=HYPERLINK("x")@example.org',
        ),
    )
    relationships = (
        Relationship("S1", "C1", "PAM", True, 1),
        Relationship("S2", "C1", "PAM", True, 1),
        Relationship("S1", "C2", "PAF", True, 2),
        Relationship("S2", "C2", "PAF", True, 2),
        Relationship("S1", "C3", "STF", False, 3),
        Relationship("S3", "C4", "PAM", True, 1),
        Relationship("S4", "C4", "PAM", True, 1),
        Relationship("S3", "C5", "PAF", True, 2, court_order=True),
        Relationship("S5", "C6", "PAF", True, 1),
    )
    return Roster(students, contacts, relationships)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 9, 7, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def create_tables(engine: Engine) -> None:
    Base.metadata.create_all(
        engine,
        tables=[
            t
            for name, t in Base.metadata.tables.items()
            if name
            in {
                "portal_accounts",
                "account_children",
                "account_changes",
                "form_decisions",
                "child_holds",
                "letter_prints",
                "rejection_letters",
                "api_tokens",
                "audit_log",
                "audit_chain_head",
                "letter_deliveries",
                "letter_collections",
            }
        ],
    )
    FakeBase.metadata.create_all(engine)


@pytest.fixture
def engine(tmp_path: Any) -> Iterator[Engine]:
    eng = make_engine(f"sqlite:///{tmp_path / 'accounts.sqlite3'}")
    create_tables(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def pg_engine(postgres_url: str) -> Iterator[Engine]:
    schema = f"accounts_test_{uuid.uuid4().hex[:10]}"
    admin = make_engine(postgres_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    eng = make_engine(
        postgres_url, connect_args={"options": f"-csearch_path={schema}"}, pool_size=12
    )
    create_tables(eng)
    yield eng
    eng.dispose()
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def settings(tmp_path: Any) -> Settings:
    return Settings(data_dir=tmp_path)


@pytest.fixture
def ctx(settings: Settings, clock: Clock) -> AccountsContext:
    return AccountsContext(
        settings=settings,
        roster=RosterInMemory(make_roster()),
        forms=FakeFormStore(),
        audit=audit_recorder,
        clock=clock,
    )


def applicant(slot: int, contact_id: str | None, signed: bool = True) -> ApplicantOnForm:
    return ApplicantOnForm(
        slot=slot,
        contact_id=contact_id,
        signed=signed,
        written_forename="WRITTEN",
        written_surname="NAME",
        written_address=("99 FORM STREET", "FORMTOWN"),
        written_postcode="FO1 1RM",
    )


def add_form(
    factory: sessionmaker[Session],
    applicants: list[ApplicantOnForm],
    children: list[ChildOnForm],
    *,
    state: str = "review",
    uploaded_by: str = "office1",
    last_edited_by: str | None = "office2",
) -> str:
    form_id = str(uuid.uuid4())
    payload = {
        "applicants": [asdict(a) for a in applicants],
        "children": [asdict(c) for c in children],
    }
    with factory() as session, session.begin():
        session.add(
            FakeForm(
                id=form_id,
                state=state,
                uploaded_by=uploaded_by,
                last_edited_by=last_edited_by,
                payload=payload,
            )
        )
    return form_id


def smith_form(factory: sessionmaker[Session], **kw: Any) -> str:
    """Mrs and Mr Smith apply for Amy and Ben."""
    return add_form(
        factory,
        [applicant(1, "C1"), applicant(2, "C2")],
        [ChildOnForm(1, "S1"), ChildOnForm(2, "S2")],
        **kw,
    )


def audit_actions(factory: sessionmaker[Session]) -> list[str]:
    with factory() as session:
        return [a.action for a in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
