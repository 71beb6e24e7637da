"""Rejecting a form: the one reject path, used by the review screen and the decision screen
(through ``intake.review.service.reject``). It records the decision, moves the form to
``rejected`` (checked by ``intake.review.states``) and writes the short letter that tells each
applicant why and what to do, with one audit entry for all of it.

The letter goes to the home address the school holds when the applicant is a known contact;
otherwise to the address written on the form, and the letter says so. Rejection letters hold no
secret, so they are stored (``rejection_letters``) for printing until the letters' retention
period ends.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from intake.accounts.letters import RejectionLetterContent, render_rejection_letter
from intake.accounts.ports import AccountsContext, ApplicantOnForm, FormForApproval
from intake.accounts.service import claim_decision, lock_form_for
from intake.db.accounts import DECISION_REJECTED, RejectionLetter
from intake.errors import WorkflowError
from intake.review.states import Action, FormState
from intake.roster.model import Address

#: the reasons an application can be rejected for; each has its paragraph in the letter
REJECTION_CODES = ("UNSIGNED", "NO_PR", "NOT_FOUND", "UNREADABLE", "NOT_ORIGINAL", "OTHER")
MAX_NOTE_CHARS = 500

#: which letter each approval issue implies, most telling first; a court-order or no-contact
#: flag gives the neutral letter, which names no flag
_SUGGESTED = (
    ("UNSIGNED", frozenset({"UNSIGNED"})),
    ("OTHER", frozenset({"BLOCKED", "CHILD_HOLD", "ACCOUNT_SUSPENDED", "ACCOUNT_REVOKED"})),
    ("NO_PR", frozenset({"NO_PR", "CHILD_WITHOUT_PR", "NOTHING_TO_GRANT"})),
    ("NOT_FOUND", frozenset({"APPLICANT_UNMATCHED", "CHILD_UNMATCHED", "NO_APPLICANT"})),
)


def suggested_code(issue_codes: Iterable[str]) -> str:
    """The rejection reason the form's issues imply (``OTHER`` when none does), so that the
    letter a parent gets says what actually stands in the way."""
    codes = set(issue_codes)
    for letter, implied_by in _SUGGESTED:
        if codes & implied_by:
            return letter
    return "OTHER"


@dataclass(frozen=True)
class RejectionOutcome:
    form_id: str
    letter_ids: tuple[str, ...]
    applicants_without_address: tuple[int, ...]  # slots nobody can write to


def _content(
    ctx: AccountsContext, applicant: ApplicantOnForm, code: str
) -> RejectionLetterContent | None:
    contact = ctx.roster.contact(applicant.contact_id) if applicant.contact_id else None
    today = ctx.clock().date()
    if contact is not None and contact.address.lines:
        title = f"{contact.title} " if contact.title else ""
        return RejectionLetterContent(
            addressee=f"{title}{contact.forename} {contact.surname}".strip(),
            salutation=f"{contact.title or contact.forename} {contact.surname}".strip(),
            address=contact.address,
            address_from_form=False,
            reason_code=code,
            letter_date=today,
        )
    if not applicant.written_address:
        return None
    name = f"{applicant.written_forename} {applicant.written_surname}".strip().title()
    return RejectionLetterContent(
        addressee=name or "The Parent/Carer",
        salutation=name or "Parent/Carer",
        address=Address(applicant.written_address, applicant.written_postcode),
        address_from_form=True,
        reason_code=code,
        letter_date=today,
    )


def reject_form(
    session: Session,
    ctx: AccountsContext,
    form_id: str,
    actor_id: str,
    code: str,
    note: str = "",
) -> RejectionOutcome:
    """Reject an open form for ``code`` (one of ``REJECTION_CODES``; ``note`` stays with the
    decision, for staff) and store one letter per applicant the school can write to."""
    if code not in REJECTION_CODES:
        raise WorkflowError("Choose a reason for the rejection.")
    claim_decision(
        session,
        ctx,
        form_id,
        DECISION_REJECTED,
        actor_id,
        rejection_code=code,
        rejection_note=note.strip()[:MAX_NOTE_CHARS] or None,
    )
    form = lock_form_for(session, ctx, form_id, Action.REJECT)
    ctx.forms.set_state(session, form_id, FormState.REJECTED, actor_id)
    ids, unreachable = _write_letters(session, ctx, form, code)
    ctx.audit(
        session,
        actor_id=actor_id,
        action="form.rejected",
        object_type="form",
        object_id=form_id,
        detail={"code": code, "letters": ids, "unreachable_slots": unreachable},
    )
    return RejectionOutcome(form_id, tuple(ids), tuple(unreachable))


def _write_letters(
    session: Session, ctx: AccountsContext, form: FormForApproval, code: str
) -> tuple[list[str], list[int]]:
    ids: list[str] = []
    unreachable: list[int] = []
    for applicant in form.applicants:
        content = _content(ctx, applicant, code)
        if content is None:
            unreachable.append(applicant.slot)
            continue
        row = RejectionLetter(
            form_id=form.form_id,
            slot=applicant.slot,
            created_at=ctx.clock(),
            addressed_to="form" if content.address_from_form else "file",
            pdf=render_rejection_letter(content, ctx.settings.school),
        )
        session.add(row)
        session.flush()
        ids.append(row.id)
    return ids, unreachable
