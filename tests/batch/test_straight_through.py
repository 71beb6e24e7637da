"""Straight-through routing in the batch job: when the batch is read to its end, a form whose
decisions are all certain goes to the approver as checked, with its reasons and an audit row;
anything uncertain stays in review; a late copy of the family's form sends it back."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from intake.batch.context import BatchContext
from intake.batch.driver import BatchRun, process_batch
from intake.batch.proposal import Proposal
from intake.batch.uploading import IncomingFile, create_batch
from intake.db.workflow import AuditEntry, Form
from intake.reading.result import FormRead
from intake.review.straight_through import STRAIGHT_THROUGH

from .fakes import FakeReader, fake_matcher, sample_values, scan_png

#: form numbers whose portal email the fake roster holds
EMAIL_ON_RECORD = {1, 3}


def confirming_matcher(form: FormRead) -> Proposal:
    """``fake_matcher``, with the email confirmed by the record only for the forms that hold it."""
    proposal = fake_matcher(form)
    if int(form.serial[1:]) in EMAIL_ON_RECORD:
        return proposal
    return replace(proposal, confirmed={})


def _ctx(batch_ctx: BatchContext, *, on: bool = True) -> BatchContext:
    values = {
        n: {**sample_values(n, doubtful=False), "p1_date": ("2026-09-01", ())} for n in (1, 2, 3)
    }
    return replace(
        batch_ctx,
        reader=FakeReader(values=values),
        matcher=confirming_matcher,
        settings=replace(batch_ctx.settings, straight_through=on),
    )


def _run(ctx: BatchContext, forms: tuple[int, ...], label: str = "b") -> str:
    files = [IncomingFile(f"f{n}-p{p}.png", scan_png(n, p)) for n in forms for p in (1, 2)]
    with ctx.sessions() as session:
        batch = create_batch(session, ctx.storage, ctx.settings, files, label=label, again=True)
        session.commit()
        batch_id = batch.id
    assert process_batch(ctx, batch_id) is BatchRun.DONE
    return batch_id


def _states(ctx: BatchContext, batch_id: str) -> dict[str, tuple[str, str | None, bool]]:
    with ctx.sessions() as session:
        forms = session.scalars(select(Form).where(Form.batch_id == batch_id))
        return {
            f.serial: (f.state, f.checked_by, STRAIGHT_THROUGH in (f.proposed or {})) for f in forms
        }


def test_certain_forms_reach_the_approver_with_no_reviewer(batch_ctx: BatchContext) -> None:
    ctx = _ctx(batch_ctx)
    batch_id = _run(ctx, (1, 2))
    assert _states(ctx, batch_id) == {
        "F0001": ("checked", None, True),
        "F0002": ("review", None, False),  # a new email: a person must type it exactly
    }
    with ctx.sessions() as session:
        form = session.scalars(select(Form).where(Form.serial == "F0001")).one()
        assert "parent/carer 1's email is the one on record" in form.proposed[STRAIGHT_THROUGH]
        rows = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "form.straight_through")
        ).all()
        assert [r.object_id for r in rows] == [form.id]


def test_with_the_setting_off_every_form_goes_to_a_reviewer(batch_ctx: BatchContext) -> None:
    ctx = _ctx(batch_ctx, on=False)
    batch_id = _run(ctx, (1,))
    assert _states(ctx, batch_id) == {"F0001": ("review", None, False)}


def test_a_copy_in_a_later_batch_sends_a_straight_through_form_back(
    batch_ctx: BatchContext,
) -> None:
    ctx = _ctx(batch_ctx)
    first = _run(ctx, (1, 3), label="first")
    assert _states(ctx, first)["F0001"] == ("checked", None, True)
    second = _run(ctx, (1,), label="second")
    assert _states(ctx, first) == {
        "F0001": ("review", None, False),  # the family's form came twice: a person looks
        "F0003": ("checked", None, True),
    }
    assert _states(ctx, second)["F0001"][0] == "review"
    with ctx.sessions() as session:
        withdrawn = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "form.straight_through_withdrawn")
        ).all()
        assert [r.detail for r in withdrawn] == [{"why": "duplicate_batch"}]
