"""The actions staff take on a form in review, each checked and audited in one place.

Every action follows the same steps: find the form, check that the version the person saw is
the one stored (else ``ConflictError``), check the action against the state machine and the
person's role (``intake.review.states``), change the form, write one audit entry (ids and codes
only), and flush, so that a concurrent change shows up here as ``ConflictError``. The caller
commits. Rejection and approval make letters and accounts: they run in ``intake.accounts``,
which checks the same state rules.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from intake import audit
from intake.accounts.errors import NotFoundError
from intake.accounts.ports import AccountsContext
from intake.accounts.rejection import RejectionOutcome, reject_form
from intake.config import Settings
from intake.db.accounts import FormDecision, PortalAccount
from intake.db.workflow import Form, FormEdit
from intake.errors import ConflictError, WorkflowError
from intake.fieldjson import field_from_json, field_to_json
from intake.matching.index import RosterIndex
from intake.review import choices, verify
from intake.review.changes import record_keyed_emails
from intake.review.corrections import apply_corrections, editable_fields
from intake.review.keying import AGREES_WITH_READING, KEYED_EMPTY, check_keying
from intake.review.states import Action, FormState, TransitionRefused, check_action
from intake.staff.roles import Role
from intake.template.load import template_for
from intake.template.model import FormTemplate

log = logging.getLogger(__name__)

MAX_REASON_CHARS = 500
MIN_REOPEN_REASON_CHARS = 5
CONFLICT_MESSAGE = (
    "This form was changed by someone else while you had it open. "
    "Your changes were not saved: reload it to see theirs."
)


@dataclass(frozen=True)
class Actor:
    """The member of staff taking an action."""

    user_id: str
    role: Role


@dataclass(frozen=True)
class ReviewContext:
    """What the actions need besides the database: the settings (templates come from them)."""

    settings: Settings

    def template_of(self, form: Form) -> FormTemplate:
        """The template the form's own pages carry (the school's usual one if they name none)."""
        return template_for(
            form.form_type,
            form.template_version,
            self.settings.form_templates_dir,
            self.settings.form_template,
        )


@dataclass(frozen=True)
class ActionResult:
    """The form after an action: its state and row version (for the screen's next request)."""

    form_id: str
    state: FormState
    row_version: int
    fields_changed: tuple[str, ...] = ()


def _load(session: Session, form_id: str, row_version: int) -> Form:
    form = session.get(Form, form_id)
    if form is None:
        raise NotFoundError("No such form.")
    if row_version != form.row_version:
        raise ConflictError(CONFLICT_MESSAGE)
    return form


def _finish(
    session: Session, actor: Actor, form: Form, action: Action, detail: dict[str, Any]
) -> ActionResult:
    """Write the action's one audit entry and flush (a concurrent change fails here)."""
    audit.record(
        session,
        actor_id=actor.user_id,
        action=f"form.{action.value}",
        object_type="form",
        object_id=form.id,
        detail=detail,
    )
    try:
        session.flush()
    except StaleDataError as exc:
        session.rollback()
        raise ConflictError(CONFLICT_MESSAGE) from exc
    log.info("form %s: %s by %s", form.id, action.value, actor.user_id)
    return ActionResult(
        form.id,
        FormState(form.state),
        form.row_version,
        tuple(detail.get("fields", ())),
    )


def _move(form: Form, actor: Actor, action: Action) -> None:
    rule = check_action(action, form.state, actor.role)
    if rule.target is not None and rule.target != form.state:  # staying is no transition
        form.move_to(rule.target)


def _unlinked_rows(form: Form) -> int:
    return sum(
        1
        for child in (form.proposed or {}).get("children", []) or []
        if isinstance(child, dict) and not child.get("student_id")
    )


def accept(
    session: Session,
    actor: Actor,
    ctx: ReviewContext,
    form_id: str,
    *,
    row_version: int,
    corrections: Mapping[str, str] | None = None,
    first_keyings: Mapping[str, str] | None = None,
) -> ActionResult:
    """Save the corrections and confirm the form's values (it leaves the queue as checked).
    A new email must be keyed (``intake.review.keying``): ``KeyingNeeded`` says what to type;
    ``first_keyings`` are the reviewer's first keyings of emails that disagreed with the reading."""
    form = _load(session, form_id, row_version)
    _move(form, actor, Action.ACCEPT)
    template = ctx.template_of(form)
    keyed = check_keying(form, template, corrections or {}, first_keyings or {})
    # an email typed as it was read changes nothing; one keyed twice is the value
    kept = {k: v for k, v in (corrections or {}).items() if keyed.how.get(k) != AGREES_WITH_READING}
    kept.update({k: "" for k, how in keyed.how.items() if how == KEYED_EMPTY})
    changed = apply_corrections(session, form, template, kept, actor.user_id)
    if keyed.how:
        form.proposed = {
            **(form.proposed or {}),
            "keyed": {**((form.proposed or {}).get("keyed") or {}), **keyed.how},
        }
        record_keyed_emails(session, form, template, keyed.how, actor.user_id)
    form.checked_by = actor.user_id
    form.reason = ""
    # a child row nobody could link stays unlinked: the approver is told (CHILD_UNMATCHED)
    detail: dict[str, Any] = {"corrected": len(changed), "fields": list(changed)}
    if keyed.how:
        detail["keyed"] = [f"{fid}:{how}" for fid, how in sorted(keyed.how.items())]
    return _finish(
        session, actor, form, Action.ACCEPT, {**detail, "unlinked_rows": _unlinked_rows(form)}
    )


def hold(
    session: Session,
    actor: Actor,
    ctx: ReviewContext,
    form_id: str,
    *,
    row_version: int,
    reason: str = "",
    corrections: Mapping[str, str] | None = None,
) -> ActionResult:
    """Park the form for research with a reason (kept on the form, not in the audit)."""
    form = _load(session, form_id, row_version)
    _move(form, actor, Action.HOLD)
    changed = apply_corrections(
        session, form, ctx.template_of(form), corrections or {}, actor.user_id
    )
    form.reason = reason.strip()[:MAX_REASON_CHARS]
    return _finish(session, actor, form, Action.HOLD, {"fields": list(changed)})


def release(session: Session, actor: Actor, form_id: str, *, row_version: int) -> ActionResult:
    """Put a held form back into the review queue; only a held one (a rejected or approved
    form never returns to review this way)."""
    form = _load(session, form_id, row_version)
    _move(form, actor, Action.RELEASE)
    form.reason = ""
    return _finish(session, actor, form, Action.RELEASE, {})


def reopen(
    session: Session, actor: Actor, form_id: str, *, row_version: int, reason: str
) -> ActionResult:
    """An approver sends a checked form back to review, with a reason.

    Refused once the form has a decision or accounts. The approver who reopens counts as the
    form's last editor, so the four-eyes rule then needs somebody else to approve it."""
    form = _load(session, form_id, row_version)
    _move(form, actor, Action.REOPEN)
    text = reason.strip()
    if len(text) < MIN_REOPEN_REASON_CHARS:
        raise WorkflowError("Say in a few words why the form goes back to review.")
    decided = session.scalar(select(FormDecision.id).where(FormDecision.form_id == form.id))
    accounts = session.scalar(
        select(PortalAccount.id).where(PortalAccount.source_form_id == form.id)
    )
    if decided is not None or accounts is not None:
        raise TransitionRefused(
            "This form has been decided and has accounts or letters: it cannot go back to "
            "review. Revoke the accounts from the accounts screen instead."
        )
    form.reason = text[:MAX_REASON_CHARS]
    form.checked_by = None
    form.last_edited_by = actor.user_id
    return _finish(session, actor, form, Action.REOPEN, {})


def undo_accept(session: Session, actor: Actor, form_id: str, *, row_version: int) -> ActionResult:
    """Take back one's own accept: the checked form returns to the review queue. Only the
    person who accepted it, and only while it waits for a decision (an approver who wants
    another look at somebody else's accept reopens it with a reason)."""
    form = _load(session, form_id, row_version)
    check_action(Action.UNDO_ACCEPT, form.state, actor.role)
    if form.checked_by != actor.user_id:
        raise WorkflowError(
            "Only the person who accepted this form can undo it; an approver can reopen it."
        )
    _move(form, actor, Action.UNDO_ACCEPT)
    form.checked_by = None
    return _finish(session, actor, form, Action.UNDO_ACCEPT, {})


def correct(
    session: Session,
    actor: Actor,
    ctx: ReviewContext,
    form_id: str,
    *,
    row_version: int,
    corrections: Mapping[str, str],
) -> ActionResult:
    """Save corrections without changing the form's state."""
    form = _load(session, form_id, row_version)
    _move(form, actor, Action.CORRECT)
    changed = apply_corrections(session, form, ctx.template_of(form), corrections, actor.user_id)
    return _finish(session, actor, form, Action.CORRECT, {"fields": list(changed)})


def reject(
    session: Session,
    actor: Actor,
    accounts: AccountsContext,
    form_id: str,
    *,
    code: str,
    note: str = "",
    row_version: int | None = None,
) -> RejectionOutcome:
    """Reject the application for a coded reason and write its letters: the one reject path
    (``intake.accounts.rejection.reject_form``), from the review screen (which sends the
    version it shows) and from the approver's decision screen alike."""
    form = session.get(Form, form_id)
    if form is None:
        raise NotFoundError("No such form.")
    check_action(Action.REJECT, form.state, actor.role)
    if row_version is not None and row_version != form.row_version:
        raise ConflictError(CONFLICT_MESSAGE)
    return reject_form(session, accounts, form_id, actor.user_id, code, note)


def _record_choice(
    session: Session, actor: Actor, form: Form, target: str, before: str, after: str
) -> None:
    form.last_edited_by = actor.user_id
    session.add(
        FormEdit(
            form_id=form.id,
            actor_id=actor.user_id,
            field_id=f"match:{target}",
            old_value=before,
            new_value=after,
        )
    )


def choose_student(
    session: Session,
    actor: Actor,
    ctx: ReviewContext,
    index: RosterIndex,
    form_id: str,
    *,
    row_version: int,
    row: int,
    student_id: str | None,
) -> ActionResult:
    """Child ``row`` is roster student ``student_id`` (``None``: not at this school); the form
    is matched again with every choice so far. A choice never grants an approval."""
    form = _load(session, form_id, row_version)
    _move(form, actor, Action.CHOOSE)
    before = choices.choose_student(form, index, ctx.template_of(form), row, student_id)
    choices.rematch(form, index, ctx.template_of(form), ctx.settings)
    target = f"child{row}"
    _record_choice(session, actor, form, target, before, student_id or choices.NOT_AT_SCHOOL)
    detail = {"target": target, "chosen": student_id or "none"}
    return _finish(session, actor, form, Action.CHOOSE, detail)


def choose_contact(
    session: Session,
    actor: Actor,
    ctx: ReviewContext,
    index: RosterIndex,
    form_id: str,
    *,
    row_version: int,
    party: str,
    contact_id: str,
) -> ActionResult:
    """Applicant ``party`` is roster contact ``contact_id`` (one of the linked children's); the
    matcher then judges that contact's parental responsibility and restrictions."""
    form = _load(session, form_id, row_version)
    _move(form, actor, Action.CHOOSE)
    before = choices.choose_contact(form, index, party, contact_id)
    choices.rematch(form, index, ctx.template_of(form), ctx.settings)
    _record_choice(session, actor, form, party, before, contact_id)
    return _finish(session, actor, form, Action.CHOOSE, {"target": party, "chosen": contact_id})


def verify_in_group(
    session: Session,
    actor: Actor,
    ctx: ReviewContext,
    form_id: str,
    *,
    row_version: int,
    field_id: str,
    position: int | None,
    typed: str | None,
) -> ActionResult:
    """Group verification of one item: box ``position`` of the field confirmed (``typed`` is
    None) or corrected to ``typed``; with no position, the whole value confirmed or replaced by
    ``typed``. Only a form waiting for review (``Action.VERIFY``); the field is put together
    again, kept in the form's history when its value changes, and the form's doubt recomputed.
    The person counts as the form's last editor (the four-eyes rule)."""
    form = _load(session, form_id, row_version)
    _move(form, actor, Action.VERIFY)
    template = ctx.template_of(form)
    values = dict(form.values or {})
    if field_id not in editable_fields(template) or field_id not in values:
        raise NotFoundError("That form has no such field to check.")
    read = field_from_json(values[field_id])
    thresholds = ctx.settings.thresholds
    if position is None and typed is not None and typed.strip() != read.value:
        changed = apply_corrections(session, form, template, {field_id: typed}, actor.user_id)
        outcome = "corrected"
    else:
        if position is None:
            settled = verify.confirm_value(read, thresholds)
        else:
            settled = verify.settle_char(read, position, typed, thresholds)
        values[field_id] = field_to_json(settled)
        form.values = values
        form.last_edited_by = actor.user_id
        changed = (field_id,) if settled.value != read.value else ()
        if changed:
            session.add(
                FormEdit(
                    form_id=form.id,
                    actor_id=actor.user_id,
                    field_id=field_id,
                    old_value=read.value,
                    new_value=settled.value,
                )
            )
        if position is None:
            outcome = "confirmed"
        else:  # typing the character already read confirms it
            same = settled.chars[position].char == read.chars[position].char
            outcome = "confirmed" if same else "corrected"
    verify.refresh_doubt(form, thresholds)
    detail = {
        "field": field_id,
        "position": -1 if position is None else position,
        "outcome": outcome,
        "fields": list(changed),
    }
    return _finish(session, actor, form, Action.VERIFY, detail)
