"""The reading driver: file -> pages -> identify -> align -> fields -> forms.

Each stage is a plain function in its own module; this one only strings them together, one page
at a time (an image is dropped as soon as its fields are read, so memory stays flat whatever the
batch size), and groups pages into forms by what their QR codes say.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from intake.config import Limits, School, Thresholds
from intake.engines.base import ALIGNED_PX_PER_MM, CharEngine
from intake.reading.align import aligned_page, homography_tuple
from intake.reading.boxes import PageInk, page_ink_and_image, page_ink_from_scan
from intake.reading.fields import read_char_fields
from intake.reading.identify import identify_page
from intake.reading.ingest import PageFailure, iter_pages
from intake.reading.pages_to_forms import PageResult, group_forms
from intake.reading.result import BatchRead, FieldRead, PageRead, PageStatus
from intake.reading.signatures import read_signature
from intake.reading.ticks import read_tick
from intake.template.model import CharField, FormTemplate, SignatureField, TickField

log = logging.getLogger(__name__)

#: room above and below the fields (mm) when only their rows of a page are aligned
FIELD_ROWS_MARGIN_MM = 4.0

__all__ = [
    "ReadContext",
    "aligned_page",
    "read_file",
    "read_files",
    "read_page",
    "read_page_and_image",
]


@dataclass(frozen=True)
class ReadContext:
    """Everything reading needs, built once at an entry point and shared."""

    templates: Mapping[str, FormTemplate]  # by key, e.g. "parent-portal-v1"
    engine: CharEngine
    thresholds: Thresholds = field(default_factory=Thresholds)
    limits: Limits = field(default_factory=Limits)
    school: School = field(default_factory=School)


def fields_rows_mm(template: FormTemplate, page_number: int) -> tuple[float, float]:
    """The band of the page (top, bottom in mm) that holds every field, with room to spare."""
    rects = [f.rect for f in template.page(page_number).fields]
    if not rects:
        return (0.0, 0.0)
    return (
        min(r.y for r in rects) - FIELD_ROWS_MARGIN_MM,
        max(r.y + r.h for r in rects) + FIELD_ROWS_MARGIN_MM,
    )


def read_fields(
    ink: PageInk, template: FormTemplate, page_number: int, ctx: ReadContext
) -> dict[str, FieldRead]:
    """Every field of one page, from its aligned ink."""
    page = template.page(page_number)
    char_fields = [f for f in page.fields if isinstance(f, CharField)]
    reads = read_char_fields(ink, char_fields, page_number, ctx.engine, ctx.thresholds)
    for f in page.fields:
        if isinstance(f, TickField):
            reads[f.id] = read_tick(ink, f, page_number, ctx.thresholds)
        elif isinstance(f, SignatureField):
            reads[f.id] = read_signature(ink, f, page_number, ctx.thresholds)
    return reads


def read_page_and_image(
    image: np.ndarray,
    ctx: ReadContext,
    index: int,
    source: str,
    dpi: float | None = None,
    note: str = "",
    *,
    keep_image: bool = True,
    image_px_per_mm: float = ALIGNED_PX_PER_MM,
) -> tuple[PageRead, dict[str, FieldRead], np.ndarray | None]:
    """Identify, align and read one page image (RGB or grey); with ``keep_image`` also the whole
    page aligned onto its template at ``image_px_per_mm`` (from the same warp as the fields),
    None when not aligned."""
    started = time.perf_counter()
    found = identify_page(image, ctx.templates, ctx.school, dpi)
    reads: dict[str, FieldRead] = {}
    aligned: np.ndarray | None = None
    if found.status == PageStatus.READ and found.homography is not None:
        template = ctx.templates[found.template_key]
        rows = fields_rows_mm(template, found.page_number)
        size = (template.page_w, template.page_h)
        if keep_image:
            ink, aligned = page_ink_and_image(image, found.homography, rows, *size, image_px_per_mm)
        else:
            ink = page_ink_from_scan(image, found.homography, rows, *size)
        reads = read_fields(ink, template, found.page_number, ctx)
        del ink
    reason = "; ".join(part for part in (found.reason, note) if part)
    page = PageRead(
        index_in_file=index,
        source=source,
        status=found.status,
        reason=reason,
        form_type=found.form_type,
        version=found.version,
        page_number=found.page_number,
        serial=found.serial,
        rotation=found.rotation,
        homography=homography_tuple(found.homography) if found.homography is not None else (),
        align_error_mm=found.align_error_mm,
        seconds=round(time.perf_counter() - started, 4),
    )
    log.info("page %s#%d: %s (page %d)", source, index, found.status, found.page_number)
    return page, reads, aligned


def read_page(
    image: np.ndarray,
    ctx: ReadContext,
    index: int,
    source: str,
    dpi: float | None = None,
    note: str = "",
) -> tuple[PageRead, dict[str, FieldRead]]:
    """Identify, align and read one page image (RGB or grey): only its field rows are warped."""
    page, reads, _ = read_page_and_image(image, ctx, index, source, dpi, note, keep_image=False)
    return page, reads


def _failed(failure: PageFailure, source: str) -> PageRead:
    return PageRead(
        index_in_file=failure.index,
        source=source,
        status=PageStatus.UNREADABLE,
        reason=failure.reason,
    )


def iter_page_results(path: Path, ctx: ReadContext) -> Iterable[PageResult]:
    """Read the pages of one file, one at a time; a bad page becomes a result with a reason."""
    source = Path(path).name
    for item in iter_pages(Path(path), ctx.limits):
        if isinstance(item, PageFailure):
            yield PageResult(_failed(item, source), {})
            continue
        try:
            page, reads = read_page(item.image, ctx, item.index, source, item.dpi, item.note)
        except Exception:  # one bad page never stops a batch; the error is logged with ids only
            log.exception("page %s#%d could not be read", source, item.index)
            page = PageRead(
                index_in_file=item.index,
                source=source,
                status=PageStatus.UNREADABLE,
                reason="this page could not be read because of an internal error",
            )
            reads = {}
        del item
        yield PageResult(page, reads)


def read_files(paths: Iterable[Path], ctx: ReadContext) -> BatchRead:
    """Read many files as one batch: pages of one form may sit in different files."""
    results = [result for path in paths for result in iter_page_results(path, ctx)]
    forms, unassigned = group_forms(results, ctx.templates)
    return BatchRead(forms=tuple(forms), unassigned_pages=tuple(unassigned))


def read_file(path: Path, ctx: ReadContext) -> BatchRead:
    """Read one uploaded file (PDF, TIFF, PNG or JPEG)."""
    return read_files([path], ctx)
