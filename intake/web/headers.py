"""Security headers on every response, and the error pages (generic, with an incident id)."""

from __future__ import annotations

import logging
import uuid

from flask import Flask, Response, make_response, render_template, request
from werkzeug.exceptions import HTTPException

from intake.accounts.errors import NotFoundError
from intake.bidi import escape_json_bytes
from intake.errors import ConflictError, IntakeError, WorkflowError
from intake.review.states import RoleRefused, TransitionRefused

log = logging.getLogger(__name__)

#: headers of a response that holds personal data (an export, a letter): never cached
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}

CSP = (
    "default-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)


def add_security_headers(response: Response) -> Response:
    """CSP without inline script, nosniff, no referrer, no framing, no caching of private pages."""
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if not request.path.startswith("/static/"):
        response.headers["Cache-Control"] = "no-store"
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = "max-age=31536000"
    return response


def escape_bidi_in_json(response: Response) -> Response:
    """Write raw direction overrides in a JSON body as ``\\uXXXX`` escapes (``intake.bidi``):
    ``jsonify`` already escapes them, this covers bodies built with ``json.dumps``."""
    if response.is_json and not response.is_streamed and not response.direct_passthrough:
        body = response.get_data()
        escaped = escape_json_bytes(body)
        if escaped != body:
            response.set_data(escaped)
    return response


def _wants_json() -> bool:
    return (
        request.path.startswith("/api/")
        or request.is_json
        or request.accept_mimetypes.best == "application/json"
    )


def _page(status: int, title: str, message: str, incident: str = "") -> tuple[str | dict, int]:
    if _wants_json():
        return {"error": message, "incident": incident or None}, status
    try:
        page = render_template(
            "error.html", status=status, title=title, message=message, incident=incident
        )
    except Exception:  # an untrusted Host header leaves no URL adapter to draw the page with
        page = f"{status} {title}"
    return page, status


def _audit_not_found() -> None:
    """A signed-in user asked a route for something that does not exist (a guessed or walked
    id): recorded with the route and the ids asked for, so that walking is on the record. An
    anonymous request is sent to sign in before it reaches a route; an unknown URL is noise."""
    from flask_login import current_user

    from intake import audit
    from intake.web.database import db

    if request.endpoint is None or not current_user.is_authenticated:
        return
    asked: dict[str, str] = {k: str(v) for k, v in (request.view_args or {}).items()}
    session = db()
    try:
        session.rollback()  # whatever the failed request began is not kept
        for detail in (asked, {"ids": "not_id_like"}):
            try:
                audit.record(
                    session,
                    actor_id=current_user.id,
                    action="access.not_found",
                    object_type="route",
                    object_id=request.endpoint,
                    detail=detail,
                )
                break
            except IntakeError:  # an id that is not id-like (a hostile path): the route alone
                continue
        session.commit()
    except Exception:  # the audit must never turn a 404 into a 500
        session.rollback()
        log.exception("could not audit a 404 on %s", request.endpoint)


def register_error_pages(app: Flask) -> None:
    """Generic error pages: nothing about the code or the data leaks into them."""

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        status = exc.code or 500
        if status == 429:
            log.warning("security: too many requests to %s", request.endpoint)
        if status == 404:
            _audit_not_found()
        message = {
            400: "The request was not valid. Reload the page and try again.",
            401: "Please sign in again.",
            403: "Your role does not allow this.",
            404: "Not found.",
            405: "That action is not allowed here.",
            409: str(exc.description),
            413: "The upload is too large.",
            422: str(exc.description),
            429: "Too many attempts. Wait a few minutes and try again.",
        }.get(status, exc.name)
        page, code = _page(status, exc.name, message)
        response = make_response(page, code)
        allow = dict(exc.get_headers()).get("Allow")
        if allow:  # a 405 names the methods that are allowed
            response.headers["Allow"] = allow
        return response

    @app.errorhandler(NotFoundError)
    def not_found(exc: NotFoundError) -> tuple[str | dict, int]:
        _audit_not_found()
        return _page(404, "Not found", str(exc))

    @app.errorhandler(RoleRefused)
    def role_refused(exc: RoleRefused) -> tuple[str | dict, int]:
        return _page(403, "Not allowed", str(exc))

    @app.errorhandler(TransitionRefused)
    def transition_refused(exc: TransitionRefused) -> tuple[str | dict, int]:
        return _page(409, "Not allowed now", str(exc))

    @app.errorhandler(ConflictError)
    def conflict(exc: ConflictError) -> tuple[str | dict, int]:
        return _page(409, "Changed by someone else", str(exc))

    @app.errorhandler(WorkflowError)
    def workflow_error(exc: WorkflowError) -> tuple[str | dict, int]:
        return _page(409, "Not allowed now", str(exc))

    @app.errorhandler(IntakeError)
    def intake_error(exc: IntakeError) -> tuple[str | dict, int]:
        return _page(422, "Cannot do that", str(exc))

    @app.errorhandler(Exception)
    def server_error(exc: Exception) -> tuple[str | dict, int]:
        incident = uuid.uuid4().hex[:12]
        log.exception("incident %s on %s %s", incident, request.method, request.endpoint)
        return _page(
            500,
            "Something went wrong",
            "Something went wrong. Quote the incident id to your administrator.",
            incident,
        )
