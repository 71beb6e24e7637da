"""The session between a right password and a right code, and how fresh the last code is.

After the password a user who must use a second factor is *pending*: the session holds their
id, session version and the time only, and Flask-Login does not know them, so every view that
needs a user refuses them. A ``before_request`` hook sends a pending session to the code form
(302) from every route but that form, enrolment, sign-in and sign-out. The TOTP secret is never
in the session: it stays in the database.
"""

from __future__ import annotations

import time

from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask_login import current_user, login_user
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from intake.db.workflow import StaffUser
from intake.staff import mfa
from intake.web.database import db
from intake.web.security import login_is_fresh, mark_fresh
from intake.web.sessions import principal_of, start_session

PENDING_USER = "mfa_pending"
PENDING_AT = "mfa_pending_at"
PENDING_NEXT = "mfa_next"
#: session key holding the time (epoch seconds) of the last accepted code
CODE_AT = "mfa_at"
#: a password without its code is forgotten after this (enough to scan a QR code)
PENDING_LIMIT_S = 10 * 60
_OPEN_WHILE_PENDING = {
    "mfa.verify",
    "mfa.enrol",
    "mfa.enrol_qr",
    "keys.sign_options",
    "keys.sign",
    "auth.login",
    "auth.logout",
    "static",
}


def backend_checks_second_factor() -> bool:
    """True when the login backend (a school's SSO) enforces the second factor itself."""
    backend = current_app.extensions["intake_login_backend"]
    return bool(getattr(backend, "checks_second_factor", False))


def second_factor_applies(session_db: Session, user: StaffUser) -> bool:
    """True when this user signs in with a code: their role requires it, or they set one up."""
    if backend_checks_second_factor():
        return False
    roles = current_app.config["INTAKE_SETTINGS"].mfa_required_roles
    return mfa.required_for(user.role, roles) or mfa.is_enrolled(session_db, user.id)


def begin_pending(user: StaffUser, next_url: str) -> None:
    """Remember a right password while the code is asked for (call after ``session.clear()``)."""
    session[PENDING_USER] = f"{user.id}:{user.session_version}"
    # to the microsecond: a set-up secret older than this sign-in is replaced, not reused
    session[PENDING_AT] = time.time()
    session[PENDING_NEXT] = next_url


def pending_user(session_db: Session) -> StaffUser | None:
    """The user whose password was right and whose code is awaited, if still valid."""
    stored = session.get(PENDING_USER)
    at = session.get(PENDING_AT)
    if not isinstance(stored, str) or not isinstance(at, int | float):
        return None
    if time.time() - at > PENDING_LIMIT_S:
        return None
    user_id, _, version = stored.partition(":")
    user = session_db.get(StaffUser, user_id)
    if user is None or not user.active or str(user.session_version) != version:
        return None
    return user


def complete_sign_in(user: StaffUser) -> str:
    """Sign the pending user in for real; returns where to go next."""
    next_url = session.get(PENDING_NEXT) or url_for("index")
    session.clear()
    login_user(principal_of(user), remember=False)
    start_session()
    mark_fresh()
    mark_code_fresh()
    if user.must_change_password:
        return url_for("auth.change_password")
    return str(next_url)


def mark_code_fresh() -> None:
    """Record that a code was accepted just now (sign-in or step-up)."""
    session[CODE_AT] = int(time.time())


def code_is_fresh() -> bool:
    """True when a code was accepted within ``Settings.mfa_step_up_minutes``."""
    at = session.get(CODE_AT)
    minutes = current_app.config["INTAKE_SETTINGS"].mfa_step_up_minutes
    return isinstance(at, int) and time.time() - at <= minutes * 60


def step_up_endpoint() -> str | None:
    """Where the signed-in user must prove it is them before a risky action, or ``None``.

    Staff with a second factor give a fresh code (``mfa.step_up``); the others their password
    (``auth.reauth``), as before two-step sign-in existed.
    """
    user = db().get(StaffUser, current_user.id)
    if user is not None and second_factor_applies(db(), user):
        return None if code_is_fresh() else "mfa.step_up"
    return None if login_is_fresh() else "auth.reauth"


def _hold_pending_sign_in() -> Response | None:
    if PENDING_USER not in session or request.endpoint in _OPEN_WHILE_PENDING:
        return None
    if time.time() - session.get(PENDING_AT, 0) > PENDING_LIMIT_S:
        session.clear()
        flash("Sign in again: the code was not given in time.", "info")
        return redirect(url_for("auth.login"))
    return redirect(url_for("mfa.verify"))


def init_app(app: Flask) -> None:
    app.before_request(_hold_pending_sign_in)
