"""Load rosters into the database and back out, all or nothing.

``import_roster`` runs inside the caller's transaction: any ``RosterError`` it raises leaves the
database as it was. Records are matched by the MIS's ids only (never by name):

- students: updated in place; a changed tutor group keeps the old one as the previous tutor group
  (unless the file gives one); a full import marks students it does not hold as leavers
  (``on_roll = False``) and brings back leavers it holds again;
- contacts: updated in place; a full import marks contacts it does not hold as not current;
- links: a student's links are replaced by the file's (changed in place, new ones added, missing
  ones ended with ``ended_at``) when the import is full or the file gives that student contacts.
  A partial CTF without contacts leaves a pupil's links alone.

Changes to parental responsibility, court-order and no-contact flags on existing links, and ended
links that carried parental responsibility, are returned as ``FlagChange`` for the summary.

Accounts follow in the same transaction (``intake.accounts.roster_sync``): links suspended, leavers'
links given an end date, links past it ended, merged contacts' accounts kept as one; every change is
in ``ImportSummary.account_changes``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from intake.accounts.lifecycle import AccountChangeEvent
from intake.accounts.roster_sync import AccountRules, sync_for_import
from intake.db.roster import (
    ContactRow,
    RosterImportFileRow,
    RosterImportRow,
    StudentContactRow,
    StudentRow,
)
from intake.errors import RosterError
from intake.roster.control_chars import roster_control_problems
from intake.roster.csv_io import RosterFile
from intake.roster.model import Contact, Relationship, Roster, Student
from intake.roster.queries import RosterOverview, load_roster_from_db, roster_overview

__all__ = [
    "FlagChange",
    "ImportSummary",
    "RosterOverview",
    "SourceFile",
    "import_roster",
    "load_roster_from_db",
    "merge_files",
    "roster_overview",
]

log = logging.getLogger(__name__)

#: a full import may mark at most this share of the students on roll as leavers unless allowed
MASS_LEAVER_SHARE = 0.3

_STUDENT_FIELDS = (
    "upn",
    "legal_forename",
    "legal_surname",
    "preferred_forename",
    "preferred_surname",
    "dob",
    "year",
    "tutor_group",
    "sex",
)
_FLAGS = (
    ("parental_responsibility", "parental responsibility"),
    ("court_order", "court order"),
    ("no_contact", "no contact"),
)


@dataclass(frozen=True)
class SourceFile:
    """One file of an import: what it held and its fingerprint for the log."""

    name: str
    sha256: str
    content: RosterFile


@dataclass(frozen=True)
class FlagChange:
    student_id: str
    contact_id: str
    change: str  # "parental responsibility removed", "court order added", ...


@dataclass
class ImportSummary:
    full: bool
    students_added: int = 0
    students_updated: int = 0
    students_left: int = 0
    students_returned: int = 0
    tutor_groups_changed: int = 0
    contacts_added: int = 0
    contacts_updated: int = 0
    contacts_not_current: int = 0
    links_added: int = 0
    links_updated: int = 0
    links_ended: int = 0
    flag_changes: list[FlagChange] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    import_id: int = 0
    #: what the import did to portal accounts, in order (``intake.accounts.lifecycle``)
    account_changes: list[AccountChangeEvent] = field(default_factory=list)
    #: things about accounts a person should look at (an account holder gone from the MIS...)
    account_warnings: list[str] = field(default_factory=list)


def merge_files(files: list[SourceFile]) -> Roster:
    """One roster from several files; the same id with different data in two files is an error."""
    students: dict[str, tuple[str, Student]] = {}
    contacts: dict[str, tuple[str, Contact]] = {}
    links: dict[tuple[str, str], Relationship] = {}
    problems: list[str] = []
    for source in files:
        roster = source.content.roster
        for student in roster.students:
            seen = students.setdefault(student.student_id, (source.name, student))
            if seen[1] != student:
                problems.append(
                    f"{source.name}: student {student.student_id} differs from {seen[0]}"
                )
        for contact in roster.contacts:
            seen_c = contacts.setdefault(contact.contact_id, (source.name, contact))
            if seen_c[1] != contact:
                problems.append(
                    f"{source.name}: contact {contact.contact_id} differs from {seen_c[0]}"
                )
        for link in roster.relationships:
            if links.setdefault((link.student_id, link.contact_id), link) != link:
                problems.append(
                    f"{source.name}: link {link.student_id}-{link.contact_id} "
                    "differs from another file's"
                )
    if problems:
        raise RosterError("the files disagree; nothing was imported", problems)
    return Roster(
        tuple(s for _, s in students.values()),
        tuple(c for _, c in contacts.values()),
        tuple(links.values()),
    )


def _student_values(student: Student) -> dict[str, object]:
    return {name: getattr(student, name) for name in _STUDENT_FIELDS}


def _contact_values(contact: Contact) -> dict[str, object]:
    return {
        "title": contact.title,
        "forename": contact.forename,
        "surname": contact.surname,
        "postcode": contact.address.postcode,
        "home_phone": contact.home_phone,
        "mobile_phone": contact.mobile_phone,
        "email": contact.email,
        "address_lines": "\n".join(contact.address.lines),
    }


def _check_upns(session: Session, roster: Roster) -> None:
    incoming = {s.upn: s.student_id for s in roster.students if s.upn}
    clashes = session.execute(
        select(StudentRow.upn, StudentRow.student_id).where(StudentRow.upn.in_(list(incoming)))
    ).all()
    problems = [
        f"UPN {upn} is student {known} in the database but {incoming[upn]} in the file"
        for upn, known in clashes
        if incoming[upn] != known
    ]
    if problems:
        raise RosterError(
            "the file gives known pupils new ids; ids must stay the MIS's (for a CTF, give a "
            "tutor-group CSV with StudentID and UPN); nothing was imported",
            problems[:200],
        )


def import_roster(
    session: Session,
    files: list[SourceFile],
    full: bool,
    allow_mass_leavers: bool = False,
    now: datetime | None = None,
    accounts: AccountRules | None = None,
) -> ImportSummary:
    """Apply the files to the database in the caller's transaction (see the module rules), then
    the roster's changes to accounts with ``accounts`` (default: the default settings)."""
    now = now or datetime.now(UTC)
    roster = merge_files(files)
    controls = roster_control_problems(roster)
    if controls:
        raise RosterError(
            f"{len(controls)} control character(s) in the roster; nothing was imported",
            controls[:200],
        )
    _check_upns(session, roster)
    summary = ImportSummary(full=full)
    for source in files:
        summary.warnings.extend(f"{source.name}: {w}" for w in source.content.warnings)
    students, new_students = _apply_students(session, roster, summary, now, allow_mass_leavers)
    contacts = _apply_contacts(session, roster, summary, now)
    _apply_links(session, roster, _Keys(students, contacts, new_students), summary, now)
    record = RosterImportRow(
        imported_at=now,
        full=full,
        students_added=summary.students_added,
        students_updated=summary.students_updated,
        students_left=summary.students_left,
        students_returned=summary.students_returned,
        contacts_added=summary.contacts_added,
        contacts_updated=summary.contacts_updated,
        links_added=summary.links_added,
        links_ended=summary.links_ended,
        flag_changes=len(summary.flag_changes),
    )
    record.files = [
        RosterImportFileRow(
            file_name=s.name[:255],
            sha256=s.sha256,
            kind=s.content.kind,
            students=len(s.content.roster.students),
            contacts=len(s.content.roster.contacts),
        )
        for s in files
    ]
    session.add(record)
    session.flush()
    summary.import_id = record.id
    summary.account_changes, summary.account_warnings = sync_for_import(
        session, accounts, record.id, now
    )
    log.info(
        "roster import %s: %d students added, %d updated, %d left",
        record.id,
        summary.students_added,
        summary.students_updated,
        summary.students_left,
    )
    return summary


def _insert(
    session: Session, model: type[StudentRow] | type[ContactRow], rows: list[dict]
) -> dict[str, int]:
    """Bulk-insert new rows (far quicker than one ORM object each); MIS id -> primary key."""
    if not rows:
        return {}
    key = model.student_id if model is StudentRow else model.contact_id  # type: ignore[union-attr]
    result = session.execute(
        insert(model).returning(model.id, key, sort_by_parameter_order=True), rows
    )
    return {mis_id: pk for pk, mis_id in result}


def _apply_students(
    session: Session,
    roster: Roster,
    summary: ImportSummary,
    now: datetime,
    allow_mass_leavers: bool,
) -> tuple[dict[str, int], set[str]]:
    rows = {row.student_id: row for row in session.scalars(select(StudentRow))}
    incoming = {s.student_id for s in roster.students}
    if summary.full:
        leaving = [row for sid, row in rows.items() if row.on_roll and sid not in incoming]
        on_roll = sum(row.on_roll for row in rows.values())
        if leaving and len(leaving) > MASS_LEAVER_SHARE * on_roll and not allow_mass_leavers:
            raise RosterError(
                f"this full import would mark {len(leaving)} of {on_roll} students on roll as "
                "leavers; import part of the school with --partial, or confirm with "
                "--allow-mass-leavers; nothing was imported"
            )
        for row in leaving:
            row.on_roll, row.left_at, row.updated_at = False, now, now
        summary.students_left = len(leaving)
    new: list[dict] = []
    for student in roster.students:
        found_student = rows.get(student.student_id)
        values = _student_values(student)
        if found_student is None:
            new.append(
                {
                    "student_id": student.student_id,
                    "created_at": now,
                    "updated_at": now,
                    "previous_tutor_group": student.previous_tutor_group,
                    "on_roll": True,
                    **values,
                }
            )
            continue
        row = found_student
        changed = [name for name, value in values.items() if getattr(row, name) != value]
        if "tutor_group" in changed:
            summary.tutor_groups_changed += 1
            row.previous_tutor_group = student.previous_tutor_group or row.tutor_group
        elif student.previous_tutor_group not in ("", row.previous_tutor_group):
            row.previous_tutor_group = student.previous_tutor_group
            changed.append("previous_tutor_group")
        if not row.on_roll:
            row.on_roll, row.left_at = True, None
            summary.students_returned += 1
            changed.append("on_roll")
        for name in changed:
            if name in values:
                setattr(row, name, values[name])
        if changed:
            row.updated_at = now
            summary.students_updated += 1
    session.flush()
    keys = {sid: row.id for sid, row in rows.items()}
    keys.update(_insert(session, StudentRow, new))
    summary.students_added = len(new)
    return keys, {row["student_id"] for row in new}


def _apply_contacts(
    session: Session, roster: Roster, summary: ImportSummary, now: datetime
) -> dict[str, int]:
    rows = {row.contact_id: row for row in session.scalars(select(ContactRow))}
    incoming = {c.contact_id for c in roster.contacts}
    if summary.full:
        for contact_id, row in rows.items():
            if row.current and contact_id not in incoming:
                row.current, row.updated_at = False, now
                summary.contacts_not_current += 1
    new: list[dict] = []
    for contact in roster.contacts:
        found = rows.get(contact.contact_id)
        values = _contact_values(contact)
        if found is None:
            new.append(
                {
                    "contact_id": contact.contact_id,
                    "created_at": now,
                    "updated_at": now,
                    "current": True,
                    **values,
                }
            )
            continue
        row = found
        changed = [name for name, value in values.items() if getattr(row, name) != value]
        for name in changed:
            setattr(row, name, values[name])
        if changed or not row.current:
            row.current, row.updated_at = True, now
            summary.contacts_updated += 1
    session.flush()
    keys = {cid: row.id for cid, row in rows.items()}
    keys.update(_insert(session, ContactRow, new))
    summary.contacts_added = len(new)
    return keys


@dataclass(frozen=True)
class _Keys:
    students: dict[str, int]  # MIS id -> primary key
    contacts: dict[str, int]
    new_students: set[str]


def _link_values(link: Relationship) -> dict[str, object]:
    return {
        "relationship_code": link.relationship,
        "parental_responsibility": link.parental_responsibility,
        "priority": link.priority,
        "court_order": link.court_order,
        "no_contact": link.no_contact,
        "lives_with_pupil": link.lives_with_pupil,
    }


def _apply_links(
    session: Session, roster: Roster, keys: _Keys, summary: ImportSummary, now: datetime
) -> None:
    existing: dict[tuple[int, int], StudentContactRow] = {
        (row.student_pk, row.contact_pk): row for row in session.scalars(select(StudentContactRow))
    }
    existing_of: dict[int, list[StudentContactRow]] = {}
    for row in existing.values():
        existing_of.setdefault(row.student_pk, []).append(row)
    by_student: dict[str, list[Relationship]] = {}
    for link in roster.relationships:
        by_student.setdefault(link.student_id, []).append(link)
    contact_ids = {pk: cid for cid, pk in keys.contacts.items()}
    new: list[dict] = []
    for student in roster.students:
        links = by_student.get(student.student_id, [])
        if not links and not summary.full:
            continue  # a partial file without contacts says nothing about them
        student_pk = keys.students[student.student_id]
        kept: set[int] = set()
        for link in links:
            contact_pk = keys.contacts[link.contact_id]
            kept.add(contact_pk)
            known = existing.get((student_pk, contact_pk))
            if known is None:
                new.append(
                    {
                        "student_pk": student_pk,
                        "contact_pk": contact_pk,
                        "created_at": now,
                        "updated_at": now,
                        **_link_values(link),
                    }
                )
                if link.blocked and student.student_id not in keys.new_students:
                    summary.flag_changes.append(
                        FlagChange(
                            student.student_id,
                            link.contact_id,
                            "new contact with a court order or no-contact flag",
                        )
                    )
            else:
                _update_link(known, link, summary, now)
        for row in existing_of.get(student_pk, []):
            if row.contact_pk not in kept and row.ended_at is None:
                row.ended_at, row.updated_at = now, now
                summary.links_ended += 1
                if row.parental_responsibility:
                    summary.flag_changes.append(
                        FlagChange(
                            student.student_id,
                            contact_ids.get(row.contact_pk, "?"),
                            "link with parental responsibility ended",
                        )
                    )
    if new:
        session.execute(insert(StudentContactRow), new)
    summary.links_added += len(new)


def _update_link(
    row: StudentContactRow, link: Relationship, summary: ImportSummary, now: datetime
) -> None:
    values = _link_values(link)
    if row.ended_at is None:
        for name, words in _FLAGS:
            old, new = getattr(row, name), values[name]
            if old != new:
                change = f"{words} {'added' if new else 'removed'}"
                summary.flag_changes.append(FlagChange(link.student_id, link.contact_id, change))
    changed = [name for name, value in values.items() if getattr(row, name) != value]
    if changed or row.ended_at is not None:
        for name in changed:
            setattr(row, name, values[name])
        if row.ended_at is not None:
            row.ended_at = None
            summary.links_added += 1
        else:
            summary.links_updated += 1
        row.updated_at = now
