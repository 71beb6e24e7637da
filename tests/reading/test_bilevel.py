"""Black-and-white scans: telling them, finding their dotted outline, bridging broken strokes."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from intake.reading.bilevel import (
    BILEVEL_MID_SHARE,
    PAGE_MID_SHARE,
    bridged,
    dark_outline,
    outline_printed,
    scan_is_bilevel,
    window_is_bilevel,
)


def _with_mid_greys(share: float, size: int = 300) -> np.ndarray:
    """Black text on white with ``share`` of the pixels a mid grey (128)."""
    image = np.full((size, size), 255, np.uint8)
    image[: size // 4] = 0
    flat = image.reshape(-1)
    count = round(share * flat.size)
    flat[flat.size - count :] = 128
    return image


def test_a_scan_with_next_to_no_mid_greys_is_black_and_white() -> None:
    # the page is sampled every third pixel: whole rows of grey keep the share exact
    assert scan_is_bilevel(_with_mid_greys(0.0))
    assert scan_is_bilevel(_with_mid_greys(PAGE_MID_SHARE / 2))
    assert not scan_is_bilevel(_with_mid_greys(PAGE_MID_SHARE * 3))
    assert not scan_is_bilevel(np.zeros((0, 0), np.uint8))


def test_a_window_with_few_mid_greys_is_black_and_white() -> None:
    assert window_is_bilevel(_with_mid_greys(BILEVEL_MID_SHARE * 0.8, 100))
    assert not window_is_bilevel(_with_mid_greys(BILEVEL_MID_SHARE * 1.2, 100))
    # greys just outside the mid range (80..200) are black or white
    assert window_is_bilevel(np.array([[70, 210], [0, 255]], np.uint8))


def _box_centre(shape: tuple[int, int] = (80, 80)) -> np.ndarray:
    """A box's outline centre line, one pixel wide, 10 px in from the window's edges."""
    centre = np.zeros(shape, np.uint8)
    cv2.rectangle(centre, (10, 10), (shape[1] - 11, shape[0] - 11), 1, 1)
    return centre


def test_outline_printed_when_enough_of_its_centre_is_dark() -> None:
    centre = _box_centre()
    dark = np.zeros(centre.shape, bool)
    assert not outline_printed(dark, centre)  # the scan dropped the outline
    dark[10, 10:40] = True  # 30 of 236 centre pixels (and their neighbours): 13%
    assert outline_printed(dark, centre)
    dark[10, 20:40] = False
    assert not outline_printed(dark, centre)  # 10 pixels and two neighbours: 5%
    assert outline_printed(dark, None)  # without a centre, assume the print is there


def test_dashed_outline_found_and_a_crossing_stroke_left() -> None:
    on_band = np.zeros((80, 80), bool)
    for x in range(10, 70, 10):  # the top side dashed: 6 px dashes, 4 px gaps
        on_band[9:12, x : x + 6] = True
    on_band[5:16, 40:43] = True  # a stroke crossing the band, as ink does
    lines = dark_outline(on_band, _box_centre())
    assert lines[9:12, 11:66].all()  # dashes and gaps alike
    assert not lines[5:8, 40:43].any() and not lines[13:16, 40:43].any()
    assert not dark_outline(np.zeros((80, 80), bool)).any()


def test_a_stroke_beside_the_outline_is_not_it() -> None:
    on_band = np.zeros((80, 80), bool)
    on_band[14:17, 20:60] = True  # a straight stroke 5 px inside the top side
    assert dark_outline(on_band).any()  # without the centre it looks like the line
    assert not dark_outline(on_band, _box_centre()).any()


@pytest.mark.parametrize("gap", [2, 4])
def test_dotted_strokes_bridged_and_dotted_outline_dropped(gap: int) -> None:
    dark = np.zeros((80, 80), bool)
    on_line = np.zeros((80, 80), bool)
    on_line[8:13, :] = True  # the outline band along the top
    for y in range(25, 65, gap + 2):  # a stem broken into 2 px dots
        dark[y : y + 2, 40:42] = True
    for x in range(5, 75, gap + 2):  # the outline, dotted along its band
        dark[10:12, x : x + 2] = True
    out = bridged(dark, on_line)
    count, _ = cv2.connectedComponents(out.astype(np.uint8))
    assert count == 2  # the stem, joined; the outline's dots gone
    assert out[25:63, 40:42].all()
    assert not out[8:13].any()
