"""Who is logged in: Flask-Login glue, session versions and the idle/absolute time limits.

The session cookie holds ids and times only. A user's ``session_version`` is part of the id
Flask-Login stores, so logout everywhere, disabling a user, a role change or a password change
ends every session at once (the version no longer matches).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from flask import Flask, flash, redirect, request, session, url_for
from flask_login import UserMixin, logout_user
from werkzeug.wrappers import Response

from intake.db.workflow import StaffUser
from intake.staff.roles import has_role
from intake.web.database import db
from intake.web.extensions import login_manager

IDLE_LIMIT_S = 30 * 60
ABSOLUTE_LIMIT_S = 12 * 60 * 60
LOGIN_AT = "login_at"
SEEN_AT = "seen_at"


@dataclass
class StaffPrincipal(UserMixin):
    """The logged-in staff member as the web layer sees them (no password hash)."""

    id: str
    username: str
    role: str
    session_version: int
    must_change_password: bool

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    def has_role(self, role: str) -> bool:
        return has_role(self.role, role)


def principal_of(user: StaffUser) -> StaffPrincipal:
    return StaffPrincipal(
        id=user.id,
        username=user.username,
        role=user.role,
        session_version=user.session_version,
        must_change_password=user.must_change_password,
    )


@login_manager.user_loader
def load_user(stored_id: str) -> StaffPrincipal | None:
    user_id, _, version = stored_id.partition(":")
    user = db().get(StaffUser, user_id)
    if user is None or not user.active or str(user.session_version) != version:
        return None
    return principal_of(user)


def start_session() -> None:
    """Stamp a fresh login (call after ``session.clear()`` and ``login_user``)."""
    now = int(time.time())
    session[LOGIN_AT] = now
    session[SEEN_AT] = now
    session.permanent = False


def _enforce_time_limits() -> Response | None:
    if "_user_id" not in session:
        return None
    now = int(time.time())
    login_at = session.get(LOGIN_AT, 0)
    seen_at = session.get(SEEN_AT, 0)
    if now - seen_at > IDLE_LIMIT_S or now - login_at > ABSOLUTE_LIMIT_S:
        logout_user()
        session.clear()
        if request.endpoint and request.endpoint.startswith("static"):
            return None
        flash("Your session ended. Please sign in again.", "info")
        return redirect(url_for("auth.login"))
    # polling endpoints do not count as activity, so an open batch page still times out
    if request.endpoint != "batches.progress":
        session[SEEN_AT] = now
    return None


@login_manager.unauthorized_handler
def _unauthorized() -> Response | tuple[dict[str, str], int]:
    """Pages send anonymous users to sign in; JSON callers get 401."""
    if request.path.startswith("/api/") or request.is_json or request.method != "GET":
        return {"error": "Please sign in again."}, 401
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in."
    login_manager.session_protection = "basic"
    app.before_request(_enforce_time_limits)
