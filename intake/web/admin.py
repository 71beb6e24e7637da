"""Administration: staff accounts and roles, roster import, settings, the audit log (admin only)."""

from __future__ import annotations

import dataclasses
import logging
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from intake import audit
from intake.db.workflow import StaffMfa, StaffUser
from intake.errors import IntakeError
from intake.staff import directory, mfa
from intake.staff.roles import Role
from intake.web import roster_preview
from intake.web.database import db
from intake.web.security import fresh_login_required, role_required

log = logging.getLogger(__name__)
bp = Blueprint("admin", __name__, url_prefix="/admin")

#: settings never shown, even to an admin
_SECRET_SETTINGS = {"secret_key", "database_url", "redis_url", "scim_token", "password_key"}


def _user_or_404(user_id: str) -> StaffUser:
    user = db().get(StaffUser, user_id)
    if user is None:
        abort(404)
    return user


@bp.get("/staff")
@role_required("admin")
def staff_list() -> str:
    users = db().scalars(select(StaffUser).order_by(StaffUser.username)).all()
    return render_template(
        "admin/staff.html", users=users, roles=list(Role), two_step=_two_step_user_ids()
    )


def _two_step_user_ids() -> set[str]:
    """Users with a confirmed second factor (the staff list shows it, never the secret)."""
    return set(
        db().scalars(select(StaffMfa.user_id).where(StaffMfa.confirmed_at.is_not(None))).all()
    )


@bp.post("/staff")
@role_required("admin")
@fresh_login_required
def staff_create() -> Response | str | tuple[str, int]:
    session = db()
    try:
        user, password = directory.create_staff(
            session,
            request.form.get("username", ""),
            request.form.get("role", ""),
            actor_id=current_user.id,
            school_names=current_app.config["INTAKE_SETTINGS"].school.names,
        )
    except IntakeError as exc:
        session.rollback()
        users = session.scalars(select(StaffUser).order_by(StaffUser.username)).all()
        return render_template(
            "admin/staff.html",
            users=users,
            roles=list(Role),
            two_step=_two_step_user_ids(),
            error=str(exc),
        ), 422
    session.commit()
    # shown once, on this page only: never flashed (the flash lives in the cookie)
    return render_template("admin/one_time_password.html", user=user, password=password)


def _not_self(user: StaffUser) -> None:
    if user.id == current_user.id:
        abort(422, description="You cannot change your own role or access.")


@bp.post("/staff/<user_id>/role")
@role_required("admin")
@fresh_login_required
def staff_role(user_id: str) -> Response:
    user = _user_or_404(user_id)
    _not_self(user)
    role = request.form.get("role", "")
    if role not in {r.value for r in Role}:
        abort(422, description="Unknown role.")
    directory.set_role(db(), user, role, actor_id=current_user.id)
    db().commit()
    flash(f"Role changed to {role}.", "success")
    return redirect(url_for("admin.staff_list"))


@bp.post("/staff/<user_id>/active")
@role_required("admin")
@fresh_login_required
def staff_active(user_id: str) -> Response:
    user = _user_or_404(user_id)
    _not_self(user)
    directory.set_active(db(), user, request.form.get("active") == "1", actor_id=current_user.id)
    db().commit()
    flash("Access changed.", "success")
    return redirect(url_for("admin.staff_list"))


@bp.post("/staff/<user_id>/reset")
@role_required("admin")
@fresh_login_required
def staff_reset(user_id: str) -> str:
    user = _user_or_404(user_id)
    _not_self(user)
    password = directory.reset_password(
        db(),
        user,
        actor_id=current_user.id,
        school_names=current_app.config["INTAKE_SETTINGS"].school.names,
    )
    db().commit()
    return render_template("admin/one_time_password.html", user=user, password=password)


@bp.post("/staff/<user_id>/mfa-reset")
@role_required("admin")
@fresh_login_required
def staff_mfa_reset(user_id: str) -> Response:
    """A colleague lost their phone: remove their second factor; they set it up again."""
    user = _user_or_404(user_id)
    _not_self(user)
    mfa.reset(db(), user, actor_id=current_user.id)
    db().commit()
    flash(
        f"Two-step sign-in reset for {user.username}: they set it up again at their next sign-in.",
        "success",
    )
    return redirect(url_for("admin.staff_list"))


@bp.get("/roster")
@role_required("admin")
@fresh_login_required
def roster_form() -> tuple[str, int]:
    stash = roster_preview.load(session, _storage(), datetime.now(UTC))
    return _roster_page(preview=stash.preview if stash else None)


@bp.post("/roster")
@role_required("admin")
@fresh_login_required
def roster_import() -> str | tuple[str, int]:
    """Import the roster; one that changes parental responsibility, a court order or a
    no-contact flag is previewed first and waits for the admin's confirmation."""
    upload = request.files.get("roster")
    if upload is None or not upload.filename:
        return _roster_page(error="Choose the roster CSV exported from the MIS.", status=422)
    data = upload.read(current_app.config["MAX_CONTENT_LENGTH"] + 1)
    try:
        merges = _merges(request.files.get("merges"))
        _screen([("the roster file", data)])
        preview = _run_import(data, merges, dry_run=True)
    except IntakeError as exc:
        return _import_refused(exc)
    finally:
        db().rollback()  # a dry run: nothing of it stays
    if not preview["changes_to_confirm"]:
        return _import_now(data, merges)
    return _show_preview(data, merges, preview)


@bp.post("/roster/confirm")
@role_required("admin")
@fresh_login_required
def roster_confirm() -> str | tuple[str, int] | Response:
    """Make the previewed import, if the admin ticked that they checked its changes."""
    stash = roster_preview.load(session, _storage(), datetime.now(UTC))
    if stash is None:
        flash("There is no roster import waiting to be confirmed: upload the file again.", "error")
        return redirect(url_for("admin.roster_form"))
    if request.form.get("checked") != "yes":
        return _roster_page(
            preview=stash.preview,
            error="Tick that you have checked the changes before confirming.",
            status=422,
        )
    try:
        result = _run_import(stash.data, stash.merges)
    except IntakeError as exc:
        return _import_refused(exc)
    if roster_preview.digest(result) != stash.changes_digest:
        # the roster changed since the preview: what would be confirmed is not what was seen
        db().rollback()
        return _show_preview(stash.data, stash.merges, result, changed=True)
    roster_preview.drop(session, _storage())
    return _imported(result, confirmed=len(result["changes_to_confirm"]))


@bp.post("/roster/cancel")
@role_required("admin")
def roster_cancel() -> Response:
    """Forget the previewed import (its sealed copy is deleted)."""
    roster_preview.drop(session, _storage())
    flash("The roster import was cancelled: nothing was changed.", "success")
    return redirect(url_for("admin.roster_form"))


def _screen(files: list[tuple[str, bytes]]) -> None:
    """The antivirus scan every upload gets (``intake.batch.quarantine``), for roster files."""
    from intake.batch.quarantine import screen_uploads

    settings = current_app.config["INTAKE_SETTINGS"]
    screen_uploads(db(), _storage(), settings, files, user_id=current_user.id, source="roster")


def _storage() -> Any:
    return current_app.extensions["intake_storage"]


def _roster_page(status: int = 200, **context: Any) -> tuple[str, int]:
    context = {"result": None, "error": None, "preview": None, **context}
    return render_template("admin/roster.html", **context), status


def _run_import(data: bytes, merges: dict[str, str], *, dry_run: bool = False) -> dict[str, Any]:
    from intake.web.roster_import import import_roster_bytes

    settings = current_app.config["INTAKE_SETTINGS"]
    with tempfile.TemporaryDirectory(prefix="intake-roster-") as folder:
        path = Path(folder) / "roster.csv"
        path.write_bytes(data)
        return import_roster_bytes(db(), path, settings, current_user.id, merges, dry_run=dry_run)


def _import_refused(exc: IntakeError) -> tuple[str, int]:
    db().rollback()
    problems = getattr(exc, "problems", [])[:50]
    return _roster_page(error=str(exc), problems=problems, status=422)


def _import_now(data: bytes, merges: dict[str, str]) -> str | tuple[str, int]:
    try:
        result = _run_import(data, merges)
    except IntakeError as exc:
        return _import_refused(exc)
    return _imported(result, confirmed=0)


def _audit_roster(action: str, detail: dict[str, Any]) -> None:
    audit.record(
        db(),
        actor_id=current_user.id,
        action=action,
        object_type="roster",
        object_id="roster",
        detail=detail,
    )
    db().commit()


def _imported(result: dict[str, Any], confirmed: int) -> tuple[str, int]:
    detail = {k: v for k, v in result.items() if isinstance(v, int)}
    _audit_roster("roster.import", {**detail, "confirmed_changes": confirmed})
    return _roster_page(result=result)


def _show_preview(
    data: bytes, merges: dict[str, str], preview: dict[str, Any], changed: bool = False
) -> tuple[str, int]:
    now = datetime.now(UTC)
    copies = roster_preview.keep(session, _storage(), data, merges, preview, now)
    _audit_roster(
        "roster.previewed", {"changes_to_confirm": len(preview["changes_to_confirm"]), **copies}
    )
    swept = roster_preview.sweep(db(), _storage(), now, spare=copies)
    if swept:
        log.info("roster previews: %d abandoned copies deleted", swept)
    return _roster_page(preview=preview, changed=changed)


def _merges(upload: Any) -> dict[str, str]:
    """The optional merge map uploaded with the roster (``intake.roster.merges``)."""
    if upload is None or not upload.filename:
        return {}
    from intake.roster.merges import MAX_BYTES, parse_contact_merges

    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise IntakeError("The merge map is larger than 1 MB.")
    try:
        return parse_contact_merges(data.decode("utf-8"), "the merge map")
    except UnicodeDecodeError as exc:
        raise IntakeError("The merge map is not UTF-8 text.") from exc


def _settings_rows(obj: Any, prefix: str = "") -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for field in dataclasses.fields(obj):
        value = getattr(obj, field.name)
        name = prefix + field.name
        if dataclasses.is_dataclass(value):
            rows.extend(_settings_rows(value, name + "."))
        elif field.name in _SECRET_SETTINGS:
            rows.append((name, "(set)" if value else "(not set)"))
        else:
            rows.append((name, str(value)))
    return rows


@bp.get("/settings")
@role_required("admin")
def settings_view() -> str:
    return render_template(
        "admin/settings.html", rows=_settings_rows(current_app.config["INTAKE_SETTINGS"])
    )


@bp.get("/audit")
@role_required("admin")
def audit_log() -> str:
    entries = audit.recent(
        db(),
        limit=300,
        action=request.args.get("action") or None,
        object_id=request.args.get("object") or None,
        actor_id=request.args.get("actor") or None,
    )
    names = dict(db().execute(select(StaffUser.id, StaffUser.username)).all())
    return render_template(
        "admin/audit.html", entries=entries, names=names, action=request.args.get("action", "")
    )
