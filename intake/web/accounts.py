"""The accounts screens: decide a form (approve / reject), search accounts, one account with its
children and source form, revoke / reinstate, child-protection holds, letters, export, API.

Every state change is a CSRF-checked POST by an approver (or admin) whose password was checked in
the last 15 minutes; state conflicts answer 409. The views only translate HTTP to calls of
``intake.accounts`` and back: the rules live there.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload
from werkzeug.wrappers import Response as BaseResponse

from intake.accounts.adapters import audit_recorder, context_from_db
from intake.accounts.collection import delivery_of, set_delivery
from intake.accounts.credentials import accounts_awaiting_letters, print_letters
from intake.accounts.errors import ApprovalBlocked, FourEyesError, NotFoundError
from intake.accounts.export import (
    authenticate_bearer,
    create_api_token,
    export_accounts,
    revoke_api_token,
)
from intake.accounts.letters import REJECTION_TEXT
from intake.accounts.ports import AccountsContext
from intake.accounts.rejection import REJECTION_CODES, suggested_code
from intake.accounts.revocation import (
    close_child_hold,
    get_account,
    open_child_hold,
    reinstate_account,
    revoke_account,
)
from intake.accounts.service import approve_form, four_eyes_refusal, plan_for
from intake.db.accounts import (
    AccountChild,
    ApiToken,
    ChildHold,
    FormDecision,
    LetterPrint,
    PortalAccount,
    RejectionLetter,
)
from intake.db.workflow import Batch, Form
from intake.portal.outbox import open_counts
from intake.review import service as review
from intake.review.states import APPROVABLE_STATES, REJECTABLE_STATES, FormState
from intake.review.straight_through import safe_reasons
from intake.staff.roles import Role
from intake.web.database import db
from intake.web.decide_words import PlanWords
from intake.web.extensions import limiter
from intake.web.headers import NO_STORE
from intake.web.portal import push_after_commit
from intake.web.security import fresh_login_required, role_required

log = logging.getLogger(__name__)
bp = Blueprint("accounts", __name__)

SEARCH_LIMIT = 100
MAX_TEXT = 1000
EXPORTS_PER_HOUR = "5/hour"  # per staff member; the 6th gets 429 and an alert in the audit log
API_CALLS_PER_HOUR = "30/hour"  # per client address
LETTERS_PER_RUN = 100


def _ctx(session: Session) -> AccountsContext:
    return context_from_db(session, current_app.config["INTAKE_SETTINGS"])


def _text(name: str) -> str:
    return str(request.form.get(name, "")).strip()[:MAX_TEXT]


def _pdf(body: bytes, filename: str) -> BaseResponse:
    """A PDF download that no cache keeps, under a fixed server-chosen name."""
    return Response(
        body,
        mimetype="application/pdf",
        headers={**NO_STORE, "Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _commit(session: Session) -> None:
    try:
        session.commit()
    except Exception:
        session.rollback()
        raise


@bp.get("/accounts")
@role_required("approver")
def index() -> str:
    """Search accounts; forms waiting for a decision; letters to print; open holds."""
    session = db()
    q = request.args.get("q", "").strip()[:100]
    query = select(PortalAccount).order_by(PortalAccount.surname, PortalAccount.forename)
    students: list[Any] = []
    if q:
        students = _students_like(_ctx(session), q)
        like = _contains_pattern(q.casefold())
        query = query.where(
            or_(
                PortalAccount.username_key.like(like, escape="\\"),
                PortalAccount.contact_id == q,
                PortalAccount.surname.ilike(like, escape="\\"),
                PortalAccount.id == q,
                PortalAccount.id.in_(
                    select(AccountChild.account_id).where(
                        AccountChild.student_id.in_([q, *(s.student_id for s in students)])
                    )
                ),
            )
        )
    accounts = session.scalars(query.limit(SEARCH_LIMIT)).all()
    waiting = session.scalars(
        select(Form)
        .where(Form.state.in_(APPROVABLE_STATES))
        .order_by(Form.created_at)
        .limit(SEARCH_LIMIT)
    ).all()
    holds = session.scalars(select(ChildHold).where(ChildHold.closed_at.is_(None))).all()
    by_batch = session.execute(
        select(Batch.id, Batch.label, Batch.created_at, func.count(PortalAccount.id))
        .join(Form, Form.batch_id == Batch.id)
        .join(PortalAccount, PortalAccount.source_form_id == Form.id)
        .where(PortalAccount.status == "active", PortalAccount.password_hash.is_(None))
        .group_by(Batch.id, Batch.label, Batch.created_at)
        .order_by(Batch.created_at.desc())
    ).all()
    return render_template(
        "accounts/index.html",
        q=q,
        accounts=accounts,
        waiting=waiting,
        awaiting=len(accounts_awaiting_letters(session)),
        holds=holds,
        students=students,
        held={h.student_id for h in holds},
        by_batch=by_batch,
        portal_counts=open_counts(session) if _ctx(session).settings.portal.enabled else None,
    )


def _contains_pattern(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, with ``% _ \\`` in it taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _students_like(ctx: AccountsContext, q: str) -> list[Any]:
    """Students on roll whose id, UPN or name matches ``q`` (to find every account of a child,
    or to open a hold on a child who has no account yet)."""
    words = q.casefold().split()
    found = []
    for student in ctx.roster.students():
        names = " ".join(
            (
                student.legal_forename,
                student.legal_surname,
                student.preferred_forename,
                student.preferred_surname,
            )
        ).casefold()
        if q in (student.student_id, student.upn) or (words and all(w in names for w in words)):
            found.append(student)
    return found[:20]


@bp.get("/accounts/forms/<form_id>")
@role_required("approver")
def decide(
    form_id: str, status: int = 200, blocked: ApprovalBlocked | None = None, refusal: str = ""
) -> Any:
    """What approving the form would do, its issues, and the approve / reject buttons."""
    session = db()
    ctx = _ctx(session)
    try:
        form = ctx.forms.lock(session, form_id)
    except NotFoundError:
        abort(404)
    plan = plan_for(session, ctx, form)
    decision = session.scalars(
        select(FormDecision)
        .where(FormDecision.form_id == form_id)
        .order_by(FormDecision.decided_at.desc())
    ).first()
    letters = session.scalars(
        select(RejectionLetter).where(RejectionLetter.form_id == form_id)
    ).all()
    stored = session.get(Form, form_id)
    row_version = stored.row_version if stored is not None else None
    safe = safe_reasons(stored) if stored is not None else ()
    session.rollback()  # the lock was only for a consistent read
    return render_template(
        "accounts/decide.html",
        form=form,
        plan=plan,
        ctx=ctx,
        words=PlanWords(form, ctx.roster),
        suggested=suggested_code(i.code for i in plan.issues),
        four_eyes=refusal or four_eyes_refusal(ctx, form, current_user.id),
        decision=decision,
        letters=letters,
        codes=REJECTION_CODES,
        reasons=REJECTION_TEXT,
        blocked=blocked,
        delivery_default=ctx.settings.letter_delivery_default,
        approvable=APPROVABLE_STATES,
        rejectable=REJECTABLE_STATES,
        reopenable=(FormState.CHECKED,),
        row_version=row_version,
        safe=safe,
    ), status


@bp.post("/accounts/forms/<form_id>/approve")
@role_required("approver")
@fresh_login_required
def approve(form_id: str) -> Any:
    session = db()
    ctx = _ctx(session)
    try:
        result = approve_form(
            session,
            ctx,
            form_id,
            current_user.id,
            _text("override_reason") or None,
            confirmed=_text("confirm_checked") == "yes",
        )
        delivery = _text("delivery") or ctx.settings.letter_delivery_default
        set_delivery(session, ctx, result.created_account_ids, delivery, current_user.id)
        _commit(session)
        push_after_commit(session, [*result.created_account_ids, *result.linked_account_ids])
    except NotFoundError:
        abort(404)
    except FourEyesError as exc:
        session.rollback()
        audit_recorder(
            session,
            actor_id=current_user.id,
            action="form.approve_refused",
            object_type="form",
            object_id=form_id,
            detail={"rule": "four_eyes"},
        )
        session.commit()
        return decide(form_id, status=403, refusal=str(exc))
    except ApprovalBlocked as exc:
        session.rollback()
        return decide(form_id, status=409, blocked=exc)
    flash(
        f"Approved: {len(result.created_account_ids)} account(s) created, "
        f"{len(result.linked_account_ids)} existing account(s) linked.",
        "success",
    )
    return redirect(url_for("accounts.decide", form_id=form_id))


@bp.post("/accounts/forms/<form_id>/reject")
@role_required("approver")
@fresh_login_required
def reject(form_id: str) -> Any:
    session = db()
    code = _text("code")
    if code not in REJECTION_CODES:
        abort(422, description="Choose a reason for the rejection.")
    try:
        outcome = review.reject(
            session,
            review.Actor(current_user.id, Role(current_user.role)),
            _ctx(session),
            form_id,
            code=code,
            note=_text("note"),
        )
        _commit(session)
    except NotFoundError:
        abort(404)
    message = f"Rejected; {len(outcome.letter_ids)} letter(s) to print."
    if outcome.applicants_without_address:
        message += (
            " No address for Parent/Carer "
            + ", ".join(str(s) for s in outcome.applicants_without_address)
            + ": contact them another way."
        )
    flash(message, "success")
    return redirect(url_for("accounts.decide", form_id=form_id))


@bp.get("/accounts/rejection-letters/<letter_id>")
@role_required("approver")
def rejection_letter(letter_id: str) -> BaseResponse:
    session = db()
    letter = session.get(RejectionLetter, letter_id)
    if letter is None:
        abort(404)
    audit_recorder(
        session,
        actor_id=current_user.id,
        action="form.rejection_letter_printed",
        object_type="form",
        object_id=letter.form_id,
        detail={"letter": letter.id},
    )
    session.commit()
    return _pdf(letter.pdf, "parent-portal-application.pdf")


@bp.get("/accounts/<account_id>")
@role_required("approver")
def show(account_id: str) -> str:
    """One account: its children, the form it came from, its history of letters."""
    session = db()
    account = session.scalars(
        select(PortalAccount)
        .options(selectinload(PortalAccount.children))
        .where(PortalAccount.id == account_id)
    ).one_or_none()
    if account is None:
        abort(404)
    ctx = _ctx(session)
    prints = session.scalars(
        select(LetterPrint)
        .where(LetterPrint.account_id == account.id)
        .order_by(LetterPrint.printed_at.desc())
    ).all()
    held = {
        h.student_id: h
        for h in session.scalars(select(ChildHold).where(ChildHold.closed_at.is_(None)))
    }
    audit_recorder(
        session,
        actor_id=current_user.id,
        action="account.view",
        object_type="portal_account",
        object_id=account.id,
    )
    session.commit()
    return render_template(
        "accounts/account.html",
        account=account,
        ctx=ctx,
        prints=prints,
        held=held,
        delivery=delivery_of(session, ctx.settings, account.id),
    )


def _account_action(account_id: str, action: Any, message: str) -> BaseResponse:
    session = db()
    try:
        action(session, _ctx(session), account_id, current_user.id, _text("reason"))
        _commit(session)
        push_after_commit(session, [account_id])
    except NotFoundError:
        abort(404)
    flash(message, "success")
    return redirect(url_for("accounts.show", account_id=account_id))


@bp.post("/accounts/<account_id>/revoke")
@role_required("approver")
@fresh_login_required
def revoke(account_id: str) -> BaseResponse:
    return _account_action(account_id, revoke_account, "Account revoked; it no longer works.")


@bp.post("/accounts/<account_id>/reinstate")
@role_required("approver")
@fresh_login_required
def reinstate(account_id: str) -> BaseResponse:
    return _account_action(
        account_id,
        reinstate_account,
        "Account reinstated; print a new letter to give access again.",
    )


@bp.post("/accounts/<account_id>/letter")
@role_required("approver")
@fresh_login_required
def reissue_letter(account_id: str) -> BaseResponse:
    """A new letter with a new password (the old password stops working)."""
    session = db()
    try:
        get_account(session, account_id)
        run = print_letters(session, _ctx(session), [account_id], current_user.id)
        _commit(session)
        push_after_commit(session, run.account_ids)
    except NotFoundError:
        abort(404)
    return _pdf(run.pdf, "parent-portal-letter.pdf")


@bp.post("/accounts/letters")
@role_required("approver")
@fresh_login_required
def print_batch() -> BaseResponse:
    """Letters for accounts that have none yet (new or reinstated), one PDF of at most
    ``LETTERS_PER_RUN`` pages (about 15 s of work on a busy server); click again for the next."""
    session = db()
    batch_id = _text("batch_id")
    form_ids = None
    if batch_id:
        form_ids = list(session.scalars(select(Form.id).where(Form.batch_id == batch_id)))
    ids = [a.id for a in accounts_awaiting_letters(session, form_ids)][:LETTERS_PER_RUN]
    if not ids:
        flash("There are no letters waiting to be printed.", "success")
        return redirect(url_for("accounts.index"))
    run = print_letters(session, _ctx(session), ids, current_user.id)
    _commit(session)
    push_after_commit(session, run.account_ids)
    return _pdf(run.pdf, "parent-portal-letters.pdf")


@bp.post("/accounts/students/<student_id>/hold")
@role_required("approver")
@fresh_login_required
def hold_child(student_id: str) -> BaseResponse:
    """Revoke every account linked to the student pending an investigation (the approver
    ticks a confirmation first: it cuts off every parent of the child at once)."""
    if _text("confirm") != "yes":
        abort(422, description="Tick the box to confirm that every account of this child goes.")
    session = db()
    try:
        _, revoked = open_child_hold(
            session, _ctx(session), student_id, current_user.id, _text("reason")
        )
        _commit(session)
        push_after_commit(session, revoked)
    except NotFoundError:
        abort(404)
    flash(f"Hold opened: {len(revoked)} account(s) revoked pending the investigation.", "success")
    return redirect(url_for("accounts.index"))


@bp.post("/accounts/holds/<hold_id>/close")
@role_required("approver")
@fresh_login_required
def close_hold(hold_id: str) -> BaseResponse:
    session = db()
    try:
        affected = close_child_hold(session, _ctx(session), hold_id, current_user.id, _text("note"))
        _commit(session)
    except NotFoundError:
        abort(404)
    flash(
        f"Hold closed. {len(affected)} account(s) stay revoked until reinstated one by one.",
        "success",
    )
    return redirect(url_for("accounts.index"))


def _caller() -> str:
    """Rate-limit key: the staff member, else the client address."""
    if current_user.is_authenticated:
        return f"staff:{current_user.id}"
    return f"addr:{request.remote_addr}"


def _export_alert(limit: Any) -> None:
    """An unusual number of exports: leave an alert in the audit log (the answer is 429)."""
    session = db()
    session.rollback()
    actor = current_user.id if current_user.is_authenticated else "anonymous"
    audit_recorder(
        session,
        actor_id=actor,
        action="accounts.export_rate_limited",
        object_type="export",
        object_id=request.endpoint or "export",
        detail={"limit": str(limit.limit).replace(" ", "_")[:80]},
    )
    session.commit()
    log.warning("export rate limit reached on %s by %s", request.endpoint, actor)


@bp.get("/accounts/export.csv")
@limiter.limit(EXPORTS_PER_HOUR, key_func=_caller, on_breach=_export_alert)
@role_required("admin")
@fresh_login_required
def export_csv() -> BaseResponse:
    session = db()
    result = export_accounts(session, audit_recorder, current_user.id, "csv")
    session.commit()
    return Response(
        result.body,
        mimetype="text/csv",
        headers={
            **NO_STORE,
            "Content-Disposition": 'attachment; filename="parent-portal-accounts.csv"',
        },
    )


@bp.get("/accounts/api-tokens")
@role_required("admin")
def tokens() -> str:
    rows = db().scalars(select(ApiToken).order_by(ApiToken.created_at.desc())).all()
    return render_template("accounts/tokens.html", tokens=rows, new_token=None)


@bp.post("/accounts/api-tokens")
@role_required("admin")
@fresh_login_required
def token_create() -> tuple[str, int]:
    session = db()
    _, token = create_api_token(session, _ctx(session), _text("name"), current_user.id)
    _commit(session)
    rows = session.scalars(select(ApiToken).order_by(ApiToken.created_at.desc())).all()
    body = render_template("accounts/tokens.html", tokens=rows, new_token=token)
    return body, 201


@bp.post("/accounts/api-tokens/<token_id>/revoke")
@role_required("admin")
@fresh_login_required
def token_revoke(token_id: str) -> BaseResponse:
    session = db()
    try:
        revoke_api_token(session, _ctx(session), token_id, current_user.id)
        _commit(session)
    except NotFoundError:
        abort(404)
    flash("Token revoked.", "success")
    return redirect(url_for("accounts.tokens"))


@bp.get("/api/accounts")
@limiter.limit(API_CALLS_PER_HOUR, on_breach=_export_alert)
def api_accounts() -> BaseResponse:
    """Read-only JSON export for one machine client: ``Authorization: Bearer <token>`` only.

    No token: 401. A token in the URL: 401. A staff session without a token: 403 (the API is
    not a staff screen; admins export CSV from the accounts screen)."""
    if "token" in request.args or "access_token" in request.args:
        return _unauthorised("Send the token in the Authorization header, never in the URL.")
    session = db()
    token = authenticate_bearer(session, request.headers.get("Authorization"))
    if token is None:
        session.rollback()
        if current_user.is_authenticated:
            abort(403)
        return _unauthorised("A valid bearer token is needed.")
    status = request.args.get("status")
    result = export_accounts(
        session,
        audit_recorder,
        token.id,
        "json",
        via="api",
        status=status if status in ("active", "revoked", "suspended", "deactivated") else None,
    )
    session.commit()
    return Response(
        result.body,
        mimetype="application/json",
        headers={
            **NO_STORE,
            "Content-Disposition": 'attachment; filename="parent-portal-accounts.json"',
        },
    )


# For the app's access matrix: no staff role reaches this view (a staff session gets 403);
# admins manage its tokens. It is authenticated by bearer token only.
api_accounts.required_roles = ("admin",)  # type: ignore[attr-defined]


def _unauthorised(message: str) -> BaseResponse:
    return Response(
        json.dumps({"error": message}),
        status=401,
        mimetype="application/json",
        headers={**NO_STORE, "WWW-Authenticate": 'Bearer realm="accounts"'},
    )
