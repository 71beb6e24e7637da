"""Who a subject-access or erasure request is about, and which rows and forms name them.

A person is a roster contact (``contacts.contact_id``, or an account's contact id once the
roster no longer holds it) or a student (``students.student_id``). A form *names* a person when
its matching proposals or confirmed links point at them, or when it is the source form of their
account or of a link to them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.accounts.errors import NotFoundError
from intake.db.accounts import AccountChild, PortalAccount
from intake.db.roster import ContactRow, StudentContactRow, StudentRow
from intake.db.workflow import Form

CONTACT = "contact"
STUDENT = "student"


@dataclass(frozen=True)
class Person:
    kind: str  # CONTACT or STUDENT
    person_id: str


def find_person(session: Session, person_id: str) -> Person:
    """The contact or student with this MIS id; ``NotFoundError`` when neither is held."""
    person_id = person_id.strip()
    if not person_id:
        raise NotFoundError("Give a contact id or a student id.")
    if session.scalar(select(ContactRow.id).where(ContactRow.contact_id == person_id)):
        return Person(CONTACT, person_id)
    if session.scalar(select(StudentRow.id).where(StudentRow.student_id == person_id)):
        return Person(STUDENT, person_id)
    if session.scalar(select(PortalAccount.id).where(PortalAccount.contact_id == person_id)):
        return Person(CONTACT, person_id)
    raise NotFoundError(f"No contact or student with id {person_id} is held.")


def accounts_of(session: Session, person: Person) -> list[PortalAccount]:
    """The contact's account (a student has none of their own)."""
    if person.kind != CONTACT:
        return []
    return list(
        session.scalars(select(PortalAccount).where(PortalAccount.contact_id == person.person_id))
    )


def links_of(session: Session, person: Person) -> list[tuple[StudentContactRow, str, str]]:
    """The roster links of the person, current and ended: ``(link, student_id, contact_id)``."""
    query = (
        select(StudentContactRow, StudentRow.student_id, ContactRow.contact_id)
        .join(StudentRow, StudentRow.id == StudentContactRow.student_pk)
        .join(ContactRow, ContactRow.id == StudentContactRow.contact_pk)
    )
    if person.kind == CONTACT:
        query = query.where(ContactRow.contact_id == person.person_id)
    else:
        query = query.where(StudentRow.student_id == person.person_id)
    return [(link, s, c) for link, s, c in session.execute(query.order_by(StudentRow.student_id))]


def _names(data: dict[str, Any], key: str, field: str, person_id: str) -> bool:
    return any(
        isinstance(item, dict) and str(item.get(field) or "") == person_id
        for item in (data or {}).get(key, []) or []
    )


def form_names(form: Form, person: Person) -> bool:
    key, field = (
        ("applicants", "contact_id") if person.kind == CONTACT else ("children", "student_id")
    )
    return any(_names(data, key, field, person.person_id) for data in (form.match, form.proposed))


def forms_naming(session: Session, person: Person) -> list[Form]:
    """Every form that names the person, oldest first."""
    ids: set[str] = set()
    if person.kind == CONTACT:
        for account in accounts_of(session, person):
            ids.add(account.source_form_id)
            ids |= {link.source_form_id for link in account.children}
    else:
        ids |= set(
            session.scalars(
                select(AccountChild.source_form_id).where(
                    AccountChild.student_id == person.person_id
                )
            )
        )
    # The JSON columns are searched in Python: the same on SQLite and PostgreSQL, and a
    # school holds thousands of forms, not millions.
    for form in session.scalars(select(Form).where(Form.id.not_in(ids))):
        if form_names(form, person):
            ids.add(form.id)
    forms = session.scalars(select(Form).where(Form.id.in_(ids)).order_by(Form.created_at))
    return list(forms)
