"""Approve a form (rejection is ``intake.accounts.rejection``), each in the caller's
transaction.

Races cannot duplicate anything, because the database says no: the first write of an approval is
the form's one ``form_decisions`` row (unique ``form_id``), so a second approver, a double click
or a re-processed batch fails there with ``ConflictError``; accounts are unique per contact and
links unique per (account, student), and each insert runs in a savepoint that, on a clash with a
concurrent transaction, reads the row the other one wrote and links to it. On SQLite that first
write also takes the database's write lock, so approvals run one after another.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from intake.accounts import lifecycle
from intake.accounts.approval import ApprovalPlan, Grant, evaluate
from intake.accounts.errors import (
    ApprovalBlocked,
    ConfirmationNeeded,
    FourEyesError,
    NotFoundError,
)
from intake.accounts.ports import AccountsContext, FormForApproval
from intake.accounts.usernames import choose_username
from intake.db.accounts import (
    ACCOUNT_ACTIVE,
    ACCOUNT_DEACTIVATED,
    DECISION_APPROVED,
    AccountChild,
    ChildHold,
    FormDecision,
    PortalAccount,
)
from intake.errors import ConflictError, WorkflowError
from intake.review.states import Action, FormState, check_state

log = logging.getLogger(__name__)

MAX_USERNAME_TRIES = 5


@dataclass(frozen=True)
class ApprovalResult:
    form_id: str
    created_account_ids: tuple[str, ...]
    linked_account_ids: tuple[str, ...]  # existing accounts that gained links (or were re-used)
    new_links: int
    overridden: tuple[str, ...]  # issue codes dropped under the override


def require_reason(reason: str | None, what: str) -> str:
    text = (reason or "").strip()
    if len(text) < 5:
        raise WorkflowError(f"{what} needs a reason of at least a few words.")
    return text[:2000]


def open_hold_students(session: Session) -> set[str]:
    rows = session.scalars(select(ChildHold.student_id).where(ChildHold.closed_at.is_(None)))
    return set(rows)


def account_status_by_contact(session: Session, contact_ids: list[str]) -> dict[str, str]:
    if not contact_ids:
        return {}
    rows = session.execute(
        select(PortalAccount.contact_id, PortalAccount.status).where(
            PortalAccount.contact_id.in_(contact_ids)
        )
    )
    return {contact_id: status for contact_id, status in rows}


def namesake_accounts(
    session: Session, ctx: AccountsContext, contact_ids: list[str]
) -> dict[str, list[str]]:
    """Accounts of *other* contacts with the same forename and surname as each contact."""
    out: dict[str, list[str]] = {}
    for contact_id in contact_ids:
        contact = ctx.roster.contact(contact_id)
        if contact is None or not contact.surname:
            continue
        rows = session.scalars(
            select(PortalAccount.id).where(
                func.lower(PortalAccount.surname) == contact.surname.lower(),
                func.lower(PortalAccount.forename) == contact.forename.lower(),
                PortalAccount.contact_id != contact_id,
            )
        )
        found = list(rows)
        if found:
            out[contact_id] = found
    return out


def plan_for(session: Session, ctx: AccountsContext, form: FormForApproval) -> ApprovalPlan:
    """What approving ``form`` would do now (the review screen shows this before the click)."""
    contact_ids = [a.contact_id for a in form.applicants if a.contact_id]
    return evaluate(
        form,
        ctx.roster,
        open_hold_students(session),
        account_status_by_contact(session, contact_ids),
        namesake_accounts(session, ctx, contact_ids),
    )


def claim_decision(
    session: Session,
    ctx: AccountsContext,
    form_id: str,
    decision: str,
    actor_id: str,
    **extra: str | None,
) -> FormDecision:
    """Insert the decision row first: for an approval its unique key is the lock; a rejection
    relies on the form's row lock and state check that follow."""
    # A plain flush, not a savepoint: this is the transaction's first write (pysqlite only
    # nests savepoints correctly inside a transaction it has begun itself).
    row = FormDecision(
        form_id=form_id,
        decision=decision,
        decided_by=actor_id,
        decided_at=ctx.clock(),
        **extra,
        approval_key=form_id if decision == DECISION_APPROVED else None,
    )
    session.add(row)
    try:
        session.flush()
    except IntegrityError as exc:
        raise ConflictError("This form has already been decided by somebody else.") from exc
    return row


def lock_form_for(
    session: Session, ctx: AccountsContext, form_id: str, action: Action
) -> FormForApproval:
    """The form, row-locked, when its state allows ``action`` (``intake.review.states``)."""
    form = ctx.forms.lock(session, form_id)
    check_state(action, form.state)
    return form


def _check_four_eyes(ctx: AccountsContext, form: FormForApproval, approver_id: str) -> None:
    if not ctx.settings.approval_four_eyes:
        return
    refusal = four_eyes_refusal(ctx, form, approver_id)
    if refusal:
        raise FourEyesError(refusal)


def four_eyes_refusal(ctx: AccountsContext, form: FormForApproval, approver_id: str) -> str:
    """Why ``approver_id`` may not decide ``form`` under the four-eyes rule ("" when they may),
    in words that say what to do."""
    if not ctx.settings.approval_four_eyes:
        return ""
    if approver_id == form.uploaded_by:
        return "You uploaded this batch; another approver must decide (four-eyes rule)."
    if approver_id == form.last_edited_by:
        return (
            "You made the last change to this form; another approver must decide (four-eyes rule)."
        )
    return ""


def _find_account(session: Session, contact_id: str) -> PortalAccount | None:
    return session.scalars(
        select(PortalAccount).where(PortalAccount.contact_id == contact_id)
    ).one_or_none()


def _username_taken(session: Session, key: str) -> bool:
    found = session.scalar(select(PortalAccount.id).where(PortalAccount.username_key == key))
    return found is not None


def get_or_create_account(
    session: Session, ctx: AccountsContext, contact_id: str, form_id: str, actor_id: str
) -> tuple[PortalAccount, bool]:
    """The contact's account, created if there is none: ``(account, created)``."""
    existing = _find_account(session, contact_id)
    if existing is not None:
        return existing, False
    contact = ctx.roster.contact(contact_id)
    if contact is None:
        raise NotFoundError(f"contact {contact_id} is not in the roster")
    for _ in range(MAX_USERNAME_TRIES):
        username = choose_username(
            ctx.settings.username_scheme,
            contact.forename,
            contact.surname,
            contact.email,
            lambda key: _username_taken(session, key),
        )
        account = PortalAccount(
            contact_id=contact_id,
            username=username,
            username_key=username.casefold(),
            forename=contact.forename,
            surname=contact.surname,
            email=contact.email,
            status=ACCOUNT_ACTIVE,
            created_by=actor_id,
            source_form_id=form_id,
            created_at=ctx.clock(),
        )
        try:
            with session.begin_nested():
                session.add(account)
        except IntegrityError:
            # Another transaction created this contact's account, or took the username.
            existing = _find_account(session, contact_id)
            if existing is not None:
                return existing, False
            continue
        return account, True
    raise ConflictError("Could not create the account (username clashes); try again.")


def lock_student(session: Session, student_id: str) -> None:
    """Serialise linking a student with opening a hold on that student.

    Without it, PostgreSQL's READ COMMITTED would let an approval link a child while another
    transaction opens a hold on the child, each blind to the other (write skew). SQLite already
    runs writers one at a time."""
    if session.get_bind().dialect.name != "postgresql":
        return
    digest = hashlib.sha256(f"intake.student:{student_id}".encode()).digest()
    key = int.from_bytes(digest[:8], "big", signed=True)
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def link_child(
    session: Session,
    account: PortalAccount,
    student_id: str,
    form_id: str,
    actor_id: str,
    events: lifecycle.Lifecycle,
) -> bool:
    """Link ``student_id`` to ``account`` unless already linked; True when a link was made.
    Refuses (``ConflictError``) when a child-protection hold was opened meanwhile."""
    lock_student(session, student_id)
    if (
        session.scalar(
            select(ChildHold.id).where(
                ChildHold.student_id == student_id, ChildHold.closed_at.is_(None)
            )
        )
        is not None
    ):
        raise ConflictError(
            f"A child-protection hold was opened on student {student_id} "
            "meanwhile; look at the form again."
        )
    exists = session.scalars(
        select(AccountChild).where(
            AccountChild.account_id == account.id, AccountChild.student_id == student_id
        )
    ).one_or_none()
    if exists is not None:
        # an ended link (the child left and came back) is linked again by this approval; a
        # suspended one stays for the safeguarding lead
        return lifecycle.relink_ended(session, events, account, student_id)
    link = AccountChild(
        account_id=account.id, student_id=student_id, linked_by=actor_id, source_form_id=form_id
    )
    try:
        with session.begin_nested():
            session.add(link)
    except IntegrityError:
        return False
    lifecycle.record_change(
        session, events, lifecycle.ChangeKind.LINKED, account, student_id, "approval", audited=True
    )
    return True


def _apply_grant(
    session: Session, ctx: AccountsContext, grant: Grant, form_id: str, actor_id: str
) -> tuple[PortalAccount, bool, int]:
    account, created = get_or_create_account(session, ctx, grant.contact_id, form_id, actor_id)
    events = lifecycle.lifecycle_for(ctx, actor_id)
    if account.status == ACCOUNT_DEACTIVATED:
        lifecycle.reactivate_account(session, events, account)  # the approver's decision
    elif account.status != ACCOUNT_ACTIVE:
        # Revoked or suspended between planning and now: never reinstate silently.
        raise ConflictError(f"Account {account.id} was revoked or suspended meanwhile; look again.")
    links = sum(
        link_child(session, account, s, form_id, actor_id, events) for s in grant.student_ids
    )
    if created:  # approve_form writes the audit entry, with the form
        lifecycle.record_change(
            session, events, lifecycle.ChangeKind.CREATED, account, audited=True
        )
    return account, created, links


def approve_form(
    session: Session,
    ctx: AccountsContext,
    form_id: str,
    approver_id: str,
    override_reason: str | None = None,
    confirmed: bool = False,
) -> ApprovalResult:
    """Approve a form in review: create or link one account per approved applicant.

    Raises ``ConflictError`` (already decided, wrong state), ``FourEyesError``, or
    ``ApprovalBlocked`` listing the issues (fatal ones always; droppable ones without an override;
    ``ConfirmationNeeded`` while the plan has cautions to confirm and ``confirmed`` is false).
    """
    decision = claim_decision(session, ctx, form_id, DECISION_APPROVED, approver_id)
    form = lock_form_for(session, ctx, form_id, Action.APPROVE)
    _check_four_eyes(ctx, form, approver_id)
    plan = plan_for(session, ctx, form)
    if plan.fatal:
        raise ApprovalBlocked("This form cannot be approved.", plan.fatal + plan.droppable)
    if plan.to_confirm and not confirmed:
        raise ConfirmationNeeded(
            "Choices made by hand or names that differ need your confirmation: tick the box "
            "to say you have checked them.",
            (),
        )
    overridden: tuple[str, ...] = ()
    if plan.droppable:
        if not (override_reason or "").strip():
            raise ApprovalBlocked(
                "This form needs an override with a reason; the parts at issue will be left out.",
                plan.droppable,
            )
        decision.override_reason = require_reason(override_reason, "An override")
        overridden = tuple(sorted({i.code for i in plan.droppable}))
        decision.overridden = " ".join(overridden)
    created: list[str] = []
    linked: list[str] = []
    new_links = 0
    # Locks in one global order (students, then contacts by id): two approvals can then wait
    # for each other but never deadlock.
    for student_id in sorted({s for g in plan.grants for s in g.student_ids}):
        lock_student(session, student_id)
    for grant in sorted(plan.grants, key=lambda g: g.contact_id):
        account, was_created, links = _apply_grant(session, ctx, grant, form_id, approver_id)
        (created if was_created else linked).append(account.id)
        new_links += links
        ctx.audit(
            session,
            actor_id=approver_id,
            action="account.created" if was_created else "account.linked",
            object_type="portal_account",
            object_id=account.id,
            detail={
                "form_id": form_id,
                "contact_id": grant.contact_id,
                "student_ids": list(grant.student_ids),
                "new_links": links,
            },
        )
    ctx.forms.set_state(session, form_id, FormState.ACCOUNTS_CREATED, approver_id)
    ctx.audit(
        session,
        actor_id=approver_id,
        action="form.approved",
        object_type="form",
        object_id=form_id,
        detail={
            "overridden": list(overridden),
            "confirmed": sorted({c.code for c in plan.to_confirm}),
            "accounts_created": created,
            "accounts_linked": linked,
        },
    )
    log.info("form %s approved: %d created, %d linked", form_id, len(created), len(linked))
    return ApprovalResult(form_id, tuple(created), tuple(linked), new_links, overridden)
