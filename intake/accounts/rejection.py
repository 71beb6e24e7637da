"""Rejecting a form and writing the short letter that tells each applicant why and what to do.

The letter goes to the home address the school holds when the applicant is a known contact;
otherwise to the address written on the form, and the letter says so. Rejection letters hold no
secret, so they are stored (``rejection_letters``) for printing until the letters' retention
period ends.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from intake.accounts.letters import RejectionLetterContent, render_rejection_letter
from intake.accounts.ports import AccountsContext, ApplicantOnForm
from intake.accounts.service import reject_form
from intake.db.accounts import RejectionLetter
from intake.roster.model import Address


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


def reject_with_letters(
    session: Session,
    ctx: AccountsContext,
    form_id: str,
    actor_id: str,
    code: str,
    note: str = "",
) -> RejectionOutcome:
    """Reject the form (``service.reject_form``) and store one letter per applicant."""
    form = reject_form(session, ctx, form_id, actor_id, code, note)
    ids: list[str] = []
    unreachable: list[int] = []
    for applicant in form.applicants:
        content = _content(ctx, applicant, code)
        if content is None:
            unreachable.append(applicant.slot)
            continue
        row = RejectionLetter(
            form_id=form_id,
            slot=applicant.slot,
            created_at=ctx.clock(),
            addressed_to="form" if content.address_from_form else "file",
            pdf=render_rejection_letter(content, ctx.settings.school),
        )
        session.add(row)
        session.flush()
        ids.append(row.id)
    ctx.audit(
        session,
        actor_id=actor_id,
        action="form.rejection_letters",
        object_type="form",
        object_id=form_id,
        detail={"letters": ids, "unreachable_slots": unreachable},
    )
    return RejectionOutcome(form_id, tuple(ids), tuple(unreachable))
