"""Process a batch: every page read, stored and recorded, then put into forms (``intake.assembly``).

The job queue (``intake.jobs``) calls ``process_batch`` with ids only. The reader and the matcher
are parameters so that tests pass fakes and the real ones are wired in one place
(``intake.readers``). Idempotent: a page is keyed by (upload, index) and a form by
(batch, identity), so re-running a batch or restarting a crashed worker adds nothing twice.
One bad page never stops the batch: it becomes a page row with its reason.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from intake import audit
from intake.assembly import assemble_forms, doubt_score, group_pages
from intake.batch_context import BatchContext, Matcher, PageOutcome, PageReader
from intake.config import Settings
from intake.db.workflow import Batch, BatchStatus, Page, PageStatus, Upload
from intake.fieldjson import field_to_json
from intake.reading.ingest import PageFailure, PageImage, iter_pages
from intake.reading.result import PageRead
from intake.template.load import load_template

__all__ = [
    "BatchContext",
    "Matcher",
    "PageOutcome",
    "PageReader",
    "assemble_forms",
    "doubt_score",
    "group_pages",
    "process_batch",
    "process_upload",
    "reprocess_page",
]

log = logging.getLogger(__name__)

#: longest side of the stored image of a page that could not be read (enough to recognise it)
UNREAD_PAGE_MAX_PX = 1400
#: resolution of the stored aligned page that the review screen shows and cuts crops from
REVIEW_PX_PER_MM = 8
#: forms are put together every this many pages, so reviewers can start before the batch ends
ASSEMBLE_EVERY_PAGES = 10


def _downscaled(image: np.ndarray) -> np.ndarray:
    from PIL import Image

    picture = Image.fromarray(image)
    picture.thumbnail((UNREAD_PAGE_MAX_PX, UNREAD_PAGE_MAX_PX))
    return np.asarray(picture.convert("RGB"))


def _review_size(ctx: BatchContext, aligned: np.ndarray) -> np.ndarray:
    """The aligned page at ``REVIEW_PX_PER_MM``: sharp enough for every crop, quick to serve."""
    from PIL import Image

    width = round(load_template(ctx.settings.form_template).page_w * REVIEW_PX_PER_MM)
    if aligned.shape[1] <= width:
        return aligned
    picture = Image.fromarray(aligned)
    height = round(picture.height * width / picture.width)
    return np.asarray(picture.resize((width, height), Image.Resampling.LANCZOS))


def _read_one(ctx: BatchContext, item: PageImage, source: str) -> PageOutcome:
    try:
        return ctx.reader(item, source)
    except Exception as exc:  # one bad page never stops the batch
        log.warning("page %s of upload %s failed: %s", item.index, source, type(exc).__name__)
        return PageOutcome(
            page=PageRead(
                index_in_file=item.index,
                source=source,
                status="unreadable",
                reason=f"the page could not be read ({type(exc).__name__})",
            ),
        )


def _store_page(
    ctx: BatchContext,
    upload: Upload,
    index: int,
    outcome: PageOutcome | None,
    item: PageImage | None,
    failure_reason: str,
) -> Page:
    page = Page(
        upload_id=upload.id,
        batch_id=upload.batch_id,
        index=index,
        reason="",
        page_number=0,
        serial="",
        form_type="",
        fields={},
        rotation=0,
        image_key="",
        scan_key="",
    )
    if outcome is None:
        page.status = PageStatus.UNREADABLE.value
        page.reason = failure_reason
        return page
    read = outcome.page
    page.status = PageStatus(read.status).value
    page.reason = read.reason or (item.note if item else "")
    page.page_number = read.page_number
    page.serial = read.serial
    page.rotation = read.rotation
    page.form_type = read.form_type
    page.fields = {fid: field_to_json(f) for fid, f in outcome.fields.items()}
    if outcome.aligned is not None:
        page.image_key = ctx.storage.put_page_image(_review_size(ctx, outcome.aligned))
    if item is not None and (outcome.aligned is None or page.status != PageStatus.READ):
        page.scan_key = ctx.storage.put_page_image(_downscaled(item.image))
    return page


def process_upload(ctx: BatchContext, upload_id: str) -> None:
    """Read every page of one upload that has no row yet; commit page by page."""
    with ctx.sessions() as session:
        upload = session.get(Upload, upload_id)
        if upload is None:
            log.warning("upload %s is gone", upload_id)
            return
        done = set(session.scalars(select(Page.index).where(Page.upload_id == upload_id)))
        read_now = 0
        path = ctx.storage.path(upload.storage_key)
        if upload.page_count == 0:
            upload.page_count = count_pages(path, upload.kind, ctx.settings)
            batch = session.get(Batch, upload.batch_id)
            if batch is not None:
                batch.pages_total += upload.page_count
            session.commit()
        for item in iter_pages(path, ctx.settings.limits):
            if isinstance(item, PageFailure) and item.whole_file:
                upload.status, upload.error = "failed", item.reason
                if 0 not in done:
                    session.add(_store_page(ctx, upload, 0, None, None, item.reason))
                    _count(session, upload.batch_id, failed=True)
                session.commit()
                return
            if item.index in done:
                continue
            if isinstance(item, PageFailure):
                page = _store_page(ctx, upload, item.index, None, None, item.reason)
            else:
                outcome = _read_one(ctx, item, upload.id)
                page = _store_page(ctx, upload, item.index, outcome, item, "")
            session.add(page)
            _count(session, upload.batch_id, failed=page.status != PageStatus.READ)
            session.commit()
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


def count_pages(path: Path, kind: str, settings: Settings) -> int:
    """How many pages a stored upload has (for the progress bar); 1 when it cannot tell."""
    if kind == "pdf":
        from intake.reading.ingest import _pdf_info

        info, _reason = _pdf_info(path, settings.limits)
        try:
            return max(1, int((info or {}).get("Pages", "1")))
        except ValueError:
            return 1
    if kind == "tiff":
        from PIL import Image

        try:
            with Image.open(path) as picture:
                return max(
                    1, min(int(getattr(picture, "n_frames", 1)), settings.limits.max_tiff_frames)
                )
        except Exception:
            return 1
    return 1


def _count(session: Session, batch_id: str, *, failed: bool) -> None:
    batch = session.get(Batch, batch_id)
    if batch is not None:
        batch.pages_done += 1
        if failed:
            batch.pages_failed += 1


def process_batch(ctx: BatchContext, batch_id: str) -> None:
    """The whole batch job: every upload, then the forms. Safe to run again."""
    with ctx.sessions() as session:
        batch = session.get(Batch, batch_id)
        if batch is None:
            log.warning("batch %s is gone", batch_id)
            return
        batch.status = BatchStatus.PROCESSING.value
        uploads = list(
            session.scalars(
                select(Upload.id).where(Upload.batch_id == batch_id).order_by(Upload.created_at)
            )
        )
        session.commit()
    try:
        for upload_id in uploads:
            process_upload(ctx, upload_id)
        forms = assemble_forms(ctx, batch_id)
    except Exception as exc:
        log.exception("batch %s failed", batch_id)
        with ctx.sessions() as session:
            batch = session.get(Batch, batch_id)
            if batch is not None:
                batch.status = BatchStatus.FAILED.value
                batch.error = f"processing stopped ({type(exc).__name__}); run it again"
                session.commit()
        raise
    with ctx.sessions() as session:
        batch = session.get(Batch, batch_id)
        if batch is not None:
            batch.status = BatchStatus.DONE.value
            batch.finished_at = datetime.now(UTC)
            audit.record(
                session,
                actor_id=None,
                action="batch.processed",
                object_type="batch",
                object_id=batch_id,
                detail={"forms": forms, "pages": batch.pages_done},
            )
            session.commit()


def reprocess_page(ctx: BatchContext, page_id: str) -> None:
    """Read one page again, turned by its manual rotation, then refresh the batch's forms."""
    with ctx.sessions() as session:
        page = session.get(Page, page_id)
        upload = session.get(Upload, page.upload_id) if page is not None else None
        if page is None or upload is None:
            return
        item: PageImage | None = None
        for candidate in iter_pages(ctx.storage.path(upload.storage_key), ctx.settings.limits):
            if candidate.index == page.index and isinstance(candidate, PageImage):
                item = candidate
                break
        if item is None:
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
        outcome = _read_one(ctx, turned, upload.id)
        fresh = _store_page(ctx, upload, page.index, outcome, turned, "")
        for column in (
            "status",
            "reason",
            "page_number",
            "serial",
            "rotation",
            "form_type",
            "fields",
            "image_key",
            "scan_key",
        ):
            setattr(page, column, getattr(fresh, column))
        batch = session.get(Batch, page.batch_id)
        if batch is not None and was_failed and page.status == PageStatus.READ:
            batch.pages_failed = max(0, batch.pages_failed - 1)
        session.commit()
        batch_id = page.batch_id
    assemble_forms(ctx, batch_id)
