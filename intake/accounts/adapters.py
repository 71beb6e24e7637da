"""The accounts service's ports over the product's real tables: ``forms`` (web), the roster tables
(roster) and ``audit_log`` (web).

How a form row becomes a ``FormForApproval``:

- an applicant section (``p1_`` / ``p2_``) is present when any of its name, address, email or
  signature fields holds a value; it is *signed* only when both its signatures (agreement and
  confirmation) read ``signed``;
- child rows ``child1`` .. ``childN`` are present when a name is written or a student is chosen;
- the chosen student per row and contact per applicant come from the reviewer's confirmed
  ``forms.match`` first, then the matcher's ``forms.proposed`` (keys ``children[].row/student_id``
  and ``applicants[].party/contact_id``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.accounts.errors import NotFoundError
from intake.accounts.ports import (
    FORM_ACCOUNTS_CREATED,
    FORM_REJECTED,
    AccountsContext,
    ApplicantOnForm,
    ChildOnForm,
    FormForApproval,
    RosterInMemory,
)
from intake.config import Settings

SIGNED = "signed"
TICKED = "ticked"
MAX_CHILD_ROWS = 12
_APPLICANT_FIELDS = ("forename", "surname", "print_name", "address1", "address2", "postcode",
                     "email", "signature_agree", "signature_confirm")


def _value(values: Mapping[str, Any], field_id: str) -> str:
    item = values.get(field_id)
    if isinstance(item, dict):
        return str(item.get("value", "") or "")
    return str(item or "")


def _links(form_match: Mapping[str, Any], proposed: Mapping[str, Any], key: str,
           by: str, target: str) -> dict[Any, str | None]:
    out: dict[Any, str | None] = {}
    for source in (proposed, form_match):  # confirmed choices win over proposals
        for item in source.get(key, []) or []:
            if isinstance(item, dict) and by in item:
                value = item.get(target)
                out[item[by]] = str(value) if value else None
    return out


def form_for_approval(
    form_id: str, state: str, uploaded_by: str | None, last_edited_by: str | None,
    values: Mapping[str, Any], proposed: Mapping[str, Any], form_match: Mapping[str, Any],
) -> FormForApproval:
    """Build the approver's view of a form from the columns of a ``forms`` row."""
    contacts = _links(form_match, proposed, "applicants", "party", "contact_id")
    students = _links(form_match, proposed, "children", "row", "student_id")
    applicants = []
    for slot in (1, 2):
        p = f"p{slot}_"
        if not any(_value(values, p + name) for name in _APPLICANT_FIELDS):
            continue
        applicants.append(ApplicantOnForm(
            slot=slot,
            contact_id=contacts.get(f"parent{slot}"),
            signed=_value(values, p + "signature_agree") == SIGNED
            and _value(values, p + "signature_confirm") == SIGNED,
            written_forename=_value(values, p + "forename"),
            written_surname=_value(values, p + "surname"),
            written_address=tuple(x for x in (_value(values, p + "address1"),
                                              _value(values, p + "address2")) if x),
            written_postcode=_value(values, p + "postcode"),
        ))
    children = []
    for row in range(1, MAX_CHILD_ROWS + 1):
        student_id = students.get(row) or students.get(str(row))
        if not _value(values, f"child{row}_name") and not student_id:
            continue
        children.append(ChildOnForm(
            row=row, student_id=student_id,
            already_has_account=_value(values, f"child{row}_has_account") == TICKED,
        ))
    return FormForApproval(form_id, state, uploaded_by, last_edited_by, tuple(applicants),
                           tuple(children))


class WorkflowFormStore:
    """``FormStore`` over the web area's ``forms`` table (state machine in ``Form.move_to``)."""

    def lock(self, session: Session, form_id: str) -> FormForApproval:
        from intake.db.workflow import Form

        form = session.scalars(select(Form).where(Form.id == form_id).with_for_update()
                               ).one_or_none()
        if form is None:
            raise NotFoundError("No such form.")
        return form_for_approval(form.id, form.state, form.uploaded_by, form.last_edited_by,
                                 form.values or {}, form.proposed or {}, form.match or {})

    def set_state(self, session: Session, form_id: str, state: str, actor_id: str) -> None:
        from intake.db.workflow import Form, FormState

        form = session.get(Form, form_id)
        if form is None:
            raise NotFoundError("No such form.")
        if state == FORM_ACCOUNTS_CREATED:
            form.move_to(FormState.APPROVED)
            form.move_to(FormState.ACCOUNTS_CREATED)
        elif state == FORM_REJECTED:
            form.move_to(FormState.REJECTED)
        else:
            form.move_to(state)


def audit_recorder(
    session: Session, *, actor_id: str, action: str, object_type: str, object_id: str,
    detail: dict[str, Any] | None = None,
) -> None:
    """``AuditRecorder`` writing to the product's audit log (``intake.audit.record``)."""
    from intake.audit import record

    record(session, actor_id=actor_id, action=action, object_type=object_type,
           object_id=object_id, detail=detail)


def context_from_db(session: Session, settings: Settings) -> AccountsContext:
    """The context for one request or command: the roster as the database holds it now."""
    from intake.roster.store import load_roster_from_db

    roster = load_roster_from_db(session, include_leavers=True)
    return AccountsContext(settings=settings, roster=RosterInMemory(roster),
                           forms=WorkflowFormStore(), audit=audit_recorder)
