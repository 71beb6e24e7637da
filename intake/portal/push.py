"""Sending open pushes to the portal: idempotent, one account per transaction, with backoff.

For each due push the account's state is read again and the portal is asked for the user whose
``externalId`` is the MIS contact id. No user: it is created, with the letter's password, once
there is one (an account approved but not yet sent a letter waits for it). A user: only the
attributes that differ are patched, so pushing the same state twice changes nothing. A failure
is recorded on the row with the portal's message and tried again later, each wait twice the
last, until ``portal.max_attempts``; then the row is ``failed`` and waits for a person.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.accounts.adapters import RosterFromDb
from intake.accounts.credentials import as_utc
from intake.config import Portal, Settings
from intake.db.accounts import ACCOUNT_ACTIVE, LINK_ACTIVE, PortalAccount, utcnow
from intake.db.portal import PUSH_DONE, PUSH_FAILED, PUSH_PENDING, PortalPush
from intake.portal.schema import ChildLink, PortalUserState, differences
from intake.portal.scim import PortalError, ScimPortal
from intake.portal.sealing import unseal

log = logging.getLogger(__name__)

BATCH = 50


@dataclass
class PushReport:
    """What one run did, by outcome (``created``, ``updated``, ``unchanged``, ...)."""

    outcomes: dict[str, int] = field(default_factory=dict)
    failed: int = 0
    left: int = 0  # due but not reached (the time budget ran out)

    def count(self, outcome: str) -> None:
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1


def user_state(session: Session, account: PortalAccount) -> PortalUserState:
    """What the portal should hold for ``account`` now."""
    roster = RosterFromDb(session)
    children = []
    for link in account.children:
        if link.status != LINK_ACTIVE:  # a suspended or ended link gives no access on the portal
            continue
        student = roster.student(link.student_id)
        children.append(ChildLink(link.student_id, student.upn if student else ""))
    return PortalUserState(
        external_id=account.contact_id,
        user_name=account.username,
        given_name=account.forename,
        family_name=account.surname,
        email=account.email,
        active=account.status == ACCOUNT_ACTIVE,
        children=tuple(sorted(set(children))),
    )


def backoff(portal: Portal, attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failure: base, 2 x base, 4 x base ... up to the max."""
    return timedelta(
        seconds=min(portal.retry_base_s * 2 ** max(attempts - 1, 0), portal.retry_max_s)
    )


def _fail(row: PortalPush, portal: Portal, message: str, now: datetime, final: bool) -> None:
    row.attempts += 1
    row.last_attempt_at = now
    row.last_error = message[:1000]
    if final or row.attempts >= portal.max_attempts:
        row.status = PUSH_FAILED
    else:
        row.status = PUSH_PENDING
        row.next_attempt_at = now + backoff(portal, row.attempts)


def _done(row: PortalPush, outcome: str, user_id: str | None, now: datetime) -> None:
    row.status = PUSH_DONE
    row.open_key = None
    row.sealed_password = None
    row.password_expires_at = None
    row.outcome = outcome
    row.portal_user_id = user_id
    row.last_attempt_at = row.done_at = now
    row.attempts += 1


def _password(row: PortalPush, portal: Portal, now: datetime) -> tuple[str | None, str | None]:
    """``(password, problem)``: the sealed password if still usable, else why not."""
    if row.sealed_password is None:
        return None, None
    expires = as_utc(row.password_expires_at)
    if expires is not None and now >= expires:
        return None, "the letter's password expired before it reached the portal"
    password = unseal(portal, row.sealed_password)
    if password is None:
        return None, "the letter's password was sealed under another portal.password_key"
    return password, None


def push_one(
    session: Session, portal: Portal, client: ScimPortal, row: PortalPush, now: datetime
) -> str:
    """Send one open push; its outcome (``failed`` when it did not get through)."""
    account = session.get(PortalAccount, row.account_id)
    assert account is not None  # the row is deleted with its account
    password, problem = _password(row, portal, now)
    if problem:
        row.sealed_password = None
        _fail(row, portal, f"{problem}: print a new letter, then retry", now, final=True)
        return "failed"
    desired = user_state(session, account)
    try:
        held = client.find(desired.external_id)
        if held is None:
            if not desired.active:
                outcome, user_id = "not_on_portal", None
            elif password is None:
                outcome, user_id = "waiting_for_letter", None
            else:
                outcome, user_id = "created", client.create(desired, password)
        else:
            paths = differences(desired, held.state)
            # A revoked account's old password must stop working on the portal too, as it
            # does here; only while the portal has not seen the revocation (idempotent).
            if password is None and row.revoke_password and held.state.active is not False:
                password = secrets.token_urlsafe(32)  # never stored, never known
            user_id = held.user_id
            if paths or password is not None:
                client.update(held.user_id, desired, paths, password)
                outcome = "updated"
            else:
                outcome = "unchanged"
    except PortalError as exc:
        _fail(row, portal, str(exc), now, final=False)
        log.warning(
            "portal push %s for account %s failed (try %d)", row.id, row.account_id, row.attempts
        )
        return "failed"
    _done(row, outcome, user_id, now)
    log.info("portal push %s for account %s: %s", row.id, row.account_id, outcome)
    return outcome


def _due_ids(session: Session, now: datetime, account_ids: Sequence[str] | None) -> list[str]:
    query = select(PortalPush.id).where(
        PortalPush.open_key.is_not(None), PortalPush.status == PUSH_PENDING
    )
    if account_ids is None:
        query = query.where(PortalPush.next_attempt_at <= now)
    else:
        query = query.where(PortalPush.account_id.in_(list(account_ids)))
    return list(session.scalars(query.order_by(PortalPush.next_attempt_at).limit(BATCH)))


def push_due(
    session: Session,
    settings: Settings,
    *,
    now: Callable[[], datetime] = utcnow,
    account_ids: Sequence[str] | None = None,
    budget_s: float | None = None,
    portal_factory: Callable[[Portal], ScimPortal] = ScimPortal,
) -> PushReport:
    """Send the due pushes (or those of ``account_ids``), committing after each one.

    ``budget_s`` bounds the time spent (a web request pushing its own changes); what is left
    stays pending for the next run. Does nothing while provisioning is off.
    """
    report = PushReport()
    if not settings.portal.enabled:
        return report
    session.commit()  # the caller's work is its own; each push gets a transaction of its own
    started = time.monotonic()
    done: set[str] = set()
    with portal_factory(settings.portal) as client:
        while True:
            ids = [i for i in _due_ids(session, now(), account_ids) if i not in done]
            session.rollback()
            if not ids:
                break
            for push_id in ids:
                if budget_s is not None and time.monotonic() - started > budget_s:
                    report.left = len(ids) - ids.index(push_id)
                    return report
                done.add(push_id)
                row = session.scalars(
                    select(PortalPush)
                    .where(PortalPush.id == push_id, PortalPush.status == PUSH_PENDING)
                    .with_for_update(skip_locked=True)
                ).one_or_none()
                if row is None:  # another worker has it, or it was sent meanwhile
                    session.rollback()
                    continue
                outcome = push_one(session, settings.portal, client, row, now())
                session.commit()
                if outcome == "failed":
                    report.failed += 1
                else:
                    report.count(outcome)
    return report
