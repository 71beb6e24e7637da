"""What the safeguarding lead sees and decides after roster changes reached accounts.

``overview`` lists the suspended links waiting for a decision (what changed, which account,
when, and the roster import that did it), the leavers' links due to end, and the latest account
changes. ``reinstate_suspended_link`` is the only way back for a suspended link: a person's
decision with a reason, refused while the cause still holds (checked against the roster as the
database holds it now, with open child-protection holds). A later import that restores parental
responsibility reinstates nothing by itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.accounts.errors import NotFoundError
from intake.accounts.lifecycle import ChangeKind, cause_words, lifecycle_for, reinstate_link
from intake.accounts.ports import AccountsContext
from intake.accounts.roster_sync import blocking_causes, standing_of
from intake.accounts.service import lock_student, open_hold_students, require_reason
from intake.db.accounts import (
    LINK_SUSPENDED,
    AccountChange,
    AccountChild,
    PortalAccount,
)
from intake.db.roster import StudentRow
from intake.errors import ConflictError

RECENT_CHANGES = 200


@dataclass(frozen=True)
class SuspendedLink:
    link_id: str
    account_id: str
    username: str
    account_status: str
    contact_id: str
    student_id: str
    causes: str  # in words
    suspended_at: datetime | None
    import_id: int | None
    still_holds: str  # in words; "" when a person may reinstate now


@dataclass(frozen=True)
class EndingLink:
    account_id: str
    username: str
    contact_id: str
    student_id: str
    ends_at: datetime


@dataclass(frozen=True)
class ChangeLine:
    at: datetime
    kind: str  # in words
    account_id: str
    contact_id: str
    student_id: str
    cause: str  # in words
    import_id: int | None
    actor_id: str


@dataclass(frozen=True)
class Overview:
    suspended: tuple[SuspendedLink, ...]
    ending: tuple[EndingLink, ...]
    changes: tuple[ChangeLine, ...]


def causes_now(session: Session, student_id: str, contact_id: str) -> list[str]:
    """What stands between the contact and the child now (empty: nothing)."""
    causes = blocking_causes(standing_of(session, student_id, contact_id))
    on_roll = session.scalar(select(StudentRow.on_roll).where(StudentRow.student_id == student_id))
    if not on_roll:
        causes.append("leaver")
    if student_id in open_hold_students(session):
        causes.append("child_hold")
    return causes


def overview(session: Session) -> Overview:
    """The safeguarding screen's three lists."""
    suspended = []
    rows = session.execute(
        select(AccountChild, PortalAccount)
        .join(PortalAccount, PortalAccount.id == AccountChild.account_id)
        .where(AccountChild.status == LINK_SUSPENDED)
        .order_by(AccountChild.suspended_at.desc(), AccountChild.id)
    ).all()
    for link, account in rows:
        holds = causes_now(session, link.student_id, account.contact_id)
        suspended.append(
            SuspendedLink(
                link.id,
                account.id,
                account.username,
                account.status,
                account.contact_id,
                link.student_id,
                cause_words(link.suspended_cause or ""),
                link.suspended_at,
                link.suspended_by_import_id,
                cause_words(" ".join(holds)),
            )
        )
    ending = [
        EndingLink(account.id, account.username, account.contact_id, link.student_id, link.ends_at)
        for link, account in session.execute(
            select(AccountChild, PortalAccount)
            .join(PortalAccount, PortalAccount.id == AccountChild.account_id)
            .where(AccountChild.status != "ended", AccountChild.ends_at.is_not(None))
            .order_by(AccountChild.ends_at)
        )
        if link.ends_at is not None
    ]
    changes = [
        ChangeLine(
            c.at,
            _kind_words(c.kind),
            c.account_id,
            c.contact_id,
            c.student_id or "",
            cause_words(c.cause),
            c.import_id,
            c.actor_id,
        )
        for c in session.scalars(
            select(AccountChange).order_by(AccountChange.at.desc()).limit(RECENT_CHANGES)
        )
    ]
    return Overview(tuple(suspended), tuple(ending), tuple(changes))


def _kind_words(kind: str) -> str:
    from intake.accounts.lifecycle import KIND_WORDS

    try:
        return KIND_WORDS[ChangeKind(kind)]
    except ValueError:
        return kind.replace("_", " ")


def reinstate_suspended_link(
    session: Session, ctx: AccountsContext, link_id: str, actor_id: str, reason: str
) -> AccountChild:
    """Reinstate one suspended link (and its account, when it was suspended for want of an
    active link). ``ConflictError`` with the cause in words while the cause still holds;
    ``WorkflowError`` without a reason."""
    link = session.get(AccountChild, link_id, with_for_update=True)
    if link is None:
        raise NotFoundError("No such link.")
    reason = require_reason(reason, "Reinstating a link")
    if link.status != LINK_SUSPENDED:
        raise ConflictError("This link is not suspended.")
    lock_student(session, link.student_id)
    account = link.account
    holds = causes_now(session, link.student_id, account.contact_id)
    if holds:
        raise ConflictError(
            f"This link cannot be reinstated while the school's records say: "
            f"{cause_words(' '.join(holds))}."
        )
    reinstate_link(session, lifecycle_for(ctx, actor_id), account, link.student_id, reason)
    return link
