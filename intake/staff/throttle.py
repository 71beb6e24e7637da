"""Sign-in limits: wrong passwords counted per account, per client address and per known device.

Only failures count (a wrong password at sign-in, at the step-up before a risky action, or as
the current password on ``/password``); a successful sign-in counts nothing, so a school whose
staff share one address behind its NAT is not limited by its own sign-ins. Each failure is a
row of ``sign_in_failures`` (in the database: the limits hold across restarts and processes).

Who is counted depends on who knocks (``Requester``):

- A request that carries a **known-device cookie of this account** (set in that browser by an
  earlier successful sign-in) is counted and limited **only by that device**. So nobody can shut
  a colleague out: however many wrong passwords an attacker sends for their username, the
  colleague's own browser still signs in.
- Any other request is counted and limited **per account** (the user id; for an unknown
  username a hash of it, so unknown and known names behave alike) **and per client address**.

Each of the three has a ``Rule``: ``free`` failures, at most ``free`` in any ``burst_s``
window, then a delay that doubles with each further failure of the last ``window_s`` up to
``max_delay_s``. Nothing is locked for good: the wait is never longer than ``max_delay_s`` (or
the rest of a burst window), and old failures age out.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from intake.db.workflow import SignInFailure

ACCOUNT = "account"
IP = "ip"
DEVICE = "device"
#: wrong second-factor codes, per account, whichever browser sends them (``intake.staff.mfa``)
CODES = "codes"
#: failures older than this are deleted when a new one is written
KEEP_S = 24 * 3600
#: at most this many recent failures are read for one key (the delay is at its cap long before)
READ_AT_MOST = 200


@dataclass(frozen=True)
class Rule:
    """How many failures one key may have before it waits, and how the wait grows."""

    free: int
    burst_s: int
    window_s: int
    base_delay_s: int
    max_delay_s: int


#: NCSC / ASVS: no more than 10 failures in 5 minutes, then a growing delay, no lockout
ACCOUNT_RULE = Rule(free=10, burst_s=300, window_s=KEEP_S, base_delay_s=30, max_delay_s=900)
#: an address may be a school's NAT: more failures before it waits (staff on their usual
#: browsers never wait for it: their known-device cookie takes them past it)
IP_RULE = Rule(free=30, burst_s=300, window_s=KEEP_S, base_delay_s=30, max_delay_s=900)
DEVICE_RULE = ACCOUNT_RULE
RULES = {ACCOUNT: ACCOUNT_RULE, IP: IP_RULE, DEVICE: DEVICE_RULE, CODES: ACCOUNT_RULE}


@dataclass(frozen=True)
class Requester:
    """Who is trying a password: the account (``account_key``), the client address and, when
    the request carries a known-device cookie of that account, the device's nonce."""

    account: str
    ip: str
    device: str | None = None

    def counted_as(self) -> list[tuple[str, str]]:
        """The (scope, key) pairs this request is limited by and its failures count against."""
        if self.device:
            return [(DEVICE, self.device)]
        return [(ACCOUNT, self.account), (IP, self.ip or "unknown")]


def account_key(user_id: str | None, username: str) -> str:
    """The account counter's key: the user's id, or for a typed name nobody has a hash of it
    (a password typed into the username box is never stored)."""
    if user_id is not None:
        return user_id
    folded = username.strip().lower()[:256].encode("utf-8", "replace")
    return "name:" + hashlib.sha256(folded).hexdigest()[:32]


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def wait_for(rule: Rule, failures: list[datetime], now: datetime) -> float:
    """Seconds until one more try is allowed, given the key's failures (any order)."""
    window = sorted(
        (t for t in failures if t > now - timedelta(seconds=rule.window_s)), reverse=True
    )
    if len(window) < rule.free:
        return 0.0
    wait = 0.0
    burst = [t for t in window if t > now - timedelta(seconds=rule.burst_s)]
    if len(burst) >= rule.free:  # the free-th latest failure must leave the burst window first
        wait = (burst[rule.free - 1] + timedelta(seconds=rule.burst_s) - now).total_seconds()
    doubling = min(len(window) - rule.free, 30)
    delay = min(rule.base_delay_s * 2**doubling, rule.max_delay_s)
    wait = max(wait, (window[0] + timedelta(seconds=delay) - now).total_seconds())
    return max(0.0, wait)


def seconds_to_wait(session: Session, requester: Requester, now: datetime) -> float:
    """How long ``requester`` must wait before trying a password again (0: go ahead)."""
    return _longest_wait(session, requester.counted_as(), now)


def code_wait(session: Session, user_id: str, now: datetime) -> float:
    """How long a user must wait before trying a second-factor code again. Codes are counted
    per account from every browser: a known device does not buy guesses at the code."""
    return _longest_wait(session, [(CODES, user_id)], now)


def _longest_wait(session: Session, counted: list[tuple[str, str]], now: datetime) -> float:
    longest = 0.0
    for scope, key in counted:
        rule = RULES[scope]
        since = now - timedelta(seconds=rule.window_s)
        times = session.scalars(
            select(SignInFailure.at)
            .where(SignInFailure.scope == scope, SignInFailure.key == key, SignInFailure.at > since)
            .order_by(SignInFailure.at.desc())
            .limit(READ_AT_MOST)
        ).all()
        longest = max(longest, wait_for(rule, [_aware(t) for t in times], now))
    return longest


def record_failure(session: Session, requester: Requester, now: datetime) -> None:
    """Count one wrong password against everything ``requester`` is limited by (the caller
    commits), and drop failures too old to matter."""
    _record(session, requester.counted_as(), now)


def record_code_failure(session: Session, user_id: str, now: datetime) -> None:
    """Count one wrong second-factor code against the account (the caller commits)."""
    _record(session, [(CODES, user_id)], now)


def _record(session: Session, counted: list[tuple[str, str]], now: datetime) -> None:
    session.execute(delete(SignInFailure).where(SignInFailure.at < now - timedelta(seconds=KEEP_S)))
    for scope, key in counted:
        session.add(SignInFailure(scope=scope, key=key[:80], at=now))
    session.flush()


def forget_account(session: Session, user_id: str) -> None:
    """Clear an account's failures (an admin gave the user a new password)."""
    session.execute(
        delete(SignInFailure).where(SignInFailure.scope == ACCOUNT, SignInFailure.key == user_id)
    )
