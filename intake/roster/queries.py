"""Reading the roster back out of the database: for the matcher, and counts for ``show``.

Only students on roll (unless asked) and links that have not ended are read, so a leaver or a
contact whose standing ended can never be matched.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from intake.db.roster import ContactRow, RosterImportRow, StudentContactRow, StudentRow
from intake.roster.model import Address, Contact, Relationship, Roster, Student


def load_roster_from_db(session: Session, include_leavers: bool = False) -> Roster:
    """The roster as the matcher needs it: students on roll, their current links and contacts."""
    query = select(StudentRow).order_by(StudentRow.student_id)
    if not include_leavers:
        query = query.where(StudentRow.on_roll.is_(True))
    student_rows = list(session.scalars(query))
    by_pk = {row.id: row for row in student_rows}
    link_rows = [
        row
        for row in session.scalars(
            select(StudentContactRow).where(StudentContactRow.ended_at.is_(None))
        )
        if row.student_pk in by_pk
    ]
    contact_pks = {row.contact_pk for row in link_rows}
    contact_rows = {
        row.id: row for row in session.scalars(select(ContactRow)) if row.id in contact_pks
    }
    students = tuple(
        Student(
            student_id=row.student_id,
            upn=row.upn,
            legal_forename=row.legal_forename,
            legal_surname=row.legal_surname,
            preferred_forename=row.preferred_forename,
            preferred_surname=row.preferred_surname,
            dob=row.dob,
            year=row.year,
            tutor_group=row.tutor_group,
            sex=row.sex,
            previous_tutor_group=row.previous_tutor_group,
            on_roll=row.on_roll,
        )
        for row in student_rows
    )
    contacts = tuple(
        sorted(
            (
                Contact(
                    contact_id=row.contact_id,
                    title=row.title,
                    forename=row.forename,
                    surname=row.surname,
                    address=Address(
                        tuple(filter(None, row.address_lines.split("\n"))), row.postcode
                    ),
                    home_phone=row.home_phone,
                    mobile_phone=row.mobile_phone,
                    email=row.email,
                )
                for row in contact_rows.values()
            ),
            key=lambda c: c.contact_id,
        )
    )
    relationships = tuple(
        sorted(
            (
                Relationship(
                    student_id=by_pk[row.student_pk].student_id,
                    contact_id=contact_rows[row.contact_pk].contact_id,
                    relationship=row.relationship_code,
                    parental_responsibility=row.parental_responsibility,
                    priority=row.priority,
                    court_order=row.court_order,
                    no_contact=row.no_contact,
                    lives_with_pupil=row.lives_with_pupil,
                )
                for row in link_rows
            ),
            key=lambda r: (r.student_id, r.priority, r.contact_id),
        )
    )
    return Roster(students, contacts, relationships)


@dataclass(frozen=True)
class RosterOverview:
    """Counts only: what ``intake roster show`` prints (no personal data)."""

    students_by_year: dict[int, int]
    leavers: int
    tutor_groups: int
    without_tutor_group: int
    contacts: int
    links: int
    links_with_pr: int
    students_without_pr_contact: int
    court_orders: int
    no_contacts: int
    imports: int
    last_import_at: datetime | None


def roster_overview(session: Session) -> RosterOverview:
    roster = load_roster_from_db(session)
    with_pr = {
        r.student_id for r in roster.relationships if r.parental_responsibility and not r.blocked
    }
    last = session.scalar(select(func.max(RosterImportRow.imported_at)))
    return RosterOverview(
        students_by_year=dict(sorted(Counter(s.year for s in roster.students).items())),
        leavers=session.scalar(select(func.count()).where(StudentRow.on_roll.is_(False))) or 0,
        tutor_groups=len({s.tutor_group for s in roster.students if s.tutor_group}),
        without_tutor_group=sum(1 for s in roster.students if not s.tutor_group),
        contacts=len(roster.contacts),
        links=len(roster.relationships),
        links_with_pr=sum(r.parental_responsibility for r in roster.relationships),
        students_without_pr_contact=sum(1 for s in roster.students if s.student_id not in with_pr),
        court_orders=sum(r.court_order for r in roster.relationships),
        no_contacts=sum(r.no_contact for r in roster.relationships),
        imports=session.scalar(select(func.count()).select_from(RosterImportRow)) or 0,
        last_import_at=last,
    )
