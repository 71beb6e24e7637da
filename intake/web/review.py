"""The review queue and screen: the forms that need a person, fixed from the keyboard.

The screen is rendered once; after that ``static/review.js`` talks to the JSON routes here
(``/api/forms/...``): accept (with corrections), hold, reject (with a coded reason and its
letters), and the next form prefetched. A reviewer may also choose the roster student for a child
row (or the contact for an applicant) and search the roster (``/forms/<id>/choose``,
``/api/forms/<id>/students``). The actions' rules live in ``intake.review.service``: the views
here parse the request, call it, commit and answer. Every read of a form's data writes an audit
entry.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import (
    session as flask_session,
)
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from intake import audit
from intake.accounts.adapters import context_from_db
from intake.accounts.letters import REJECTION_TEXT
from intake.accounts.rejection import REJECTION_CODES
from intake.db.workflow import Batch, Form, Page
from intake.fieldjson import field_from_json
from intake.reading.result import FieldRead
from intake.review import service
from intake.review.keying import KeyingNeeded
from intake.review.states import QUEUE_STATES, Action, FormState, check_state
from intake.staff.roles import Role
from intake.template.load import template_for
from intake.template.model import CharField, FormTemplate
from intake.web import matchchoice
from intake.web.database import db
from intake.web.extensions import limiter
from intake.web.images import crop_png, send_png
from intake.web.review_screen import Viewer, form_view
from intake.web.security import role_required

bp = Blueprint("review", __name__)

MAX_REASON_CHARS = service.MAX_REASON_CHARS
QUEUE_PAGE_SIZE = 200


def _settings() -> Any:
    return current_app.config["INTAKE_SETTINGS"]


def _template(form: Form) -> Any:
    """The template of the form's own pages (a form printed from an older version keeps it)."""
    settings = _settings()
    return template_for(
        form.form_type, form.template_version, settings.form_templates_dir, settings.form_template
    )


def _viewer() -> Viewer:
    return Viewer(
        can_see_restricted=current_user.has_role("approver"),
        can_decide=current_user.has_role("approver"),
    )


def _form_or_404(form_id: str) -> Form:
    form = db().get(Form, form_id)
    if form is None:
        abort(404)
    return form


def _view_data(form: Form) -> dict[str, Any]:
    data = form_view(form, _template(form), _settings().thresholds, _viewer())
    matchchoice.enrich(data, form, _index_or_none())
    audit.record(
        db(), actor_id=current_user.id, action="form.view", object_type="form", object_id=form.id
    )
    return data


def _index_or_none() -> Any:
    """The roster index, or ``None`` when the roster is not installed or cannot be read."""
    try:
        return matchchoice.roster_index(db())
    except Exception as exc:  # a broken roster must not take the review screen down
        db().rollback()
        current_app.logger.warning("roster index unavailable (%s)", type(exc).__name__)
        return None


def _next_form(exclude: list[str]) -> Form | None:
    query = (
        select(Form)
        .where(Form.state == FormState.REVIEW.value)
        .order_by(Form.doubt.desc(), Form.created_at, Form.id)
        .limit(1)
    )
    if exclude:
        query = query.where(Form.id.not_in(exclude[:50]))
    return db().scalar(query)


@bp.get("/review")
@role_required("office")
def queue() -> str:
    session = db()
    state = request.args.get("state", "")
    batch_id = request.args.get("batch", "")
    states = [state] if state in {s.value for s in FormState} else [s.value for s in QUEUE_STATES]
    query = (
        select(Form, Batch.label)
        .join(Batch, Batch.id == Form.batch_id)
        .where(Form.state.in_(states))
    )
    if batch_id:
        query = query.where(Form.batch_id == batch_id)
    rows = session.execute(
        query.order_by(Form.doubt.desc(), Form.created_at, Form.id).limit(QUEUE_PAGE_SIZE)
    ).all()
    counts = dict(session.execute(select(Form.state, func.count()).group_by(Form.state)).all())
    batches = session.execute(
        select(Batch.id, Batch.label).order_by(Batch.created_at.desc()).limit(50)
    ).all()
    last = session.get(Form, str(flask_session.get("last_accepted", "")))
    undo = last if last and last.state == "checked" and last.checked_by == current_user.id else None
    return render_template(
        "review/queue.html",
        undo=undo,
        rows=rows,
        counts=counts,
        # "approved" lasts only inside the approval's transaction: the count that means
        # approved is "accounts created", so the list shows that one alone
        states=[s for s in FormState if s != FormState.APPROVED],
        state=state,
        batch_id=batch_id,
        batches=batches,
    )


@bp.get("/review/next")
@role_required("office")
def open_next() -> Response:
    form = _next_form([])
    if form is None:
        flash("Nothing left to review.", "success")
        return redirect(url_for("review.queue"))
    return redirect(url_for("review.screen", form_id=form.id))


@bp.get("/review/<form_id>")
@role_required("office")
def screen(form_id: str) -> str:
    form = _form_or_404(form_id)
    data = _view_data(form)
    pages = (
        db().scalars(select(Page).where(Page.form_id == form.id).order_by(Page.page_number)).all()
    )
    db().commit()
    return render_template(
        "review/screen.html",
        form=data,
        pages=pages,
        codes=REJECTION_CODES,
        reasons=REJECTION_TEXT,
    )


@bp.get("/api/forms/<form_id>")
@role_required("office")
def form_json(form_id: str) -> Response:
    form = _form_or_404(form_id)
    data = _view_data(form)
    data["pages"] = _page_urls(form.id)
    db().commit()
    return jsonify(data)


@bp.get("/api/review/next")
@role_required("office")
def next_json() -> Response:
    exclude = [x for x in request.args.getlist("exclude") if x][:50]
    form = _next_form(exclude)
    if form is None:
        return jsonify({"done": True})
    data = _view_data(form)
    data["pages"] = _page_urls(form.id)
    db().commit()
    return jsonify(data)


def _page_urls(form_id: str) -> list[str]:
    pages = db().scalars(select(Page).where(Page.form_id == form_id).order_by(Page.page_number))
    return [url_for("batches.page_image", page_id=p.id) for p in pages]


@bp.get("/forms/<form_id>/crops/<field_id>")
@role_required("office")
def crop(form_id: str, field_id: str) -> Response:
    form = _form_or_404(form_id)
    data = (form.values or {}).get(field_id)
    if data is None:
        abort(404)
    read = field_from_json(data)
    page = db().scalar(
        select(Page).where(
            Page.form_id == form.id, Page.page_number == read.page, Page.image_key != ""
        )
    )
    if page is None or read.box_mm[2] <= 0:
        abort(404)
    storage = current_app.extensions["intake_storage"]
    picture = current_app.extensions["intake_page_cache"].get(page.image_key, storage.get)
    try:
        template = _template(form)
        png = crop_png(picture, _written_part(read, template), template.page_w)
    except ValueError:
        abort(404)
    return send_png(png)


def _written_part(read: FieldRead, template: FormTemplate) -> tuple[float, float, float, float]:
    """The field's box up to two boxes past the last character read, so that a long row of
    empty boxes does not shrink the writing to nothing on screen."""
    try:
        spec = template.field(read.field_id)
    except KeyError:
        return read.box_mm
    if not isinstance(spec, CharField):
        return read.box_mm
    rects = spec.box_rects()
    used = max(len(read.chars), len(read.raw), len(read.value), 3)
    last = rects[min(used + 1, len(rects) - 1)]
    x, y, _w, h = read.box_mm
    return (x, y, max(last.x + last.w - x, 1.0), h)


def _payload() -> dict[str, Any]:
    if request.is_json:
        try:
            body = request.get_json(silent=True)
        except RecursionError:  # thousands of nested brackets: not a body we sent
            abort(400)
        if not isinstance(body, dict):
            abort(400)
        return body
    return {
        "row_version": request.form.get("row_version"),
        "reason": request.form.get("reason", ""),
        "code": request.form.get("code", ""),
        "note": request.form.get("note", ""),
        "values": {
            k[len("value:") :]: v for k, v in request.form.items() if k.startswith("value:")
        },
    }


def _row_version(payload: dict[str, Any]) -> int:
    try:
        return int(payload.get("row_version", -1))
    except (TypeError, ValueError):
        abort(400)


def _corrections(payload: dict[str, Any], name: str = "values") -> dict[str, str]:
    values = payload.get(name)
    if not isinstance(values, dict):
        return {}
    return {str(k): v for k, v in values.items() if isinstance(v, str)}


def _text(payload: dict[str, Any], name: str) -> str:
    return str(payload.get(name, "") or "")[:MAX_REASON_CHARS]


def _actor() -> service.Actor:
    return service.Actor(current_user.id, Role(current_user.role))


def _ctx() -> service.ReviewContext:
    return service.ReviewContext(_settings())


def _done(result: service.ActionResult, message: str) -> Response:
    db().commit()
    if request.is_json:
        return jsonify({"ok": True, "state": result.state, "row_version": result.row_version})
    flash(message, "success")
    return redirect(url_for("review.open_next"))


@bp.post("/forms/<form_id>/accept")
@role_required("office")
def accept(form_id: str) -> Response:
    """Save the corrections and confirm the form's values (it leaves the queue)."""
    payload = _payload()
    try:
        result = service.accept(
            db(),
            _actor(),
            _ctx(),
            form_id,
            row_version=_row_version(payload),
            corrections=_corrections(payload),
            first_keyings=_corrections(payload, "first_keyings"),
        )
    except KeyingNeeded as exc:
        db().rollback()
        if request.is_json:
            body = {"error": str(exc), "missing": exc.missing, "again": exc.again}
            return make_response(jsonify(body), 422)
        flash(str(exc), "error")
        return redirect(url_for("review.screen", form_id=form_id))
    flask_session["last_accepted"] = form_id  # the review queue offers to undo it
    return _done(result, "Form accepted.")


@bp.post("/forms/<form_id>/undo-accept")
@role_required("office")
def undo_accept(form_id: str) -> Response:
    """Take back one's own last accept: the form returns to the review queue."""
    result = service.undo_accept(db(), _actor(), form_id, row_version=_row_version(_payload()))
    flask_session.pop("last_accepted", None)
    db().commit()
    if request.is_json:
        return jsonify({"ok": True, "state": result.state, "row_version": result.row_version})
    flash("Accept undone: the form is back in the review queue.", "success")
    return redirect(url_for("review.screen", form_id=form_id))


@bp.post("/forms/<form_id>/correct")
@role_required("office")
def correct(form_id: str) -> Response:
    """Save corrections and stay on the form (its state does not change)."""
    payload = _payload()
    result = service.correct(
        db(),
        _actor(),
        _ctx(),
        form_id,
        row_version=_row_version(payload),
        corrections=_corrections(payload),
    )
    return _done(result, "Corrections saved.")


@bp.post("/forms/<form_id>/hold")
@role_required("office")
def hold(form_id: str) -> Response:
    """Park the form for research (it stays visible in the queue as held)."""
    payload = _payload()
    result = service.hold(
        db(),
        _actor(),
        _ctx(),
        form_id,
        row_version=_row_version(payload),
        reason=_text(payload, "reason"),
        corrections=_corrections(payload),
    )
    return _done(result, "Form held.")


@bp.post("/forms/<form_id>/release")
@role_required("office")
def release(form_id: str) -> Response:
    """Put a held form back into the review queue."""
    result = service.release(db(), _actor(), form_id, row_version=_row_version(_payload()))
    return _done(result, "Form back in the queue.")


@bp.post("/forms/<form_id>/reopen")
@role_required("approver")
def reopen(form_id: str) -> Response:
    """An approver sends a checked form back to review, with a reason."""
    payload = _payload()
    result = service.reopen(
        db(), _actor(), form_id, row_version=_row_version(payload), reason=_text(payload, "reason")
    )
    if request.is_json:
        return _done(result, "")
    db().commit()
    flash("Form sent back to review.", "success")
    return redirect(url_for("review.screen", form_id=form_id))


@bp.post("/forms/<form_id>/reject")
@role_required("approver")
def reject(form_id: str) -> Response:
    """Reject the application for a coded reason; its letters are written (the same path as
    the decision screen's reject)."""
    payload = _payload()
    code = str(payload.get("code", "") or "")
    if code not in REJECTION_CODES:
        abort(422, description="Choose a reason for the rejection.")
    session = db()
    outcome = service.reject(
        session,
        _actor(),
        context_from_db(session, _settings()),
        form_id,
        code=code,
        note=_text(payload, "note"),
        row_version=_row_version(payload),
    )
    session.commit()
    form = session.get(Form, outcome.form_id)
    assert form is not None
    if request.is_json:
        return jsonify(
            {
                "ok": True,
                "state": form.state,
                "row_version": form.row_version,
                "letters": len(outcome.letter_ids),
            }
        )
    flash(f"Form rejected; {len(outcome.letter_ids)} letter(s) to print.", "success")
    return redirect(url_for("review.open_next"))


@bp.post("/forms/<form_id>/choose")
@role_required("office")
def choose(form_id: str) -> Response:
    """Record a person's choice (a student for a child row, "not at this school", or a contact
    for an applicant), match the form again with every choice so far, and return the screen's
    data. The matcher decides the applicant outcome: a choice never grants an approval."""
    payload = _payload()
    version = _row_version(payload)
    index = _index_or_none()
    if index is None:
        abort(409, description="The school roster is not available.")
    if "row" in payload:
        row, student = payload.get("row"), payload.get("student_id")
        if (
            not isinstance(row, int)
            or isinstance(row, bool)
            or not (student is None or (isinstance(student, str) and 0 < len(student) <= 64))
        ):
            abort(400)
        service.choose_student(
            db(), _actor(), _ctx(), index, form_id, row_version=version, row=row, student_id=student
        )
    elif "party" in payload:
        party, contact = payload.get("party"), payload.get("contact_id")
        if not isinstance(party, str) or not isinstance(contact, str) or len(contact) > 64:
            abort(400)
        service.choose_contact(
            db(),
            _actor(),
            _ctx(),
            index,
            form_id,
            row_version=version,
            party=party,
            contact_id=contact,
        )
    else:
        abort(400)
    db().commit()
    form = _form_or_404(form_id)
    data = _view_data(form)
    data["pages"] = _page_urls(form.id)
    db().commit()
    return jsonify(data)


def _searcher() -> str:
    """Rate-limit key of the student search: the member of staff."""
    return f"search:{current_user.id}" if current_user.is_authenticated else "search:anonymous"


def _search_alert(limit: Any) -> None:
    """A member of staff searched the roster unusually often: an audit alert (answer: 429)."""
    session = db()
    session.rollback()
    actor = current_user.id if current_user.is_authenticated else None
    audit.record(
        session,
        actor_id=actor,
        action="roster.search_rate_limited",
        object_type="staff_user",
        object_id=actor or "anonymous",
        detail={"limit": str(limit.limit).replace(" ", "_")[:80]},
    )
    session.commit()
    current_app.logger.warning("roster search rate limit reached by %s", actor)


@bp.get("/api/forms/<form_id>/students")
@role_required("office")
@limiter.limit(matchchoice.SEARCHES_PER_USER, key_func=_searcher, on_breach=_search_alert)
def search_students(form_id: str) -> Response | tuple[Response, int]:
    """Students of the roster like the typed name (and tutor group), for a child row's search
    box, while the form is open for choices. Matching is rapidfuzz over the roster's name
    variants: no SQL pattern is built. Each search is audited with the ids it showed."""
    form = _form_or_404(form_id)
    check_state(Action.CHOOSE, form.state)  # TransitionRefused -> 409: nothing to choose
    name = request.args.get("q", "")
    refusal = matchchoice.search_refusal(name)
    if refusal:
        return jsonify({"error": refusal, "results": []}), 422
    results = matchchoice.search(_index_or_none(), name, request.args.get("tutor_group", ""))
    audit.record(
        db(),
        actor_id=current_user.id,
        action="roster.search",
        object_type="form",
        object_id=form.id,
        detail={"results": len(results), "students": [r["student_id"] for r in results]},
    )
    db().commit()
    return jsonify({"results": results})
