"""Credential letters held at the school office for collection with photo ID (the seed's other
route beside the post).

How a letter goes out is chosen per account (at approval or on the account's screen) and falls
back to the ``letter_delivery_default`` setting. Printing a letter for an account that collects
opens a ``LetterCollection``; the office list shows the open ones, oldest first, and those older
than ``collection_uncollected_days`` as uncollected. Handing a letter over needs the member of
staff to confirm that photo ID was checked; it records who and when. A letter destroyed
uncollected is withdrawn: its password stops working at once and the account waits for a new
letter. A reprint withdraws the letter it replaces. Every step is audited (ids only).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.accounts.errors import NotFoundError
from intake.accounts.ports import AccountsContext
from intake.config import Settings
from intake.db.accounts import ACCOUNT_ACTIVE, LetterPrint, PortalAccount
from intake.db.records import DELIVERIES, DELIVERY_COLLECT, LetterCollection, LetterDelivery
from intake.errors import ConflictError, WorkflowError


def as_aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; they were stored as UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def delivery_of(session: Session, settings: Settings, account_id: str) -> str:
    """``post`` or ``collect``: the account's choice, else the configured default."""
    row = session.get(LetterDelivery, account_id)
    return row.method if row is not None else settings.letter_delivery_default


def set_delivery(
    session: Session,
    ctx: AccountsContext,
    account_ids: Sequence[str],
    method: str,
    actor_id: str,
) -> None:
    """Choose how the next credential letters of ``account_ids`` go out (audited)."""
    if method not in DELIVERIES:
        raise WorkflowError("Choose post or collection at the office.")
    for account_id in account_ids:
        if session.get(PortalAccount, account_id) is None:
            raise NotFoundError("No such account.")
        row = session.get(LetterDelivery, account_id)
        if row is None:
            session.add(
                LetterDelivery(
                    account_id=account_id, method=method, chosen_by=actor_id, chosen_at=ctx.clock()
                )
            )
        else:
            row.method, row.chosen_by, row.chosen_at = method, actor_id, ctx.clock()
        ctx.audit(
            session,
            actor_id=actor_id,
            action="account.delivery_set",
            object_type="portal_account",
            object_id=account_id,
            detail={"method": method},
        )


def withdraw_replaced(
    session: Session, ctx: AccountsContext, account_id: str, actor_id: str
) -> None:
    """A new letter replaces any letter still waiting at the office (its password no longer
    works)."""
    for row in session.scalars(
        select(LetterCollection).where(
            LetterCollection.account_id == account_id,
            LetterCollection.handed_over_at.is_(None),
            LetterCollection.withdrawn_at.is_(None),
        )
    ):
        row.withdrawn_at, row.withdrawn_by = ctx.clock(), actor_id


def hold_printed_letter(
    session: Session, ctx: AccountsContext, printed: LetterPrint, actor_id: str
) -> LetterCollection:
    """Open the collection of a letter just printed (called by the print run)."""
    withdraw_replaced(session, ctx, printed.account_id, actor_id)
    row = LetterCollection(
        letter_print_id=printed.id, account_id=printed.account_id, held_at=ctx.clock()
    )
    session.add(row)
    ctx.audit(
        session,
        actor_id=actor_id,
        action="letter.held_for_collection",
        object_type="portal_account",
        object_id=printed.account_id,
        detail={"print_run_id": printed.print_run_id},
    )
    return row


@dataclass(frozen=True)
class CollectionItem:
    """One letter waiting at the office, as the collection list shows it."""

    collection_id: str
    account_id: str
    username: str
    forename: str
    surname: str
    held_at: datetime
    days_waiting: int
    uncollected: bool  # waiting longer than ``collection_uncollected_days``


def collection_list(
    session: Session, ctx: AccountsContext, uncollected_only: bool = False
) -> list[CollectionItem]:
    """Open collections, by surname; ``uncollected_only``: those past their time, oldest first."""
    now = ctx.clock()
    limit = timedelta(days=ctx.settings.collection_uncollected_days)
    rows = session.execute(
        select(LetterCollection, PortalAccount)
        .join(PortalAccount, PortalAccount.id == LetterCollection.account_id)
        .where(LetterCollection.handed_over_at.is_(None), LetterCollection.withdrawn_at.is_(None))
        .order_by(PortalAccount.surname, PortalAccount.forename, LetterCollection.held_at)
    ).all()
    items = []
    for collection, account in rows:
        waited = now - as_aware(collection.held_at)
        items.append(
            CollectionItem(
                collection.id,
                account.id,
                account.username,
                account.forename,
                account.surname,
                as_aware(collection.held_at),
                waited.days,
                waited >= limit,
            )
        )
    if uncollected_only:
        items = sorted((i for i in items if i.uncollected), key=lambda i: i.held_at)
    return items


def _open_collection(session: Session, collection_id: str) -> LetterCollection:
    row = session.scalars(
        select(LetterCollection).where(LetterCollection.id == collection_id).with_for_update()
    ).one_or_none()
    if row is None:
        raise NotFoundError("No such letter for collection.")
    if row.handed_over_at is not None:
        raise ConflictError("This letter was already handed over.")
    if row.withdrawn_at is not None:
        raise ConflictError("This letter was withdrawn; print a new one.")
    return row


def hand_over(
    session: Session,
    ctx: AccountsContext,
    collection_id: str,
    actor_id: str,
    photo_id_checked: bool,
) -> LetterCollection:
    """Record that the letter was handed to the parent after checking their photo ID."""
    row = _open_collection(session, collection_id)
    if not photo_id_checked:
        raise WorkflowError(
            "Check the parent's photo ID against the name on the letter, then confirm it."
        )
    account = session.get(PortalAccount, row.account_id)
    if account is None or account.status != ACCOUNT_ACTIVE:
        raise ConflictError("The account was revoked: do not hand the letter over; destroy it.")
    row.handed_over_at, row.handed_over_by, row.photo_id_checked = ctx.clock(), actor_id, True
    ctx.audit(
        session,
        actor_id=actor_id,
        action="letter.handed_over",
        object_type="portal_account",
        object_id=row.account_id,
        detail={"collection_id": row.id, "photo_id_checked": True},
    )
    return row


def withdraw(
    session: Session, ctx: AccountsContext, collection_id: str, actor_id: str
) -> LetterCollection:
    """The letter was destroyed uncollected: its password stops working at once and the
    account waits for a new letter."""
    row = _open_collection(session, collection_id)
    row.withdrawn_at, row.withdrawn_by = ctx.clock(), actor_id
    account = session.get(PortalAccount, row.account_id)
    if account is not None and account.must_change_password:
        account.password_hash = None  # the printed initial password never works now
        account.session_epoch += 1
    ctx.audit(
        session,
        actor_id=actor_id,
        action="letter.withdrawn",
        object_type="portal_account",
        object_id=row.account_id,
        detail={"collection_id": row.id},
    )
    return row


def is_collect(session: Session, settings: Settings, account_id: str) -> bool:
    return delivery_of(session, settings, account_id) == DELIVERY_COLLECT
