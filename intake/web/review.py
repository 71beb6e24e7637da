"""The review queue and screen: the forms that need a person, fixed from the keyboard.

The screen is rendered once; after that ``static/review.js`` talks to the JSON routes here
(``/api/forms/...``): accept (with corrections), hold, reject, and the next form prefetched.
A reviewer may also choose the roster student for a child row (or the contact for an applicant)
and search the roster (``/forms/<id>/choose``, ``/api/forms/<id>/students``); the form is then
matched again with every choice so far (``matchchoice``).
Every read of a form's data writes an audit entry; every value change is kept in the form's
history (old and new values) and audited with field ids only.
"""

from __future__ import annotations

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
    url_for,
)
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.wrappers import Response

from intake import audit
from intake.db.workflow import QUEUE_STATES, Batch, Form, FormEdit, FormState, Page
from intake.errors import ConflictError
from intake.fieldjson import field_from_json, field_to_json
from intake.reading.result import FieldRead
from intake.template.load import load_template
from intake.template.model import CharField
from intake.web import matchchoice
from intake.web.database import db
from intake.web.formview import TEXT_KINDS, Viewer, form_view
from intake.web.images import crop_png, send_png
from intake.web.security import role_required

bp = Blueprint("review", __name__)

MAX_VALUE_CHARS = 200
MAX_REASON_CHARS = 500
CONFLICT_MESSAGE = (
    "This form was changed by someone else while you had it open. "
    "Your changes were not saved: reload it to see theirs."
)
QUEUE_PAGE_SIZE = 200


def _settings() -> Any:
    return current_app.config["INTAKE_SETTINGS"]


def _template() -> Any:
    return load_template(_settings().form_template)


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
    data = form_view(form, _template(), _settings().thresholds, _viewer())
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
    return render_template(
        "review/queue.html",
        rows=rows,
        counts=counts,
        states=list(FormState),
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
    return render_template("review/screen.html", form=data, pages=pages)


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
        png = crop_png(picture, _written_part(read), _template().page_w)
    except ValueError:
        abort(404)
    return send_png(png)


def _written_part(read: FieldRead) -> tuple[float, float, float, float]:
    """The field's box up to two boxes past the last character read, so that a long row of
    empty boxes does not shrink the writing to nothing on screen."""
    try:
        spec = _template().field(read.field_id)
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
        "values": {
            k[len("value:") :]: v for k, v in request.form.items() if k.startswith("value:")
        },
    }


def _check_version(form: Form, payload: dict[str, Any]) -> None:
    try:
        version = int(payload.get("row_version", -1))
    except (TypeError, ValueError):
        abort(400)
    if version != form.row_version:
        raise ConflictError(CONFLICT_MESSAGE)


def _apply_corrections(form: Form, corrections: Any) -> list[str]:
    """Change only the template's text fields that the form has; everything else is ignored."""
    if not isinstance(corrections, dict):
        return []
    template = _template()
    editable = {f.id for _, f in template.fields() if str(f.kind) in TEXT_KINDS}
    values = dict(form.values or {})
    changed: list[str] = []
    for field_id, new in corrections.items():
        if field_id not in editable or not isinstance(new, str):
            continue
        new = new.strip()[:MAX_VALUE_CHARS]
        old_read = field_from_json(values[field_id]) if field_id in values else None
        old = old_read.value if old_read else ""
        if new == old:
            continue
        spec = template.field(field_id)
        page_number = next(n for n, f in template.fields() if f.id == field_id)
        base = values.get(field_id) or {
            "field_id": field_id,
            "kind": str(spec.kind),
            "page": page_number,
            "raw": "",
        }
        updated = dict(
            base,
            value=new,
            confidence=1.0,
            problems=[],
            chars=[{"char": c, "confidence": 1.0, "alternatives": []} for c in new],
        )
        values[field_id] = field_to_json(field_from_json(updated))
        db().add(
            FormEdit(
                form_id=form.id,
                actor_id=current_user.id,
                field_id=field_id,
                old_value=old,
                new_value=new,
            )
        )
        changed.append(field_id)
    if changed:
        form.values = values
        form.last_edited_by = current_user.id
    return changed


def _commit_or_conflict() -> None:
    try:
        db().commit()
    except StaleDataError as exc:
        db().rollback()
        raise ConflictError(CONFLICT_MESSAGE) from exc


def _done(form: Form, message: str) -> Response:
    if request.is_json:
        return jsonify({"ok": True, "state": form.state, "row_version": form.row_version})
    flash(message, "success")
    return redirect(url_for("review.open_next"))


@bp.post("/forms/<form_id>/accept")
@role_required("office")
def accept(form_id: str) -> Response:
    """Save the corrections and confirm the form's values (it leaves the queue)."""
    form = _form_or_404(form_id)
    payload = _payload()
    _check_version(form, payload)
    changed = _apply_corrections(form, payload.get("values"))
    form.move_to(FormState.CHECKED)
    form.checked_by = current_user.id
    form.reason = ""
    if changed:
        audit.record(
            db(),
            actor_id=current_user.id,
            action="form.edit",
            object_type="form",
            object_id=form.id,
            detail={"fields": sorted(changed)},
        )
    audit.record(
        db(),
        actor_id=current_user.id,
        action="form.accept",
        object_type="form",
        object_id=form.id,
        # a child row nobody could link stays unlinked: the approver is told (CHILD_UNMATCHED)
        detail={"corrected": len(changed), "unlinked_rows": _unlinked_rows(form)},
    )
    _commit_or_conflict()
    return _done(form, "Form accepted.")


def _unlinked_rows(form: Form) -> int:
    return sum(
        1
        for child in (form.proposed or {}).get("children", []) or []
        if isinstance(child, dict) and not child.get("student_id")
    )


@bp.post("/forms/<form_id>/hold")
@role_required("office")
def hold(form_id: str) -> Response:
    """Park the form for research (it stays visible in the queue as held)."""
    form = _form_or_404(form_id)
    payload = _payload()
    _check_version(form, payload)
    _apply_corrections(form, payload.get("values"))
    form.move_to(FormState.HELD)
    form.reason = str(payload.get("reason", ""))[:MAX_REASON_CHARS]
    audit.record(
        db(), actor_id=current_user.id, action="form.hold", object_type="form", object_id=form.id
    )
    _commit_or_conflict()
    return _done(form, "Form held.")


@bp.post("/forms/<form_id>/release")
@role_required("office")
def release(form_id: str) -> Response:
    """Put a held form back into the review queue."""
    form = _form_or_404(form_id)
    _check_version(form, _payload())
    form.move_to(FormState.REVIEW)
    audit.record(
        db(), actor_id=current_user.id, action="form.release", object_type="form", object_id=form.id
    )
    _commit_or_conflict()
    return _done(form, "Form back in the queue.")


@bp.post("/forms/<form_id>/reject")
@role_required("approver")
def reject(form_id: str) -> Response:
    """Reject the application with a reason the applicant will be told."""
    form = _form_or_404(form_id)
    payload = _payload()
    _check_version(form, payload)
    reason = str(payload.get("reason", "")).strip()[:MAX_REASON_CHARS]
    if not reason:
        abort(422, description="Give a reason for the rejection.")
    form.move_to(FormState.REJECTED)
    form.reason = reason
    audit.record(
        db(), actor_id=current_user.id, action="form.reject", object_type="form", object_id=form.id
    )
    _commit_or_conflict()
    return _done(form, "Form rejected.")


#: states in which a person may still choose students and contacts for a form
CHOOSABLE_STATES = frozenset(
    {FormState.REVIEW.value, FormState.HELD.value, FormState.CHECKED.value}
)


@bp.post("/forms/<form_id>/choose")
@role_required("office")
def choose(form_id: str) -> Response:
    """Record a person's choice (a student for a child row, "not at this school", or a contact
    for an applicant), match the form again with every choice so far, and return the screen's
    data. The matcher decides the applicant outcome: a choice never grants an approval."""
    form = _form_or_404(form_id)
    payload = _payload()
    _check_version(form, payload)
    if form.state not in CHOOSABLE_STATES:
        abort(409, description="This form is past review: choices can no longer change.")
    index = _index_or_none()
    if index is None:
        abort(409, description="The school roster is not available.")
    if "row" in payload:
        row = payload.get("row")
        student = payload.get("student_id")
        if (
            not isinstance(row, int)
            or isinstance(row, bool)
            or not (student is None or (isinstance(student, str) and 0 < len(student) <= 64))
        ):
            abort(400)
        before = matchchoice.choose_student(form, index, _template(), row, student)
        target, after, chosen = f"match:child{row}", student or matchchoice.NOT_AT_SCHOOL, student

    elif "party" in payload:
        party, contact = payload.get("party"), payload.get("contact_id")
        if not isinstance(party, str) or not isinstance(contact, str) or len(contact) > 64:
            abort(400)
        before = matchchoice.choose_contact(form, index, party, contact)
        target, after, chosen = f"match:{party}", contact, contact
    else:
        abort(400)
    matchchoice.rematch(form, index, _template(), _settings())
    form.last_edited_by = current_user.id
    db().add(
        FormEdit(
            form_id=form.id,
            actor_id=current_user.id,
            field_id=target,
            old_value=before,
            new_value=after,
        )
    )
    audit.record(
        db(),
        actor_id=current_user.id,
        action="form.choose",
        object_type="form",
        object_id=form.id,
        detail={"target": target[len("match:") :], "chosen": chosen or "none"},  # ids only
    )
    _commit_or_conflict()
    data = _view_data(form)
    data["pages"] = _page_urls(form.id)
    db().commit()
    return jsonify(data)


@bp.get("/api/forms/<form_id>/students")
@role_required("office")
def search_students(form_id: str) -> Response:
    """Students of the roster like the typed name (and tutor group), for a child row's search
    box. Matching is rapidfuzz over the roster's name variants: no SQL pattern is built."""
    form = _form_or_404(form_id)
    name = request.args.get("q", "")
    group = request.args.get("tutor_group", "")
    results = matchchoice.search(_index_or_none(), name, group)
    audit.record(
        db(),
        actor_id=current_user.id,
        action="roster.search",
        object_type="form",
        object_id=form.id,
        detail={"results": len(results)},
    )
    db().commit()
    return jsonify({"results": results})
