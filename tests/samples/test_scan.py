"""The scan simulation: rotation recorded, modes, photos, blank backs, fast enough."""

from __future__ import annotations

import io
import time

import numpy as np
from PIL import Image

from intake.lab.samples.scan import ScanPlan, blank_back, photo_page, scan_page


def _page(h: int = 330, w: int = 234) -> np.ndarray:
    page = np.full((h, w, 3), 250, np.uint8)
    page[20:40, 20:60] = (20, 30, 140)  # some ink
    return page


def _decode(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


def test_rotation_is_recorded_and_applied() -> None:
    plan = ScanPlan("grey", 100, 80, False)
    seen = {}
    for seed in range(200):
        scanned = scan_page(_page(), plan, np.random.default_rng(seed))
        seen.setdefault(scanned.rotation, scanned)
        if len(seen) == 4:
            break
    assert set(seen) == {0, 90, 180, 270}
    for rotation, scanned in seen.items():
        width, height = _decode(scanned.data).size
        assert (width > height) == (rotation in (90, 270))
        assert (f"rotated={rotation}" in scanned.conditions) == bool(rotation)


def test_black_and_white_is_a_one_bit_png_and_grey_a_jpeg() -> None:
    rng = np.random.default_rng(1)
    bw = scan_page(_page(), ScanPlan("bw", 100, 80, False), rng)
    grey = scan_page(_page(), ScanPlan("grey", 100, 80, False), rng)
    colour = scan_page(_page(), ScanPlan("colour", 100, 80, False), rng)
    assert bw.extension == "png" and _decode(bw.data).mode == "1"
    assert grey.extension == "jpg" and _decode(grey.data).mode == "L"
    assert colour.extension == "jpg" and _decode(colour.data).mode == "RGB"


def test_photo_has_a_background_around_the_page() -> None:
    photo = photo_page(_page(), ScanPlan("colour", 100, 85, True), np.random.default_rng(3))
    image = np.asarray(_decode(photo.data).convert("L"))
    assert "photo" in photo.conditions
    assert image.shape[0] > 330 or image.shape[1] > 330
    corner = image[:10, :10].mean() if photo.rotation == 0 else image[-10:, -10:].mean()
    assert corner < 200, "the table shows around the page"


def test_blank_back_is_nearly_white() -> None:
    back = blank_back(_page(), ScanPlan("grey", 100, 80, False), np.random.default_rng(4))
    image = np.asarray(_decode(back.data).convert("L"), dtype=np.float32)
    assert "blank_back" in back.conditions
    assert np.median(image) > 200


def test_a_full_page_scans_in_well_under_a_second() -> None:
    page = np.full((2339, 1654, 3), 245, np.uint8)  # A4 at 200 dpi
    rng = np.random.default_rng(5)
    scan_page(page, ScanPlan("colour", 200, 80, False), rng)  # warm the grain field
    started = time.perf_counter()
    scan_page(page, ScanPlan("colour", 200, 80, False), rng)
    assert time.perf_counter() - started < 2.0  # generous: the CI machine is shared
