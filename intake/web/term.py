"""The term view: where the term's intake stands, for the office and the approvers.

The numbers come from ``intake.review.term``; a checked form counts as ready to approve when the
accounts area's plan for it has no issue and nothing to confirm (``ApprovalPlan.ready``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from flask import Blueprint, current_app, render_template, request
from sqlalchemy.orm import Session

from intake.accounts.adapters import approval_view, context_from_db
from intake.accounts.service import plan_for
from intake.db.workflow import Form
from intake.review import term
from intake.web.database import db
from intake.web.security import role_required

bp = Blueprint("term", __name__)


def _since(text: str) -> datetime | None:
    """``?since=2026-09-01``: count from that day (UTC); anything else counts everything."""
    try:
        return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        return None


def _ready_check(session: Session) -> Callable[[Form], bool]:
    ctx = context_from_db(session, current_app.config["INTAKE_SETTINGS"])

    def is_ready(form: Form) -> bool:
        view = approval_view(form)
        return plan_for(session, ctx, view).ready

    return is_ready


@bp.get("/term")
@role_required("office")
def view() -> str:
    session = db()
    since = _since(request.args.get("since", ""))
    summary = term.summary(session, _ready_check(session), since)
    return render_template(
        "term/index.html",
        summary=summary,
        since=since.date().isoformat() if since else "",
        idle_minutes=int(term.IDLE_GAP_SECONDS // 60),
    )
