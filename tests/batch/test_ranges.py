"""The pages of one batch as ranges read in parallel: a batch cut into N ranges gives the forms
of one task, in any order the ranges run; a range task killed part-way is queued again once its
lease runs out, and no page is read twice nor a form made twice; concurrent assemblies of one
batch make each form once."""

from __future__ import annotations

import io
import random
import threading
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from huey import MemoryHuey, RedisHuey
from PIL import Image
from sqlalchemy import func, select, update

from intake.batch import ranges
from intake.batch.assembly import assemble_forms
from intake.batch.context import BatchContext, PageOutcome
from intake.batch.driver import BatchRun, plan_batch, process_batch, read_range
from intake.batch.jobs import build_queue, reap_expired
from intake.batch.uploading import IncomingFile, create_batch
from intake.config import Settings
from intake.db.workflow import Batch, BatchRange, Form, Page, RangeStatus
from intake.reading.ingest import PageImage

from .fakes import FakeReader, sample_values, scan_png

FORMS = 5  # two pages each: a 10-page file


def _tiff(forms: range) -> bytes:
    """One multi-page TIFF: form n's page 1 then page 2, for each form."""
    frames = [Image.open(io.BytesIO(scan_png(n, p))).convert("RGB") for n in forms for p in (1, 2)]
    out = io.BytesIO()
    frames[0].save(out, format="TIFF", save_all=True, append_images=frames[1:])
    return out.getvalue()


def _sliced(ctx: BatchContext, pages: int, in_flight: int = 4) -> BatchContext:
    limits = replace(ctx.settings.limits, batch_slice_pages=pages, batch_ranges_in_flight=in_flight)
    return replace(ctx, settings=replace(ctx.settings, limits=limits))


def _batch(ctx: BatchContext, label: str, forms: range = range(1, FORMS + 1)) -> str:
    files = [IncomingFile(f"{label}.tif", _tiff(forms))]
    with ctx.sessions() as session:
        batch = create_batch(session, ctx.storage, ctx.settings, files, label=label, again=True)
        session.commit()
        return batch.id


def _forms(ctx: BatchContext, batch_id: str) -> list[tuple[str, tuple[int, ...], str]]:
    """Each form as (identity, its pages' indices, its values), in identity order."""
    with ctx.sessions() as session:
        forms = session.scalars(select(Form).where(Form.batch_id == batch_id)).all()
        out = []
        for form in forms:
            pages = session.scalars(select(Page.index).where(Page.form_id == form.id)).all()
            values = sorted((k, v["value"]) for k, v in form.values.items())
            out.append((form.identity, tuple(sorted(pages)), repr(values)))
        return sorted(out)


def _pages(ctx: BatchContext, batch_id: str) -> tuple[int, int, int]:
    """(page rows, distinct page indices, the batch's pages_done counter)."""
    with ctx.sessions() as session:
        rows = session.scalar(select(func.count()).where(Page.batch_id == batch_id))
        distinct = session.scalar(
            select(func.count(func.distinct(Page.index))).where(Page.batch_id == batch_id)
        )
        done = session.get(Batch, batch_id).pages_done
        return rows, distinct, done


def _drain(huey: MemoryHuey, chance: random.Random | None = None) -> None:
    """Run every task queued, and what they queue; with ``chance``, in a shuffled order."""
    while True:
        tasks = []
        while (task := huey.dequeue()) is not None:
            tasks.append(task)
        if not tasks:
            return
        if chance is not None:
            chance.shuffle(tasks)
        for task in tasks:
            huey.execute(task)


def test_a_batch_in_ranges_gives_the_forms_of_one_task(batch_ctx: BatchContext) -> None:
    whole = _sliced(batch_ctx, 0)
    one_task = _batch(whole, "one task")
    assert process_batch(whole, one_task) is BatchRun.DONE
    expected = _forms(whole, one_task)
    assert len(expected) == FORMS and all(len(pages) == 2 for _, pages, _ in expected)

    sliced = _sliced(batch_ctx, 3)  # 10 pages: ranges 0-3, 3-6, 6-9, 9-10
    huey = MemoryHuey("ranges", immediate=False)
    queue = build_queue(sliced.settings, huey=huey, context=lambda: sliced)
    in_ranges = _batch(sliced, "in ranges")
    queue.enqueue_batch(in_ranges)
    _drain(huey, random.Random(4))
    with sliced.sessions() as session:
        spans = session.execute(
            select(BatchRange.start, BatchRange.stop, BatchRange.status)
            .where(BatchRange.batch_id == in_ranges)
            .order_by(BatchRange.start)
        ).all()
        assert session.get(Batch, in_ranges).status == "done"
    assert [(s.start, s.stop) for s in spans] == [(0, 3), (3, 6), (6, 9), (9, 10)]
    assert {s.status for s in spans} == {RangeStatus.DONE.value}
    # a page of a form in one range, the other in the next: still one form of two pages
    assert _forms(sliced, in_ranges) == expected
    assert _pages(sliced, in_ranges) == (10, 10, 10)

    threads = _sliced(batch_ctx, 2)
    in_threads = _batch(threads, "in threads")
    assert process_batch(threads, in_threads, workers=3) is BatchRun.DONE
    assert _forms(threads, in_threads) == expected
    assert _pages(threads, in_threads) == (10, 10, 10)


class Killed(BaseException):
    """The worker dies here (not an ``Exception``: nothing of the batch code catches it)."""


class DyingReader(FakeReader):
    """Dies while reading the ``die_at``-th page it is given; counts every page it starts."""

    die_at: int = 0
    started: Counter[int]

    def __call__(self, image: PageImage, source: str) -> PageOutcome:
        self.started[image.index] += 1
        if self.die_at and sum(self.started.values()) == self.die_at:
            raise Killed
        return super().__call__(image, source)


def test_a_range_killed_midway_is_queued_again_and_nothing_doubles(
    batch_ctx: BatchContext,
) -> None:
    reader = DyingReader(values={n: sample_values(n) for n in range(1, FORMS + 1)})
    reader.started = Counter()
    ctx = replace(_sliced(batch_ctx, 4), reader=reader)  # ranges 0-4, 4-8, 8-10
    huey = MemoryHuey("kill", immediate=False)
    queue = build_queue(ctx.settings, huey=huey, context=lambda: ctx)
    batch_id = _batch(ctx, "killed")
    plan = plan_batch(ctx, batch_id, in_flight=None)
    assert plan.run is BatchRun.QUEUED and len(plan.ranges) == 3
    first, middle, last = plan.ranges
    assert read_range(ctx, *first, queue_next=False)[0] is BatchRun.READ
    reader.die_at = sum(reader.started.values()) + 3  # the third page of the middle range
    with pytest.raises(Killed):
        read_range(ctx, *middle, queue_next=False)
    reader.die_at = 0
    assert _pages(ctx, batch_id) == (6, 6, 6)  # pages 4 and 5 kept
    assert reap_expired(ctx.settings, queue) == 0  # its lease still holds
    # its lease runs out, as a killed worker's does
    with ctx.sessions() as session:
        session.execute(
            update(BatchRange)
            .where(BatchRange.id == middle[0])
            .values(lease_until=datetime.now(UTC) - timedelta(seconds=1))
        )
        session.commit()
    assert reap_expired(ctx.settings, queue) == 1
    assert reap_expired(ctx.settings, queue) == 0  # one take-over, not one per look
    assert read_range(ctx, *middle, queue_next=False)[0] is BatchRun.SKIPPED  # superseded
    _drain(huey)  # the middle range again, from its first page without a row
    assert read_range(ctx, *last, queue_next=False)[0] is BatchRun.DONE
    assert _pages(ctx, batch_id) == (10, 10, 10)
    # every page read once, and the page being read when the worker died once more
    assert sorted(reader.started) == list(range(10))
    assert [i for i, n in reader.started.items() if n > 1] == [6]
    assert reader.started[6] == 2
    forms = _forms(ctx, batch_id)
    assert len(forms) == FORMS and len({identity for identity, _, _ in forms}) == FORMS
    assert all(len(pages) == 2 for _, pages, _ in forms)
    with ctx.sessions() as session:
        assert session.get(Batch, batch_id).status == "done"


def test_ranges_of_batches_take_turns(batch_ctx: BatchContext) -> None:
    """One range of each batch in flight: the small batch does not wait for all of the big."""
    ctx = _sliced(batch_ctx, 2, in_flight=1)
    huey = MemoryHuey("turns", immediate=False)
    queue = build_queue(ctx.settings, huey=huey, context=lambda: ctx)
    big = _batch(ctx, "big", range(1, 5))  # 8 pages, 4 ranges
    small = _batch(ctx, "small", range(5, 6))  # 2 pages, 1 range
    queue.enqueue_batch(big)
    queue.enqueue_batch(small)
    order = []
    while (task := huey.dequeue()) is not None:
        with ctx.sessions() as session:
            of_range = session.get(BatchRange, task.args[0])
        order.append(of_range.batch_id if of_range is not None else task.args[0])
        huey.execute(task)
    assert order == [big, small, big, small, big, big, big]
    assert len(_forms(ctx, big)) == 4 and len(_forms(ctx, small)) == 1


def test_assemblies_of_one_batch_at_once_make_each_form_once(batch_ctx: BatchContext) -> None:
    ctx = _sliced(batch_ctx, 0)
    batch_id = _batch(ctx, "assembled")
    plan = plan_batch(ctx, batch_id, in_flight=None)
    owner = "reader"
    (task,) = plan.ranges
    pages = ranges.claim(ctx.sessions, task[0], owner, 60, task[1])
    assert pages is not None
    from intake.batch.driver import read_pages

    assert read_pages(ctx, pages) == 10
    start = threading.Barrier(4)
    failures: list[BaseException] = []

    def assemble() -> None:
        start.wait()
        try:
            assemble_forms(ctx, batch_id)
        except BaseException as exc:
            failures.append(exc)

    workers = [threading.Thread(target=assemble) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert failures == []
    forms = _forms(ctx, batch_id)
    assert len(forms) == FORMS and all(len(p) == 2 for _, p, _ in forms)


@pytest.mark.redis
def test_ranges_on_redis_are_read_by_several_workers(
    batch_ctx: BatchContext, settings: Settings, redis_url: str
) -> None:
    """The same tasks on the Redis queue, consumed by two worker threads at once."""
    ctx = _sliced(batch_ctx, 2)
    on_redis = replace(ctx.settings, redis_url=redis_url)
    huey = RedisHuey(f"ranges-{random.Random().randrange(10**9)}", url=redis_url)
    queue = build_queue(on_redis, huey=huey, context=lambda: ctx)
    batch_id = _batch(ctx, "on redis")
    consumer = huey.create_consumer(workers=2, worker_type="thread", periodic=False)
    consumer.start()
    try:
        queue.enqueue_batch(batch_id)
        deadline = datetime.now(UTC) + timedelta(seconds=60)
        status = ""
        while status != "done" and datetime.now(UTC) < deadline:
            threading.Event().wait(0.2)
            with ctx.sessions() as session:
                status = session.get(Batch, batch_id).status
    finally:
        consumer.stop(graceful=True)
        huey.storage.flush_queue()
    assert status == "done"
    assert _pages(ctx, batch_id) == (10, 10, 10)
    forms = _forms(ctx, batch_id)
    assert len(forms) == FORMS and all(len(p) == 2 for _, p, _ in forms)
