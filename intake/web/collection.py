"""The office's collection desk: credential letters held for collection, handing one over after a
photo ID check, letters not collected in time, and the choice of post or collection per account.

Office staff work the desk (every hand-over is a CSRF-checked POST, audited, with the ID check a
required confirmation); choosing the delivery of an account is an approver's decision. The rules
live in ``intake.accounts.collection``.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from intake.accounts.adapters import context_from_db
from intake.accounts.collection import collection_list, hand_over, set_delivery, withdraw
from intake.accounts.errors import NotFoundError
from intake.accounts.ports import AccountsContext
from intake.db.records import DELIVERIES
from intake.web.database import db
from intake.web.security import role_required

bp = Blueprint("collection", __name__, url_prefix="/collection")


def _ctx(session: Session) -> AccountsContext:
    return context_from_db(session, current_app.config["INTAKE_SETTINGS"])


@bp.get("")
@role_required("office")
def desk() -> str:
    """Letters waiting at the office (by surname) and those not collected in time."""
    session = db()
    ctx = _ctx(session)
    return render_template(
        "collection/desk.html",
        items=collection_list(session, ctx),
        uncollected=collection_list(session, ctx, uncollected_only=True),
        days=ctx.settings.collection_uncollected_days,
        now=ctx.clock(),
    )


@bp.get("/print")
@role_required("office")
def printable() -> str:
    """The same list as a page to print for the office (no buttons)."""
    session = db()
    ctx = _ctx(session)
    return render_template(
        "collection/print.html",
        items=collection_list(session, ctx),
        days=ctx.settings.collection_uncollected_days,
        now=ctx.clock(),
        school=ctx.settings.school,
    )


@bp.post("/<collection_id>/hand-over")
@role_required("office")
def hand_over_letter(collection_id: str) -> Response:
    session = db()
    try:
        hand_over(
            session,
            _ctx(session),
            collection_id,
            current_user.id,
            photo_id_checked=request.form.get("photo_id_checked") == "yes",
        )
        session.commit()
    except NotFoundError:
        session.rollback()
        abort(404)
    flash("Handed over; the photo ID check is recorded.", "success")
    return redirect(url_for("collection.desk"))


@bp.post("/<collection_id>/withdraw")
@role_required("office")
def withdraw_letter(collection_id: str) -> Response:
    """The letter was destroyed uncollected: its password stops working."""
    session = db()
    try:
        withdraw(session, _ctx(session), collection_id, current_user.id)
        session.commit()
    except NotFoundError:
        session.rollback()
        abort(404)
    flash("Letter withdrawn; its password no longer works. Print a new one if needed.", "success")
    return redirect(url_for("collection.desk"))


@bp.post("/accounts/<account_id>/delivery")
@role_required("approver")
def choose_delivery(account_id: str) -> Response:
    """Post or collection for the account's next credential letter."""
    method = str(request.form.get("method", ""))
    if method not in DELIVERIES:
        abort(422, description="Choose post or collection at the office.")
    session = db()
    try:
        set_delivery(session, _ctx(session), [account_id], method, current_user.id)
        session.commit()
    except NotFoundError:
        session.rollback()
        abort(404)
    flash("The next letter will be " + ("posted." if method == "post" else "held at the office."))
    return redirect(url_for("accounts.show", account_id=account_id))
