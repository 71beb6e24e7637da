"""Group verification: every doubtful character (or value) of one kind across a batch, each
shown as its crop, confirmed or corrected from the keyboard (``static/verify.js``).

The lists come from ``intake.review.groups``; every confirmation or correction goes through
``intake.review.service.verify_in_group`` (row version, state rule, audit, four-eyes), one
form per request, so a conflict on one item leaves the others as they are. Without JavaScript
each item is a plain form that POSTs and comes back to the group.
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
from sqlalchemy import select
from werkzeug.wrappers import Response

from intake import audit
from intake.db.workflow import Batch, Form, Page
from intake.fieldjson import field_from_json
from intake.review import groups, service
from intake.staff.roles import Role
from intake.template.model import CharField
from intake.web.database import db, get_or_404
from intake.web.images import crop_png, send_png
from intake.web.security import role_required

bp = Blueprint("verify", __name__)

MAX_TYPED_CHARS = 200
#: characters shown either side of a doubtful one on its tile
CONTEXT_CHARS = 6
KIND_WORDS = {
    "name": "names",
    "text": "address lines",
    "postcode": "postcodes",
    "phone": "phone numbers",
    "email": "email addresses",
    "date": "dates",
    "tutor_group": "tutor groups",
}


def _ctx() -> service.ReviewContext:
    return service.ReviewContext(current_app.config["INTAKE_SETTINGS"])


def group_title(key: groups.GroupKey) -> str:
    """ "Doubtful U's" or "Doubtful postcodes"."""
    if key.by is groups.GroupBy.CHAR:
        return f"Doubtful \u201c{key.value}\u201d characters"
    return f"Doubtful {KIND_WORDS.get(key.value, key.value.replace('_', ' '))}"


def group_counts(batch_id: str) -> list[dict[str, Any]]:
    """The batch page's links: one per group with its size."""
    ctx = _ctx()
    items = groups.batch_items(db(), batch_id, ctx.settings.thresholds, ctx.template_of)
    return [
        {
            "title": group_title(c.key),
            "count": c.count,
            "by": c.key.by.value,
            "url": _group_url(batch_id, c.key.by.value, c.key.value),
        }
        for c in groups.counts(items)
    ]


def _group_url(batch_id: str, by: str, value: str) -> str:
    args: dict[str, Any] = {by: value}
    return url_for("verify.group", batch_id=batch_id, **args)


def _key_from(args: Any) -> groups.GroupKey:
    char = str(args.get("char", "") or "")
    kind = str(args.get("kind", "") or "")
    if char and len(char) == 1 and not kind:
        return groups.GroupKey(groups.GroupBy.CHAR, char)
    if kind in KIND_WORDS and not char:
        return groups.GroupKey(groups.GroupBy.KIND, kind)
    abort(404)


@bp.get("/batches/<batch_id>/verify")
@role_required("office")
def group(batch_id: str) -> str:
    batch = get_or_404(Batch, batch_id)
    key = _key_from(request.args)
    ctx = _ctx()
    session = db()
    items = groups.group(
        groups.batch_items(session, batch.id, ctx.settings.thresholds, ctx.template_of), key
    )
    for form_id in dict.fromkeys(i.form_id for i in items):  # every read of a form's data
        audit.record(
            session,
            actor_id=current_user.id,
            action="form.view",
            object_type="form",
            object_id=form_id,
            detail={"via": "group"},
        )
    session.commit()
    return render_template(
        "verify/group.html",
        batch=batch,
        key=key,
        title=group_title(key),
        items=items,
        by_char=key.by is groups.GroupBy.CHAR,
        max_typed=1 if key.by is groups.GroupBy.CHAR else MAX_TYPED_CHARS,
        context=CONTEXT_CHARS,
    )


def _payload() -> dict[str, Any]:
    if request.is_json:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            abort(400)
        return body
    return dict(request.form.items())


def _int_or_400(value: Any) -> int:
    if isinstance(value, bool):
        abort(400)
    try:
        return int(value)
    except (TypeError, ValueError):
        abort(400)


def _position(value: Any) -> int | None:
    """The box of a character item; none for a value item."""
    return None if value in (None, "") else _int_or_400(value)


@bp.post("/batches/<batch_id>/verify")
@role_required("office")
def settle(batch_id: str) -> Response:
    """Confirm (``do=confirm``) or correct (``do=correct`` with ``typed``) one item."""
    get_or_404(Batch, batch_id)
    payload = _payload()
    form_id, field_id = str(payload.get("form_id", "")), str(payload.get("field_id", ""))
    action = payload.get("do")
    typed_value = payload.get("typed")
    typed = typed_value[:MAX_TYPED_CHARS] if isinstance(typed_value, str) else ""
    if action not in ("confirm", "correct") or (action == "correct" and not typed.strip()):
        abort(422, description="Type the right character, or confirm the one read.")
    form = db().get(Form, form_id)
    if form is None or form.batch_id != batch_id:
        abort(404)
    result = service.verify_in_group(
        db(),
        service.Actor(current_user.id, Role(current_user.role)),
        _ctx(),
        form_id,
        row_version=_int_or_400(payload.get("row_version")),
        field_id=field_id,
        position=_position(payload.get("position")),
        typed=typed if action == "correct" else None,
    )
    db().commit()
    if request.is_json:
        return jsonify({"ok": True, "form_id": result.form_id, "row_version": result.row_version})
    flash("Corrected." if action == "correct" else "Confirmed.", "success")
    back: dict[str, Any] = {k: payload[k] for k in ("char", "kind") if payload.get(k)}
    return redirect(url_for("verify.group", batch_id=batch_id, **back))


@bp.get("/forms/<form_id>/crops/<field_id>/boxes/<box>")
@role_required("office")
def box_crop(form_id: str, field_id: str, box: str) -> Response:
    """One character box of a field (``box`` counts from 0), cut from the aligned page."""
    if not box.isdigit() or len(box) > 2:
        abort(404)
    position = int(box)
    form = db().get(Form, form_id)
    data = (form.values or {}).get(field_id) if form is not None else None
    if form is None or data is None:
        abort(404)
    read = field_from_json(data)
    template = _ctx().template_of(form)
    try:
        spec = template.field(field_id)
    except KeyError:
        abort(404)
    if not isinstance(spec, CharField) or not 0 <= position < spec.boxes:
        abort(404)
    page = db().scalar(
        select(Page).where(
            Page.form_id == form.id, Page.page_number == read.page, Page.image_key != ""
        )
    )
    if page is None:
        abort(404)
    storage = current_app.extensions["intake_storage"]
    picture = current_app.extensions["intake_page_cache"].get(page.image_key, storage.get)
    rect = spec.box_rects()[position]
    try:
        png = crop_png(picture, (rect.x, rect.y, rect.w, rect.h), template.page_w)
    except ValueError:
        abort(404)
    return send_png(png)
