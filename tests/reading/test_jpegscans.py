"""The JPEG scan count read from the markers, and the refusal of a JPEG made of too many."""

from __future__ import annotations

import io
import time

import pytest
from PIL import Image
from security.hostile_files import many_scan_jpeg

from intake.reading.jpegscans import scan_count, too_many_scans


def _jpeg(progressive: bool, size: tuple[int, int] = (300, 200)) -> bytes:
    buffer = io.BytesIO()
    image = Image.radial_gradient("L").resize(size).convert("RGB")
    image.save(buffer, "JPEG", progressive=progressive, quality=85)
    return buffer.getvalue()


def test_a_baseline_jpeg_has_one_scan_and_a_progressive_one_about_ten() -> None:
    assert scan_count(_jpeg(False)) == 1
    assert 2 <= scan_count(_jpeg(True)) <= 20


def test_markers_inside_the_entropy_data_are_not_counted() -> None:
    # a noisy image stuffs many FF 00 bytes and, with restart markers, FF D0-D7 in the data
    buffer = io.BytesIO()
    Image.effect_noise((400, 400), 80).convert("RGB").save(
        buffer, "JPEG", quality=95, restart_marker_blocks=1
    )
    data = buffer.getvalue()
    assert b"\xff\x00" in data and b"\xff\xd0" in data
    assert scan_count(data) == 1


def test_not_a_jpeg_counts_nothing_and_a_cut_one_counts_what_it_holds() -> None:
    assert scan_count(b"\x89PNG\r\n\x1a\n") == 0
    data = _jpeg(True)
    assert 1 <= scan_count(data[: len(data) // 2]) < scan_count(data)


def test_a_jpeg_of_thousands_of_scans_is_refused_at_once() -> None:
    bomb = many_scan_jpeg(5000, (64, 64))
    assert scan_count(bomb) == 5000
    started = time.monotonic()
    reason = too_many_scans(bomb, 100)
    assert time.monotonic() - started < 0.5
    assert "more than 100 scans" in reason
    assert too_many_scans(_jpeg(True), 100) == ""


@pytest.mark.parametrize("limit", [20, 50])
def test_the_limit_is_the_most_scans_allowed(limit: int) -> None:
    assert too_many_scans(many_scan_jpeg(limit, (64, 64)), limit) == ""
    assert too_many_scans(many_scan_jpeg(limit + 1, (64, 64)), limit)
