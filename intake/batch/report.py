"""What a batch made, as plain data for ``intake batch show --json`` and ``import --json``.

Per form: its state, each field's value, confidence and whether it was accepted without a person
(``intake.reading.doubt``'s rule, or the school's records confirming it), the children's links,
the applicants' matches and its problems. Ids and what the form says; nothing logged.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from intake.config import Thresholds
from intake.db.workflow import Batch, Form, Page, PageStatus, Upload
from intake.fieldjson import field_from_json
from intake.reading.doubt import is_doubtful


def batch_summary(session: Session, batch: Batch) -> dict[str, Any]:
    """The batch's counts: pages read and not, forms by state, its files."""
    states = dict(
        session.execute(
            select(Form.state, func.count()).where(Form.batch_id == batch.id).group_by(Form.state)
        ).all()
    )
    uploads = session.scalars(
        select(Upload).where(Upload.batch_id == batch.id).order_by(Upload.created_at)
    ).all()
    not_read = session.execute(
        select(Page.status, func.count())
        .where(Page.batch_id == batch.id, Page.status != PageStatus.READ.value)
        .group_by(Page.status)
    ).all()
    return {
        "id": batch.id,
        "label": batch.label,
        "status": batch.status,
        "created_at": batch.created_at.isoformat(),
        "pages_total": batch.pages_total,
        "pages_done": batch.pages_done,
        "pages_failed": batch.pages_failed,
        "pages_not_read": {status: count for status, count in not_read},
        "forms_found": batch.forms_found,
        "forms_by_state": {str(k): int(v) for k, v in states.items()},
        "error": batch.error,
        "files": [
            {
                "id": u.id,
                "name": u.display_name,
                "kind": u.kind,
                "sha256": u.sha256,
                "pages": u.page_count,
                "status": u.status,
                "error": u.error,
            }
            for u in uploads
        ],
    }


def form_report(form: Form, thresholds: Thresholds) -> dict[str, Any]:
    """One form as ``--json`` prints it."""
    proposed = form.proposed or {}
    confirmed = set((proposed.get("confirmed") or {}).keys())
    fields = {}
    for fid, data in sorted((form.values or {}).items()):
        read = field_from_json(data)
        fields[fid] = {
            "value": read.value,
            "confidence": round(read.confidence, 4),
            "accepted": fid in confirmed or (not read.empty and not is_doubtful(read, thresholds)),
            "confirmed_by_records": fid in confirmed,
            "problems": [str(p) for p in read.problems],
        }
    return {
        "id": form.id,
        "state": form.state,
        "serial": form.serial,
        "doubt": form.doubt,
        "problems": list(form.problems or []),
        "fields": fields,
        "children": [
            {
                "row": child.get("row"),
                "student_id": child.get("student_id"),
                "auto_linked": child.get("auto_linked"),
                "reasons": child.get("reasons", []),
            }
            for child in proposed.get("children", [])
        ],
        "applicants": [
            {
                "party": applicant.get("party"),
                "contact_id": applicant.get("contact_id"),
                "outcome": applicant.get("outcome"),
                "reasons": applicant.get("reasons", []),
                "warnings": applicant.get("warnings", []),
                "link_existing_account": applicant.get("link_existing_account", False),
            }
            for applicant in proposed.get("applicants", [])
        ],
        "match_status": proposed.get("status", ""),
    }


def batch_report(session: Session, batch: Batch, thresholds: Thresholds) -> dict[str, Any]:
    """The summary and every form, most doubtful first."""
    forms = session.scalars(
        select(Form).where(Form.batch_id == batch.id).order_by(Form.doubt.desc(), Form.id)
    ).all()
    return {**batch_summary(session, batch), "forms": [form_report(f, thresholds) for f in forms]}
