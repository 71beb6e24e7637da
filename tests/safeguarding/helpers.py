"""A tiny synthetic school and the steps of the tests: import a roster, give a contact an
account, change the roster, import again."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from intake.accounts.roster_sync import AccountRules
from intake.config import Settings
from intake.db.accounts import AccountChild, PortalAccount
from intake.db.base import transaction
from intake.roster.csv_io import RosterFile
from intake.roster.importing import ImportSummary, SourceFile, import_roster
from intake.roster.model import Address, Contact, Relationship, Roster, Student

#: an import day in the autumn term: the default grace ends at the end of 31 December
AUTUMN = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)


def student(sid: str, forename: str, year: int = 8) -> Student:
    return Student(
        sid, "", forename, "Testington", forename, "Testington", date(2013, 1, 2), year, f"{year}A"
    )


def contact(cid: str, forename: str) -> Contact:
    return Contact(cid, "Ms", forename, "Testington", Address(("1 Test Row",), "DE56 1AA"))


def school() -> Roster:
    """S1, S2 siblings with C1 (PR for both) and C2 (PR for S1); S3 with C3 (PR)."""
    return Roster(
        (student("S1", "Ava"), student("S2", "Bea", 10), student("S3", "Cal", 7)),
        (contact("C1", "Dee"), contact("C2", "Eve"), contact("C3", "Fay")),
        (
            Relationship("S1", "C1", "PAM", True, 1),
            Relationship("S2", "C1", "PAM", True, 1),
            Relationship("S1", "C2", "PAF", True, 2),
            Relationship("S3", "C3", "PAM", True, 1),
        ),
    )


def with_link(roster: Roster, student_id: str, contact_id: str, **changes: object) -> Roster:
    """The roster with one link's flags changed."""
    links = tuple(
        replace(r, **changes) if (r.student_id, r.contact_id) == (student_id, contact_id) else r  # type: ignore[arg-type]
        for r in roster.relationships
    )
    return replace(roster, relationships=links)


def without_link(roster: Roster, student_id: str, contact_id: str) -> Roster:
    links = tuple(
        r for r in roster.relationships if (r.student_id, r.contact_id) != (student_id, contact_id)
    )
    return replace(roster, relationships=links)


def without_student(roster: Roster, student_id: str) -> Roster:
    return replace(
        roster,
        students=tuple(s for s in roster.students if s.student_id != student_id),
        relationships=tuple(r for r in roster.relationships if r.student_id != student_id),
    )


def rules(
    grace: str = "term_end", merges: dict[str, str] | None = None, **kw: object
) -> AccountRules:
    from intake.accounts.terms import leaver_grace

    return AccountRules(leaver_grace(Settings(leaver_grace=grace)), merges=merges or {}, **kw)  # type: ignore[arg-type]


def run_import(
    factory: sessionmaker[Session],
    roster: Roster,
    now: datetime = AUTUMN,
    full: bool = True,
    account_rules: AccountRules | None = None,
) -> ImportSummary:
    source = [SourceFile("roster.csv", "0" * 64, RosterFile(roster, (), "csv", full))]
    with transaction(factory) as session:
        return import_roster(
            session, source, full, allow_mass_leavers=True, now=now, accounts=account_rules
        )


def give_account(factory: sessionmaker[Session], contact_id: str, student_ids: list[str]) -> str:
    """An account as approval leaves it (approval itself is tested in tests/accounts)."""
    with transaction(factory) as session:
        account = PortalAccount(
            contact_id=contact_id,
            username=f"user-{contact_id}",
            username_key=f"user-{contact_id}".casefold(),
            created_by="approver1",
            source_form_id="form-1",
        )
        account.children = [
            AccountChild(student_id=s, linked_by="approver1", source_form_id="form-1")
            for s in student_ids
        ]
        session.add(account)
        session.flush()
        return account.id


def state(factory: sessionmaker[Session], account_id: str) -> tuple[str, dict[str, str]]:
    """The account's status and each link's status."""
    with factory() as session:
        account = session.get(PortalAccount, account_id)
        assert account is not None
        links = {
            link.student_id: link.status
            for link in session.scalars(
                select(AccountChild).where(AccountChild.account_id == account_id)
            )
        }
        return account.status, links


def link_row(factory: sessionmaker[Session], account_id: str, student_id: str) -> AccountChild:
    with factory() as session:
        row = session.scalars(
            select(AccountChild).where(
                AccountChild.account_id == account_id, AccountChild.student_id == student_id
            )
        ).one()
        session.expunge(row)
        return row
