"""The approver's queue: forms waiting for a decision, in words, with filters and bulk decisions.

Each row says whose form it is (family, children with tutor groups, applicants with their
parental responsibility), what stands in the way in plain words, and the batch. A form is
*ready* when its plan has no issue and nothing to confirm, and the four-eyes rule lets this
approver decide it: only ready forms are approved in bulk. Bulk rejection sends each form the
letter its issues imply (``intake.accounts.rejection.suggested_code``).

Bulk decisions go in two steps, both POSTs: a summary to confirm (what each selected form
would get, and which are left out and why), then the decisions, one transaction per form so
that one refusal (somebody else decided it meanwhile) leaves the others done.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as BaseResponse

from intake.accounts.adapters import approval_view, context_from_db
from intake.accounts.approval import ApprovalPlan
from intake.accounts.collection import set_delivery
from intake.accounts.ports import AccountsContext
from intake.accounts.rejection import REJECTION_CODES, suggested_code
from intake.accounts.service import approve_form, four_eyes_refusal, plan_for
from intake.db.workflow import Batch, Form
from intake.errors import IntakeError
from intake.review import service as review
from intake.review.states import APPROVABLE_STATES
from intake.review.straight_through import safe_reasons, went_straight_through
from intake.staff.roles import Role
from intake.web.database import db
from intake.web.decide_words import PlanWords
from intake.web.portal import push_after_commit
from intake.web.security import fresh_login_required, role_required

log = logging.getLogger(__name__)
bp = Blueprint("decisions", __name__)

PAGE_SIZE = 25
MAX_FORMS = 1000  # forms looked at per request; a term's intake is a few hundred
MAX_SELECTED = 100

#: the problem filter: issue and caution codes in the words an office uses
PROBLEM_WORDS = {
    "UNSIGNED": "not signed",
    "NO_PR": "no parental responsibility",
    "CHILD_WITHOUT_PR": "child with nobody to approve",
    "NOTHING_TO_GRANT": "nobody can be given access",
    "APPLICANT_UNMATCHED": "parent not found in the records",
    "CHILD_UNMATCHED": "child not found on roll",
    "NO_APPLICANT": "no parent section filled in",
    "SAME_CONTACT": "both parents matched to one person",
    "BLOCKED": "court order or no-contact flag",
    "CHILD_HOLD": "child-protection hold",
    "ACCOUNT_SUSPENDED": "account suspended",
    "ACCOUNT_REVOKED": "account revoked",
    "CHILD_NAME_DIFFERS": "child chosen by hand, surname differs",
    "CONTACT_NAME_DIFFERS": "parent chosen by hand, surname differs",
    "NOT_ON_FORM": "child not on the form would be linked",
}
LETTER_WORDS = {code: code.lower().replace("_", " ") for code in REJECTION_CODES}
LETTER_WORDS.update({"NO_PR": "no parental responsibility", "NOT_FOUND": "not found"})


@dataclass(frozen=True)
class QueueRow:
    """One form as the approver's queue shows it."""

    form_id: str
    state: str
    batch_id: str
    batch: str
    family: str
    children: tuple[str, ...]
    applicants: tuple[str, ...]
    problems: tuple[str, ...]
    codes: frozenset[str]
    ready: bool
    four_eyes: str
    reviewer: str
    #: why the batch judged it safe to skip the reviewer (empty unless it went straight through)
    safe: tuple[str, ...]
    accounts: int  # applicants approval would give access
    letter: str  # the rejection reason the problems imply


def _ctx(session: Session) -> AccountsContext:
    return context_from_db(session, current_app.config["INTAKE_SETTINGS"])


def queue_row(
    session: Session, ctx: AccountsContext, form: Form, batch: str, approver_id: str
) -> QueueRow:
    """Build the row of ``form`` (not locked: a decision locks and checks again)."""
    view = approval_view(form)
    plan: ApprovalPlan = plan_for(session, ctx, view)
    words = PlanWords(view, ctx.roster)
    refusal = four_eyes_refusal(ctx, view, approver_id)
    codes = frozenset(i.code for i in plan.issues) | {c.code for c in plan.to_confirm}
    return QueueRow(
        form_id=form.id,
        state=form.state,
        batch_id=form.batch_id,
        batch=batch,
        family=words.family(),
        children=tuple(words.children()),
        applicants=tuple(words.applicants(plan)),
        problems=tuple(words.problems(plan)),
        codes=codes,
        ready=plan.ready and not refusal,
        four_eyes=refusal,
        reviewer=_reviewer_words(form),
        safe=safe_reasons(form),
        accounts=len(plan.grants),
        letter=suggested_code(i.code for i in plan.issues),
    )


def _reviewer_words(form: Form) -> str:
    if form.checked_by:
        return "checked by a reviewer"
    if went_straight_through(form):
        return "straight through: no reviewer needed"
    return "not reviewed yet"


def waiting_rows(session: Session, ctx: AccountsContext, approver_id: str) -> list[QueueRow]:
    """Every form waiting for a decision, oldest first."""
    found = session.execute(
        select(Form, Batch.label)
        .join(Batch, Batch.id == Form.batch_id)
        .where(Form.state.in_(APPROVABLE_STATES))
        .order_by(Form.created_at, Form.id)
        .limit(MAX_FORMS)
    ).all()
    return [
        queue_row(session, ctx, form, label or form.batch_id[:8], approver_id)
        for form, label in found
    ]


def _filtered(rows: list[QueueRow], problem: str, batch: str, ready: bool) -> list[QueueRow]:
    return [
        r
        for r in rows
        if (not problem or problem in r.codes)
        and (not batch or r.batch_id == batch)
        and (not ready or r.ready)
    ]


@bp.get("/accounts/queue")
@role_required("approver")
def queue() -> str:
    """The forms waiting for a decision, a page at a time, with filters."""
    session = db()
    rows = waiting_rows(session, _ctx(session), current_user.id)
    problem = request.args.get("problem", "")[:40]
    batch = request.args.get("batch", "")[:40]
    ready = request.args.get("ready") == "1"
    shown = _filtered(rows, problem, batch, ready)
    pages = max(1, -(-len(shown) // PAGE_SIZE))
    page = min(max(1, request.args.get("page", 1, type=int) or 1), pages)
    batches = dict.fromkeys((r.batch_id, r.batch) for r in rows)
    present = sorted({c for r in rows for c in r.codes} & set(PROBLEM_WORDS))
    session.rollback()
    return render_template(
        "accounts/queue.html",
        rows=shown[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
        total=len(rows),
        matching=len(shown),
        ready_count=sum(r.ready for r in rows),
        page=page,
        pages=pages,
        problem=problem,
        batch=batch,
        ready=ready,
        batches=list(batches),
        problems=[(c, PROBLEM_WORDS[c]) for c in present],
        letters=LETTER_WORDS,
    )


def _selected(session: Session, ctx: AccountsContext) -> list[QueueRow]:
    ids = list(dict.fromkeys(request.form.getlist("form_id")))[:MAX_SELECTED]
    if not ids:
        abort(422, description="Select at least one form.")
    found = session.execute(
        select(Form, Batch.label)
        .join(Batch, Batch.id == Form.batch_id)
        .where(Form.id.in_(ids), Form.state.in_(APPROVABLE_STATES))
    ).all()
    order = {form_id: n for n, form_id in enumerate(ids)}
    rows = [
        queue_row(session, ctx, form, label or form.batch_id[:8], current_user.id)
        for form, label in found
    ]
    return sorted(rows, key=lambda r: order[r.form_id])


def _action() -> str:
    action = str(request.form.get("action", ""))
    if action not in ("approve", "reject"):
        abort(422, description="Choose approve or reject.")
    return action


def _split(action: str, rows: list[QueueRow]) -> tuple[list[QueueRow], list[tuple[QueueRow, str]]]:
    """(forms the action will decide, forms left out with the reason)."""
    go: list[QueueRow] = []
    left: list[tuple[QueueRow, str]] = []
    for row in rows:
        if row.four_eyes:
            left.append((row, row.four_eyes))
        elif action == "approve" and not row.ready:
            left.append((row, "not ready: open it to decide"))
        elif action == "reject" and not row.problems:
            left.append((row, "nothing stands in the way: open it to decide"))
        else:
            go.append(row)
    return go, left


@bp.post("/accounts/queue/confirm")
@role_required("approver")
def confirm() -> str:
    """The summary of a bulk decision, to confirm before anything happens."""
    session = db()
    action = _action()
    go, left = _split(action, _selected(session, _ctx(session)))
    session.rollback()
    return render_template(
        "accounts/queue_confirm.html",
        action=action,
        go=go,
        left=left,
        accounts=sum(r.accounts for r in go),
        letters=LETTER_WORDS,
    )


@bp.post("/accounts/queue/apply")
@role_required("approver")
@fresh_login_required
def apply() -> BaseResponse:
    """Decide each confirmed form in its own transaction, from a fresh look at it."""
    session = db()
    ctx = _ctx(session)
    action = _action()
    go, left = _split(action, _selected(session, ctx))
    session.rollback()
    done, created, failed = 0, 0, len(left)
    for row in go:
        try:
            created += _decide_one(session, ctx, action, row)
            done += 1
        except IntakeError as exc:
            session.rollback()
            failed += 1
            log.info("bulk %s left form %s: %s", action, row.form_id, type(exc).__name__)
    verb = "Approved" if action == "approve" else "Rejected"
    message = f"{verb} {done} form(s)"
    message += f"; {created} account(s) created." if action == "approve" else "; letters to print."
    if failed:
        message += f" {failed} form(s) left for you to open one by one."
    flash(message, "success")
    return redirect(url_for("decisions.queue"))


def _decide_one(session: Session, ctx: AccountsContext, action: str, row: QueueRow) -> int:
    """Approve or reject one form and commit; the number of accounts created."""
    if action == "approve":
        result = approve_form(session, ctx, row.form_id, current_user.id)
        set_delivery(
            session,
            ctx,
            result.created_account_ids,
            ctx.settings.letter_delivery_default,
            current_user.id,
        )
        session.commit()
        push_after_commit(session, [*result.created_account_ids, *result.linked_account_ids])
        return len(result.created_account_ids)
    actor = review.Actor(current_user.id, Role(current_user.role))
    review.reject(session, actor, ctx, row.form_id, code=row.letter, note="bulk rejection")
    session.commit()
    return 0
