"""What the accounts area needs from the rest of the product, as small typed protocols.

The service is written against these, not against other areas' tables: the form as the approver
sees it (``FormForApproval``), the school's roster (``RosterLookup``), the forms table
(``FormStore``) and the audit log (``AuditRecorder``). Adapters to the real tables live in
``intake.accounts.adapters``; tests use the in-memory ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

from intake.config import Settings
from intake.db.accounts import utcnow
from intake.review.states import FormState
from intake.roster.model import Contact, Relationship, Roster, Student


@dataclass(frozen=True)
class ApplicantOnForm:
    """One Parent/Carer section of a form, after matching and review."""

    slot: int  # 1 or 2
    contact_id: str | None  # the matched roster contact; None when nobody was matched
    signed: bool  # the agreement and the confirmation are both signed
    written_forename: str = ""
    written_surname: str = ""
    written_address: tuple[str, ...] = ()  # as written on the form: only for rejection letters
    written_postcode: str = ""
    #: the contact was chosen by a member of staff, not by the matcher
    chosen_by_hand: bool = False


@dataclass(frozen=True)
class ChildOnForm:
    """One child row of a form, after matching and review."""

    row: int
    student_id: str | None  # the chosen roster student; None when not matched
    already_has_account: bool = False
    written_name: str = ""  # the child's name as written (or corrected) on the form
    #: the student was chosen by a member of staff, not by the matcher
    chosen_by_hand: bool = False


@dataclass(frozen=True)
class FormForApproval:
    form_id: str
    state: str
    uploaded_by: str | None
    last_edited_by: str | None
    applicants: tuple[ApplicantOnForm, ...]
    children: tuple[ChildOnForm, ...]


class RosterLookup(Protocol):
    """The roster as the school's MIS holds it (contacts, students, parental responsibility)."""

    def contact(self, contact_id: str) -> Contact | None: ...

    def student(self, student_id: str) -> Student | None: ...

    def relationships_of_contact(self, contact_id: str) -> list[Relationship]: ...

    def relationships_of_student(self, student_id: str) -> list[Relationship]: ...

    def students(self) -> tuple[Student, ...]: ...


class FormStore(Protocol):
    """The forms table: locked for the length of the caller's transaction."""

    def lock(self, session: Session, form_id: str) -> FormForApproval:
        """The form, row-locked (``SELECT ... FOR UPDATE``); ``NotFoundError`` when absent."""
        ...

    def set_state(
        self, session: Session, form_id: str, state: FormState, actor_id: str
    ) -> None: ...


class AuditRecorder(Protocol):
    def __call__(
        self,
        session: Session,
        *,
        actor_id: str,
        action: str,
        object_type: str,
        object_id: str,
        detail: dict[str, Any] | None = None,
    ) -> None: ...


@dataclass(frozen=True)
class AccountsContext:
    """Everything the accounts service needs, built once at an entry point."""

    settings: Settings
    roster: RosterLookup
    forms: FormStore
    audit: AuditRecorder
    clock: Callable[[], datetime] = field(default=utcnow)


class RosterInMemory:
    """``RosterLookup`` over an in-memory ``Roster`` (tests, demo, and small imports)."""

    def __init__(self, roster: Roster) -> None:
        self._roster = roster
        self._students = {s.student_id: s for s in roster.students}
        self._contacts = {c.contact_id: c for c in roster.contacts}

    def contact(self, contact_id: str) -> Contact | None:
        return self._contacts.get(contact_id)

    def student(self, student_id: str) -> Student | None:
        return self._students.get(student_id)

    def relationships_of_contact(self, contact_id: str) -> list[Relationship]:
        return [r for r in self._roster.relationships if r.contact_id == contact_id]

    def relationships_of_student(self, student_id: str) -> list[Relationship]:
        return [r for r in self._roster.relationships if r.student_id == student_id]

    def students(self) -> tuple[Student, ...]:
        return self._roster.students
