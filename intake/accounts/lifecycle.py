"""Every change of state of a portal account or of one of its child links, in one place.

Each function here makes one transition in the caller's transaction and reports it through
``record_change``: an ``account_changes`` row (the safeguarding screen's history), an audit
entry (ids and codes only) and every ``ChangeListener`` of the ``Lifecycle``. Nothing else in
the product sets ``PortalAccount.status`` or ``AccountChild.status``, so a listener that keeps
another system in step (SCIM provisioning to the portal) sees every change, once, in order.

Listeners run inside the transaction and must not reach the network: a listener records what
to push (an outbox row in the same session) and a worker pushes it after the commit, so a dry
run or a rolled-back import pushes nothing.

States:

- link ``active`` -> ``suspended`` (a roster change: PR removed, court order or no-contact
  flag, no longer the child's contact) -> ``active`` only by ``reinstate_link``, a person's act;
- link -> ``ended`` (a leaver past the grace period): for good; a new approval links again;
- account ``active`` -> ``suspended`` when no active link is left but one is suspended;
  -> ``deactivated`` when no link is left at all (no child on roll) or it was merged away;
- ``revoked`` stays with ``intake.accounts.revocation``, which reports through here too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from sqlalchemy.orm import Session

from intake.accounts.ports import AccountsContext, AuditRecorder
from intake.config import Settings
from intake.db.accounts import (
    ACCOUNT_ACTIVE,
    ACCOUNT_DEACTIVATED,
    ACCOUNT_REVOKED,
    ACCOUNT_SUSPENDED,
    LINK_ACTIVE,
    LINK_ENDED,
    LINK_SUSPENDED,
    AccountChange,
    AccountChild,
    PortalAccount,
    utcnow,
)
from intake.errors import ConflictError


class ChangeKind(StrEnum):
    """What happened; the audit action is ``account.<value>``."""

    CREATED = "created"
    LINKED = "linked"
    LINK_SUSPENDED = "link_suspended"
    LINK_REINSTATED = "link_reinstated"
    LINK_END_SCHEDULED = "link_end_scheduled"
    LINK_END_CANCELLED = "link_end_cancelled"
    LINK_ENDED = "link_ended"
    LINK_MOVED = "link_moved"
    SUSPENDED = "suspended"
    DEACTIVATED = "deactivated"
    REACTIVATED = "reactivated"
    REVOKED = "revoked"
    REINSTATED = "reinstated"
    CONTACT_CHANGED = "contact_changed"


#: cause codes (stored space-separated) and the words staff read
CAUSE_WORDS = {
    "pr_removed": "parental responsibility removed",
    "court_order": "court order",
    "no_contact": "no-contact flag",
    "not_a_contact": "no longer the child's contact in the MIS",
    "leaver": "the child left the school",
    "merged": "contact merged into another",
    "mis_id_changed": "the contact's MIS id changed",
    "approval": "a form was approved",
    "person": "a person's decision",
}

KIND_WORDS = {
    ChangeKind.CREATED: "account created",
    ChangeKind.LINKED: "child linked",
    ChangeKind.LINK_SUSPENDED: "link suspended",
    ChangeKind.LINK_REINSTATED: "link reinstated",
    ChangeKind.LINK_END_SCHEDULED: "link to end (leaver)",
    ChangeKind.LINK_END_CANCELLED: "link end cancelled (back on roll)",
    ChangeKind.LINK_ENDED: "link ended",
    ChangeKind.LINK_MOVED: "link moved to the merged account",
    ChangeKind.SUSPENDED: "account suspended",
    ChangeKind.DEACTIVATED: "account deactivated",
    ChangeKind.REACTIVATED: "account active again",
    ChangeKind.REVOKED: "account revoked",
    ChangeKind.REINSTATED: "account reinstated",
    ChangeKind.CONTACT_CHANGED: "account moved to a new MIS contact id",
}


def cause_words(causes: str) -> str:
    """``"pr_removed court_order"`` -> ``"parental responsibility removed, court order"``."""
    return ", ".join(CAUSE_WORDS.get(c, c.replace("_", " ")) for c in causes.split())


@dataclass(frozen=True)
class AccountChangeEvent:
    """One change, as listeners and the import's summary see it (ids and codes only)."""

    kind: ChangeKind
    account_id: str
    contact_id: str
    student_id: str | None
    cause: str  # space-separated cause codes
    import_id: int | None
    actor_id: str
    at: datetime
    detail: str = ""  # e.g. "ends 2027-01-01" or "from C1"

    def words(self) -> str:
        text = KIND_WORDS[self.kind]
        where = f"account {self.account_id} (contact {self.contact_id})"
        child = f", student {self.student_id}" if self.student_id else ""
        why = f": {cause_words(self.cause)}" if self.cause else ""
        more = f" ({self.detail})" if self.detail else ""
        return f"{text}{why}{more}: {where}{child}"


class ChangeListener(Protocol):
    """Told of every change inside the transaction that makes it (see the module notes)."""

    def __call__(self, session: Session, change: AccountChangeEvent) -> None: ...


@dataclass(frozen=True)
class Lifecycle:
    """What the transitions need: the audit log, a clock, the listeners, the acting id and the
    import (if any) that caused them. ``changes`` collects every change made with it."""

    audit: AuditRecorder
    actor_id: str
    clock: Callable[[], datetime] = field(default=utcnow)
    listeners: tuple[ChangeListener, ...] = ()
    import_id: int | None = None
    changes: list[AccountChangeEvent] = field(default_factory=list, compare=False)


def listeners_for(settings: Settings) -> tuple[ChangeListener, ...]:
    """The listeners every entry point attaches: the one place provisioning plugs in (a push
    to the portal queued in the outbox, in the same transaction)."""
    from intake.portal.outbox import portal_listener

    return (portal_listener(settings),)


def lifecycle_for(
    ctx: AccountsContext, actor_id: str, import_id: int | None = None, dry_run: bool = False
) -> Lifecycle:
    """A ``Lifecycle`` for one request or command; a dry run tells no listener."""
    listeners = () if dry_run else listeners_for(ctx.settings)
    return Lifecycle(ctx.audit, actor_id, ctx.clock, listeners, import_id)


def record_change(
    session: Session,
    lc: Lifecycle,
    kind: ChangeKind,
    account: PortalAccount,
    student_id: str | None = None,
    cause: str = "",
    detail: str = "",
    audit_extra: dict[str, object] | None = None,
    audited: bool = False,
    note: str | None = None,
) -> AccountChangeEvent:
    """The one door every account change goes through: log row, audit entry, listeners.
    ``audit_extra`` adds ids or codes to the audit entry; ``audited``: the caller writes its
    own, fuller audit entry (approval does), so none is added here."""
    change = AccountChangeEvent(
        kind,
        account.id,
        account.contact_id,
        student_id,
        cause,
        lc.import_id,
        lc.actor_id,
        lc.clock(),
        detail,
    )
    session.add(
        AccountChange(
            at=change.at,
            account_id=account.id,
            contact_id=account.contact_id,
            student_id=student_id,
            kind=kind.value,
            cause=cause,
            import_id=lc.import_id,
            actor_id=lc.actor_id,
            note=note,
        )
    )
    audit_detail: dict[str, object] = {"contact_id": account.contact_id}
    if student_id:
        audit_detail["student_id"] = student_id
    if cause:
        audit_detail["cause"] = cause.split()
    if lc.import_id is not None:
        audit_detail["roster_import_id"] = lc.import_id
    audit_detail.update(audit_extra or {})
    if not audited:
        lc.audit(
            session,
            actor_id=lc.actor_id,
            action=f"account.{kind.value}",
            object_type="portal_account",
            object_id=account.id,
            detail=audit_detail,
        )
    for listener in lc.listeners:
        listener(session, change)
    lc.changes.append(change)
    return change


def _link(account: PortalAccount, student_id: str) -> AccountChild:
    for link in account.children:
        if link.student_id == student_id:
            return link
    raise ConflictError(f"Account {account.id} has no link to student {student_id}.")


def suspend_link(
    session: Session, lc: Lifecycle, account: PortalAccount, student_id: str, causes: Sequence[str]
) -> None:
    """Suspend one link at once; the account too when no active link is left."""
    link = _link(account, student_id)
    if link.status != LINK_ACTIVE:
        return
    link.status, link.suspended_at = LINK_SUSPENDED, lc.clock()
    link.suspended_cause = " ".join(causes)
    link.suspended_by_import_id = lc.import_id
    account.session_epoch += 1  # a portal session showing this child ends now
    record_change(session, lc, ChangeKind.LINK_SUSPENDED, account, student_id, link.suspended_cause)
    settle_account(session, lc, account, " ".join(causes))


def reinstate_link(
    session: Session, lc: Lifecycle, account: PortalAccount, student_id: str, reason: str
) -> None:
    """A person's decision (the caller checked the cause is gone): the link is active again and
    a suspended account with it."""
    link = _link(account, student_id)
    if link.status != LINK_SUSPENDED:
        raise ConflictError("Only a suspended link can be reinstated.")
    link.status = LINK_ACTIVE
    link.suspended_at = link.suspended_cause = link.suspended_by_import_id = None
    record_change(
        session, lc, ChangeKind.LINK_REINSTATED, account, student_id, "person", note=reason
    )
    if account.status == ACCOUNT_SUSPENDED:
        account.status, account.suspended_at = ACCOUNT_ACTIVE, None
        record_change(session, lc, ChangeKind.REACTIVATED, account, cause="person")


def schedule_link_end(
    session: Session, lc: Lifecycle, account: PortalAccount, student_id: str, ends_at: datetime
) -> None:
    """The child left: the link ends at ``ends_at`` (the grace period), unless they return."""
    link = _link(account, student_id)
    if link.status == LINK_ENDED or link.ends_at is not None:
        return
    link.ends_at = ends_at
    detail = f"ends {ends_at.date().isoformat()}"
    record_change(session, lc, ChangeKind.LINK_END_SCHEDULED, account, student_id, "leaver", detail)


def cancel_link_end(
    session: Session, lc: Lifecycle, account: PortalAccount, student_id: str
) -> None:
    """The child is back on roll before the link ended."""
    link = _link(account, student_id)
    if link.status == LINK_ENDED or link.ends_at is None:
        return
    link.ends_at = None
    record_change(session, lc, ChangeKind.LINK_END_CANCELLED, account, student_id)


def end_link(
    session: Session, lc: Lifecycle, account: PortalAccount, student_id: str, cause: str
) -> None:
    """End a link for good; the account is deactivated when no child is left on it."""
    link = _link(account, student_id)
    if link.status == LINK_ENDED:
        return
    link.status, link.ended_at, link.ended_cause = LINK_ENDED, lc.clock(), cause
    account.session_epoch += 1
    record_change(session, lc, ChangeKind.LINK_ENDED, account, student_id, cause)
    settle_account(session, lc, account, cause)


def settle_account(session: Session, lc: Lifecycle, account: PortalAccount, cause: str) -> None:
    """Move the account down to what its links allow; never up (reinstating is a person's act).
    A revoked account stays revoked: revocation has its own way back."""
    if account.status in (ACCOUNT_REVOKED, ACCOUNT_DEACTIVATED):
        return
    statuses = {link.status for link in account.children}
    if LINK_ACTIVE in statuses:
        return
    if LINK_SUSPENDED in statuses:
        if account.status == ACCOUNT_ACTIVE:
            account.status, account.suspended_at = ACCOUNT_SUSPENDED, lc.clock()
            account.session_epoch += 1
            record_change(session, lc, ChangeKind.SUSPENDED, account, cause=cause)
        return
    deactivate_account(session, lc, account, cause)


def deactivate_account(session: Session, lc: Lifecycle, account: PortalAccount, cause: str) -> None:
    """No child on roll (or merged away): the account no longer works."""
    if account.status == ACCOUNT_DEACTIVATED:
        return
    account.status, account.deactivated_at = ACCOUNT_DEACTIVATED, lc.clock()
    account.session_epoch += 1
    record_change(session, lc, ChangeKind.DEACTIVATED, account, cause=cause)


def reactivate_account(session: Session, lc: Lifecycle, account: PortalAccount) -> None:
    """A deactivated account comes back because a person approved a new form for it."""
    if account.status != ACCOUNT_DEACTIVATED:
        raise ConflictError("Only a deactivated account can be made active by an approval.")
    account.status, account.deactivated_at = ACCOUNT_ACTIVE, None
    account.must_change_password = True
    record_change(session, lc, ChangeKind.REACTIVATED, account, cause="approval")


def relink_ended(session: Session, lc: Lifecycle, account: PortalAccount, student_id: str) -> bool:
    """An approval links a child whose old link had ended; True when it did."""
    link = _link(account, student_id)
    if link.status != LINK_ENDED:
        return False
    link.status, link.ended_at, link.ended_cause, link.ends_at = LINK_ACTIVE, None, None, None
    record_change(session, lc, ChangeKind.LINKED, account, student_id, "approval")
    return True


def revoke(session: Session, lc: Lifecycle, account: PortalAccount, hold_id: str | None) -> None:
    """Revocation's state change (``intake.accounts.revocation`` keeps its rules and reasons)."""
    account.status = ACCOUNT_REVOKED
    account.password_hash = None  # the old credentials never work again
    account.session_epoch += 1
    extra: dict[str, object] = {"hold_id": hold_id} if hold_id else {}
    record_change(session, lc, ChangeKind.REVOKED, account, cause="person", audit_extra=extra)


def reinstate(
    session: Session, lc: Lifecycle, account: PortalAccount, links_removed: Sequence[str]
) -> None:
    """Reinstating a revoked account (its rules are in ``intake.accounts.revocation``); with
    only suspended links left it comes back suspended, not active."""
    statuses = {link.status for link in account.children}
    account.status = ACCOUNT_ACTIVE if LINK_ACTIVE in statuses else ACCOUNT_SUSPENDED
    record_change(
        session,
        lc,
        ChangeKind.REINSTATED,
        account,
        cause="person",
        audit_extra={"links_removed": list(links_removed)},
    )


def move_to_contact(
    session: Session, lc: Lifecycle, account: PortalAccount, new_contact_id: str, cause: str
) -> None:
    """The same person under a new MIS contact id: the account follows (one account kept)."""
    old = account.contact_id
    account.contact_id = new_contact_id
    session.flush()
    record_change(
        session, lc, ChangeKind.CONTACT_CHANGED, account, cause=cause, detail=f"from {old}"
    )


def merge_into(
    session: Session, lc: Lifecycle, source: PortalAccount, target: PortalAccount
) -> None:
    """Two accounts of one person (contacts merged in the MIS): ``target`` is kept and takes
    the links it lacks (each then judged against the roster like any other); ``source``'s
    other links end and it is deactivated."""
    have = {link.student_id for link in target.children}
    for link in list(source.children):
        if link.status == LINK_ENDED:
            continue
        if link.student_id in have:  # the kept account has this child already
            end_link(session, lc, source, link.student_id, "merged")
            continue
        source.children.remove(link)
        target.children.append(link)
        record_change(
            session,
            lc,
            ChangeKind.LINK_MOVED,
            target,
            link.student_id,
            "merged",
            f"from {source.id}",
        )
    session.flush()
    deactivate_account(session, lc, source, "merged")
