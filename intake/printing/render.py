"""Draw the blank form from its template with reportlab, and rasterise a page for others.

Every coordinate comes from the template (mm from the top left); ``units`` turns them into
reportlab's points from the bottom left. The sample generator and the reader's fallback take
page images from ``render_page_image``, so the printed form and the expected form are one.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

import numpy as np
from reportlab.lib.colors import HexColor, black, white
from reportlab.pdfgen.canvas import Canvas

from intake.config import School
from intake.errors import InputFileError
from intake.printing import qr
from intake.printing.layout import (
    FONT,
    LABEL_GAP_MM,
    LABEL_SIZE_PT,
    lay_out_text,
)
from intake.printing.units import mm_to_pt, pdf_y
from intake.printing.wording import printable
from intake.template.model import (
    CharField,
    FormTemplate,
    Page,
    Rect,
    SignatureField,
    TickField,
)

log = logging.getLogger(__name__)

#: outline width of character, tick and signature boxes
BOX_LINE_MM = 0.3
LABEL_COLOUR = HexColor("#333333")
TEXT_COLOUR = black


class FormCanvas:
    """Draws template pages onto a reportlab canvas, converting template mm as it goes."""

    def __init__(self, canvas: Canvas, template: FormTemplate, school: School) -> None:
        self.canvas = canvas
        self.template = template
        self.school = school
        self.box_colour = HexColor(template.box_colour)

    def _rect(self, rect: Rect, *, fill: bool, stroke: bool) -> None:
        self.canvas.rect(
            mm_to_pt(rect.x),
            pdf_y(rect.y + rect.h, self.template.page_h),
            mm_to_pt(rect.w),
            mm_to_pt(rect.h),
            stroke=int(stroke),
            fill=int(fill),
        )

    def draw_page(self, page: Page, serial: str = "") -> None:
        """Draw one page of the form at the canvas's origin (the page's bottom left)."""
        c = self.canvas
        c.saveState()
        self._draw_marks(page)
        self._draw_qr(page, serial)
        self._draw_texts(page)
        for field in page.fields:
            self._draw_field(field)
        c.restoreState()

    def _draw_marks(self, page: Page) -> None:
        self.canvas.setFillColor(black)
        for mark in page.marks:
            self._rect(Rect(x=mark.x, y=mark.y, w=mark.size, h=mark.size), fill=True, stroke=False)

    def _draw_qr(self, page: Page, serial: str) -> None:
        payload = qr.encode_payload(
            self.template.form_type, self.template.version, page.number, serial
        )
        modules = qr.qr_modules(payload, page.qr.error_correction)
        module_mm = page.qr.size / len(modules)
        c = self.canvas
        c.setFillColor(white)
        quiet = qr.QUIET_ZONE_MODULES * module_mm
        spec = page.qr
        self._rect(
            Rect(x=spec.x, y=spec.y, w=spec.size, h=spec.size).grown(quiet), fill=True, stroke=False
        )
        c.setFillColor(black)
        for row, cells in enumerate(modules):
            col = 0
            while col < len(cells):
                if not cells[col]:
                    col += 1
                    continue
                start = col
                while col < len(cells) and cells[col]:
                    col += 1
                # one rectangle per run of dark modules: no hairline seams between them
                self._rect(
                    Rect(
                        x=spec.x + start * module_mm,
                        y=spec.y + row * module_mm,
                        w=(col - start) * module_mm,
                        h=module_mm,
                    ),
                    fill=True,
                    stroke=False,
                )

    def _draw_texts(self, page: Page) -> None:
        c = self.canvas
        c.setFillColor(TEXT_COLOUR)
        for block in page.texts:
            layout = lay_out_text(block, self.school)
            c.setFont(layout.font, layout.size)
            for i, line in enumerate(layout.lines):
                y = pdf_y(layout.baseline_mm(i), self.template.page_h)
                if block.align == "centre":
                    c.drawCentredString(mm_to_pt(block.x + block.w / 2), y, line)
                elif block.align == "right":
                    c.drawRightString(mm_to_pt(block.x + block.w), y, line)
                else:
                    c.drawString(mm_to_pt(block.x), y, line)

    def _draw_field(self, field: CharField | TickField | SignatureField) -> None:
        c = self.canvas
        if field.print_label:
            c.setFillColor(LABEL_COLOUR)
            c.setFont(FONT, LABEL_SIZE_PT)
            c.drawString(
                mm_to_pt(field.rect.x),
                pdf_y(field.rect.y - LABEL_GAP_MM, self.template.page_h),
                printable(field.label),
            )
        c.setStrokeColor(self.box_colour)
        c.setLineWidth(mm_to_pt(BOX_LINE_MM))
        boxes = field.box_rects() if isinstance(field, CharField) else [field.rect]
        for box in boxes:
            self._rect(box, fill=False, stroke=True)


def _open_canvas(out: Path | BinaryIO, template: FormTemplate, school: School) -> Canvas:
    target = str(out) if isinstance(out, Path) else out
    canvas = Canvas(
        target,
        pagesize=(mm_to_pt(template.page_w), mm_to_pt(template.page_h)),
        pageCompression=1,
        invariant=1,
    )
    canvas.setTitle(f"{template.title} ({template.key})")
    canvas.setAuthor(school.name)
    canvas.setCreator("Parent Portal intake")
    return canvas


def render_form_pdf(
    template: FormTemplate,
    school: School,
    out: Path | BinaryIO,
    serials: Sequence[str] = ("",),
    pages: Sequence[int] | None = None,
) -> int:
    """Write one copy of the form per serial (``""``: not personalised); return the page count.

    ``pages`` limits the output to those page numbers (all pages by default).
    """
    if not serials:
        raise ValueError("render_form_pdf needs at least one serial ('' for a blank form)")
    chosen = [template.page(n) for n in pages] if pages else list(template.pages)
    canvas = _open_canvas(out, template, school)
    form_canvas = FormCanvas(canvas, template, school)
    count = 0
    for serial in serials:
        for page in chosen:
            form_canvas.draw_page(page, serial)
            canvas.showPage()
            count += 1
    try:
        canvas.save()
    except OSError as exc:
        raise InputFileError(f"cannot write the form PDF to {out}: {exc}") from exc
    log.info("rendered %s: %d page(s), %d copies", template.key, count, len(serials))
    return count


def render_page_pdf_bytes(
    template: FormTemplate, page_number: int, school: School, serial: str = ""
) -> bytes:
    """One page of the form as a one-page PDF in memory."""
    buffer = io.BytesIO()
    render_form_pdf(template, school, buffer, serials=(serial,), pages=(page_number,))
    return buffer.getvalue()


@lru_cache(maxsize=16)
def _page_image_cached(
    template: FormTemplate, page_number: int, school: School, dpi: int, serial: str, colour: bool
) -> np.ndarray:
    from intake.printing.raster import rasterise_pdf_page

    pdf = render_page_pdf_bytes(template, page_number, school, serial)
    image = rasterise_pdf_page(pdf, dpi=dpi, colour=colour)
    image.flags.writeable = False
    return image


def render_page_image(
    template: FormTemplate,
    page_number: int,
    school: School,
    dpi: int = 300,
    serial: str = "",
    colour: bool = False,
) -> np.ndarray:
    """A blank page as a uint8 raster: grayscale (H, W), or BGR (H, W, 3) with ``colour``.

    Rendered once per set of arguments; each call returns a fresh copy the caller may draw on.
    """
    if not 1 <= page_number <= len(template.pages):
        raise ValueError(f"{template.key} has no page {page_number}")
    return _page_image_cached(template, page_number, school, dpi, serial, colour).copy()
