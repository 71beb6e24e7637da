"""Page images and field crops for the browser: re-encoded PNG only, never cached, nosniff.

Decoding an aligned page takes far longer than cutting a crop from it, and the review screen
asks for some thirty crops of the same two pages, so the app keeps the last few decoded pages
in memory (``PageCache``); stored pages never change, so a cached one is never stale.
"""

from __future__ import annotations

import io
import threading
from collections import OrderedDict
from collections.abc import Callable

from flask import Response
from PIL import Image

#: margin around a field's box in a crop, millimetres
CROP_MARGIN_MM = 1.5
#: decoded pages kept in memory per web process
CACHED_PAGES = 24


class PageCache:
    """The most recently used decoded pages, by storage key (thread-safe)."""

    def __init__(self, size: int = CACHED_PAGES) -> None:
        self.size = size
        self._pages: OrderedDict[str, Image.Image] = OrderedDict()
        self._lock = threading.Lock()
        self._loading: dict[str, threading.Lock] = {}

    def get(self, key: str, load: Callable[[str], bytes]) -> Image.Image:
        with self._lock:
            if key in self._pages:
                self._pages.move_to_end(key)
                return self._pages[key]
            # one decode per page even when thirty crops of it are asked for at once
            loading = self._loading.setdefault(key, threading.Lock())
        with loading:
            with self._lock:
                if key in self._pages:
                    return self._pages[key]
            with Image.open(io.BytesIO(load(key))) as picture:
                page = picture.convert("RGB")
            with self._lock:
                self._pages[key] = page
                self._loading.pop(key, None)
                while len(self._pages) > self.size:
                    self._pages.popitem(last=False)
        return page


def send_png(data: bytes) -> Response:
    """A stored PNG as a private, uncacheable response."""
    response = Response(data, mimetype="image/png")
    response.headers["Cache-Control"] = "no-store, private"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = 'inline; filename="page.png"'
    return response


def crop_png(
    page: Image.Image, box_mm: tuple[float, float, float, float], page_w_mm: float
) -> bytes:
    """Cut a field's box (template mm) out of an aligned page, with a small margin."""
    scale = page.width / page_w_mm
    x, y, w, h = box_mm
    left = max(0, round((x - CROP_MARGIN_MM) * scale))
    top = max(0, round((y - CROP_MARGIN_MM) * scale))
    right = min(page.width, round((x + w + CROP_MARGIN_MM) * scale))
    bottom = min(page.height, round((y + h + CROP_MARGIN_MM) * scale))
    if right <= left or bottom <= top:
        raise ValueError("the field's box lies outside the page")
    buffer = io.BytesIO()
    page.crop((left, top, right, bottom)).save(buffer, format="PNG")
    return buffer.getvalue()
