"""Known-device cookies: a browser where a member of staff has signed in before.

After a successful sign-in the browser gets a signed, HttpOnly cookie naming that user's id and
a random nonce (up to ``MAX_ACCOUNTS`` accounts per browser, for a shared office PC). A later
password try for the same account from that browser is limited by that device's own failures
only (``intake.staff.throttle``), so an attacker who sends wrong passwords for a colleague's
username, from anywhere, cannot shut the colleague out of their usual browser. The cookie grants
nothing else: it is no session and signs nobody in.
"""

from __future__ import annotations

import secrets

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Response

SALT = "intake-known-device"
MAX_AGE_S = 180 * 24 * 3600
MAX_ACCOUNTS = 8


def cookie_name() -> str:
    """``__Host-device`` over https (no Domain, Secure, Path=/), else ``intake_device``."""
    return "__Host-device" if current_app.config["SESSION_COOKIE_SECURE"] else "intake_device"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _known() -> dict[str, str]:
    raw = request.cookies.get(cookie_name(), "")
    if not raw or len(raw) > 4096:
        return {}
    try:
        value = _serializer().loads(raw, max_age=MAX_AGE_S)
    except BadSignature:
        return {}
    if not isinstance(value, dict):
        return {}
    return {str(k): str(v) for k, v in value.items() if isinstance(v, str)}


def device_of(user_id: str | None) -> str | None:
    """The nonce of this browser's known-device cookie for ``user_id``, or ``None``."""
    if user_id is None:
        return None
    return _known().get(user_id)


def remember(response: Response, user_id: str) -> None:
    """Mark this browser as a known device of ``user_id`` (after a successful sign-in)."""
    known = _known()
    nonce = known.pop(user_id, None) or secrets.token_urlsafe(16)
    kept = list(known.items())[-(MAX_ACCOUNTS - 1) :]
    value = dict([*kept, (user_id, nonce)])
    response.set_cookie(
        cookie_name(),
        _serializer().dumps(value),
        max_age=MAX_AGE_S,
        path="/",
        secure=bool(current_app.config["SESSION_COOKIE_SECURE"]),
        httponly=True,
        samesite="Strict",
    )
