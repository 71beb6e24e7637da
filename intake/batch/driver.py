"""The batch job, stage by stage: every upload's pages read and stored, then the forms.

The job queue (``intake.batch.jobs``) calls ``process_batch`` and ``reprocess_page`` with ids only.
Idempotent: a page is keyed by (upload, index) and a form by (batch, identity), so re-running a
batch or restarting a crashed worker adds nothing twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum

import numpy as np
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from intake import audit
from intake.batch.assembly import assemble_forms
from intake.batch.context import BatchContext
from intake.batch.lease import LeaseLost, claim, new_owner, release, renew
from intake.batch.pages import count_page, count_pages, read_one, store_page
from intake.db.workflow import Batch, BatchStatus, Page, PageStatus, Upload
from intake.reading.ingest import PageFailure, PageImage, iter_pages

log = logging.getLogger(__name__)

#: forms are put together every this many pages, so reviewers can start before the batch ends
ASSEMBLE_EVERY_PAGES = 10
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
    """What one run of the batch job did."""

    DONE = "done"  # every page read, the forms assembled
    MORE = "more"  # its slice of pages read; pages are left: queue it again
    SKIPPED = "skipped"  # another worker holds it, or a newer task of it is queued


def process_batch(
    ctx: BatchContext,
    batch_id: str,
    *,
    generation: int | None = None,
    page_budget: int | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> BatchRun:
    """The batch job, or ``page_budget`` pages of it, under a lease on the batch (renewed at
    every page). Safe to run again, and in several workers at once: only one reads.
    ``should_stop`` is asked before each page: once it says yes (the server is stopping) the
    run ends after the page it is reading, as at the end of a slice (``BatchRun.MORE``)."""
    owner = new_owner()
    lease_s = ctx.settings.limits.batch_lease_s
    if not claim(ctx.sessions, batch_id, owner, lease_s, generation):
        log.info("batch %s: held by another worker or superseded", batch_id)
        return BatchRun.SKIPPED
    uploads = _start(ctx, batch_id)
    if uploads is None:
        return BatchRun.SKIPPED

    def heartbeat() -> None:
        renew(ctx.sessions, batch_id, owner, lease_s)

    budget = page_budget
    try:
        for upload_id in uploads:
            read_now, finished = process_upload(
                ctx, upload_id, budget=budget, heartbeat=heartbeat, should_stop=should_stop
            )
            if budget is not None:
                budget -= read_now
            if not finished:
                assemble_forms(ctx, batch_id)  # what is read so far reaches the queue
                release(ctx.sessions, batch_id, owner, lease_s)
                return BatchRun.MORE
        heartbeat()
        forms = assemble_forms(ctx, batch_id, final=True)  # group, fill, match, score, route
    except LeaseLost:
        log.warning("batch %s: another worker took it over; stopping here", batch_id)
        return BatchRun.SKIPPED
    except Exception as exc:
        log.exception("batch %s failed", batch_id)
        _fail(ctx, batch_id, exc)
        release(ctx.sessions, batch_id, owner, lease_s)
        raise
    _finish(ctx, batch_id, forms, owner)
    return BatchRun.DONE


def process_upload(
    ctx: BatchContext,
    upload_id: str,
    *,
    budget: int | None = None,
    heartbeat: Callable[[], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> tuple[int, bool]:
    """Read the pages of one upload that have no row yet, committing page by page, at most
    ``budget`` of them, and none once ``should_stop`` says so; (pages read now, whether the
    upload is finished). Pages already read are skipped without being rendered."""
    with ctx.sessions() as session:
        upload = session.get(Upload, upload_id)
        if upload is None:
            log.warning("upload %s is gone", upload_id)
            return 0, True
        done = set(session.scalars(select(Page.index).where(Page.upload_id == upload_id)))
        # pdfinfo and pdftoppm read by path: a plain copy, owner-only, gone afterwards
        with ctx.storage.plain_copy(upload.storage_key) as path:
            if upload.page_count == 0:
                upload.page_count = count_pages(path, upload.kind, ctx.settings)
                batch = session.get(Batch, upload.batch_id)
                if batch is not None:
                    batch.pages_total += upload.page_count
                session.commit()
            read_now = 0
            for item in iter_pages(path, ctx.settings.limits, skip=frozenset(done)):
                if isinstance(item, PageFailure) and item.whole_file:
                    upload.status, upload.error = "failed", item.reason
                    if 0 not in done:
                        session.add(store_page(ctx, upload, 0, None, None, item.reason))
                        count_page(session, upload.batch_id, failed=True)
                    session.commit()
                    return read_now, True
                if item.index in done:
                    continue
                if budget is not None and read_now >= budget:
                    return read_now, False
                if should_stop is not None and should_stop():
                    return read_now, False
                if heartbeat is not None:
                    heartbeat()  # before the work: a worker that lost the batch reads nothing more
                if isinstance(item, PageFailure):
                    page = store_page(ctx, upload, item.index, None, None, item.reason)
                else:
                    page = store_page(
                        ctx, upload, item.index, read_one(ctx, item, upload.id), item, ""
                    )
                session.add(page)
                count_page(session, upload.batch_id, failed=page.status != PageStatus.READ)
                try:
                    session.commit()
                except IntegrityError:
                    # another worker stored this page first (it took the batch over): keep theirs
                    session.rollback()
                    raise LeaseLost(upload.batch_id) from None
                read_now += 1
                if read_now % ASSEMBLE_EVERY_PAGES == 0:
                    assemble_forms(ctx, upload.batch_id)  # the first forms reach the queue early
                log.info(
                    "batch %s upload %s page %s: %s",
                    upload.batch_id,
                    upload.id,
                    page.index,
                    page.status,
                )
            upload.status = "done"
            session.commit()
            return read_now, True


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
