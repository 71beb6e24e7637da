"""Administration: staff accounts and roles, roster import, settings, the audit log (admin only)."""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from intake import audit
from intake.db.workflow import StaffMfa, StaffUser
from intake.errors import IntakeError
from intake.staff import directory, mfa
from intake.staff.roles import Role
from intake.web.database import db
from intake.web.security import fresh_login_required, role_required

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
def roster_form() -> str:
    return render_template("admin/roster.html", result=None, error=None)


@bp.post("/roster")
@role_required("admin")
@fresh_login_required
def roster_import() -> str | tuple[str, int]:
    upload = request.files.get("roster")
    if upload is None or not upload.filename:
        return render_template(
            "admin/roster.html", result=None, error="Choose the roster CSV exported from the MIS."
        ), 422
    from intake.web.roster_import import import_roster_bytes

    data = upload.read(current_app.config["MAX_CONTENT_LENGTH"] + 1)
    settings = current_app.config["INTAKE_SETTINGS"]
    merges_upload = request.files.get("merges")
    with tempfile.TemporaryDirectory(prefix="intake-roster-") as folder:
        path = Path(folder) / "roster.csv"
        path.write_bytes(data)
        try:
            merges = _merges(merges_upload)
            result = import_roster_bytes(db(), path, settings, current_user.id, merges)
        except IntakeError as exc:
            db().rollback()
            problems = getattr(exc, "problems", [])[:50]
            return render_template(
                "admin/roster.html", result=None, error=str(exc), problems=problems
            ), 422
    audit.record(
        db(),
        actor_id=current_user.id,
        action="roster.import",
        object_type="roster",
        object_id="roster",
        detail={k: v for k, v in result.items() if isinstance(v, int)},
    )
    db().commit()
    return render_template("admin/roster.html", result=result, error=None)


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
