"""The entry points every account change calls, inside the change's own transaction.

``account_changed(session, settings, account_id)`` queues a push of the account's state (its
status, names, email and children are read again when the push is sent, so a queued push is
never stale); ``password_issued`` also seals the initial password of the letter just printed.
With provisioning off (no ``portal.scim_url``) both do nothing and queue nothing.

Staff see the open pushes (``open_pushes``) and retry a failed one (``retry``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from intake.audit import record
from intake.config import Settings
from intake.db.accounts import ACCOUNT_ACTIVE, PortalAccount, utcnow
from intake.db.portal import PUSH_FAILED, PUSH_PENDING, PortalPush
from intake.errors import ConflictError, WorkflowError
from intake.portal.sealing import seal

if TYPE_CHECKING:
    from intake.accounts.lifecycle import AccountChangeEvent, ChangeListener


def _open_row(session: Session, account_id: str) -> PortalPush | None:
    return session.scalars(
        select(PortalPush).where(PortalPush.open_key == account_id).with_for_update()
    ).one_or_none()


def _open_or_new(session: Session, account_id: str) -> PortalPush:
    """The account's open push, made if there is none (a concurrent maker wins the clash)."""
    row = _open_row(session, account_id)
    if row is not None:
        return row
    row = PortalPush(account_id=account_id, open_key=account_id)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        found = _open_row(session, account_id)
        if found is None:
            raise
        return found
    return row


def account_changed(
    session: Session,
    settings: Settings,
    account_id: str,
    *,
    change: str = "changed",
    now: datetime | None = None,
) -> PortalPush | None:
    """Queue a push of account ``account_id`` to the portal (None when provisioning is off).

    ``change`` is a short code for the list staff see (``created``, ``linked``, ``revoked``,
    ``reinstated``, ``suspended`` ...). A revoked or suspended account loses any sealed
    password at once, and its portal password is replaced by one nobody knows when pushed.
    """
    if not settings.portal.enabled:
        return None
    session.flush()  # a new account must be in the database before its push refers to it
    account = session.get(PortalAccount, account_id)
    if account is None:
        raise WorkflowError(f"No account {account_id} to push to the portal.")
    row = _open_or_new(session, account_id)
    codes = row.changes.split()
    if change not in codes:
        row.changes = " ".join([*codes, change])[:1000]
    row.status = PUSH_PENDING
    row.attempts = 0  # a new change deserves its own series of tries
    row.next_attempt_at = now or utcnow()
    if account.status != ACCOUNT_ACTIVE:
        row.revoke_password = True
        row.sealed_password = None
        row.password_expires_at = None
    session.flush()
    return row


def password_issued(
    session: Session,
    settings: Settings,
    account_id: str,
    password: str,
    *,
    now: datetime | None = None,
) -> PortalPush | None:
    """Queue the push of a just-printed initial password (sealed until it is pushed)."""
    row = account_changed(session, settings, account_id, change="password", now=now)
    if row is None:
        return None
    account = session.get(PortalAccount, account_id)
    assert account is not None
    row.sealed_password = seal(settings.portal, password)
    row.password_expires_at = account.password_expires_at
    return row


@dataclass(frozen=True)
class PushView:
    """An open push as the staff page shows it (ids, codes and the portal's message only)."""

    push_id: str
    account_id: str
    username: str
    status: str
    changes: str
    attempts: int
    next_attempt_at: datetime
    last_attempt_at: datetime | None
    last_error: str | None
    carries_password: bool


def open_pushes(session: Session, limit: int = 200) -> list[PushView]:
    """Pending and failed pushes, failed first, then the longest waiting."""
    rows = session.execute(
        select(PortalPush, PortalAccount.username)
        .join(PortalAccount, PortalAccount.id == PortalPush.account_id)
        .where(PortalPush.open_key.is_not(None))
        .order_by((PortalPush.status == PUSH_FAILED).desc(), PortalPush.created_at)
        .limit(limit)
    )
    return [
        PushView(
            row.id,
            row.account_id,
            username,
            row.status,
            row.changes,
            row.attempts,
            row.next_attempt_at,
            row.last_attempt_at,
            row.last_error,
            row.sealed_password is not None,
        )
        for row, username in rows
    ]


def open_counts(session: Session) -> dict[str, int]:
    """``{"pending": n, "failed": m}`` over the open pushes."""
    rows = session.execute(
        select(PortalPush.status, func.count())
        .where(PortalPush.open_key.is_not(None))
        .group_by(PortalPush.status)
    )
    counts = {PUSH_PENDING: 0, PUSH_FAILED: 0}
    counts.update({status: count for status, count in rows})
    return counts


def retry(
    session: Session, push_ids: Sequence[str], actor_id: str, now: datetime | None = None
) -> int:
    """Make open pushes due now with a fresh series of tries (audited); how many."""
    moment = now or utcnow()
    rows = session.scalars(
        select(PortalPush)
        .where(PortalPush.id.in_(list(push_ids)), PortalPush.open_key.is_not(None))
        .with_for_update()
    ).all()
    if not rows and push_ids:
        raise ConflictError("That push has been sent meanwhile; nothing to retry.")
    for row in rows:
        row.status = PUSH_PENDING
        row.attempts = 0
        row.next_attempt_at = moment
        record(
            session,
            actor_id=actor_id,
            action="portal.push_retried",
            object_type="portal_account",
            object_id=row.account_id,
            detail={"push_id": row.id},
        )
    return len(rows)


def portal_listener(settings: Settings) -> ChangeListener:
    """The account lifecycle's listener: every change queues a push (nothing when provisioning
    is off). It only writes the outbox row; the network is reached after the commit."""

    def listen(session: Session, change: AccountChangeEvent) -> None:
        account_changed(
            session, settings, change.account_id, change=change.kind.value, now=change.at
        )

    return listen
