"""The accounts service's ports over the product's real tables: ``forms`` (web), the roster tables
(roster) and ``audit_log`` (web).

How a form row becomes a ``FormForApproval``:

- an applicant section (``p1_`` / ``p2_``) is present when any of its name, address, email or
  signature fields holds a value; it is *signed* only when both its signatures (agreement and
  confirmation) read ``signed``;
- child rows ``child1`` .. ``childN`` are present when a name is written or a student is chosen;
- the chosen student per row and contact per applicant come from the reviewer's confirmed
  ``forms.match`` first, then the matcher's ``forms.proposed`` (keys ``children[].row/student_id``
  and ``applicants[].party/contact_id``); one taken from ``forms.match`` is *chosen by hand*,
  which the approver is shown (``intake.accounts.cautions``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.accounts.errors import NotFoundError
from intake.accounts.ports import (
    AccountsContext,
    ApplicantOnForm,
    ChildOnForm,
    FormForApproval,
)
from intake.config import Settings
from intake.errors import ConfigError
from intake.review.states import FormState
from intake.roster.model import Address, Contact, Relationship, Student

if TYPE_CHECKING:
    from intake.db.workflow import Form

SIGNED = "signed"
TICKED = "ticked"
MAX_CHILD_ROWS = 12
_APPLICANT_FIELDS = (
    "forename",
    "surname",
    "print_name",
    "address1",
    "address2",
    "postcode",
    "email",
    "signature_agree",
    "signature_confirm",
)


def _value(values: Mapping[str, Any], field_id: str) -> str:
    item = values.get(field_id)
    if isinstance(item, dict):
        return str(item.get("value", "") or "")
    return str(item or "")


def _links(
    form_match: Mapping[str, Any], proposed: Mapping[str, Any], key: str, by: str, target: str
) -> dict[Any, str | None]:
    out: dict[Any, str | None] = {}
    for source in (proposed, form_match):  # confirmed choices win over proposals
        for item in source.get(key, []) or []:
            if isinstance(item, dict) and by in item:
                value = item.get(target)
                out[item[by]] = str(value) if value else None
    return out


def form_for_approval(
    form_id: str,
    state: str,
    uploaded_by: str | None,
    last_edited_by: str | None,
    values: Mapping[str, Any],
    proposed: Mapping[str, Any],
    form_match: Mapping[str, Any],
) -> FormForApproval:
    """Build the approver's view of a form from the columns of a ``forms`` row."""
    contacts = _links(form_match, proposed, "applicants", "party", "contact_id")
    students = _links(form_match, proposed, "children", "row", "student_id")
    by_hand_contacts = _links(form_match, {}, "applicants", "party", "contact_id")
    by_hand_rows = {
        str(r) for r, s in _links(form_match, {}, "children", "row", "student_id").items() if s
    }
    applicants = []
    for slot in (1, 2):
        p = f"p{slot}_"
        if not any(_value(values, p + name) for name in _APPLICANT_FIELDS):
            continue
        applicants.append(
            ApplicantOnForm(
                slot=slot,
                contact_id=contacts.get(f"parent{slot}"),
                signed=_value(values, p + "signature_agree") == SIGNED
                and _value(values, p + "signature_confirm") == SIGNED,
                written_forename=_value(values, p + "forename"),
                written_surname=_value(values, p + "surname"),
                written_address=tuple(
                    x for x in (_value(values, p + "address1"), _value(values, p + "address2")) if x
                ),
                written_postcode=_value(values, p + "postcode"),
                chosen_by_hand=bool(by_hand_contacts.get(f"parent{slot}")),
            )
        )
    children = []
    for row in range(1, MAX_CHILD_ROWS + 1):
        student_id = students.get(row) or students.get(str(row))
        if not _value(values, f"child{row}_name") and not student_id:
            continue
        children.append(
            ChildOnForm(
                row=row,
                student_id=student_id,
                already_has_account=_value(values, f"child{row}_has_account") == TICKED,
                written_name=_value(values, f"child{row}_name"),
                chosen_by_hand=str(row) in by_hand_rows,
            )
        )
    return FormForApproval(
        form_id, state, uploaded_by, last_edited_by, tuple(applicants), tuple(children)
    )


def approval_view(form: Form) -> FormForApproval:
    """The approver's view of a ``forms`` row."""
    return form_for_approval(
        form.id,
        form.state,
        form.uploaded_by,
        form.last_edited_by,
        form.values or {},
        form.proposed or {},
        form.match or {},
    )


class WorkflowFormStore:
    """``FormStore`` over the web area's ``forms`` table (state machine in ``Form.move_to``)."""

    def lock(self, session: Session, form_id: str) -> FormForApproval:
        from intake.db.workflow import Form

        form = session.scalars(
            select(Form).where(Form.id == form_id).with_for_update()
        ).one_or_none()
        if form is None:
            raise NotFoundError("No such form.")
        return approval_view(form)

    def set_state(self, session: Session, form_id: str, state: FormState, actor_id: str) -> None:
        from intake.db.workflow import Form

        form = session.get(Form, form_id)
        if form is None:
            raise NotFoundError("No such form.")
        if state == FormState.ACCOUNTS_CREATED:  # through approved, as the machine says
            form.move_to(FormState.APPROVED)
        form.move_to(state)


def audit_recorder(
    session: Session,
    *,
    actor_id: str,
    action: str,
    object_type: str,
    object_id: str,
    detail: dict[str, Any] | None = None,
) -> None:
    """``AuditRecorder`` writing to the product's audit log (``intake.audit.record``)."""
    from intake.audit import record

    record(
        session,
        actor_id=actor_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        detail=detail,
    )


class RosterFromDb:
    """``RosterLookup`` over the roster tables, one small query per id (cached for the life of
    the object: one request or command). Links an import ended are not relationships."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._contacts: dict[str, Contact | None] = {}
        self._students: dict[str, Student | None] = {}

    def contact(self, contact_id: str) -> Contact | None:
        from intake.db.roster import ContactRow

        if contact_id not in self._contacts:
            row = self._session.scalars(
                select(ContactRow).where(ContactRow.contact_id == contact_id)
            ).one_or_none()
            self._contacts[contact_id] = (
                None
                if row is None
                else Contact(
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
            )
        return self._contacts[contact_id]

    def student(self, student_id: str) -> Student | None:
        from intake.db.roster import StudentRow

        if student_id not in self._students:
            row = self._session.scalars(
                select(StudentRow).where(StudentRow.student_id == student_id)
            ).one_or_none()
            self._students[student_id] = None if row is None else _student(row)
        return self._students[student_id]

    def _relationships(self, where: Any) -> list[Relationship]:
        from intake.db.roster import ContactRow, StudentContactRow, StudentRow

        rows = self._session.execute(
            select(StudentContactRow, StudentRow.student_id, ContactRow.contact_id)
            .join(StudentRow, StudentRow.id == StudentContactRow.student_pk)
            .join(ContactRow, ContactRow.id == StudentContactRow.contact_pk)
            .where(StudentContactRow.ended_at.is_(None), where)
            .order_by(StudentRow.student_id, StudentContactRow.priority)
        )
        return [
            Relationship(
                student_id=student_id,
                contact_id=contact_id,
                relationship=link.relationship_code,
                parental_responsibility=link.parental_responsibility,
                priority=link.priority,
                court_order=link.court_order,
                no_contact=link.no_contact,
                lives_with_pupil=link.lives_with_pupil,
            )
            for link, student_id, contact_id in rows
        ]

    def relationships_of_contact(self, contact_id: str) -> list[Relationship]:
        from intake.db.roster import ContactRow

        return self._relationships(ContactRow.contact_id == contact_id)

    def relationships_of_student(self, student_id: str) -> list[Relationship]:
        from intake.db.roster import StudentRow

        return self._relationships(StudentRow.student_id == student_id)

    def students(self) -> tuple[Student, ...]:
        from intake.db.roster import StudentRow

        rows = self._session.scalars(
            select(StudentRow).where(StudentRow.on_roll.is_(True)).order_by(StudentRow.student_id)
        )
        return tuple(_student(row) for row in rows)


def _student(row: Any) -> Student:
    return Student(
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


def check_settings(settings: Settings) -> None:
    """Refuse an accounts configuration that cannot work, with the setting's name."""
    from intake.accounts.passwords import PROFILES
    from intake.accounts.usernames import SCHEMES

    if settings.username_scheme not in SCHEMES:
        raise ConfigError(
            f"username_scheme must be one of {', '.join(SCHEMES)}, not {settings.username_scheme!r}"
        )
    if settings.password_profile not in PROFILES:
        raise ConfigError(
            f"password_profile must be one of {', '.join(PROFILES)}, "
            f"not {settings.password_profile!r}"
        )
    if settings.initial_password_days < 1 or settings.initial_password_days > 90:
        raise ConfigError("initial_password_days must be between 1 and 90")
    if settings.retention_rejected_days < 1 or settings.retention_letters_days < 1:
        raise ConfigError("retention_rejected_days and retention_letters_days must be at least 1")
    from intake.accounts.terms import leaver_grace

    leaver_grace(settings)  # ConfigError naming leaver_grace / term_end_dates
    from intake.portal.scim import check_portal_settings

    check_portal_settings(settings.portal)
    if (
        min(
            settings.retention_loose_pages_days,
            settings.retention_exports_days,
            settings.retention_originals_days,
        )
        < 1
    ):
        raise ConfigError(
            "retention_loose_pages_days, retention_exports_days and retention_originals_days "
            "must be at least 1"
        )
    if settings.letter_delivery_default not in ("post", "collect"):
        raise ConfigError(
            f"letter_delivery_default must be post or collect, "
            f"not {settings.letter_delivery_default!r}"
        )
    if settings.collection_uncollected_days < 1:
        raise ConfigError("collection_uncollected_days must be at least 1")
    url = settings.school.portal_url
    if not url.startswith(("https://", "http://localhost", "http://127.0.0.1")):
        raise ConfigError(
            "school.portal_url must be an https:// address (it is printed on "
            "every credential letter); plain http only for a local demo"
        )


def context_from_db(session: Session, settings: Settings) -> AccountsContext:
    """The context for one request or command: the roster as the database holds it now."""
    check_settings(settings)
    return AccountsContext(
        settings=settings,
        roster=RosterFromDb(session),
        forms=WorkflowFormStore(),
        audit=audit_recorder,
    )
