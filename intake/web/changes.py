"""New contact details for the MIS, batch by batch: a list to verify and a CSV to import.

Each row shows the field's crop beside what was read and what the school's record holds; the
reviewer types the new value exactly (the reading is only a starting point) or says there is no
change. Verifying never holds an account and never changes the roster (``intake.review.changes``).
"""

from __future__ import annotations

import csv
import io

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from intake import audit
from intake.db.workflow import Batch
from intake.errors import WorkflowError
from intake.review.changes import (
    NO_CHANGE,
    VERIFIED,
    batch_changes,
    csv_rows,
    verified_times,
    verify,
)
from intake.web.database import db, get_or_404
from intake.web.headers import NO_STORE
from intake.web.security import fresh_login_required, role_required

bp = Blueprint("changes", __name__)


def _template() -> str:
    return str(current_app.config["INTAKE_SETTINGS"].form_template)


@bp.get("/batches/<batch_id>/changes")
@role_required("office")
def show(batch_id: str) -> str:
    batch = get_or_404(Batch, batch_id)
    changes = batch_changes(db(), batch.id, _template())
    return render_template(
        "batches/changes.html",
        batch=batch,
        changes=changes,
        waiting=sum(not c.verified for c in changes),
        verified=VERIFIED,
        no_change=NO_CHANGE,
    )


@bp.post("/batches/<batch_id>/changes/<form_id>/<field_id>")
@role_required("office")
def decide(batch_id: str, form_id: str, field_id: str) -> BaseResponse:
    batch = get_or_404(Batch, batch_id)
    session = db()
    status = NO_CHANGE if request.form.get("action") == NO_CHANGE else VERIFIED
    try:
        verify(
            session,
            current_user.id,
            batch.id,
            form_id,
            field_id,
            status=status,
            value=request.form.get("value", ""),
            fallback=_template(),
        )
    except WorkflowError as exc:
        session.rollback()
        flash(str(exc), "error")
        return redirect(
            url_for("changes.show", batch_id=batch.id, _anchor=f"c-{form_id}-{field_id}")
        )
    session.commit()
    flash("Verified." if status == VERIFIED else "Marked: no change.", "ok")
    return redirect(url_for("changes.show", batch_id=batch.id))


@bp.get("/batches/<batch_id>/changes.csv")
@role_required("office")
@fresh_login_required
def export(batch_id: str) -> Response:
    batch = get_or_404(Batch, batch_id)
    session = db()
    changes = [c for c in batch_changes(session, batch.id, _template()) if c.verified]
    out = io.StringIO()
    csv.writer(out).writerows(
        csv_rows(changes, verified_times(session, (c.form_id for c in changes)))
    )
    audit.record(
        session,
        actor_id=current_user.id,
        action="mis_changes.export",
        object_type="batch",
        object_id=batch.id,
        detail={"rows": len(changes)},
    )
    session.commit()
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={
            **NO_STORE,
            "Content-Disposition": f'attachment; filename="mis-changes-{batch.id[:8]}.csv"',
        },
    )
