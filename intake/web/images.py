"""Page images and field crops for the browser: re-encoded PNG only, never cached, nosniff."""

from __future__ import annotations

import io

from flask import Response
from PIL import Image

#: margin around a field's box in a crop, millimetres
CROP_MARGIN_MM = 1.5


def send_png(data: bytes) -> Response:
    """A stored PNG as a private, uncacheable response."""
    response = Response(data, mimetype="image/png")
    response.headers["Cache-Control"] = "no-store, private"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = 'inline; filename="page.png"'
    return response


def crop_png(page_png: bytes, box_mm: tuple[float, float, float, float], page_w_mm: float) -> bytes:
    """Cut a field's box (template mm) out of an aligned page PNG, with a small margin."""
    with Image.open(io.BytesIO(page_png)) as page:
        page.load()
        scale = page.width / page_w_mm
        x, y, w, h = box_mm
        left = max(0, round((x - CROP_MARGIN_MM) * scale))
        top = max(0, round((y - CROP_MARGIN_MM) * scale))
        right = min(page.width, round((x + w + CROP_MARGIN_MM) * scale))
        bottom = min(page.height, round((y + h + CROP_MARGIN_MM) * scale))
        if right <= left or bottom <= top:
            raise ValueError("the field's box lies outside the page")
        crop = page.crop((left, top, right, bottom))
        buffer = io.BytesIO()
        crop.save(buffer, format="PNG")
        return buffer.getvalue()
