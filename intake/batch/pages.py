"""One page of a batch: read it, store its images, make its row; count the pages of an upload.

A page is keyed by (upload, index). One bad page never stops the batch: a reader that raises
gives an "unreadable" page with the reason, stored with a picture of the scan.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
from sqlalchemy import update
from sqlalchemy.orm import Session

from intake.batch.context import BatchContext, PageOutcome
from intake.config import Settings
from intake.db.workflow import Batch, Page, PageStatus, Upload
from intake.fieldjson import field_to_json
from intake.reading.ingest import PageImage
from intake.reading.result import PageRead

log = logging.getLogger(__name__)

#: longest side of the stored image of a page that could not be read (enough to recognise it)
UNREAD_PAGE_MAX_PX = 1400
#: resolution of the stored aligned page that the review screen shows and cuts crops from
REVIEW_PX_PER_MM = 8
#: grey levels kept in the stored review image: enough to see every stroke and its pressure,
#: few enough that the PNG is about 0.2 MB a page and quick to write (RGB at 256 levels was
#: 1.4-2.4 MB and 0.5-0.7 CPU s a page, half of the batch path's cost beyond reading)
REVIEW_GREY_LEVELS = 16
#: zlib level of the review image: the posterised page compresses well even at the fastest
REVIEW_PNG_LEVEL = 1


def _downscaled(image: np.ndarray) -> np.ndarray:
    from PIL import Image

    picture = Image.fromarray(image)
    picture.thumbnail((UNREAD_PAGE_MAX_PX, UNREAD_PAGE_MAX_PX))
    return np.asarray(picture.convert("RGB"))


def _review_size(ctx: BatchContext, page: PageRead, aligned: np.ndarray) -> np.ndarray:
    """The aligned page at ``REVIEW_PX_PER_MM``: sharp enough for every crop, quick to serve.
    The default reader warps it at that size already; a larger one is shrunk."""
    import cv2

    template = ctx.template(f"{page.form_type}-v{page.version}")
    width = round(template.page_w * REVIEW_PX_PER_MM)
    if aligned.shape[1] <= width:
        return aligned
    height = round(aligned.shape[0] * width / aligned.shape[1])
    return cv2.resize(aligned, (width, height), interpolation=cv2.INTER_AREA)


def compact_review_image(aligned: np.ndarray) -> np.ndarray:
    """The aligned page as ``REVIEW_GREY_LEVELS`` grey levels (uint8, white stays 255)."""
    import cv2

    grey = aligned if aligned.ndim == 2 else _luma(aligned)
    return np.asarray(cv2.LUT(np.ascontiguousarray(grey), _REVIEW_LEVELS))


def _review_levels() -> np.ndarray:
    """The grey level each of the 256 becomes: one lookup a pixel, no page-sized temporaries."""
    step = 256 // REVIEW_GREY_LEVELS
    levels = (np.arange(256, dtype=np.uint16) // step) * 255 // (REVIEW_GREY_LEVELS - 1)
    return levels.astype(np.uint8)


_REVIEW_LEVELS = _review_levels()


def _luma(rgb: np.ndarray) -> np.ndarray:
    import cv2

    return np.asarray(cv2.cvtColor(np.ascontiguousarray(rgb[..., :3]), cv2.COLOR_RGB2GRAY))


def read_one(ctx: BatchContext, item: PageImage, source: str) -> PageOutcome:
    """The reader's outcome for one page image; an "unreadable" page when the reader fails."""
    try:
        return ctx.reader(item, source)
    except Exception as exc:  # one bad page never stops the batch
        log.warning("page %s of upload %s failed: %s", item.index, source, type(exc).__name__)
        return PageOutcome(
            page=PageRead(
                index_in_file=item.index,
                source=source,
                status=PageStatus.UNREADABLE,
                reason=f"the page could not be read ({type(exc).__name__})",
            ),
        )


def store_page(
    ctx: BatchContext,
    upload: Upload,
    index: int,
    outcome: PageOutcome | None,
    item: PageImage | None,
    failure_reason: str,
) -> Page:
    """A new page row for what was read (``outcome``), or for a page that failed to decode."""
    page = Page(
        upload_id=upload.id,
        batch_id=upload.batch_id,
        index=index,
        reason="",
        page_number=0,
        serial="",
        form_type="",
        template_version=0,
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
    page.status = read.status.value
    page.reason = read.reason or (item.note if item else "")
    page.page_number = read.page_number
    page.serial = read.serial
    page.rotation = read.rotation
    page.form_type = read.form_type
    page.template_version = read.version
    page.fields = {fid: field_to_json(f) for fid, f in outcome.fields.items()}
    if outcome.aligned is not None:
        review = compact_review_image(_review_size(ctx, read, outcome.aligned))
        page.image_key = ctx.storage.put_page_image(
            review, compress_level=REVIEW_PNG_LEVEL, grey_levels=REVIEW_GREY_LEVELS
        )
    if item is not None and (outcome.aligned is None or page.status != PageStatus.READ):
        page.scan_key = ctx.storage.put_page_image(_downscaled(item.image))
    return page


def count_pages(path: Path, kind: str, settings: Settings) -> int:
    """How many pages a stored upload has (for the progress bar); 1 when it cannot tell."""
    if kind == "pdf":
        from intake.reading import poppler

        try:
            return max(1, poppler.inspect_pdf(path, settings.limits).pages)
        except poppler.PdfRefused:
            return 1
    if kind == "tiff":
        from PIL import Image

        try:
            with Image.open(path) as picture:
                frames = int(getattr(picture, "n_frames", 1))
            # over the limit the whole file fails at once: one range, not one per slice (each
            # would count the frames again)
            return 1 if frames > settings.limits.max_tiff_frames else max(1, frames)
        except Exception:
            return 1
    return 1


def count_page(session: Session, batch_id: str, *, failed: bool) -> None:
    """One more page done (and failed) in the batch's progress counts: one UPDATE that adds,
    as several workers count pages of one batch at once."""
    session.execute(
        update(Batch)
        .where(Batch.id == batch_id)
        .values(
            pages_done=Batch.pages_done + 1,
            pages_failed=Batch.pages_failed + (1 if failed else 0),
        )
        .execution_options(synchronize_session=False)
    )
