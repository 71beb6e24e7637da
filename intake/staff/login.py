"""Signing staff in: the ``LoginBackend`` seam and the password backend with its lockout.

The web layer only ever calls a ``LoginBackend``; today that is ``PasswordLogin``. A second factor
or a school's single sign-on plugs in as another backend (``create_app`` takes it as
``INTAKE_LOGIN_BACKEND``) without touching the views. Every refusal raises the one
``LoginRefused`` with the same words, so nobody can tell an unknown user from a wrong password,
a waiting account or a disabled one; the audit log (ids only) tells staff which it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy.orm import Session

from intake import audit
from intake.db.workflow import StaffUser
from intake.errors import LoginRefused
from intake.staff import passwords
from intake.staff.directory import find_by_username

#: failures before the account starts to wait; each further failure doubles the wait
LOCK_AFTER_FAILURES = 5
LOCK_BASE_SECONDS = 30
LOCK_MAX_SECONDS = 15 * 60
REFUSAL = "wrong username or password"


@dataclass(frozen=True)
class LoginResult:
    """Who signed in, and what the session must know about them."""

    user_id: str
    must_change_password: bool
    session_version: int


class LoginBackend(Protocol):
    """How a member of staff proves who they are. Raises ``LoginRefused`` on any refusal."""

    def authenticate(self, session: Session, username: str, password: str) -> LoginResult:
        """Sign in with a username and password; the caller commits (failures are audited)."""
        ...

    def reauthenticate(self, session: Session, user: StaffUser, password: str) -> bool:
        """Step-up: is this the signed-in user (before a sensitive action)?"""
        ...


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:  # SQLite gives back naive datetimes
        return moment.replace(tzinfo=UTC)
    return moment


def _refuse(session: Session, action: str, object_id: str, **detail: int) -> LoginRefused:
    audit.record(
        session,
        actor_id=None,
        action=action,
        object_type="staff_user",
        object_id=object_id,
        detail=detail or None,
    )
    return LoginRefused(REFUSAL)


def lock_after_failures(user: StaffUser, failures: int) -> None:
    """Make the account wait once ``failures`` reaches the limit, doubling each time after.

    Wrong passwords and wrong second-factor codes (``intake.staff.mfa``) both come here."""
    if failures >= LOCK_AFTER_FAILURES:
        extra = failures - LOCK_AFTER_FAILURES
        wait = min(LOCK_BASE_SECONDS * (2**extra), LOCK_MAX_SECONDS)
        user.locked_until = _now() + timedelta(seconds=wait)


def is_locked(user: StaffUser) -> bool:
    """True while the account waits after too many failures."""
    locked = _aware(user.locked_until)
    return locked is not None and locked > _now()


def _count_failure(user: StaffUser) -> None:
    user.failed_logins += 1
    lock_after_failures(user, user.failed_logins)


class PasswordLogin:
    """Username and argon2id password; an account waits longer after each run of failures."""

    def authenticate(self, session: Session, username: str, password: str) -> LoginResult:
        """Check a login; count failures and make the account wait longer after each one.

        Every path spends exactly one hash check, so timing tells nothing either."""
        # a NUL cannot be in any username, and PostgreSQL refuses it in a query: nobody by that name
        user = None if "\x00" in username else find_by_username(session, username)
        if user is None:
            passwords.verify_nothing(password)
            raise _refuse(session, "login.failed", "unknown")
        locked = _aware(user.locked_until)
        if locked is not None and locked > _now():
            passwords.verify_nothing(password)
            raise _refuse(session, "login.locked", user.id)
        if not passwords.verify(user.password_hash, password):
            _count_failure(user)
            raise _refuse(session, "login.failed", user.id, failures=user.failed_logins)
        if not user.active:
            raise _refuse(session, "login.disabled", user.id)
        if passwords.needs_rehash(user.password_hash):
            user.password_hash = passwords.hash_password(password)
        user.failed_logins = 0
        user.locked_until = None
        user.last_login_at = _now()
        audit.record(
            session, actor_id=user.id, action="login", object_type="staff_user", object_id=user.id
        )
        return LoginResult(user.id, user.must_change_password, user.session_version)

    def reauthenticate(self, session: Session, user: StaffUser, password: str) -> bool:
        """True when ``password`` is the user's own (the caller audits the step-up)."""
        return passwords.verify(user.password_hash, password)
