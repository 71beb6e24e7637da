"""The portal provisioning screen: pushes waiting or failed, with the portal's last answer and a
retry button; and the helper the accounts views call after their commit to push at once.

Pushing is bounded by ``portal.request_budget_s`` in a request; whatever is left waits for the
job queue or ``intake portal push``. A failure never fails the staff member's action: it is
shown here (and counted on the accounts page).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from intake.errors import IntakeError
from intake.portal.outbox import open_counts, open_pushes, retry
from intake.portal.push import PushReport, push_due
from intake.web.database import db
from intake.web.security import fresh_login_required, role_required

log = logging.getLogger(__name__)
bp = Blueprint("portal", __name__)


def push_after_commit(session: Session, account_ids: Sequence[str]) -> PushReport | None:
    """Push the just-committed changes of ``account_ids`` within the request's time budget."""
    settings = current_app.config["INTAKE_SETTINGS"]
    if not settings.portal.enabled or not account_ids:
        return None
    try:
        report = push_due(
            session,
            settings,
            account_ids=list(account_ids),
            budget_s=settings.portal.request_budget_s,
        )
    except IntakeError as exc:  # a configuration problem: shown, the action itself stands
        session.rollback()
        log.warning("portal push after commit failed: %s", type(exc).__name__)
        flash(f"The portal was not updated: {exc}", "error")
        return None
    if report.failed or report.left:
        flash(
            f"The portal was not updated for {report.failed + report.left} account(s) yet; "
            "see Portal provisioning.",
            "error",
        )
    return report


@bp.get("/accounts/portal")
@role_required("approver")
def index() -> str:
    session = db()
    settings = current_app.config["INTAKE_SETTINGS"]
    return render_template(
        "portal/index.html",
        enabled=settings.portal.enabled,
        pushes=open_pushes(session),
        counts=open_counts(session),
    )


@bp.post("/accounts/portal/retry")
@role_required("approver")
@fresh_login_required
def retry_push() -> Response:
    """Retry one push (``push_id``) or every open one, and send them now."""
    session = db()
    ids = [str(request.form.get("push_id", ""))[:36]] if request.form.get("push_id") else []
    if not ids:
        ids = [view.push_id for view in open_pushes(session, limit=10_000)]
    count = retry(session, ids, current_user.id) if ids else 0
    session.commit()
    accounts = [view.account_id for view in open_pushes(session, limit=10_000)]
    report = push_after_commit(session, accounts)
    sent = sum(report.outcomes.values()) if report else 0
    flash(f"{count} push(es) retried; {sent} sent.", "success")
    return redirect(url_for("portal.index"))
