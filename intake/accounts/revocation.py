"""Revoking access, one account at a time or every account of a child (the seed's
child-protection rule), and reinstating it, each in the caller's transaction.

Revocation takes effect at once: the status becomes ``revoked``, the password hash is cleared
and the session epoch moves on, so the next export shows ``revoked`` and any portal session
held by this app ends. Reinstating checks every link against the roster again and needs a new
credential letter. Reasons are kept on the rows, not in the audit log (ids and codes only).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.accounts.approval import linkable_students
from intake.accounts.errors import NotFoundError
from intake.accounts.ports import AccountsContext
from intake.accounts.service import lock_student, open_hold_students, require_reason
from intake.db.accounts import (
    ACCOUNT_ACTIVE,
    ACCOUNT_REVOKED,
    AccountChild,
    ChildHold,
    PortalAccount,
)
from intake.errors import ConflictError, WorkflowError
from intake.portal.outbox import account_changed


def get_account(session: Session, account_id: str) -> PortalAccount:
    account = session.get(PortalAccount, account_id)
    if account is None:
        raise NotFoundError("No such account.")
    return account


def _revoke(
    account: PortalAccount, ctx: AccountsContext, actor_id: str, reason: str, hold_id: str | None
) -> None:
    account.status = ACCOUNT_REVOKED
    account.revoked_at = ctx.clock()
    account.revoked_by = actor_id
    account.revoked_reason = reason
    account.revoked_by_hold_id = hold_id
    account.password_hash = None  # the old credentials never work again
    account.session_epoch += 1


def revoke_account(
    session: Session, ctx: AccountsContext, account_id: str, actor_id: str, reason: str
) -> PortalAccount:
    """Revoke one account at once (sessions end, password cleared); the reason is audited."""
    reason = require_reason(reason, "Revoking an account")
    account = get_account(session, account_id)
    if account.status == ACCOUNT_REVOKED:
        raise ConflictError("This account is already revoked.")
    _revoke(account, ctx, actor_id, reason, None)
    account_changed(session, ctx.settings, account.id, change="revoked", now=ctx.clock())
    ctx.audit(
        session,
        actor_id=actor_id,
        action="account.revoked",
        object_type="portal_account",
        object_id=account.id,
    )
    return account


def open_child_hold(
    session: Session, ctx: AccountsContext, student_id: str, actor_id: str, reason: str
) -> tuple[ChildHold, list[str]]:
    """Revoke every account linked to a student pending an investigation (the seed's
    child-protection rule); no account can be linked to the student while the hold is open."""
    reason = require_reason(reason, "A child-protection hold")
    if ctx.roster.student(student_id) is None:
        raise NotFoundError("No such student in the roster.")
    lock_student(session, student_id)
    if student_id in open_hold_students(session):
        raise ConflictError("This student already has an open hold.")
    hold = ChildHold(
        student_id=student_id, reason=reason, opened_by=actor_id, opened_at=ctx.clock()
    )
    session.add(hold)
    session.flush()
    accounts = session.scalars(
        select(PortalAccount)
        .join(AccountChild)
        .where(AccountChild.student_id == student_id)
        .with_for_update()
    ).all()
    revoked = []
    for account in accounts:
        if account.status == ACCOUNT_ACTIVE:
            _revoke(account, ctx, actor_id, reason, hold.id)
            revoked.append(account.id)
            account_changed(session, ctx.settings, account.id, change="revoked", now=ctx.clock())
            ctx.audit(
                session,
                actor_id=actor_id,
                action="account.revoked",
                object_type="portal_account",
                object_id=account.id,
                detail={"hold_id": hold.id},
            )
    ctx.audit(
        session,
        actor_id=actor_id,
        action="child_hold.opened",
        object_type="student",
        object_id=student_id,
        detail={"hold_id": hold.id, "revoked": revoked},
    )
    return hold, revoked


def close_child_hold(
    session: Session, ctx: AccountsContext, hold_id: str, actor_id: str, note: str
) -> list[str]:
    """Close a hold; returns the accounts it revoked, which stay revoked until reinstated."""
    note = require_reason(note, "Closing a hold")
    hold = session.get(ChildHold, hold_id)
    if hold is None:
        raise NotFoundError("No such hold.")
    if hold.closed_at is not None:
        raise ConflictError("This hold is already closed.")
    hold.closed_at, hold.closed_by, hold.closed_note = ctx.clock(), actor_id, note
    affected = list(
        session.scalars(select(PortalAccount.id).where(PortalAccount.revoked_by_hold_id == hold.id))
    )
    ctx.audit(
        session,
        actor_id=actor_id,
        action="child_hold.closed",
        object_type="student",
        object_id=hold.student_id,
        detail={"hold_id": hold.id, "accounts": affected},
    )
    return affected


def reinstate_account(
    session: Session, ctx: AccountsContext, account_id: str, actor_id: str, reason: str
) -> PortalAccount:
    """Reinstate a revoked account after checking every link against the roster again: links
    without PR, with a blocking flag or under an open hold are removed. A new credential
    letter is needed afterwards (revocation cleared the password)."""
    reason = require_reason(reason, "Reinstating an account")
    account = get_account(session, account_id)
    if account.status != ACCOUNT_REVOKED:
        raise ConflictError("Only a revoked account can be reinstated.")
    allowed = set(linkable_students(ctx.roster, account.contact_id, open_hold_students(session)))
    removed = [link.student_id for link in account.children if link.student_id not in allowed]
    if len(removed) == len(account.children):
        raise WorkflowError(
            "No child may be linked to this account now (no parental "
            "responsibility, a flag or an open hold), so it stays revoked."
        )
    for link in list(account.children):
        if link.student_id in removed:
            account.children.remove(link)
    account.status = ACCOUNT_ACTIVE
    account.revoked_at = account.revoked_by = account.revoked_reason = None
    account.revoked_by_hold_id = None
    account.must_change_password = True
    account.reinstated_at, account.reinstated_by = ctx.clock(), actor_id
    account.reinstated_reason = reason
    account_changed(session, ctx.settings, account.id, change="reinstated", now=ctx.clock())
    ctx.audit(
        session,
        actor_id=actor_id,
        action="account.reinstated",
        object_type="portal_account",
        object_id=account.id,
        detail={"links_removed": removed},
    )
    return account
