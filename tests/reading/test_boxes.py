"""Box cutting on tiny aligned strips: outline removal, ink, empty boxes, strikes, full stops.

Each strip is drawn with OpenCV at the aligned resolution (``ALIGNED_PX_PER_MM``): a row of
4 x 5 mm boxes 2 mm apart, outlined 0.3 mm wide in the template's light red, as on the form.
"""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
import pytest
from reading_pages import draw_char

from intake.config import Thresholds
from intake.engines.base import ALIGNED_PX_PER_MM, GLYPH_MARGIN_MM
from intake.reading.align import aligned_page
from intake.reading.boxes import (
    OUTLINE_BAND_MM,
    PRINT_GREY,
    RED_PRINT,
    BoxCut,
    crossed_out,
    cut_box,
    cut_boxes,
    has_full_stop,
    outline_mask,
    page_ink,
    page_ink_and_image,
    page_ink_from_scan,
    refine_offset,
)
from intake.template.model import Rect

PX = ALIGNED_PX_PER_MM
#: ``reading_pages.draw_char`` takes dots per inch
DPI = round(PX * 25.4)
OUTLINE = (227, 154, 154)  # the template's box colour, RGB
INK = (30, 40, 120)  # dark blue, RGB
OUTLINE_PX = 4  # 0.3 mm at 12 px/mm, rounded up as a scanner blurs it
MARGIN_MM = 4.0
RATIO = Thresholds().box_ink_ratio


def px(mm: float) -> int:
    return round(mm * PX)


def box_row(count: int = 5) -> tuple[np.ndarray, list[Rect]]:
    """An aligned RGB strip with ``count`` empty boxes, and their rectangles (mm on the strip)."""
    rects = [Rect(x=MARGIN_MM + 6 * i, y=MARGIN_MM, w=4, h=5) for i in range(count)]
    width, height = px(2 * MARGIN_MM + 6 * count - 2), px(2 * MARGIN_MM + 5)
    image = np.full((height, width, 3), 255, np.uint8)
    for r in rects:
        cv2.rectangle(
            image, (px(r.x), px(r.y)), (px(r.x + r.w), px(r.y + r.h)), OUTLINE, OUTLINE_PX
        )
    return image, rects


def written_row(text: str) -> tuple[np.ndarray, list[Rect]]:
    """``box_row`` with ``text`` written one capital a box."""
    image, rects = box_row()
    for rect, char in zip(rects, text, strict=False):
        draw_char(image, rect, char, dpi=DPI)
    return image, rects


def black_and_white(page: np.ndarray, threshold: int, seed: int = 3) -> np.ndarray:
    """A copier's black-and-white scan of an RGB page: noise, then one global threshold."""
    grey = cv2.cvtColor(page, cv2.COLOR_RGB2GRAY).astype(np.float32)
    noisy = grey + np.random.default_rng(seed).normal(0.0, 12.0, grey.shape)
    return np.where(noisy > threshold, 255, 0).astype(np.uint8)


def _stem(rect: Rect) -> tuple[tuple[int, int], tuple[int, int]]:
    """Corners of a 5 px wide, 37 px tall bar in the middle of ``rect``, well inside it."""
    x, y = px(rect.x + 2) - 2, px(rect.y + 1)
    return (x, y), (x + 4, y + 36)


def test_a_box_with_a_stroke_is_written_and_its_outline_removed() -> None:
    image, rects = box_row(2)
    top_left, bottom_right = _stem(rects[0])
    cv2.rectangle(image, top_left, bottom_right, INK, cv2.FILLED)
    first, second = cut_boxes(page_ink(image), rects, (0, 0), RATIO)
    inset = round(OUTLINE_BAND_MM * PX)
    inside = (px(4) - 2 * inset) * (px(5) - 2 * inset)
    assert first.ink_ratio == pytest.approx(5 * 37 / inside)
    assert first.written and not first.crossed_out
    assert first.empty_confidence == pytest.approx(0.9999)
    margin = px(GLYPH_MARGIN_MM)
    assert first.rect_px == (px(MARGIN_MM) - margin, px(MARGIN_MM) - margin, 72, 84)
    # the glyph holds the bar and nothing of the outline, at the bar's place in the crop
    dark = first.glyph < 128
    assert int(dark.sum()) == 5 * 37
    gx, gy = first.rect_px[:2]
    assert dark[top_left[1] - gy : bottom_right[1] - gy + 1, top_left[0] - gx].all()
    assert (second.written, second.ink_ratio, int((second.glyph < 250).sum())) == (False, 0.0, 0)


def test_an_empty_box_with_outline_remnants_and_specks_stays_empty() -> None:
    # the outline printed 2 px off its place and a little darker along one side, and three
    # specks of scanner dust inside: nothing of it is ink
    image, rects = box_row(1)
    image[:] = 255
    r = rects[0]
    cv2.rectangle(
        image, (px(r.x) + 2, px(r.y) + 2), (px(r.x + r.w) + 2, px(r.y + r.h) + 2), OUTLINE, 4
    )
    cv2.line(
        image, (px(r.x) + 2, px(r.y) + 2), (px(r.x) + 2, px(r.y + r.h) + 2), (200, 120, 120), 3
    )
    for x, y in [
        (px(r.x + 1), px(r.y + 1)),
        (px(r.x + 2), px(r.y + 3)),
        (px(r.x + 3), px(r.y + 4)),
    ]:
        image[y : y + 2, x : x + 2] = (40, 40, 40)
    for scan in (image, cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)):
        cut = cut_box(page_ink(scan), r, (0, 0), RATIO)
        assert (cut.written, cut.ink_ratio) == (False, 0.0)
        assert cut.empty_confidence == pytest.approx(0.9999)
        assert cut.glyph.min() > 200  # clean paper


def test_outline_removed_and_empty_boxes_found() -> None:
    image, rects = written_row("7 B")
    ink = page_ink(image)
    assert ink.red is not None
    cuts = [cut_box(ink, r, (0, 0), RATIO) for r in rects]
    assert [c.written for c in cuts] == [True, False, True, False, False]
    assert cuts[3].glyph.min() > 200  # the outline is gone: an empty box is clean paper
    assert cuts[0].glyph.min() < 120  # the ink stays


def test_outline_removed_in_grey_scans() -> None:
    image, rects = written_row("9")
    ink = page_ink(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY))
    assert (ink.red, ink.bilevel) == (None, False)
    cuts = [cut_box(ink, r, (0, 0), RATIO) for r in rects]
    assert [c.written for c in cuts] == [True, False, False, False, False]
    assert cuts[1].glyph.min() > 200


def test_dotted_outline_of_black_and_white_scans_removed() -> None:
    # the light outline lies near the threshold: the scan prints it as dots and dashes
    image, rects = written_row("7 B")
    ink = page_ink(black_and_white(image, threshold=178))
    assert ink.bilevel and ink.red is None
    cuts = [cut_box(ink, r, (0, 0), RATIO) for r in rects]
    assert [c.written for c in cuts] == [True, False, True, False, False]
    assert cuts[3].glyph.min() > 200  # not a dot of the outline left in an empty box


def _l_in_first_box(
    inset_mm: float, width: int, foot_mm: float, threshold: int
) -> tuple[BoxCut, float]:
    """An L written in the first box, its stem ``inset_mm`` inside the box's left side, scanned
    black and white: the box as the reader cuts it (with its row) and the share of the stem's
    rows that kept ink."""
    image, rects = box_row()
    rect = rects[0]
    left, top, bottom = (px(v) for v in (rect.x + inset_mm, rect.y + 1, rect.y + rect.h - 1))
    cv2.line(image, (left, top), (left, bottom), INK, width)
    cv2.line(image, (left, bottom), (left + px(foot_mm), bottom), INK, width)
    ink = page_ink(black_and_white(image, threshold=threshold))
    cut = cut_boxes(ink, rects, (0, 0), RATIO)[0]
    margin = px(GLYPH_MARGIN_MM)
    stem = cut.glyph[margin + px(1) : -margin - px(2), : 2 * margin]
    return cut, float((stem < 128).any(axis=1).mean())


def test_strokes_on_a_dropped_outline_stay_ink() -> None:
    # a darker threshold drops the outline; a stroke written along a box's side is the letter's
    cut, stem_kept = _l_in_first_box(0.0, width=4, foot_mm=4, threshold=140)
    assert cut.written and stem_kept > 0.9  # the stem is kept whole


def test_stroke_beside_a_black_outline_stays_ink() -> None:
    # the threshold prints the light outline black; a stem written just inside the box's side
    # runs along it, but beside it, and is the letter's
    _, stem_kept = _l_in_first_box(0.4, width=3, foot_mm=3, threshold=215)
    assert stem_kept > 0.9


def test_broken_strokes_of_black_and_white_scans_bridged() -> None:
    # a light pen: the threshold leaves only dots of each stroke
    image, rects = box_row()
    rect = rects[0]
    strokes = np.zeros(image.shape[:2], np.uint8)
    x0, y0 = px(rect.x + 1.5), px(rect.y + 1.5)
    x1, y1 = x0 + px(3), y0 + px(5)
    cv2.line(strokes, (x0, y1), (x1, y0), 1, 2)
    cv2.line(strokes, (x0, y0), (x0, y1), 1, 2)
    dots = np.random.default_rng(5).random(image.shape[:2]) < 0.35
    image[(strokes > 0) & dots] = (20, 20, 20)
    ink = page_ink(black_and_white(image, threshold=140))
    assert ink.bilevel
    unbridged = replace(ink, bilevel=False)
    bridged = cut_box(ink, rect, (0, 0), RATIO)
    assert bridged.written
    assert bridged.ink_ratio > cut_box(unbridged, rect, (0, 0), RATIO).ink_ratio


def test_specks_of_a_light_pen_in_black_and_white_scans_kept() -> None:
    # a lighter pen still: the threshold leaves specks further apart than bridging reaches;
    # they are the letter, not dust, while one stray speck leaves an empty box empty
    image, rects = box_row()
    x0, y0 = px(rects[0].x + 1), px(rects[0].y + 1)
    specks = [(x0, y0 + k * 7) for k in range(6)] + [(x0 + k * 5, y0 + k * 7) for k in range(1, 5)]
    for x, y in specks:
        image[y : y + 2, x : x + 2] = 0
    x, y = px(rects[2].x + 3), px(rects[2].y + rects[2].h - 1.5)
    image[y : y + 3, x : x + 3] = 0
    ink = page_ink(black_and_white(image, threshold=140))
    assert ink.bilevel
    cuts = cut_boxes(ink, rects, (0, 0), RATIO)
    assert [c.written for c in cuts] == [True, False, False, False, False]
    assert (cuts[0].glyph < 128).sum() >= 0.9 * 4 * len(specks)


def test_dotted_outline_found_off_its_place_in_black_and_white_scans() -> None:
    # the scan's threshold leaves a light outline as sparse dots, and alignment is 0.6 mm off:
    # the dots are joined before the outline is looked for, so the boxes follow it
    image, rects = box_row()
    ink = page_ink(black_and_white(np.roll(image, (-3, -7), axis=(0, 1)), threshold=172))
    assert ink.bilevel
    dx, dy = refine_offset(ink, rects)
    assert abs(dx + 7) <= 1 and abs(dy + 3) <= 1


@pytest.mark.parametrize("grey", [False, True])
def test_outline_found_where_alignment_left_it(grey: bool) -> None:
    image, rects = box_row()
    shifted = np.roll(image, (-4, 5), axis=(0, 1))
    ink = page_ink(cv2.cvtColor(shifted, cv2.COLOR_RGB2GRAY) if grey else shifted)
    assert refine_offset(ink, rects) == (5, -4)
    assert refine_offset(page_ink(image), rects) == (0, 0)


def test_no_outline_to_find_trusts_the_alignment() -> None:
    image, rects = box_row()
    image[:] = 255
    assert refine_offset(page_ink(image), rects) == (0, 0)
    # a box at the strip's edge leaves no room to search: no shift either
    assert refine_offset(page_ink(image), [Rect(x=0.5, y=0.5, w=4, h=5)]) == (0, 0)


def test_outline_mask_covers_the_band_and_nothing_inside() -> None:
    rect = Rect(x=2, y=2, w=4, h=5)
    mask = outline_mask([rect], (0, 0), (px(8), px(9)))
    row = np.flatnonzero(mask[px(4.5)])  # across the box's middle
    left, right = row[row < px(4)], row[row > px(4)]
    half = round(OUTLINE_BAND_MM * PX)  # 5 px each side of the line, as OpenCV rounds it
    for band, line in ((left, px(2)), (right, px(6))):
        assert np.array_equal(band, np.arange(band[0], band[-1] + 1))  # one solid band
        assert band.mean() == line  # centred on the line
        assert 2 * half + 1 <= band.size <= 2 * half + 3
    # the origin shifts the window: the same band one millimetre to the left
    moved = outline_mask([rect], (px(1), 0), (px(8), px(9)))
    assert np.array_equal(moved[:, : px(7)], mask[:, px(1) :])


def test_page_ink_tells_colour_grey_and_black_and_white_scans() -> None:
    image, _ = written_row("A")
    colour = page_ink(image)
    assert colour.red is not None and not colour.bilevel
    assert np.array_equal(colour.grey, image[..., 0])  # red dropout: the red channel
    assert colour.red[px(MARGIN_MM), px(MARGIN_MM) + 20]  # on the outline
    assert not colour.red[px(MARGIN_MM) + 20, px(MARGIN_MM) + 30]  # inside the first box
    grey = page_ink(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY))
    assert (grey.red, grey.bilevel, grey.paper) == (None, False, 255.0)
    # an RGB scan whose print lost its colour is read as grey, by luminance
    faded = cv2.cvtColor(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2RGB)
    assert page_ink(faded).red is None
    assert page_ink(black_and_white(image, threshold=178)).bilevel


def test_page_ink_from_scan_matches_the_aligned_page_in_its_rows() -> None:
    # a scan at 6 px/mm of a 40 x 20 mm page; the rows 5-15 mm are warped to the aligned scale
    image, _ = written_row("AB")
    strip = image[: px(20), : px(40)]
    scan = cv2.resize(strip, (240, 120), interpolation=cv2.INTER_AREA)
    homography = np.diag([6.0, 6.0, 1.0])
    band = page_ink_from_scan(scan, homography, (5.0, 15.0), 40.0, 20.0)
    whole = page_ink(aligned_page(scan, homography, 40.0, 20.0), scan)
    assert band.grey.shape == whole.grey.shape == (px(20), px(40))
    assert band.red is not None and whole.red is not None
    rows = slice(px(5), px(15))
    assert int(np.abs(band.grey[rows].astype(int) - whole.grey[rows]).max()) <= 1
    same, either = band.red[rows] & whole.red[rows], band.red[rows] | whole.red[rows]
    assert same.sum() > 0.8 * either.sum()  # the red print's edges differ by resolution
    assert (band.grey[: px(5)] == 255).all() and not band.red[px(15) :].any()


@pytest.mark.parametrize("scan_kind", ["red print", "grey print on colour", "grey scan"])
def test_page_ink_and_image_reads_the_ink_page_ink_from_scan_reads(scan_kind: str) -> None:
    # the batch warps the scan's colour and its ink separately; the ink must be the very ink
    # ``intake read`` finds, and the picture the scan aligned, in its rows and around them
    image, _ = written_row("AB")
    scan = cv2.resize(image[: px(20), : px(40)], (240, 120), interpolation=cv2.INTER_AREA)
    if scan_kind != "red print":
        scan = cv2.cvtColor(cv2.cvtColor(scan, cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2RGB)
    if scan_kind == "grey scan":
        scan = np.ascontiguousarray(scan[..., 0])
    homography = np.array([[6.0, 0.05, 1.5], [-0.04, 6.0, 2.0], [0.0, 0.0, 1.0]])
    ink, picture = page_ink_and_image(scan, homography, (5.0, 15.0), 40.0, 20.0, 8.0)
    alone = page_ink_from_scan(scan, homography, (5.0, 15.0), 40.0, 20.0)
    assert np.array_equal(ink.grey, alone.grey)
    assert (ink.red is None) == (alone.red is None) == (scan_kind != "red print")
    assert ink.red is None or alone.red is None or np.array_equal(ink.red, alone.red)
    assert (ink.paper, ink.bilevel) == (alone.paper, alone.bilevel)
    whole = aligned_page(scan, homography, 40.0, 20.0, px_per_mm=8.0)
    # the picture is grey: the red channel with the red print painted light, or the luminance
    if scan_kind == "red print":
        print_mask = whole[..., 0].astype(int) - whole[..., 1] > RED_PRINT
        expected = np.where(print_mask, PRINT_GREY, whole[..., 0])
        assert (picture == PRINT_GREY).sum() > 0.5 * print_mask.sum()
    elif scan.ndim == 3:
        expected = cv2.cvtColor(whole, cv2.COLOR_RGB2GRAY)
    else:
        expected = whole
    assert picture.shape == expected.shape == (160, 320)
    assert int(picture.min()) < 100  # the writing stays dark
    # the field rows are scaled down from the warp at 12 px/mm, not warped at 8: edges differ
    assert float(np.abs(picture.astype(int) - expected).mean()) < 2


def test_crossed_out_box() -> None:
    box = np.zeros((60, 48), bool)
    cv2.line(box.view(np.uint8), (0, 59), (47, 0), 1, 4)
    cv2.line(box.view(np.uint8), (0, 0), (47, 59), 1, 4)
    cv2.putText(box.view(np.uint8), "A", (10, 45), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 1, 4)
    assert crossed_out(box)
    letter = np.zeros((60, 48), np.uint8)
    cv2.putText(letter, "R", (8, 50), cv2.FONT_HERSHEY_SIMPLEX, 1.5, 1, 6)
    assert not crossed_out(letter.astype(bool))
    scribble = np.zeros((60, 48), np.uint8)
    xs = np.linspace(2, 46, 40)
    ys = 30 + 20 * np.sin(np.linspace(0, 6 * np.pi, 40))
    cv2.polylines(scribble, [np.stack([xs, ys], 1).astype(np.int32)], False, 1, 3)
    assert crossed_out(scribble.astype(bool))
    one_stroke = np.zeros((60, 48), np.uint8)
    cv2.line(one_stroke, (0, 59), (47, 0), 1, 6)  # a single diagonal may be a bold letter's
    assert not crossed_out(one_stroke.astype(bool))


def test_a_struck_box_is_cut_as_crossed_out() -> None:
    image, rects = box_row(1)
    r = rects[0]
    cv2.line(image, (px(r.x), px(r.y)), (px(r.x + r.w), px(r.y + r.h)), INK, 4)
    cv2.line(image, (px(r.x), px(r.y + r.h)), (px(r.x + r.w), px(r.y)), INK, 4)
    cut = cut_box(page_ink(image), r, (0, 0), RATIO)
    assert cut.written and cut.crossed_out


@pytest.mark.parametrize(
    ("centre", "radius", "expected"),
    [
        ((24, 48), 4, True),  # low in the box, 0.7 mm across: a full stop
        ((24, 12), 4, False),  # high in the box: not where a full stop sits
        ((24, 48), 1, False),  # 0.25 mm across and under dust size: a speck
        ((24, 40), 9, False),  # 1.5 mm across: a blob, not a full stop
    ],
)
def test_full_stop_is_a_small_blob_low_in_the_box(
    centre: tuple[int, int], radius: int, expected: bool
) -> None:
    box = np.zeros((60, 48), np.uint8)
    cv2.circle(box, centre, radius, 1, cv2.FILLED)
    assert has_full_stop(box.astype(bool)) is expected


def test_full_stop_makes_a_box_written_with_the_least_confidence() -> None:
    # a full stop low in the box, on the band the ink share leaves out
    image, rects = box_row(1)
    r = rects[0]
    cv2.circle(image, (px(r.x + 2), px(r.y + r.h) - 3), 2, INK, cv2.FILLED)
    cut = cut_box(page_ink(image), r, (0, 0), RATIO)
    assert cut.written
    assert cut.ink_ratio == RATIO
    assert 0.5 < cut.empty_confidence < 0.52
    # the same dot high in the box is not a full stop, and outside the counted inside either
    image, _ = box_row(1)
    cv2.circle(image, (px(r.x + 2), px(r.y) + 3), 2, INK, cv2.FILLED)
    assert not cut_box(page_ink(image), r, (0, 0), RATIO).written
