"""The safeguarding lead's screen: what roster imports did to accounts, and reinstating a
suspended link (approver or admin; a CSRF-checked POST with a reason, after a fresh login).

The rules live in ``intake.accounts.safeguarding``; this module only turns HTTP into its calls.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from intake.accounts.adapters import context_from_db
from intake.accounts.errors import NotFoundError
from intake.accounts.safeguarding import overview, reinstate_suspended_link
from intake.errors import ConflictError, IntakeError
from intake.web.database import db
from intake.web.security import fresh_login_required, role_required

bp = Blueprint("safeguarding", __name__, url_prefix="/safeguarding")

MAX_REASON = 1000


@bp.get("")
@role_required("approver")
def index(error: str = "", status: int = 200) -> tuple[str, int]:
    """Suspended links waiting for a decision, leavers' links due to end, recent changes."""
    session = db()
    data = overview(session)
    session.rollback()
    return render_template("safeguarding/index.html", data=data, error=error), status


@bp.post("/links/<link_id>/reinstate")
@role_required("approver")
@fresh_login_required
def reinstate(link_id: str) -> Response | tuple[str, int]:
    session = db()
    reason = str(request.form.get("reason", "")).strip()[:MAX_REASON]
    try:
        reinstate_suspended_link(
            session,
            context_from_db(session, current_app.config["INTAKE_SETTINGS"]),
            link_id,
            current_user.id,
            reason,
        )
        session.commit()
    except NotFoundError:
        session.rollback()
        abort(404)
    except ConflictError as exc:
        session.rollback()
        return index(error=str(exc), status=409)
    except IntakeError as exc:  # no reason given
        session.rollback()
        return index(error=str(exc), status=422)
    flash("Link reinstated: the account sees this child again.", "success")
    return redirect(url_for("safeguarding.index"))
