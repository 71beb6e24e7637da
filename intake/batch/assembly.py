"""Pages into forms: group the batch's pages, fill each form from its own template, match it.

Grouping is ``intake.reading.grouping``'s, the rule ``intake read`` and the bench use. A form is
keyed by (batch, identity), so assembling again (part-way through a batch, on a re-run, after a
crash) finds the forms it made before. A form a person has started on is never overwritten; one
nobody has touched is filled again when a page of it arrives later in the batch.

When the batch is read to its end (``final``), a form whose every decision is certain goes
straight through to the approver as checked, with no reviewer step and the reasons it was judged
safe stored beside its proposal (``intake.review.straight_through``). Such a form counts as
untouched: filled again (a late copy of it, a page read again), it goes back to review first and
is judged again.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, defer, object_session
from sqlalchemy.orm.exc import StaleDataError

from intake import audit
from intake.batch.context import BatchContext
from intake.batch.doubt import doubt_score
from intake.batch.proposal import MatchStatus, Proposal, proposal_from_json, proposal_to_json
from intake.db.workflow import Batch, Form, FormState, Page, PageStatus, Upload
from intake.fieldjson import field_from_json, field_to_json
from intake.matching.confirm import apply_corrections
from intake.reading.grouping import FormGroup, PageKey, group_pages
from intake.reading.pages_to_forms import PageResult, form_problems
from intake.reading.result import FieldRead, FormRead, PageRead, Problem
from intake.review.straight_through import STRAIGHT_THROUGH, judge, went_straight_through
from intake.template.load import template_for
from intake.template.model import FormTemplate

log = logging.getLogger(__name__)

#: assemblies of one batch that lose a race for a new form before giving up
ASSEMBLY_TRIES = 3


def template_key(page: Page) -> str:
    """The key of the template the page's QR names ("parent-portal-v1")."""
    return f"{page.form_type}-v{page.template_version}"


def page_key(page: Page, templates: Mapping[str, FormTemplate]) -> PageKey:
    """What grouping needs of a stored page (``pages_to_forms.page_key`` for a read one)."""
    key = template_key(page)
    groupable = page.status in (PageStatus.READ, PageStatus.UNREADABLE) and key in templates
    return PageKey(
        template_key=key if groupable else "",
        form_type=page.form_type,
        serial=page.serial,
        page_number=page.page_number,
        anchor=page.id,
        assigned=page.assigned_identity,
    )


def assemble_forms(ctx: BatchContext, batch_id: str, *, final: bool = False) -> int:
    """Create or refresh the batch's forms from its pages; returns how many forms exist.
    ``final``: every page of the batch is read, so forms that need nobody go straight through.

    Several workers assemble one batch as their ranges end: each first writes to the batch's
    row, which locks it on PostgreSQL and starts SQLite's one write transaction, so assemblies
    take turns and each sees the forms of the one before. Should two still meet (the unique
    (batch, identity), a form's row version), the loser rolls back and assembles again."""
    for _ in range(ASSEMBLY_TRIES - 1):
        try:
            return _assemble(ctx, batch_id, final)
        except (IntegrityError, StaleDataError):
            log.info("batch %s: another worker changed its forms first; again", batch_id)
    return _assemble(ctx, batch_id, final)


def _assemble(ctx: BatchContext, batch_id: str, final: bool) -> int:
    with ctx.sessions() as session:
        session.execute(
            update(Batch)
            .where(Batch.id == batch_id)
            .values(forms_found=Batch.forms_found)
            .execution_options(synchronize_session=False)
        )
        batch = session.get(Batch, batch_id)
        if batch is None:
            return 0
        # every range's end assembles the whole batch: the pages' fields are loaded only for
        # the forms filled again, and the batch's forms in one query, not one a group
        pages = list(
            session.scalars(
                select(Page)
                .options(defer(Page.fields))
                .join(Upload, Upload.id == Page.upload_id)
                .where(Page.batch_id == batch_id)
                .order_by(Upload.created_at, Upload.id, Page.index)
            )
        )
        # a form's values and proposals are loaded only where it is filled again or routed
        forms = {
            f.identity: f
            for f in session.scalars(
                select(Form)
                .options(defer(Form.values), defer(Form.proposed), defer(Form.match))
                .where(Form.batch_id == batch_id)
            )
        }
        on_form: dict[str, set[str]] = defaultdict(set)  # form id -> its pages' ids, as they move
        for page in pages:
            if page.form_id:
                on_form[page.form_id].add(page.id)
        groups, _ = group_pages([page_key(p, ctx.templates) for p in pages])
        for group in groups:
            members = [pages[i] for i in group.members]
            form = _form_of(session, batch, group, members, forms)
            before = set(on_form[form.id])
            for page in members:
                if page.form_id != form.id:
                    if page.form_id:
                        on_form[page.form_id].discard(page.id)
                    on_form[form.id].add(page.id)
                    page.form_id = form.id
            if form.state == FormState.PROCESSING:
                _fill_form(ctx, form, members, group.duplicate)
            elif _untouched(form) and (
                before != {p.id for p in members} or _flagged(form) != group.duplicate
            ):
                # a page of it, or another copy of it, arrived later in the batch
                _fill_form(ctx, form, members, group.duplicate)
            if final and form.state == FormState.REVIEW and _untouched(form):
                _route(ctx, form)
        session.flush()
        count = len(list(session.scalars(select(Form.id).where(Form.batch_id == batch_id))))
        batch.forms_found = count
        session.commit()
        return count


def _form_of(
    session: Session,
    batch: Batch,
    group: FormGroup,
    members: list[Page],
    forms: dict[str, Form],
) -> Form:
    """The batch's form of this identity (``forms``: the batch's forms by identity), created
    (and audited) the first time."""
    form = forms.get(group.identity)
    if form is not None:
        return form
    first = next((p for p in members if template_key(p) == group.template_key), members[0])
    form = Form(
        batch_id=batch.id,
        identity=group.identity,
        serial=group.serial,
        form_type=first.form_type,
        template_version=first.template_version,
        uploaded_by=batch.created_by,
    )
    session.add(form)
    session.flush()
    forms[group.identity] = form
    audit.record(
        session,
        actor_id=None,
        action="form.created",
        object_type="form",
        object_id=form.id,
        detail={"batch": batch.id},
    )
    return form


def _flagged(form: Form) -> bool:
    return "duplicate" in (form.problems or [])


def _untouched(form: Form) -> bool:
    """In review (or sent straight through) and nobody has changed, accepted or parked it:
    safe to fill again."""
    return (
        (form.state == FormState.REVIEW or went_straight_through(form))
        and form.last_edited_by is None
        and form.checked_by is None
        and not form.reason
    )


def _back_to_review(form: Form, why: str) -> None:
    """A form sent straight through that must be judged again goes back to the review queue."""
    if not went_straight_through(form):
        return
    form.move_to(FormState.REVIEW)
    form.proposed = {k: v for k, v in (form.proposed or {}).items() if k != STRAIGHT_THROUGH}
    session = object_session(form)
    if session is not None:
        audit.record(
            session,
            actor_id=None,
            action="form.straight_through_withdrawn",
            object_type="form",
            object_id=form.id,
            detail={"why": why},
        )


def _route(ctx: BatchContext, form: Form) -> None:
    """Send a form that needs nobody to the approver as checked, with the reasons in words."""
    if not ctx.settings.straight_through:
        return
    template = _template_of(ctx, form)
    values = {fid: field_from_json(data) for fid, data in (form.values or {}).items()}
    verdict = judge(
        template,
        values,
        form.problems or [],
        proposal_from_json(form.proposed or {}),
        ctx.settings.thresholds,
    )
    if not verdict.ready:
        return
    form.move_to(FormState.CHECKED)
    form.proposed = {**(form.proposed or {}), STRAIGHT_THROUGH: list(verdict.safe_because)}
    session = object_session(form)
    if session is not None:
        audit.record(
            session,
            actor_id=None,
            action="form.straight_through",
            object_type="form",
            object_id=form.id,
            detail={"reasons": len(verdict.safe_because)},
        )


def _in_other_batches(form: Form) -> bool:
    """Whether the family's serial is on a form of another batch that still counts; those
    forms are flagged too while nobody has worked on them. An account is made once per roster
    contact whatever the forms (``uq_portal_accounts_contact_id``): this is for the reviewer."""
    session = object_session(form)
    if session is None or not form.serial:
        return False
    others = session.scalars(
        select(Form).where(
            Form.serial == form.serial,
            Form.form_type == form.form_type,
            Form.batch_id != form.batch_id,
            Form.state != FormState.REJECTED.value,
        )
    ).all()
    for other in others:
        flagged = list(other.problems or [])
        if _untouched(other) and Problem.DUPLICATE_BATCH.value not in flagged:
            other.problems = [*flagged, Problem.DUPLICATE_BATCH.value]
            _back_to_review(other, "duplicate_batch")
    return bool(others)


def _page_results(group: list[Page]) -> dict[int, PageResult]:
    """The form's pages by number, as ``form_problems`` takes them (a read page wins its number)."""
    by_number: dict[int, PageResult] = {}
    for page in sorted(group, key=lambda p: (p.page_number, p.status == PageStatus.READ)):
        by_number[page.page_number] = PageResult(
            PageRead(
                index_in_file=page.index,
                source=page.upload_id,
                status=PageStatus(page.status),
                form_type=page.form_type,
                version=page.template_version,
                page_number=page.page_number,
                serial=page.serial,
            ),
            {},
        )
    return by_number


def _template_of(ctx: BatchContext, form: Form) -> FormTemplate:
    # a form only a person's assignment made may name no template: the school's usual one
    return ctx.templates.get(f"{form.form_type}-v{form.template_version}") or template_for(
        "", 0, fallback=ctx.settings.form_template
    )


def _fill_form(ctx: BatchContext, form: Form, group: list[Page], duplicate: bool) -> None:
    _back_to_review(form, "filled_again")
    values: dict[str, FieldRead] = {}
    for page in sorted(group, key=lambda p: p.page_number):
        for fid, data in (page.fields or {}).items():
            values[fid] = field_from_json(data)
    template = _template_of(ctx, form)
    by_number = _page_results(group)
    # also marks the empty required fields in ``values``
    problems = form_problems(template, by_number, values, duplicate=duplicate)
    if _in_other_batches(form):
        problems.append(Problem.DUPLICATE_BATCH)
    read = FormRead(
        form_type=template.form_type,
        version=template.version,
        serial=form.serial,
        pages=tuple(result.page for _, result in sorted(by_number.items())),
        fields=values,
        problems=tuple(problems),
    )
    try:
        proposal = ctx.matcher(read)
    except Exception as exc:
        log.warning("form %s: matching failed (%s)", form.id, type(exc).__name__)
        proposal = Proposal(MatchStatus.FAILED)
    stored = proposal_to_json(proposal)
    if proposal.corrected:
        # one or two doubtful characters that make the field exactly what the records hold
        values = apply_corrections(values, stored["corrected"])
    form.values = {fid: field_to_json(read) for fid, read in values.items()}
    form.problems = [str(p) for p in problems]
    form.proposed = stored
    form.doubt = doubt_score(values, problems, proposal, ctx.settings.thresholds)
    if form.state == FormState.PROCESSING:
        form.move_to(FormState.REVIEW)
