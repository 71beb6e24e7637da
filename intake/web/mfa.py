"""Two-step sign-in pages: set up (QR code and a first code), give a code, step up, new codes.

The logic lives in ``intake.staff.mfa``; these views carry the answers into the session
(``intake.web.mfa_session``). Recovery codes are rendered once in the response that made them,
never flashed (a flash lives in the cookie). Each POST is limited like the sign-in form, per
address and per user, and every wrong code also counts toward the account's wait.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from intake.db.workflow import StaffUser
from intake.errors import IntakeError
from intake.printing.qr import make_qr
from intake.staff import mfa, security_keys
from intake.staff.mfa import MfaCodeRefused
from intake.web import devices
from intake.web.auth import safe_next
from intake.web.database import db
from intake.web.mfa_session import (
    PENDING_AT,
    PENDING_USER,
    backend_checks_second_factor,
    complete_sign_in,
    mark_code_fresh,
    pending_user,
    second_factor_applies,
)
from intake.web.security import fresh_login_required, login_is_fresh, role_required
from intake.web.sessions import LOGIN_AT

bp = Blueprint("mfa", __name__, url_prefix="/mfa")

#: recovery codes left below which staff are told to make new ones
FEW_CODES_LEFT = 3


def _code_user_key() -> str:
    """The rate-limit key of the person giving a code (pending or signed in)."""
    pending = session.get(PENDING_USER)
    if isinstance(pending, str):
        return "mfa:" + pending.partition(":")[0]
    if current_user.is_authenticated:
        return "mfa:" + str(current_user.id)
    return "mfa:anonymous"


def _not_pending() -> Response:
    """No password waiting for its code: signed-in users go home, others to sign in."""
    if current_user.is_authenticated:
        return redirect(url_for("index"))
    response: Response = current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
    return response


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _enrol_page(secret: str, error: str | None) -> str:
    return render_template("auth/mfa_enrol.html", secret=_grouped(secret), error=error)


def _this_sign_in_started() -> datetime:
    """When the password of this sign-in was given (pending or signed in)."""
    at = session.get(PENDING_AT, session.get(LOGIN_AT, 0))
    return datetime.fromtimestamp(at if isinstance(at, int | float) else 0, UTC)


def _enrolling_user() -> tuple[StaffUser | None, bool]:
    """Who is setting up: the pending user (first sign-in), or a signed-in one by choice.

    The second value says whether the user is pending."""
    user = pending_user(db())
    if user is not None:
        return user, True
    if current_user.is_authenticated and not backend_checks_second_factor():
        return db().get(StaffUser, current_user.id), False
    return None, False


def _recovery_warning(left: int) -> None:
    if left < FEW_CODES_LEFT:
        flash(
            f"You used a recovery code; {left} left. Make new ones under Two-step sign-in.",
            "warning",
        )
    else:
        flash(f"You used a recovery code; {left} left.", "info")


@bp.route("", methods=["GET", "POST"])
def verify() -> Response | str | tuple[str, int]:
    session_db = db()
    user = pending_user(session_db)
    if user is None:
        return _not_pending()
    if not mfa.is_enrolled(session_db, user.id):
        return redirect(url_for("mfa.enrol"))
    if request.method == "POST":
        try:
            accepted = mfa.check_code(
                session_db, user, request.form.get("code", ""), purpose="sign_in"
            )
        except MfaCodeRefused as exc:
            session_db.commit()  # the failure count and its audit row
            return _verify_page(user, str(exc)), 401
        session_db.commit()
        next_url = complete_sign_in(user)
        if accepted.method == "recovery":
            _recovery_warning(accepted.recovery_codes_left)
        response = redirect(next_url)
        devices.remember(response, user.id)  # a known device only once both factors passed
        return response
    return _verify_page(user, None)


def _verify_page(user: StaffUser, error: str | None) -> str:
    has_keys = security_keys.has_keys(db(), user.id)
    return render_template("auth/mfa_verify.html", error=error, has_keys=has_keys)


def _step_up_page(user: StaffUser, error: str | None, next_arg: str | None) -> str:
    return render_template(
        "auth/mfa_step_up.html",
        error=error,
        minutes=current_app.config["INTAKE_SETTINGS"].mfa_step_up_minutes,
        has_keys=security_keys.has_keys(db(), user.id),
        next_url=safe_next(next_arg),
    )


@bp.route("/enrol", methods=["GET", "POST"])
def enrol() -> Response | str | tuple[str, int]:
    """Set up at first sign-in (pending), or by choice for a signed-in user without one."""
    session_db = db()
    user, pending = _enrolling_user()
    if user is None:
        return _not_pending()
    if not pending and not login_is_fresh():
        return redirect(url_for("auth.reauth", next=url_for("mfa.enrol")))
    if mfa.is_enrolled(session_db, user.id):
        return redirect(url_for("mfa.verify") if pending else url_for("mfa.recovery_codes"))
    secret = mfa.begin_enrolment(session_db, user, reuse_since=_this_sign_in_started())
    session_db.commit()
    if request.method == "POST":
        try:
            codes = mfa.confirm_enrolment(session_db, user, request.form.get("code", ""))
        except MfaCodeRefused as exc:
            session_db.commit()
            return _enrol_page(secret, str(exc)), 401
        session_db.commit()
        if pending:
            next_url = complete_sign_in(user)
        else:
            mark_code_fresh()
            next_url = url_for("mfa.recovery_codes")
        response = make_response(
            render_template("auth/mfa_recovery_codes.html", codes=codes, next_url=next_url)
        )
        if pending:
            devices.remember(response, user.id)
        return response
    return _enrol_page(secret, None)


@bp.get("/enrol/qr.svg")
def enrol_qr() -> Response:
    """The QR code of the secret being set up (an image, so no markup goes into the page)."""
    user, _ = _enrolling_user()
    if user is None:
        return _not_pending()
    row = mfa.enrolment_of(db(), user.id)
    if row is None or row.confirmed_at is not None:
        abort(404)
    issuer = current_app.config["INTAKE_SETTINGS"].school.short_name or mfa.DEFAULT_ISSUER
    uri = mfa.provisioning_uri(row.totp_secret, user.username, issuer)
    buffer = io.BytesIO()
    make_qr(uri, "M").save(buffer, kind="svg", scale=5, border=4, xmldecl=False)
    return Response(buffer.getvalue(), mimetype="image/svg+xml")


@bp.route("/step-up", methods=["GET", "POST"])
@login_required
def step_up() -> Response | str | tuple[str, int]:
    """A fresh code before approving, exporting or staff administration."""
    session_db = db()
    user = session_db.get(StaffUser, current_user.id)
    assert user is not None
    next_arg = request.args.get("next")
    if not second_factor_applies(session_db, user):
        return redirect(url_for("auth.reauth", next=next_arg))
    if not mfa.is_enrolled(session_db, user.id):
        return redirect(url_for("mfa.enrol"))
    if request.method == "POST":
        try:
            accepted = mfa.check_code(
                session_db, user, request.form.get("code", ""), purpose="step_up"
            )
        except MfaCodeRefused as exc:
            session_db.commit()
            return _step_up_page(user, str(exc), next_arg), 401
        session_db.commit()
        mark_code_fresh()
        if accepted.method == "recovery":
            _recovery_warning(accepted.recovery_codes_left)
        return redirect(safe_next(next_arg))
    return _step_up_page(user, None, next_arg)


@bp.get("/codes")
@role_required("office")
def recovery_codes() -> str:
    """The user's own two-step sign-in: whether it is set up and how many codes are left."""
    session_db = db()
    enrolled = mfa.is_enrolled(session_db, current_user.id)
    left = mfa.recovery_codes_left(session_db, current_user.id) if enrolled else 0
    return render_template(
        "auth/mfa_codes.html",
        enrolled=enrolled,
        left=left,
        keys=len(security_keys.keys_of(session_db, current_user.id)),
        sso=backend_checks_second_factor(),
    )


@bp.post("/codes")
@role_required("office")
@fresh_login_required
def renew_codes() -> Response | str:
    """New recovery codes (the old ones stop working), shown once."""
    session_db = db()
    user = session_db.get(StaffUser, current_user.id)
    assert user is not None
    try:
        codes = mfa.renew_recovery_codes(session_db, user)
    except IntakeError as exc:
        flash(f"{exc}.", "error")
        return redirect(url_for("mfa.recovery_codes"))
    session_db.commit()
    return render_template(
        "auth/mfa_recovery_codes.html", codes=codes, next_url=url_for("mfa.recovery_codes")
    )
