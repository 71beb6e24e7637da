"""Registration marks: finding solid squares, marks cut by the scan's edge, fitting the layout."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from intake.reading.align import project, rotation_of, scale_of
from intake.reading.marks import (
    align_by_marks,
    find_mark_candidates,
    pair_hypotheses,
    qr_corners_mm,
    refit_marks,
)
from intake.template.model import FormTemplate

#: the tiny scans here are 4 px/mm (the finder works at 3 px/mm and scales them down)
PX_PER_MM = 4.0
MARK_MM = 6.0


def px(mm: float) -> int:
    return round(mm * PX_PER_MM)


def _square(grey: np.ndarray, x_mm: float, y_mm: float, size_mm: float = MARK_MM) -> None:
    """A solid black square, top left at (x, y) mm."""
    cv2.rectangle(
        grey, (px(x_mm), px(y_mm)), (px(x_mm + size_mm) - 1, px(y_mm + size_mm) - 1), 0, -1
    )


def test_solid_squares_are_marks_and_other_shapes_are_not() -> None:
    grey = np.full((px(100), px(100)), 250, np.uint8)
    _square(grey, 10, 10)
    _square(grey, 70, 55)
    cv2.rectangle(grey, (px(40), px(10)), (px(46), px(16)), 0, 3)  # an outlined box
    triangle = np.array([(px(80), px(16)), (px(86), px(16)), (px(83), px(10))], np.int32)
    cv2.fillPoly(grey, [triangle], 0)  # an arrow head the size of a mark
    _square(grey, 10, 40, 2.0)  # a speck
    _square(grey, 40, 40, 14.0)  # a photo or a blot
    cv2.rectangle(grey, (px(10), px(80)), (px(40), px(86)), 0, -1)  # a bar
    cv2.putText(grey, "FORM", (px(50), px(90)), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 0, 4)
    found = sorted(find_mark_candidates(grey, PX_PER_MM, MARK_MM))
    assert len(found) == 2
    assert found == [
        pytest.approx((px(13), px(13)), abs=1.5),
        pytest.approx((px(73), px(58)), abs=1.5),
    ]


def test_a_grey_mark_on_grey_paper_is_found() -> None:
    # a dim photo: paper at 150, the mark at 60
    grey = np.full((px(40), px(40)), 150, np.uint8)
    cv2.rectangle(grey, (px(17), px(17)), (px(23) - 1, px(23) - 1), 60, -1)
    assert find_mark_candidates(grey, PX_PER_MM, MARK_MM) == [
        pytest.approx((px(20), px(20)), abs=1.5)
    ]
    faint = np.full((px(40), px(40)), 250, np.uint8)
    cv2.rectangle(
        faint, (px(17), px(17)), (px(23) - 1, px(23) - 1), 180, -1
    )  # print showing through
    assert find_mark_candidates(faint, PX_PER_MM, MARK_MM) == []


@pytest.mark.parametrize("edge", ["left", "right", "top", "bottom"])
def test_a_mark_cut_by_the_scan_edge_is_found_where_its_centre_lies(edge: str) -> None:
    # a mark centred at (20, 20) mm, half of it beyond the edge of the scan
    grey = np.full((px(40), px(40)), 250, np.uint8)
    _square(grey, 17, 17)
    cut = {
        "left": (slice(None), slice(px(20), None)),
        "right": (slice(None), slice(None, px(20))),
        "top": (slice(px(20), None), slice(None)),
        "bottom": (slice(None, px(20)), slice(None)),
    }[edge]
    scan = np.ascontiguousarray(grey[cut])
    origin = (cut[1].start or 0, cut[0].start or 0)
    assert find_mark_candidates(scan, PX_PER_MM, MARK_MM) == []
    (found,) = find_mark_candidates(scan, PX_PER_MM, MARK_MM, cut_by_edge=True)
    assert found == pytest.approx((px(20) - origin[0], px(20) - origin[1]), abs=1.5)


def test_a_sliver_of_a_mark_at_the_edge_is_not_one() -> None:
    grey = np.full((px(40), px(40)), 250, np.uint8)
    _square(grey, 17, 17)
    scan = np.ascontiguousarray(grey[:, px(22) :])  # only 1 mm of it left
    assert find_mark_candidates(scan, PX_PER_MM, MARK_MM, cut_by_edge=True) == []


def _marks_only(template: FormTemplate, rotation: int) -> np.ndarray:
    """Page 1's marks alone on A4 at 4 px/mm, turned ``rotation`` degrees clockwise."""
    grey = np.full((px(297), px(210)), 250, np.uint8)
    for mark in template.page(1).marks:
        _square(grey, mark.x, mark.y, mark.size)
    return np.ascontiguousarray(np.rot90(grey, k=-(rotation // 90)))


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_mark_layout_tells_which_way_up_the_page_lies(
    template: FormTemplate, rotation: int
) -> None:
    grey = _marks_only(template, rotation)
    found = align_by_marks(grey, {template.key: template}, PX_PER_MM)
    assert found is not None
    _, page, fit = found
    assert page.marks == template.page(1).marks
    assert rotation_of(fit.homography, 210.0, 297.0) == rotation
    assert fit.inliers == 5 and fit.error_mm < 0.2
    # the page's bottom-right corner lands where the turned page has it
    h, w = grey.shape
    expected = {0: (w, h), 90: (0, h), 180: (0, 0), 270: (w, 0)}[rotation]
    assert np.linalg.norm(project(fit.homography, [(210.0, 297.0)])[0] - expected) < 2.0


def test_no_layout_fits_too_few_marks(template: FormTemplate) -> None:
    grey = np.full((px(297), px(210)), 250, np.uint8)
    for mark in template.page(1).marks[:2]:
        _square(grey, mark.x, mark.y, mark.size)
    assert align_by_marks(grey, {template.key: template}, PX_PER_MM) is None
    page = template.page(1)
    assert pair_hypotheses(page, [m.centre for m in page.marks[:2]], PX_PER_MM) == []


def test_two_mark_guesses_rank_the_true_placement_first(template: FormTemplate) -> None:
    page = template.page(1)
    truth = np.array([[0.0, -PX_PER_MM, 1200.0], [PX_PER_MM, 0.0, 30.0], [0, 0, 1]])  # turned 90
    blot = (600.0, 110.0)  # found first; a guess through it lands on three marks
    candidates = [blot] + [tuple(p) for p in project(truth, [m.centre for m in page.marks])]
    guesses = pair_hypotheses(page, candidates, PX_PER_MM)
    hits = [h for h, _ in guesses]
    assert hits == sorted(hits, reverse=True) and hits[0] == 5 and 3 in hits
    assert guesses[0][1] == pytest.approx(truth, abs=1e-6)


def test_marks_beyond_the_first_reach_of_a_photo_are_matched_again(template: FormTemplate) -> None:
    """A photo's perspective puts a far mark further from a two-mark guess than the first match
    reaches; fitting what was found brings it into reach."""
    page = template.page(1)
    marks = [m.centre for m in page.marks]
    corners = np.float32([[0, 0], [210, 0], [210, 297], [0, 297]])
    seen = np.float32([[390, 450], [1880, 440], [1670, 2500], [430, 2580]])  # a leaning photo
    truth = cv2.getPerspectiveTransform(corners, seen).astype(np.float64)
    candidates = [tuple(p) for p in project(truth, marks)]
    guess, _ = cv2.estimateAffinePartial2D(
        np.float64([marks[0], marks[4]]), np.float64([candidates[0], candidates[4]])
    )
    first = np.vstack([guess, [0, 0, 1]])
    fit = refit_marks(first, page, candidates, scale_of(first, (105.0, 148.0)), None)
    assert fit is not None
    assert fit.inliers == 5


def test_qr_corners_clockwise_from_top_left(template: FormTemplate) -> None:
    q = template.page(1).qr
    x, y, s = q.x, q.y, q.size
    assert qr_corners_mm(template.page(1)) == [(x, y), (x + s, y), (x + s, y + s), (x, y + s)]
