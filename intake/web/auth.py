"""Sign in, sign out, change password and re-authenticate (step-up).

Staff who use a second factor are not signed in by the password alone: it leaves a pending
session and the code is asked for by ``intake.web.mfa``.

Who someone is is decided by the app's ``LoginBackend`` (``intake.staff.login``; the password
backend unless ``create_app`` was given another as ``INTAKE_LOGIN_BACKEND``): the views only
carry the answer into the session.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from intake import audit
from intake.db.workflow import StaffUser
from intake.errors import LoginRefused
from intake.staff import directory
from intake.staff.login import LoginBackend
from intake.staff.passwords import PasswordPolicyError
from intake.web.database import db
from intake.web.extensions import limiter
from intake.web.mfa_session import CODE_AT, begin_pending, second_factor_applies
from intake.web.security import mark_fresh
from intake.web.sessions import principal_of, start_session

bp = Blueprint("auth", __name__)

LOGIN_LIMIT = "10 per 5 minutes"


def safe_next(target: str | None) -> str:
    """A local path to go to after login; anything else (other hosts, ``//x``) goes home."""
    if not target:
        return url_for("index")
    parts = urlsplit(target)
    if (
        parts.scheme
        or parts.netloc
        or not target.startswith("/")
        or target.startswith(("//", "/\\"))
    ):
        return url_for("index")
    if "\\" in target or any(ord(c) < 32 for c in target):
        return url_for("index")
    return target


def _backend() -> LoginBackend:
    backend: LoginBackend = current_app.extensions["intake_login_backend"]
    return backend


def _username_key() -> str:
    return "user:" + request.form.get("username", "").strip().lower()[:64]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"], key_func=_username_key)
def login() -> Response | str | tuple[str, int]:
    if request.method == "POST":
        username = request.form.get("username", "")
        password = request.form.get("password", "")
        session_db = db()
        try:
            result = _backend().authenticate(session_db, username, password)
        except LoginRefused as exc:
            session_db.commit()
            return render_template("auth/login.html", error=str(exc)), 401
        user = session_db.get(StaffUser, result.user_id)
        assert user is not None
        session_db.commit()
        next_url = safe_next(request.args.get("next"))
        session.clear()  # a new session at login (no fixation)
        if second_factor_applies(session_db, user):
            begin_pending(user, next_url)  # signed in only once the code is right
            return redirect(url_for("mfa.verify"))
        login_user(principal_of(user), remember=False)
        start_session()
        mark_fresh()
        if user.must_change_password:
            return redirect(url_for("auth.change_password"))
        return redirect(next_url)
    return render_template("auth/login.html", error=None)


@bp.post("/logout")
def logout() -> Response:
    if current_user.is_authenticated:
        user = db().get(StaffUser, current_user.id)
        if user is not None:
            # the signed cookie cannot be recalled: a new version makes every copy of it void
            user.session_version += 1
        audit.record(
            db(),
            actor_id=current_user.id,
            action="logout",
            object_type="staff_user",
            object_id=current_user.id,
        )
        db().commit()
    logout_user()
    session.clear()
    response = redirect(url_for("auth.login"))
    response.headers["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    return response


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password() -> Response | str | tuple[str, int]:
    error = None
    if request.method == "POST":
        session_db = db()
        user = session_db.get(StaffUser, current_user.id)
        assert user is not None
        new = request.form.get("new_password", "")
        if not directory.verify_password(user, request.form.get("current_password", "")):
            error = "The current password is not right."
        elif new != request.form.get("confirm_password", ""):
            error = "The two new passwords differ."
        else:
            try:
                directory.change_password(session_db, user, new)
            except PasswordPolicyError as exc:
                error = f"Choose another password: {exc}."
            else:
                session_db.commit()
                code_at = session.get(CODE_AT)  # the code given at this sign-in still counts
                session.clear()
                login_user(principal_of(user), remember=False)
                start_session()
                mark_fresh()
                if code_at is not None:
                    session[CODE_AT] = code_at
                flash("Password changed.", "success")
                return redirect(url_for("index"))
        return render_template("auth/password.html", error=error), 422
    return render_template("auth/password.html", error=error)


@bp.route("/reauth", methods=["GET", "POST"])
@login_required
@limiter.limit(LOGIN_LIMIT, methods=["POST"])
def reauth() -> Response | str | tuple[str, int]:
    if request.method == "POST":
        user = db().get(StaffUser, current_user.id)
        assert user is not None
        if _backend().reauthenticate(db(), user, request.form.get("password", "")):
            mark_fresh()
            audit.record(
                db(),
                actor_id=user.id,
                action="login.step_up",
                object_type="staff_user",
                object_id=user.id,
            )
            db().commit()
            return redirect(safe_next(request.args.get("next")))
        return render_template("auth/reauth.html", error="The password is not right."), 401
    return render_template("auth/reauth.html", error=None)
