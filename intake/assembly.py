"""Pages into forms: group the read pages of a batch, fill each form, match it, score its doubt.

A form is keyed by (batch, identity): the family serial from the QR, or its first page. A form a
person has started on is never overwritten; one nobody has touched is filled again when a page
of it arrives later in the batch.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select

from intake import audit
from intake.batch_context import BatchContext
from intake.config import Settings
from intake.db.workflow import Batch, Form, FormState, Page, PageStatus, Upload
from intake.fieldjson import field_from_json, field_to_json
from intake.reading.forms import PageResult, form_problems
from intake.reading.result import FieldRead, FormRead, PageRead
from intake.template.load import load_template

log = logging.getLogger(__name__)


def _identity(page: Page, current: str | None) -> str:
    """Pages with a family serial group by it; otherwise a page 1 opens a form and the
    following pages of the same upload join it (until the next page 1)."""
    if page.serial:
        return f"serial:{page.form_type}:{page.serial}"
    if page.page_number <= 1 or current is None:
        return f"page:{page.id}"
    return current


def group_pages(pages: list[Page]) -> dict[str, list[Page]]:
    """Read pages by form identity, in upload order (manual assignments win)."""
    groups: dict[str, list[Page]] = {}
    current: str | None = None
    for page in pages:
        if page.status != PageStatus.READ:
            continue
        if page.assigned_identity:
            groups.setdefault(page.assigned_identity, []).append(page)
            continue
        key = _identity(page, current if not page.serial else None)
        if not page.serial:
            current = key
        groups.setdefault(key, []).append(page)
    return groups


def doubt_score(
    values: dict[str, FieldRead], problems: list[str], proposed: dict[str, Any], settings: Settings
) -> float:
    """Higher means a person is more needed: weak fields, doubtful characters, form problems,
    and children the matcher could not link with confidence. A field the school's records
    confirm (``proposed["confirmed"]``) adds nothing."""
    score = 0.0
    confirmed = proposed.get("confirmed") or {}
    for read in values.values():
        if read.field_id in confirmed:
            continue
        if read.confidence < settings.thresholds.auto_accept_confidence and not read.empty:
            score += 1.0 - read.confidence
        score += 0.1 * sum(
            1
            for c in read.chars
            if c.char and c.confidence < settings.thresholds.doubtful_char_confidence
        )
        score += 0.5 * len(read.problems)
    score += 1.0 * len(problems)
    score += 1.0 * int(proposed.get("unresolved", 0))
    return round(score, 4)


def assemble_forms(ctx: BatchContext, batch_id: str) -> int:
    """Create or refresh the batch's forms from its read pages; returns how many forms exist."""
    with ctx.sessions() as session:
        batch = session.get(Batch, batch_id)
        if batch is None:
            return 0
        pages = list(
            session.scalars(
                select(Page)
                .join(Upload, Upload.id == Page.upload_id)
                .where(Page.batch_id == batch_id)
                .order_by(Upload.created_at, Upload.id, Page.index)
            )
        )
        for identity, group in group_pages(pages).items():
            form = session.scalar(
                select(Form).where(Form.batch_id == batch_id, Form.identity == identity)
            )
            if form is None:
                form = Form(
                    batch_id=batch_id,
                    identity=identity,
                    serial=group[0].serial,
                    form_type=group[0].form_type,
                    uploaded_by=batch.created_by,
                )
                session.add(form)
                session.flush()
                audit.record(
                    session,
                    actor_id=None,
                    action="form.created",
                    object_type="form",
                    object_id=form.id,
                    detail={"batch": batch_id},
                )
            before = {p.id for p in pages if p.form_id == form.id}
            for page in group:
                page.form_id = form.id
            if form.state == FormState.PROCESSING:
                _fill_form(ctx, form, group)
            elif _untouched(form) and before != {p.id for p in group}:
                _fill_form(ctx, form, group)  # a page of it arrived later in the batch
        session.flush()
        count = len(list(session.scalars(select(Form.id).where(Form.batch_id == batch_id))))
        batch.forms_found = count
        session.commit()
        return count


def _untouched(form: Form) -> bool:
    """In review and nobody has changed, accepted or parked it: safe to fill again."""
    return (
        form.state == FormState.REVIEW
        and form.last_edited_by is None
        and form.checked_by is None
        and not form.reason
    )


def _fill_form(ctx: BatchContext, form: Form, group: list[Page]) -> None:
    values: dict[str, FieldRead] = {}
    for page in sorted(group, key=lambda p: p.page_number):
        for fid, data in (page.fields or {}).items():
            values[fid] = field_from_json(data)
    template = load_template(ctx.settings.form_template)
    by_number = {
        page.page_number: PageResult(
            PageRead(
                index_in_file=page.index,
                source=page.upload_id,
                status=page.status,
                page_number=page.page_number,
                serial=page.serial,
            ),
            {},
        )
        for page in group
    }
    problems = form_problems(template, by_number, values)  # also marks empty required fields
    read = FormRead(
        form_type=template.form_type,
        version=template.version,
        serial=form.serial,
        pages=tuple(result.page for _, result in sorted(by_number.items())),
        fields=values,
        problems=tuple(problems),
    )
    try:
        proposed = ctx.matcher(read)
    except Exception as exc:
        log.warning("form %s: matching failed (%s)", form.id, type(exc).__name__)
        proposed = {"error": "matching_failed", "unresolved": 1}
    if proposed.get("corrected"):
        # one or two doubtful characters that make the field exactly what the records hold
        from intake.matching.confirm import apply_corrections

        values = apply_corrections(values, proposed["corrected"])
    form.values = {fid: field_to_json(read) for fid, read in values.items()}
    form.problems = problems
    form.proposed = proposed
    form.doubt = doubt_score(values, problems, proposed, ctx.settings)
    if form.state == FormState.PROCESSING:
        form.move_to(FormState.REVIEW)
