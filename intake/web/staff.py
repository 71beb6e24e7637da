"""Staff accounts: argon2 password hashing, creation, login checks with lockout, role changes.

No Flask here: the CLI, the admin views and the tests call the same functions. Every change is
written to the audit log by the caller's transaction.
"""

from __future__ import annotations

import contextlib
import logging
import re
import secrets
import string
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from intake import audit
from intake.db.workflow import Role, StaffUser
from intake.errors import IntakeError

log = logging.getLogger(__name__)

MIN_PASSWORD_CHARS = 12
MAX_PASSWORD_CHARS = 256
#: failures before the account starts to wait; each further failure doubles the wait
LOCK_AFTER_FAILURES = 5
LOCK_BASE_SECONDS = 30
LOCK_MAX_SECONDS = 15 * 60
USERNAME_PATTERN = re.compile(r"^[a-z][a-z0-9._-]{1,31}$")
#: words that make a password guessable in a school office
_CONTEXT_WORDS = ("password", "admissions", "parent", "portal", "school", "qwerty", "letmein")
_UNAMBIGUOUS = "".join(c for c in string.ascii_letters + string.digits if c not in "O0lI1o")

_hasher = PasswordHasher()
#: a hash to verify against for unknown usernames so that timing does not reveal who exists
_DUMMY_HASH = _hasher.hash("not-a-real-password-for-timing")


class PasswordPolicyError(IntakeError):
    """A chosen staff password does not meet the policy; the message says why."""


class LoginRefused(IntakeError):
    """Wrong username or password, or the account is disabled or waiting after failures."""


@dataclass(frozen=True)
class LoginResult:
    user_id: str
    must_change_password: bool
    session_version: int


def check_password_policy(password: str, username: str = "") -> None:
    """Raise ``PasswordPolicyError`` naming the reason when a staff password is too weak."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise PasswordPolicyError(f"use at least {MIN_PASSWORD_CHARS} characters")
    if len(password) > MAX_PASSWORD_CHARS:
        raise PasswordPolicyError(f"use at most {MAX_PASSWORD_CHARS} characters")
    lowered = password.lower()
    if username and username.lower() in lowered:
        raise PasswordPolicyError("the password must not contain the username")
    for word in _CONTEXT_WORDS:
        if word in lowered:
            raise PasswordPolicyError(f"the password must not contain the word {word!r}")
    if len(set(password)) < 5:
        raise PasswordPolicyError("the password repeats too few different characters")


def hash_password(password: str) -> str:
    """An argon2id hash (argon2-cffi defaults, RFC 9106 low-memory profile)."""
    return _hasher.hash(password)


def one_time_password() -> str:
    """A random 16-character password from an unambiguous alphabet, for first login."""
    return "".join(secrets.choice(_UNAMBIGUOUS) for _ in range(16))


def find_by_username(session: Session, username: str) -> StaffUser | None:
    return session.scalar(
        select(StaffUser).where(func.lower(StaffUser.username) == username.strip().lower())
    )


def create_staff(
    session: Session, username: str, role: str, *, actor_id: str | None = None
) -> tuple[StaffUser, str]:
    """Create a staff user with a one-time password that must be changed at first login.

    Returns the user and the plain one-time password (show it once, never store or log it).
    """
    username = username.strip().lower()
    if not USERNAME_PATTERN.match(username):
        raise IntakeError(
            "a username is 2-32 characters: lower-case letters, digits, '.', '_' or '-', "
            "starting with a letter"
        )
    try:
        role = Role(role).value
    except ValueError as exc:
        raise IntakeError(f"unknown role {role!r}: use office, approver or admin") from exc
    if find_by_username(session, username) is not None:
        raise IntakeError(f"a staff user called {username!r} already exists")
    password = one_time_password()
    user = StaffUser(
        username=username,
        role=role,
        password_hash=hash_password(password),
        must_change_password=True,
        active=True,
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor_id=actor_id,
        action="staff.create",
        object_type="staff_user",
        object_id=user.id,
        detail={"role": role},
    )
    return user, password


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def authenticate(session: Session, username: str, password: str) -> LoginResult:
    """Check a login; count failures and make the account wait longer after each one."""
    user = find_by_username(session, username)
    if user is None:
        with contextlib.suppress(VerificationError):
            _hasher.verify(_DUMMY_HASH, password)
        audit.record(
            session,
            actor_id=None,
            action="login.failed",
            object_type="staff_user",
            object_id="unknown",
        )
        raise LoginRefused("wrong username or password")
    locked = _aware(user.locked_until)
    if locked is not None and locked > _now():
        # one hash check on every refusal, so a waiting account answers as slowly as any other
        with contextlib.suppress(VerificationError):
            _hasher.verify(_DUMMY_HASH, password)
        audit.record(
            session,
            actor_id=None,
            action="login.locked",
            object_type="staff_user",
            object_id=user.id,
        )
        raise LoginRefused("wrong username or password")
    try:
        _hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        user.failed_logins += 1
        if user.failed_logins >= LOCK_AFTER_FAILURES:
            extra = user.failed_logins - LOCK_AFTER_FAILURES
            wait = min(LOCK_BASE_SECONDS * (2**extra), LOCK_MAX_SECONDS)
            user.locked_until = _now() + timedelta(seconds=wait)
        audit.record(
            session,
            actor_id=None,
            action="login.failed",
            object_type="staff_user",
            object_id=user.id,
            detail={"failures": user.failed_logins},
        )
        raise LoginRefused("wrong username or password") from None
    if not user.active:
        audit.record(
            session,
            actor_id=None,
            action="login.disabled",
            object_type="staff_user",
            object_id=user.id,
        )
        raise LoginRefused("wrong username or password")
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = _now()
    audit.record(
        session, actor_id=user.id, action="login", object_type="staff_user", object_id=user.id
    )
    return LoginResult(user.id, user.must_change_password, user.session_version)


def verify_password(user: StaffUser, password: str) -> bool:
    """True when ``password`` is this user's password (re-authentication)."""
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def change_password(session: Session, user: StaffUser, new_password: str) -> None:
    """Set a new password chosen by the user; ends every other session of theirs."""
    check_password_policy(new_password, user.username)
    if verify_password(user, new_password):
        raise PasswordPolicyError("choose a password different from the current one")
    user.password_hash = hash_password(new_password)
    user.must_change_password = False
    user.session_version += 1
    audit.record(
        session,
        actor_id=user.id,
        action="staff.password_changed",
        object_type="staff_user",
        object_id=user.id,
    )


def set_role(session: Session, user: StaffUser, role: str, *, actor_id: str) -> None:
    """Change a user's role; their sessions end so the new role applies at once."""
    user.role = Role(role).value
    user.session_version += 1
    audit.record(
        session,
        actor_id=actor_id,
        action="staff.role_changed",
        object_type="staff_user",
        object_id=user.id,
        detail={"role": user.role},
    )


def set_active(session: Session, user: StaffUser, active: bool, *, actor_id: str) -> None:
    """Disable or re-enable a user; disabling ends their sessions at once."""
    user.active = active
    user.session_version += 1
    audit.record(
        session,
        actor_id=actor_id,
        action="staff.enabled" if active else "staff.disabled",
        object_type="staff_user",
        object_id=user.id,
    )


def reset_password(session: Session, user: StaffUser, *, actor_id: str) -> str:
    """Give a user a new one-time password (shown once) and end their sessions."""
    password = one_time_password()
    user.password_hash = hash_password(password)
    user.must_change_password = True
    user.failed_logins = 0
    user.locked_until = None
    user.session_version += 1
    audit.record(
        session,
        actor_id=actor_id,
        action="staff.password_reset",
        object_type="staff_user",
        object_id=user.id,
    )
    return password
