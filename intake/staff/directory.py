"""The staff directory: create users, change and reset passwords, roles, enable and disable.

Each change is written to the audit log in the caller's transaction (ids and roles only) and,
where it changes what a user may do, ends their sessions by bumping ``session_version``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from intake import audit
from intake.db.workflow import StaffUser
from intake.errors import IntakeError
from intake.staff import passwords, throttle
from intake.staff.roles import Role

USERNAME_PATTERN = re.compile(r"^[a-z][a-z0-9._-]{1,31}$")


def find_by_username(session: Session, username: str) -> StaffUser | None:
    """The user with this username (case-insensitive), or ``None``."""
    return session.scalar(
        select(StaffUser).where(func.lower(StaffUser.username) == username.strip().lower())
    )


def create_staff(
    session: Session,
    username: str,
    role: str,
    *,
    actor_id: str | None = None,
    school_names: Sequence[str] = (),
) -> tuple[StaffUser, str]:
    """Create a staff user with a one-time password that must be changed at first login.

    Returns the user and the plain one-time password (show it once, never store or log it);
    it meets the password policy for this username and ``school_names`` like any other.
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
    password = passwords.one_time_password(username, school_names)
    user = StaffUser(
        username=username,
        role=role,
        password_hash=passwords.hash_password(password),
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


def verify_password(user: StaffUser, password: str) -> bool:
    """True when ``password`` is this user's password (re-authentication)."""
    return passwords.verify(user.password_hash, password)


def change_password(
    session: Session, user: StaffUser, new_password: str, school_names: Sequence[str] = ()
) -> None:
    """Set a new password chosen by the user; ends every other session of theirs.

    The password must meet the policy (``passwords.check_password_policy``) for this username
    and the school's names (``Settings.school``: name and short name)."""
    passwords.check_password_policy(new_password, user.username, school_names)
    if verify_password(user, new_password):
        raise passwords.PasswordPolicyError("choose a password different from the current one")
    user.password_hash = passwords.hash_password(new_password)
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


def reset_password(
    session: Session, user: StaffUser, *, actor_id: str, school_names: Sequence[str] = ()
) -> str:
    """Give a user a new one-time password (shown once, meeting the policy) and end their
    sessions."""
    password = passwords.one_time_password(user.username, school_names)
    user.password_hash = passwords.hash_password(password)
    user.must_change_password = True
    throttle.forget_account(session, user.id)
    user.session_version += 1
    audit.record(
        session,
        actor_id=actor_id,
        action="staff.password_reset",
        object_type="staff_user",
        object_id=user.id,
    )
    return password
