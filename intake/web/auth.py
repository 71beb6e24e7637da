"""Sign in, sign out, change password and re-authenticate (step-up).

Staff who use a second factor are not signed in by the password alone: it leaves a pending
session and the code is asked for by ``intake.web.mfa``.

Who someone is is decided by the app's ``LoginBackend`` (``intake.staff.login``; the password
backend unless ``create_app`` was given another as ``INTAKE_LOGIN_BACKEND``): the views only
carry the answer into the session.

Every password check here (sign-in, step-up, the current password on ``/password``) goes through
the same limits (``intake.staff.throttle``): it is refused with 429 while the account, the
address or the known device must wait, and each wrong password is counted.
"""

from __future__ import annotations

import logging
import math
from datetime import UTC, datetime
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
from intake.staff import directory, throttle
from intake.staff.login import LoginBackend
from intake.staff.passwords import PasswordPolicyError
from intake.web import devices
from intake.web.database import db
from intake.web.mfa_session import CODE_AT, begin_pending, second_factor_applies
from intake.web.security import mark_fresh
from intake.web.sessions import principal_of, start_session

log = logging.getLogger(__name__)
bp = Blueprint("auth", __name__)


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


def _now() -> datetime:
    return datetime.now(UTC)


def _requester(user_id: str | None, username: str = "") -> throttle.Requester:
    """Who is trying a password, as the limits count it (``request.remote_addr`` is the client's
    address: ``create_app`` trusts ``trusted_proxies`` hops of X-Forwarded-For, no more)."""
    return throttle.Requester(
        account=throttle.account_key(user_id, username),
        ip=request.remote_addr or "unknown",
        device=devices.device_of(user_id),
    )


def _must_wait(requester: throttle.Requester, user_id: str | None, where: str) -> str | None:
    """The message for a refused try when ``requester`` must wait (audited), else ``None``."""
    session_db = db()
    wait = throttle.seconds_to_wait(session_db, requester, _now())
    if wait <= 0:
        return None
    audit.record(
        session_db,
        actor_id=None,
        action="login.throttled",
        object_type="staff_user",
        object_id=user_id or "unknown",
        detail={"where": where, "wait_s": math.ceil(wait), "known_device": bool(requester.device)},
    )
    session_db.commit()
    log.warning("password tries throttled at %s for %s", where, user_id or "unknown")
    minutes = max(1, math.ceil(wait / 60))
    return (
        f"Too many wrong passwords. Try again in {minutes} minute{'s' if minutes > 1 else ''}, "
        "or from a browser you have signed in with before."
    )


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str | tuple[str, int]:
    if request.method == "POST":
        username = request.form.get("username", "")[:256]
        password = request.form.get("password", "")
        session_db = db()
        known = None if "\x00" in username else directory.find_by_username(session_db, username)
        requester = _requester(known.id if known else None, username)
        waiting = _must_wait(requester, known.id if known else None, "login")
        if waiting:
            return render_template("auth/login.html", error=waiting), 429
        try:
            result = _backend().authenticate(session_db, username, password)
        except LoginRefused as exc:
            throttle.record_failure(session_db, requester, _now())
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
        response = redirect(
            url_for("auth.change_password") if user.must_change_password else next_url
        )
        devices.remember(response, user.id)
        return response
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
    # not "cookies": the session cookie goes with session.clear(), and the known-device cookie
    # must stay, or signing out would let an attacker shut this user out of their own browser
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
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
        requester = _requester(user.id)
        waiting = _must_wait(requester, user.id, "password")
        if waiting:
            return render_template("auth/password.html", error=waiting), 429
        if not directory.verify_password(user, request.form.get("current_password", "")):
            throttle.record_failure(session_db, requester, _now())
            audit.record(
                session_db,
                actor_id=user.id,
                action="login.failed",
                object_type="staff_user",
                object_id=user.id,
                detail={"where": "password"},
            )
            session_db.commit()
            error = "The current password is not right."
        elif new != request.form.get("confirm_password", ""):
            error = "The two new passwords differ."
        else:
            try:
                directory.change_password(
                    session_db, user, new, current_app.config["INTAKE_SETTINGS"].school.names
                )
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
def reauth() -> Response | str | tuple[str, int]:
    if request.method == "POST":
        user = db().get(StaffUser, current_user.id)
        assert user is not None
        requester = _requester(user.id)
        waiting = _must_wait(requester, user.id, "reauth")
        if waiting:
            return render_template("auth/reauth.html", error=waiting), 429
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
        throttle.record_failure(db(), requester, _now())
        audit.record(
            db(),
            actor_id=user.id,
            action="login.failed",
            object_type="staff_user",
            object_id=user.id,
            detail={"where": "reauth"},
        )
        db().commit()
        return render_template("auth/reauth.html", error="The password is not right."), 401
    return render_template("auth/reauth.html", error=None)
