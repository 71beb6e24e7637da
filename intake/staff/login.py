"""Signing staff in: the ``LoginBackend`` seam and the password backend.

The web layer only ever calls a ``LoginBackend``; today that is ``PasswordLogin``. A second factor
or a school's single sign-on plugs in as another backend (``create_app`` takes it as
``INTAKE_LOGIN_BACKEND``) without touching the views. Every refusal raises the one
``LoginRefused`` with the same words, so nobody can tell an unknown user from a wrong password,
or a disabled one; the audit log (ids only) tells staff which it was. How often anyone may try
is not the backend's business: the web layer counts failures with ``intake.staff.throttle``
around every backend (no account is ever locked, so nobody can lock a colleague out).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy.orm import Session

from intake import audit
from intake.db.workflow import StaffUser
from intake.errors import LoginRefused
from intake.staff import passwords
from intake.staff.directory import find_by_username

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


class PasswordLogin:
    """Username and argon2id password."""

    def authenticate(self, session: Session, username: str, password: str) -> LoginResult:
        """Check a login; every refusal is audited (ids only).

        Every path spends exactly one hash check, so timing tells nothing either."""
        # a NUL cannot be in any username, and PostgreSQL refuses it in a query: nobody by that name
        user = None if "\x00" in username else find_by_username(session, username)
        if user is None:
            passwords.verify_nothing(password)
            raise _refuse(session, "login.failed", "unknown")
        if not passwords.verify(user.password_hash, password):
            raise _refuse(session, "login.failed", user.id)
        if not user.active:
            raise _refuse(session, "login.disabled", user.id)
        if passwords.needs_rehash(user.password_hash):
            user.password_hash = passwords.hash_password(password)
        user.last_login_at = _now()
        audit.record(
            session, actor_id=user.id, action="login", object_type="staff_user", object_id=user.id
        )
        return LoginResult(user.id, user.must_change_password, user.session_version)

    def reauthenticate(self, session: Session, user: StaffUser, password: str) -> bool:
        """True when ``password`` is the user's own (the caller audits the step-up)."""
        return passwords.verify(user.password_hash, password)
