"""Subject access and erasure for admins: find a person, see what is held and whether it may be
erased, make an export (kept for download until ``retention_exports_days``), erase.

Both actions are CSRF-checked POSTs with a fresh password check and are audited (ids only); a
refused erasure answers 409 with every reason and is audited too. The rules live in
``intake.records``.
"""

from __future__ import annotations

import hashlib
import uuid

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
from werkzeug.wrappers import Response as BaseResponse

from intake.accounts.adapters import audit_recorder, context_from_db
from intake.accounts.errors import NotFoundError
from intake.db.records import SubjectExport
from intake.records.erasure import ErasureRefused, check_erasure, erase_person, record_refusal
from intake.records.file_retention import delete_files, export_name, exports_dir
from intake.records.people import Person, accounts_of, find_person, forms_naming
from intake.records.subject_access import build_export, record_export, zip_files
from intake.web.database import db
from intake.web.headers import NO_STORE
from intake.web.security import fresh_login_required, role_required

bp = Blueprint("people", __name__, url_prefix="/admin/people")


def _person(person_id: str) -> Person:
    try:
        return find_person(db(), person_id[:64])
    except NotFoundError:
        abort(404)


@bp.get("")
@role_required("admin")
def search() -> BaseResponse | str:
    person_id = request.args.get("id", "").strip()[:64]
    if person_id:
        return redirect(url_for("people.show", person_id=person_id))
    return render_template("people/search.html")


def _show(
    person: Person, status: int = 200, refused: ErasureRefused | None = None
) -> tuple[str, int]:
    session = db()
    exports = (
        session.query(SubjectExport).filter(SubjectExport.subject_id == person.person_id).all()
    )
    return render_template(
        "people/show.html",
        person=person,
        accounts=accounts_of(session, person),
        forms=forms_naming(session, person),
        refusals=refused.refusals if refused else check_erasure(session, person),
        exports=exports,
    ), status


@bp.get("/<person_id>")
@role_required("admin")
def show(person_id: str) -> tuple[str, int]:
    return _show(_person(person_id))


@bp.post("/<person_id>/export")
@role_required("admin")
@fresh_login_required
def export(person_id: str) -> BaseResponse:
    """Make the export (a zip of the JSON, the pages PDF and stored letters) and keep it."""
    person = _person(person_id)
    session = db()
    ctx = context_from_db(session, current_app.config["INTAKE_SETTINGS"])
    files = build_export(session, current_app.extensions["intake_storage"], person, ctx.clock())
    body = zip_files(files)
    folder = exports_dir(ctx.settings)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    name = f"{uuid.uuid4().hex}.zip"
    # sealed like the stored files: the zip holds the subject's pages and letters
    keys = current_app.extensions["intake_storage"].keys
    keys.write(folder / name, body, export_name(name))
    session.add(
        SubjectExport(
            subject_kind=person.kind,
            subject_id=person.person_id,
            created_at=ctx.clock(),
            created_by=current_user.id,
            file_name=name,
            sha256=hashlib.sha256(body).hexdigest(),
            size=len(body),
        )
    )
    record_export(session, audit_recorder, current_user.id, person, files, "web")
    session.commit()
    flash(
        "Export made; download it below. It is deleted when its retention period ends.", "success"
    )
    return redirect(url_for("people.show", person_id=person.person_id))


@bp.get("/exports/<export_id>")
@role_required("admin")
@fresh_login_required
def download(export_id: str) -> BaseResponse:
    session = db()
    row = session.get(SubjectExport, export_id)
    settings = current_app.config["INTAKE_SETTINGS"]
    path = exports_dir(settings) / row.file_name if row else None
    if row is None or path is None or not path.is_file():
        abort(404)
    audit_recorder(
        session,
        actor_id=current_user.id,
        action="person.export_downloaded",
        object_type=row.subject_kind,
        object_id=row.subject_id,
        detail={"export": row.id},
    )
    session.commit()
    body = current_app.extensions["intake_storage"].keys.read(path, export_name(row.file_name))
    return Response(
        body,
        mimetype="application/zip",
        headers={
            **NO_STORE,
            "Content-Disposition": f'attachment; filename="subject-access-{row.id[:8]}.zip"',
        },
    )


@bp.post("/<person_id>/erase")
@role_required("admin")
@fresh_login_required
def erase(person_id: str) -> BaseResponse | tuple[str, int]:
    person = _person(person_id)
    if request.form.get("confirm", "") != person.person_id:
        abort(422, description="Type the person's id to confirm the erasure.")
    session = db()
    settings = current_app.config["INTAKE_SETTINGS"]
    storage = current_app.extensions["intake_storage"]
    try:
        result = erase_person(
            session, context_from_db(session, settings), storage, person, current_user.id
        )
        session.commit()
    except ErasureRefused as exc:
        session.rollback()
        record_refusal(session, audit_recorder, current_user.id, exc, person)
        session.commit()
        return _show(person, 409, exc)
    delete_files(storage, settings, result.files)
    flash(
        f"Erased: {len(result.forms)} form(s), {len(result.accounts)} account(s), "
        f"{len(result.files)} file(s).",
        "success",
    )
    return redirect(url_for("people.search"))
