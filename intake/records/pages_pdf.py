"""Page images gathered into one PDF for a subject-access export (ReportLab, in memory)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

_MARGIN = 12 * mm
_CAPTION = 8 * mm


@dataclass(frozen=True)
class PageImage:
    caption: str  # ids only: "form <id> page <n>"
    png: bytes


def render_pages(pages: Sequence[PageImage], title: str) -> bytes:
    """One A4 page per image, scaled to fit, with its caption above it."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=1)
    canvas.setTitle(title)
    width, height = A4
    for page in pages:
        with Image.open(io.BytesIO(page.png)) as image:
            pixels_w, pixels_h = image.size
            reader = ImageReader(image.convert("RGB"))
        box_w, box_h = width - 2 * _MARGIN, height - 2 * _MARGIN - _CAPTION
        scale = min(box_w / pixels_w, box_h / pixels_h)
        draw_w, draw_h = pixels_w * scale, pixels_h * scale
        canvas.setFont("Helvetica", 8)
        canvas.drawString(_MARGIN, height - _MARGIN - 4 * mm, page.caption)
        canvas.drawImage(reader, _MARGIN, height - _MARGIN - _CAPTION - draw_h, draw_w, draw_h)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()
