"""Security keys and passkeys in the browser: add and remove them, and sign in or step up with
one instead of typing a code (``intake.staff.security_keys`` holds the logic).

The browser side is ``static/security_keys.js``: it asks for options (JSON), calls
``navigator.credentials.create`` or ``.get`` and posts the answer back as JSON with the CSRF
token in a header. The challenge waits in the session (signed, and popped on first use, so an
answer is checked once) for ``CHALLENGE_S`` at most. The relying party is the host this request
came to, which ``trusted_hosts`` pins in production.
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from werkzeug.wrappers import Response

from intake.db.workflow import StaffUser
from intake.errors import IntakeError
from intake.staff import mfa, security_keys
from intake.staff.mfa import MfaCodeRefused
from intake.staff.security_keys import RelyingParty
from intake.web import devices
from intake.web.auth import safe_next
from intake.web.database import db
from intake.web.mfa_session import (
    complete_sign_in,
    mark_code_fresh,
    pending_user,
    second_factor_applies,
)
from intake.web.security import fresh_login_required, role_required

bp = Blueprint("keys", __name__, url_prefix="/mfa")

CHALLENGE_KEY = "webauthn_challenge"
#: seconds an options answer stays good (the browser's own timeout is two minutes)
CHALLENGE_S = 180


def relying_party() -> RelyingParty:
    """This app as the keys see it: the host name staff reached, and its origin."""
    name = current_app.config["INTAKE_SETTINGS"].school.short_name or mfa.DEFAULT_ISSUER
    return RelyingParty(id=request.host.rsplit(":", 1)[0], origin=request.host_url[:-1], name=name)


@bp.get("/keys")
@role_required("office")
def list_keys() -> str:
    """The user's own security keys, with a button to add one."""
    session_db = db()
    return render_template(
        "auth/mfa_keys.html",
        keys=security_keys.keys_of(session_db, current_user.id),
        enrolled=mfa.is_enrolled(session_db, current_user.id),
    )


@bp.post("/keys/options")
@role_required("office")
@fresh_login_required
def add_options() -> Response | tuple[Response, int]:
    user = _signed_in_user()
    try:
        challenge = security_keys.registration_challenge(db(), user, relying_party())
    except IntakeError as exc:
        return _json_error(_sentence(exc), 422)
    return _offer(challenge, "add", user.id)


@bp.post("/keys")
@role_required("office")
@fresh_login_required
def add() -> Response | tuple[Response, int]:
    user = _signed_in_user()
    body = _json_body()
    challenge = _take_challenge("add", user.id)
    if challenge is None:
        return _json_error("The request timed out: try again.", 422)
    try:
        key = security_keys.add_key(
            db(), user, relying_party(), body["credential"], challenge, body["name"]
        )
    except IntakeError as exc:
        db().rollback()
        return _json_error(_sentence(exc), 422)
    db().commit()
    flash(f"Security key “{key.name}” added.", "success")
    return jsonify(next=url_for("keys.list_keys"))


@bp.post("/keys/<key_id>/remove")
@role_required("office")
@fresh_login_required
def remove(key_id: str) -> Response:
    try:
        security_keys.remove_key(db(), _signed_in_user(), key_id)
    except IntakeError:
        abort(404)
    db().commit()
    flash("The security key was removed.", "success")
    return redirect(url_for("keys.list_keys"))


@bp.post("/key/options")
def sign_options() -> Response | tuple[Response, int]:
    """Options for a signature: at sign-in (pending user) or at step-up (signed in)."""
    purpose = request.args.get("purpose", "")
    user = _signing_user(purpose)
    try:
        challenge = security_keys.sign_in_challenge(db(), user, relying_party())
    except IntakeError as exc:
        return _json_error(_sentence(exc), 422)
    return _offer(challenge, purpose, user.id)


@bp.post("/key")
def sign() -> Response | tuple[Response, int]:
    """A signature instead of a code; answers where to go next."""
    purpose = request.args.get("purpose", "")
    user = _signing_user(purpose)
    body = _json_body()
    challenge = _take_challenge(purpose, user.id)
    if challenge is None:
        return _json_error("The request timed out: try again.", 422)
    session_db = db()
    try:
        security_keys.check_key(
            session_db, user, relying_party(), body["credential"], challenge, purpose=purpose
        )
    except MfaCodeRefused as exc:
        session_db.commit()  # the failure count and its audit row
        return _json_error(str(exc), 401)
    except IntakeError as exc:
        session_db.rollback()
        return _json_error(_sentence(exc), 422)
    session_db.commit()
    if purpose == "step_up":
        mark_code_fresh()
        return jsonify(next=safe_next(body.get("next")))
    response = jsonify(next=complete_sign_in(user))
    devices.remember(response, user.id)  # a known device only once both factors passed
    return response


def _signed_in_user() -> StaffUser:
    user = db().get(StaffUser, current_user.id)
    assert user is not None
    return user


def _signing_user(purpose: str) -> StaffUser:
    """The pending user at sign-in, the signed-in one (who uses a second factor) at step-up."""
    session_db = db()
    if purpose == "sign_in":
        user = pending_user(session_db)
    elif purpose == "step_up" and current_user.is_authenticated:
        user = session_db.get(StaffUser, current_user.id)
        if user is not None and not second_factor_applies(session_db, user):
            user = None
    else:
        user = None
    if user is None and not current_user.is_authenticated:
        abort(401)
    if user is None:
        abort(403)
    return user


def _offer(challenge: security_keys.Challenge, purpose: str, user_id: str) -> Response:
    session[CHALLENGE_KEY] = {
        "purpose": purpose,
        "user": user_id,
        "challenge": base64.urlsafe_b64encode(challenge.challenge).decode(),
        "at": time.time(),
    }
    return Response(challenge.options_json, mimetype="application/json")


def _take_challenge(purpose: str, user_id: str) -> bytes | None:
    """The challenge offered for this purpose and user, once, if still fresh."""
    offered = session.pop(CHALLENGE_KEY, None)
    if not isinstance(offered, dict) or (offered.get("purpose"), offered.get("user")) != (
        purpose,
        user_id,
    ):
        return None
    if time.time() - float(offered.get("at", 0)) > CHALLENGE_S:
        return None
    return base64.urlsafe_b64decode(str(offered["challenge"]))


def _json_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if (
        not isinstance(body, dict)
        or not isinstance(body.get("credential"), dict)
        or not isinstance(body.get("name", ""), str)
        or not isinstance(body.get("next", ""), str | None)
    ):
        abort(400)
    return {**body, "credential": json.dumps(body["credential"]), "name": body.get("name", "")}


def _sentence(exc: Exception) -> str:
    text = str(exc)
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _json_error(message: str, status: int) -> tuple[Response, int]:
    return jsonify(error=message), status
