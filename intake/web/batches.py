"""Batches: upload scans, watch them being read, see every page that could not be read."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from intake import audit
from intake.batch.uploading import IncomingFile, create_batch
from intake.db.workflow import Batch, Form, Page, PageStatus, Upload
from intake.errors import InputFileError
from intake.web.database import db, get_or_404
from intake.web.images import send_png
from intake.web.security import role_required
from intake.web.verify import group_counts

bp = Blueprint("batches", __name__)

MAX_FILES_PER_UPLOAD = 200
ROTATIONS = (90, 180, 270)


def _settings() -> Any:
    return current_app.config["INTAKE_SETTINGS"]


def _queue() -> Any:
    return current_app.extensions["intake_queue"]


@bp.get("/batches")
@role_required("office")
def index() -> str:
    batches = db().scalars(select(Batch).order_by(Batch.created_at.desc()).limit(100)).all()
    counts = page_counts([b.id for b in batches])
    return render_template("batches/index.html", batches=batches, counts=counts)


@bp.post("/batches")
@role_required("office")
def upload() -> Response | tuple[str, int]:
    files = request.files.getlist("files")
    if len(files) > MAX_FILES_PER_UPLOAD:
        return _upload_refused(f"Upload at most {MAX_FILES_PER_UPLOAD} files at a time.")
    max_bytes = _settings().limits.max_upload_mb * 1024 * 1024
    incoming: list[IncomingFile] = []
    for item in files:
        data = item.read(max_bytes + 1)
        if not item.filename and not data:
            continue  # the empty part a browser sends when no file was chosen
        incoming.append(IncomingFile(item.filename or "", data))
    if not incoming:
        return _upload_refused("Choose at least one file to upload.")
    session = db()
    try:
        batch = create_batch(
            session,
            current_app.extensions["intake_storage"],
            _settings(),
            incoming,
            label=request.form.get("label", ""),
            user_id=current_user.id,
            again=request.form.get("again") == "1",
        )
    except InputFileError as exc:
        session.rollback()
        return _upload_refused(_sentence(str(exc)))
    session.commit()
    _queue().enqueue_batch(batch.id)
    flash(f"Uploaded {len(incoming)} file(s). Reading has started.", "success")
    return redirect(url_for("batches.show", batch_id=batch.id))


def _sentence(message: str) -> str:
    return message if message.endswith(".") else message + "."


def _upload_refused(message: str) -> tuple[str, int]:
    batches = db().scalars(select(Batch).order_by(Batch.created_at.desc()).limit(100)).all()
    counts = page_counts([b.id for b in batches])
    return render_template("batches/index.html", batches=batches, counts=counts, error=message), 422


def page_counts(batch_ids: list[str]) -> dict[str, dict[str, int]]:
    """Per batch: pages read, blank (backs of sheets), and not read (any other reason), from
    the pages themselves, so that every screen shows the same three numbers."""
    out: dict[str, dict[str, int]] = {b: {"read": 0, "blank": 0, "unread": 0} for b in batch_ids}
    if not batch_ids:
        return out
    rows = db().execute(
        select(Page.batch_id, Page.status, func.count())
        .where(Page.batch_id.in_(batch_ids))
        .group_by(Page.batch_id, Page.status)
    )
    for batch_id, status, n in rows:
        if status == PageStatus.READ.value:
            key = "read"
        elif status == PageStatus.BLANK.value:
            key = "blank"
        else:
            key = "unread"
        out[batch_id][key] += n
    return out


def progress_of(batch: Batch) -> dict[str, Any]:
    pages = page_counts([batch.id])[batch.id]
    states = dict(
        db()
        .execute(
            select(Form.state, func.count()).where(Form.batch_id == batch.id).group_by(Form.state)
        )
        .all()
    )
    return {
        "id": batch.id,
        "status": batch.status,
        "pages_total": batch.pages_total,
        "pages_done": batch.pages_done,
        "pages_failed": batch.pages_failed,
        "pages_read": pages["read"],
        "pages_blank": pages["blank"],
        "pages_unread": pages["unread"],
        "forms_found": batch.forms_found,
        "forms_by_state": states,
        "error": batch.error,
    }


@bp.get("/batches/<batch_id>")
@role_required("office")
def show(batch_id: str) -> str:
    batch = get_or_404(Batch, batch_id)
    session = db()
    forms = session.scalars(
        select(Form).where(Form.batch_id == batch.id).order_by(Form.doubt.desc())
    ).all()
    problem_pages = session.scalars(
        select(Page)
        .where(Page.batch_id == batch.id, Page.status != PageStatus.READ.value)
        .order_by(Page.created_at)
    ).all()
    blank_pages = [p for p in problem_pages if p.status == PageStatus.BLANK.value]
    problem_pages = [p for p in problem_pages if p.status != PageStatus.BLANK.value]
    uploads = session.scalars(select(Upload).where(Upload.batch_id == batch.id)).all()
    upload_names = {u.id: u.display_name for u in uploads}
    audit.record(
        session,
        actor_id=current_user.id,
        action="batch.view",
        object_type="batch",
        object_id=batch.id,
    )
    session.commit()
    return render_template(
        "batches/show.html",
        batch=batch,
        forms=forms,
        problem_pages=problem_pages,
        blank_pages=blank_pages,
        uploads=uploads,
        upload_names=upload_names,
        progress=progress_of(batch),
        rotations=ROTATIONS,
        groups=group_counts(batch.id),
    )


@bp.get("/api/batches/<batch_id>/progress")
@role_required("office")
def progress(batch_id: str) -> dict[str, Any]:
    return progress_of(get_or_404(Batch, batch_id))


@bp.get("/pages/<page_id>/image")
@role_required("office")
def page_image(page_id: str) -> Response:
    page = db().get(Page, page_id)
    if page is None or not (page.image_key or page.scan_key):
        abort(404)
    storage = current_app.extensions["intake_storage"]
    return send_png(storage.get(page.image_key or page.scan_key))


@bp.post("/pages/<page_id>/rotate")
@role_required("office")
def rotate_page(page_id: str) -> Response:
    page = db().get(Page, page_id)
    if page is None:
        abort(404)
    try:
        degrees = int(request.form.get("degrees", "0"))
    except ValueError:
        abort(400)
    if degrees not in ROTATIONS:
        abort(400)
    page.manual_rotation = (page.manual_rotation + degrees) % 360
    audit.record(
        db(),
        actor_id=current_user.id,
        action="page.rotate",
        object_type="page",
        object_id=page.id,
        detail={"degrees": degrees},
    )
    db().commit()
    current_app.extensions["intake_queue"].enqueue_page(page.id)
    flash("The page is being read again.", "success")
    return redirect(url_for("batches.show", batch_id=page.batch_id))


@bp.post("/pages/<page_id>/assign")
@role_required("office")
def assign_page(page_id: str) -> Response:
    session = db()
    page = session.get(Page, page_id)
    if page is None:
        abort(404)
    form = session.get(Form, request.form.get("form_id", ""))
    if form is None or form.batch_id != page.batch_id:
        abort(404)
    page.form_id = form.id
    page.assigned_identity = form.identity
    audit.record(
        session,
        actor_id=current_user.id,
        action="page.assign",
        object_type="page",
        object_id=page.id,
        detail={"form": form.id},
    )
    session.commit()
    flash("The page now belongs to that form.", "success")
    return redirect(url_for("batches.show", batch_id=page.batch_id))
