"""The batch job, stage by stage: the pages cut into ranges, each range's pages read and stored
(ranges in parallel, one task each), then the forms.

The job queue (``intake.batch.jobs``) calls ``plan_batch``, ``read_range`` and ``reprocess_page``
with ids only. Idempotent: a page is keyed by (upload, index) and a form by (batch, identity), so
re-running a batch or a range, or restarting a crashed worker, adds nothing twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

import numpy as np
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from intake import audit
from intake.batch import ranges
from intake.batch.assembly import assemble_forms
from intake.batch.context import BatchContext
from intake.batch.lease import LeaseLost, claim, new_owner, release, renew
from intake.batch.memory import release_free_memory
from intake.batch.pages import count_page, count_pages, read_one, store_page
from intake.batch.ranges import PageRange, RangeTask
from intake.db.workflow import Batch, BatchStatus, Page, PageStatus, Upload
from intake.reading.ingest import PageFailure, PageImage, iter_pages

log = logging.getLogger(__name__)

#: the forms read so far are put together (and reach the review queue) each time this many
#: more pages of the batch are read, and once at its end: each assembly goes over every page
#: of the batch, so more often costs CPU that grows with the batch
ASSEMBLE_EVERY_PAGES = 50
#: the page columns a second reading replaces
READ_COLUMNS = (
    "status",
    "reason",
    "page_number",
    "serial",
    "rotation",
    "form_type",
    "template_version",
    "fields",
    "image_key",
    "scan_key",
)


class BatchRun(StrEnum):
    """What one run of a batch or range task did."""

    DONE = "done"  # every page read, the forms assembled
    QUEUED = "queued"  # its pages are cut into ranges, some queued; the range tasks read on
    READ = "read"  # a range of pages read; other ranges of the batch are left
    SKIPPED = "skipped"  # another worker holds it, or a newer task of it is queued


@dataclass(frozen=True)
class Plan:
    """The planner's answer: what it did, and the range tasks to queue."""

    run: BatchRun
    ranges: tuple[RangeTask, ...] = ()


def plan_batch(
    ctx: BatchContext,
    batch_id: str,
    *,
    generation: int | None = None,
    in_flight: int | None = None,
) -> Plan:
    """Count the batch's pages and cut them into ranges (once), under a lease on the batch;
    mark ranges queued until ``in_flight`` (None: all) are queued or being read. A batch whose
    every range is read has its forms put together here (a re-run, or a retry)."""
    owner = new_owner()
    lease_s = ctx.settings.limits.batch_lease_s
    if not claim(ctx.sessions, batch_id, owner, lease_s, generation):
        log.info("batch %s: held by another worker or superseded", batch_id)
        return Plan(BatchRun.SKIPPED)
    uploads = _start(ctx, batch_id)
    if uploads is None:
        return Plan(BatchRun.SKIPPED)
    try:
        for position, upload_id in enumerate(uploads):
            renew(ctx.sessions, batch_id, owner, lease_s)
            _plan_upload(ctx, upload_id, position)
        with ctx.sessions() as session:
            if ranges.reopen_incomplete(session, batch_id):
                session.commit()
        room = (
            None
            if in_flight is None
            else max(0, in_flight - ranges.in_flight(ctx.sessions, batch_id))
        )
        queued = ranges.queue_waiting(ctx.sessions, batch_id, lease_s, room)
    except LeaseLost:
        log.warning("batch %s: another worker took it over; stopping here", batch_id)
        return Plan(BatchRun.SKIPPED)
    except Exception as exc:
        log.exception("batch %s failed", batch_id)
        _fail(ctx, batch_id, exc)
        release(ctx.sessions, batch_id, owner, lease_s)
        raise
    release(ctx.sessions, batch_id, owner, lease_s)
    # after the release: a range that ended while this held the batch left the finish to it
    if not queued and finish_if_read(ctx, batch_id, again=True):
        return Plan(BatchRun.DONE)
    return Plan(BatchRun.QUEUED, tuple(queued))


def read_range(
    ctx: BatchContext,
    range_id: str,
    generation: int,
    *,
    queue_next: bool = True,
    should_stop: Callable[[], bool] | None = None,
) -> tuple[BatchRun, list[RangeTask]]:
    """Read one range of pages under its lease (renewed at every page), put what is read so far
    into forms, and, with ``queue_next``, mark the batch's next waiting range queued; the last
    range read puts the batch's forms together. Returns what it did and the range to queue.
    ``should_stop`` is asked before each page: once it says yes (the server is stopping) the
    range is given back after the page it is reading, and read on at the next start."""
    owner = new_owner()
    lease_s = ctx.settings.limits.batch_lease_s
    pages = ranges.claim(ctx.sessions, range_id, owner, lease_s, generation)
    if pages is None:
        log.info("range %s: held by another worker or superseded", range_id)
        return BatchRun.SKIPPED, []

    def heartbeat() -> None:
        ranges.renew(ctx.sessions, range_id, owner, lease_s)

    try:
        before = _pages_done(ctx, pages.batch_id)
        read_pages(ctx, pages, heartbeat=heartbeat, should_stop=should_stop)
        if should_stop is not None and should_stop():
            ranges.give_back(ctx.sessions, range_id, owner)
            return BatchRun.SKIPPED, []
        heartbeat()
        if (
            _pages_done(ctx, pages.batch_id) // ASSEMBLE_EVERY_PAGES
            > before // ASSEMBLE_EVERY_PAGES
        ):
            assemble_forms(ctx, pages.batch_id)  # what is read so far reaches the queue
        # queued before this range is marked done: a batch always has a range in flight
        following = (
            ranges.queue_waiting(ctx.sessions, pages.batch_id, lease_s, 1) if queue_next else []
        )
        if not ranges.finish(ctx.sessions, range_id, owner):
            raise LeaseLost(range_id)
    except LeaseLost:
        log.warning("range %s: another worker took it over; stopping here", range_id)
        return BatchRun.SKIPPED, []
    except Exception as exc:
        log.exception("batch %s range %s failed", pages.batch_id, range_id)
        ranges.give_back(ctx.sessions, range_id, owner)
        _fail(ctx, pages.batch_id, exc)
        raise
    if not following and finish_if_read(ctx, pages.batch_id, again=False):
        return BatchRun.DONE, []
    return BatchRun.READ, following


def finish_if_read(ctx: BatchContext, batch_id: str, *, again: bool) -> bool:
    """Once every range of the batch is read, put its forms together (group, fill, match,
    score) under the batch's lease, and mark it done; False when ranges are left or another
    worker is at it. A done batch is assembled again only when ``again``."""
    if ranges.unfinished(ctx.sessions, batch_id):
        return False
    with ctx.sessions() as session:
        batch = session.get(Batch, batch_id)
        if batch is None or (batch.status == BatchStatus.DONE.value and not again):
            return batch is not None
    owner = new_owner()
    lease_s = ctx.settings.limits.batch_lease_s
    if not claim(ctx.sessions, batch_id, owner, lease_s):
        return False
    try:
        forms = assemble_forms(ctx, batch_id, final=True)  # group, fill, match, score, route
    except Exception as exc:
        log.exception("batch %s failed", batch_id)
        _fail(ctx, batch_id, exc)
        release(ctx.sessions, batch_id, owner, lease_s)
        raise
    _finish(ctx, batch_id, forms, owner)
    return True


def process_batch(
    ctx: BatchContext, batch_id: str, *, generation: int | None = None, workers: int = 1
) -> BatchRun:
    """The whole batch in this process, its ranges read by ``workers`` threads (the command
    line's ``--wait``, and tests); SKIPPED when another worker holds the batch or a range."""
    plan = plan_batch(ctx, batch_id, generation=generation)
    if plan.run is not BatchRun.QUEUED:
        return plan.run

    def read(task: RangeTask) -> BatchRun:
        return read_range(ctx, *task, queue_next=False)[0]

    if workers > 1 and len(plan.ranges) > 1:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="range") as pool:
            runs = list(pool.map(read, plan.ranges))
    else:
        runs = [read(task) for task in plan.ranges]
    return BatchRun.DONE if BatchRun.DONE in runs else BatchRun.SKIPPED


def _pages_done(ctx: BatchContext, batch_id: str) -> int:
    with ctx.sessions() as session:
        return int(session.scalar(select(Batch.pages_done).where(Batch.id == batch_id)) or 0)


def _plan_upload(ctx: BatchContext, upload_id: str, position: int) -> None:
    """Count the upload's pages (the first time) and cut them into ranges."""
    with ctx.sessions() as session:
        upload = session.get(Upload, upload_id)
        if upload is None:
            return
        if upload.page_count == 0:
            with ctx.storage.plain_copy(upload.storage_key) as path:
                upload.page_count = count_pages(path, upload.kind, ctx.settings)
            session.execute(
                update(Batch)
                .where(Batch.id == upload.batch_id)
                .values(pages_total=Batch.pages_total + upload.page_count)
                .execution_options(synchronize_session=False)
            )
        ranges.plan_upload(session, upload, position, ctx.settings.limits.batch_slice_pages)
        session.commit()


def read_pages(
    ctx: BatchContext,
    pages: PageRange,
    *,
    heartbeat: Callable[[], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> int:
    """Read the pages of one range that have no row yet, committing page by page; how many
    were read. Pages already read, and the pages before the range, are not rendered; the last
    range of an upload reads to the end of the file. None more once ``should_stop`` says so."""
    with ctx.sessions() as session:
        upload = session.get(Upload, pages.upload_id)
        if upload is None:
            log.warning("upload %s is gone", pages.upload_id)
            return 0
        done = set(session.scalars(select(Page.index).where(Page.upload_id == upload.id)))
        to_the_end = pages.stop >= upload.page_count
        skip = frozenset(done | set(range(pages.start)))
        read_now = 0
        # pdfinfo and pdftoppm read by path: a plain copy, owner-only, gone afterwards
        with ctx.storage.plain_copy(upload.storage_key) as path:
            for item in iter_pages(path, ctx.settings.limits, skip=skip):
                if isinstance(item, PageFailure) and item.whole_file:
                    upload.status, upload.error = "failed", item.reason
                    failed = store_page(ctx, upload, 0, None, None, item.reason)
                    _commit_page(session, failed if 0 not in done else None, upload.batch_id)
                    return read_now
                if item.index in skip:
                    continue
                if item.index >= pages.stop and not to_the_end:
                    break
                if should_stop is not None and should_stop():
                    break
                if heartbeat is not None:
                    heartbeat()  # before the work: a worker that lost the range reads nothing
                # ids only: the crash bench counts each page's reads by these lines
                log.info(
                    "page read: batch %s upload %s page %s range %s",
                    upload.batch_id,
                    upload.id,
                    item.index,
                    pages.id,
                )
                if isinstance(item, PageFailure):
                    page = store_page(ctx, upload, item.index, None, None, item.reason)
                else:
                    page = store_page(
                        ctx, upload, item.index, read_one(ctx, item, upload.id), item, ""
                    )
                _commit_page(session, page, upload.batch_id)
                read_now += 1
                log.info(
                    "batch %s upload %s page %s: %s",
                    upload.batch_id,
                    upload.id,
                    page.index,
                    page.status,
                )
                del item  # the page's pixels: gone before the allocator is asked to trim
                release_free_memory()
        return read_now


def _commit_page(session: Session, page: Page | None, batch_id: str) -> None:
    """Store the page (if any) and count it in the batch's progress, in one transaction."""
    try:
        if page is not None:
            session.add(page)
            count_page(session, batch_id, failed=page.status != PageStatus.READ)
        session.commit()
    except IntegrityError:
        # another worker stored this page first (it took the range over): keep theirs
        session.rollback()
        raise LeaseLost(batch_id) from None


def reprocess_page(ctx: BatchContext, page_id: str) -> None:
    """Read one page again, turned by its manual rotation, then refresh the batch's forms."""
    with ctx.sessions() as session:
        page = session.get(Page, page_id)
        upload = session.get(Upload, page.upload_id) if page is not None else None
        if page is None or upload is None:
            return
        with ctx.storage.plain_copy(upload.storage_key) as path:
            item = next(
                (
                    c
                    for c in iter_pages(path, ctx.settings.limits)
                    if c.index == page.index and isinstance(c, PageImage)
                ),
                None,
            )
        if not isinstance(item, PageImage):
            return
        turns = (page.manual_rotation // 90) % 4
        # np.rot90 turns anticlockwise; a manual rotation is clockwise
        turned = PageImage(
            index=item.index,
            image=np.ascontiguousarray(np.rot90(item.image, -turns)),
            dpi=item.dpi,
            note=item.note,
        )
        was_failed = page.status != PageStatus.READ
        fresh = store_page(ctx, upload, page.index, read_one(ctx, turned, upload.id), turned, "")
        for column in READ_COLUMNS:
            setattr(page, column, getattr(fresh, column))
        batch = session.get(Batch, page.batch_id)
        if batch is not None and was_failed and page.status == PageStatus.READ:
            batch.pages_failed = max(0, batch.pages_failed - 1)
        done = batch is not None and batch.status == BatchStatus.DONE
        session.commit()
        batch_id = page.batch_id
    assemble_forms(ctx, batch_id, final=done)


def _start(ctx: BatchContext, batch_id: str) -> list[str] | None:
    """Mark the batch as processing; its uploads in the order they came (None: it is gone)."""
    with ctx.sessions() as session:
        batch = session.get(Batch, batch_id)
        if batch is None:
            log.warning("batch %s is gone", batch_id)
            return None
        batch.status = BatchStatus.PROCESSING.value
        uploads = list(
            session.scalars(
                select(Upload.id).where(Upload.batch_id == batch_id).order_by(Upload.created_at)
            )
        )
        session.commit()
        return uploads


def _fail(ctx: BatchContext, batch_id: str, exc: Exception) -> None:
    with ctx.sessions() as session:
        batch = session.get(Batch, batch_id)
        if batch is not None:
            batch.status = BatchStatus.FAILED.value
            batch.error = f"processing stopped ({type(exc).__name__}); run it again"
            session.commit()


def _finish(ctx: BatchContext, batch_id: str, forms: int, owner: str) -> None:
    with ctx.sessions() as session:
        batch = session.get(Batch, batch_id)
        if batch is not None:
            session.execute(
                update(Upload)
                .where(Upload.batch_id == batch_id, Upload.status == "stored")
                .values(status="done")
                .execution_options(synchronize_session=False)
            )
            batch.status = BatchStatus.DONE.value
            batch.finished_at = datetime.now(UTC)
            if batch.lease_owner == owner:
                batch.lease_owner, batch.lease_until = "", None
            audit.record(
                session,
                actor_id=None,
                action="batch.processed",
                object_type="batch",
                object_id=batch_id,
                detail={"forms": forms, "pages": batch.pages_done},
            )
            session.commit()
