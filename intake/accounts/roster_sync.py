"""The roster's changes applied to accounts, in the import's transaction (DESIGN.md decision 9).

``sync_accounts`` runs after the roster tables hold the new import, over every account link that
has not ended, in this order:

1. **Merges and new MIS ids** (``merges``: old contact id -> new contact id, given with the
   import). The account of the old id moves to the new id; when the new id has an account too,
   that one is kept, takes the links it lacks and the old one is deactivated. One person keeps
   one account. A map entry whose new id is not a current contact is refused (``RosterError``).
2. **Standing checked per link**, against the contact's current link to the child: no
   parental responsibility, a court-order or no-contact flag, or no longer the child's contact
   -> the link is suspended at once (the account too when no active link is left). Only ever
   downwards: a later import that restores PR reinstates nothing; the safeguarding lead does.
3. **Leavers**: a link to a child not on roll gets an end date (``Settings.leaver_grace``); a
   child back on roll before it loses the end date.
4. **Expiry** (``expire_links``, also run by ``intake accounts expire-links``): links past their
   end date end, and an account with no link left is deactivated.

Account holders whose contact a full import no longer holds are flagged in ``warnings`` (if
their MIS id changed, the import needs a merge map). Returns nothing: every change is in
``Lifecycle.changes``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from intake.accounts.adapters import audit_recorder
from intake.accounts.lifecycle import (
    AccountChangeEvent,
    ChangeListener,
    Lifecycle,
    cancel_link_end,
    end_link,
    listeners_for,
    merge_into,
    move_to_contact,
    schedule_link_end,
    suspend_link,
)
from intake.accounts.ports import AuditRecorder
from intake.accounts.terms import LeaverGrace, leaver_grace
from intake.config import Settings
from intake.db.accounts import LINK_ACTIVE, LINK_ENDED, AccountChild, PortalAccount
from intake.db.roster import ContactRow, StudentContactRow, StudentRow
from intake.errors import RosterError


@dataclass(frozen=True)
class _Standing:
    parental_responsibility: bool
    court_order: bool
    no_contact: bool


@dataclass
class SyncReport:
    warnings: list[str] = field(default_factory=list)


def blocking_causes(standing: _Standing | None) -> list[str]:
    """Why a contact may not see a child now (empty: nothing stands in the way)."""
    if standing is None:
        return ["not_a_contact"]
    causes = []
    if not standing.parental_responsibility:
        causes.append("pr_removed")
    if standing.court_order:
        causes.append("court_order")
    if standing.no_contact:
        causes.append("no_contact")
    return causes


def current_standings(session: Session) -> dict[tuple[str, str], _Standing]:
    """(student id, contact id) -> the link's flags, for links no import has ended."""
    rows = session.execute(
        select(
            StudentRow.student_id,
            ContactRow.contact_id,
            StudentContactRow.parental_responsibility,
            StudentContactRow.court_order,
            StudentContactRow.no_contact,
        )
        .join(StudentRow, StudentRow.id == StudentContactRow.student_pk)
        .join(ContactRow, ContactRow.id == StudentContactRow.contact_pk)
        .where(StudentContactRow.ended_at.is_(None))
    )
    return {(s, c): _Standing(bool(pr), bool(co), bool(nc)) for s, c, pr, co, nc in rows}


def standing_of(session: Session, student_id: str, contact_id: str) -> _Standing | None:
    """One contact's current standing for one child (``None``: not a contact any more)."""
    row = session.execute(
        select(
            StudentContactRow.parental_responsibility,
            StudentContactRow.court_order,
            StudentContactRow.no_contact,
        )
        .join(StudentRow, StudentRow.id == StudentContactRow.student_pk)
        .join(ContactRow, ContactRow.id == StudentContactRow.contact_pk)
        .where(
            StudentRow.student_id == student_id,
            ContactRow.contact_id == contact_id,
            StudentContactRow.ended_at.is_(None),
        )
    ).first()
    return None if row is None else _Standing(bool(row[0]), bool(row[1]), bool(row[2]))


def _accounts(session: Session) -> list[PortalAccount]:
    return list(
        session.scalars(
            select(PortalAccount)
            .options(selectinload(PortalAccount.children))
            .order_by(PortalAccount.contact_id)
            .with_for_update()
        )
    )


def _apply_merges(session: Session, lc: Lifecycle, merges: Mapping[str, str]) -> None:
    if not merges:
        return
    current = set(session.scalars(select(ContactRow.contact_id).where(ContactRow.current)))
    problems = [
        f"merge {old} -> {new}: {new} is not a current contact in this import"
        for old, new in merges.items()
        if new not in current
    ]
    problems += [f"merge {old} -> {new}: the same id" for old, new in merges.items() if old == new]
    if problems:
        raise RosterError("the merge map does not fit the roster; nothing was imported", problems)
    by_contact = {a.contact_id: a for a in _accounts(session)}
    for old, new in sorted(merges.items()):
        source = by_contact.get(old)
        if source is None:
            continue
        target = by_contact.get(new)
        if target is None:
            cause = "merged" if old in current else "mis_id_changed"
            move_to_contact(session, lc, source, new, cause)
            by_contact[new] = source
        else:
            merge_into(session, lc, source, target)
        del by_contact[old]


def sync_accounts(
    session: Session,
    lc: Lifecycle,
    grace: LeaverGrace,
    now: datetime,
    merges: Mapping[str, str] | None = None,
) -> SyncReport:
    """Apply the module's rules 1-4 to every account (see the module notes)."""
    report = SyncReport()
    _apply_merges(session, lc, merges or {})
    standings = current_standings(session)
    students = {
        sid: (on_roll, left_at)
        for sid, on_roll, left_at in session.execute(
            select(StudentRow.student_id, StudentRow.on_roll, StudentRow.left_at)
        )
    }
    current = set(session.scalars(select(ContactRow.contact_id).where(ContactRow.current)))
    for account in _accounts(session):
        if account.contact_id not in current and any(
            link.status != LINK_ENDED for link in account.children
        ):
            report.warnings.append(
                f"contact {account.contact_id} holds account {account.id} but is not in the "
                "MIS's current contacts: if their MIS id changed or they were merged, import "
                "again with a merge map (--contact-merges)"
            )
        for link in sorted(account.children, key=lambda x: x.student_id):
            if link.status == LINK_ENDED:
                continue
            on_roll, left_at = students.get(link.student_id, (False, None))
            if link.status == LINK_ACTIVE:
                causes = blocking_causes(standings.get((link.student_id, account.contact_id)))
                if causes:  # a leaver's link too: the grace period is no time for a risk
                    suspend_link(session, lc, account, link.student_id, causes)
            if not on_roll:
                schedule_link_end(
                    session, lc, account, link.student_id, grace.ends_at(left_at or now)
                )
            elif link.ends_at is not None:
                cancel_link_end(session, lc, account, link.student_id)
    expire_links(session, lc, now)
    return report


def expire_links(session: Session, lc: Lifecycle, now: datetime) -> int:
    """End every link whose grace period is over; returns how many ended."""
    due = session.scalars(
        select(AccountChild)
        .where(AccountChild.status != LINK_ENDED, AccountChild.ends_at.is_not(None))
        .order_by(AccountChild.account_id, AccountChild.student_id)
    ).all()
    ended = 0
    for link in due:
        ends_at = link.ends_at
        if ends_at is None:
            continue
        if ends_at.tzinfo is None:  # SQLite hands back naive UTC
            ends_at = ends_at.replace(tzinfo=now.tzinfo)
        if ends_at <= now:
            end_link(session, lc, link.account, link.student_id, "leaver")
            ended += 1
    return ended


@dataclass(frozen=True)
class AccountRules:
    """How an import treats accounts: the grace period, a merge map, who acts, and the
    lifecycle's listeners (none on a dry run)."""

    grace: LeaverGrace
    actor_id: str = "roster-import"
    merges: Mapping[str, str] = field(default_factory=dict)
    listeners: tuple[ChangeListener, ...] = ()
    audit: AuditRecorder = audit_recorder


def rules_from_settings(
    settings: Settings,
    actor_id: str = "roster-import",
    merges: Mapping[str, str] | None = None,
    dry_run: bool = False,
) -> AccountRules:
    """The rules of an import run by ``actor_id`` with this configuration."""
    return AccountRules(
        leaver_grace(settings),
        actor_id,
        dict(merges or {}),
        () if dry_run else listeners_for(settings),
    )


def sync_for_import(
    session: Session, rules: AccountRules | None, import_id: int, now: datetime
) -> tuple[list[AccountChangeEvent], list[str]]:
    """Run ``sync_accounts`` for roster import ``import_id``: (changes, warnings)."""
    rules = rules or rules_from_settings(Settings())
    lc = Lifecycle(rules.audit, rules.actor_id, lambda: now, rules.listeners, import_id)
    report = sync_accounts(session, lc, rules.grace, now, rules.merges)
    return list(lc.changes), report.warnings
