"""Geometry of one scan: projecting points, fitting a transform robustly, warping the page."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from intake.reading.align import (
    Fit,
    aligned_page,
    fit_transform,
    homography_array,
    homography_tuple,
    match_points,
    project,
    rotation_of,
    scale_of,
)

#: where a page's registration marks and QR corners might lie (template mm)
POINTS = [(11.0, 11.0), (199.0, 11.0), (11.0, 286.0), (181.0, 286.0), (11.0, 239.0), (170.0, 30.0)]
#: a phone photo's view of the page: 4 px/mm, turned 3 degrees, leaning away at the top
PHOTO = np.array([[3.99, -0.21, 40.0], [0.2, 3.8, 25.0], [-0.00012, -0.0002, 1.0]])


def _rotated(rotation: int, px_per_mm: float = 4.0) -> np.ndarray:
    """An A4 page turned ``rotation`` degrees clockwise in its scan."""
    w, h = 210.0 * px_per_mm, 297.0 * px_per_mm
    s = px_per_mm
    return {
        0: np.array([[s, 0, 0], [0, s, 0], [0, 0, 1.0]]),
        90: np.array([[0, -s, h], [s, 0, 0], [0, 0, 1.0]]),
        180: np.array([[-s, 0, w], [0, -s, h], [0, 0, 1.0]]),
        270: np.array([[0, s, 0], [-s, 0, w], [0, 0, 1.0]]),
    }[rotation]


def test_project_maps_points_and_takes_none() -> None:
    moved = project(np.array([[2.0, 0, 5], [0, 3.0, -1], [0, 0, 1]]), [(1.0, 1.0), (0.0, 2.0)])
    assert moved == pytest.approx(np.array([[7.0, 2.0], [5.0, 5.0]]))
    assert project(PHOTO, []).shape == (0, 2)


def test_scale_of_a_transform() -> None:
    assert scale_of(np.diag([4.0, 4.0, 1.0]), (105.0, 148.0)) == pytest.approx(4.0)
    assert scale_of(_rotated(90, 6.0), (10.0, 10.0)) == pytest.approx(6.0)
    # a leaning photo is finer near its bottom than near its top
    assert scale_of(PHOTO, (105.0, 280.0)) > scale_of(PHOTO, (105.0, 10.0))


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_rotation_of_a_turned_page(rotation: int) -> None:
    assert rotation_of(_rotated(rotation), 210.0, 297.0) == rotation
    # a few degrees of skew do not change which way up it lies
    skew = cv2.getRotationMatrix2D((400.0, 600.0), 4.0, 1.0)
    assert rotation_of(np.vstack([skew, [0, 0, 1]]) @ _rotated(rotation), 210.0, 297.0) == rotation


def test_match_points_pairs_nearest_first_within_tolerance() -> None:
    homography = np.diag([2.0, 2.0, 1.0])
    template = [(10.0, 10.0), (50.0, 10.0), (10.0, 80.0)]  # at (20, 20), (100, 20), (20, 160)
    candidates = [(103.0, 20.0), (21.0, 21.0), (24.0, 20.0), (20.0, 190.0)]
    pairs = match_points(homography, template, candidates, tolerance_px=5.0)
    # the first point takes the nearer of two candidates; the third has none within reach
    assert pairs == [(0, 1), (1, 0)]
    assert match_points(homography, template, [], 5.0) == []
    assert match_points(homography, [], candidates, 5.0) == []


def test_fit_recovers_a_known_homography() -> None:
    scan = [tuple(p) for p in project(PHOTO, POINTS)]
    fit = fit_transform(POINTS, scan, 4.0)
    assert fit is not None
    assert (fit.inliers, fit.checked) == (6, True)
    assert fit.error_mm < 0.01
    assert fit.homography / fit.homography[2, 2] == pytest.approx(PHOTO, rel=1e-4, abs=1e-7)
    field = [(30.0, 150.0), (150.0, 200.0)]  # far from every point fitted
    assert np.abs(project(fit.homography, field) - project(PHOTO, field)).max() < 0.05


def test_a_flat_scan_is_fitted_affine() -> None:
    affine = np.array([[4.1, 0.05, 12.0], [-0.04, 3.95, -7.0], [0, 0, 1.0]])
    scan = [tuple(p) for p in project(affine, POINTS[:4])]
    fit = fit_transform(POINTS[:4], scan, 4.0)
    assert fit is not None
    assert not fit.homography[2, :2].any()  # no perspective part
    assert fit.homography == pytest.approx(affine, abs=1e-4)
    assert (fit.inliers, fit.checked) == (4, True)  # four points check an affine map


def test_fit_needs_three_points_and_survives_one_outlier() -> None:
    assert fit_transform([(0, 0), (1, 1)], [(0, 0), (1, 1)], 4.0) is None
    assert fit_transform(POINTS[:4], POINTS[:3], 4.0) is None  # unpaired points
    src = [(10.0, 10.0), (200.0, 10.0), (10.0, 280.0), (180.0, 280.0), (10.0, 150.0)]
    dst = [(x * 4 + 7, y * 4 - 3) for x, y in src]
    dst[1] = (dst[1][0] + 60, dst[1][1] + 45)  # a scribble taken for a mark
    fit = fit_transform(src, dst, 4.0)
    assert fit is not None
    assert fit.inliers == 4
    assert fit.error_mm < 0.01


def test_three_points_fit_exactly_and_unchecked() -> None:
    src = [(10.0, 10.0), (200.0, 10.0), (10.0, 280.0)]
    dst = [(50.0, 40.0), (810.0, 60.0), (30.0, 1120.0)]
    fit = fit_transform(src, dst, 4.0)
    assert fit is not None
    assert (fit.inliers, fit.error_mm, fit.checked) == (3, 0.0, False)
    assert project(fit.homography, src) == pytest.approx(np.array(dst), abs=1e-3)


def test_fit_checked_counts_more_points_than_the_transform_needs() -> None:
    affine, homography = np.eye(3), PHOTO
    assert [Fit(affine, n, 0.1, 4.0).checked for n in (3, 4)] == [False, True]
    assert [Fit(homography, n, 0.1, 4.0).checked for n in (4, 5)] == [False, True]


def test_aligned_page_undoes_the_scan_transform() -> None:
    # a 20 x 30 mm page with a 5 mm black square at (5, 10) mm, "scanned" through PHOTO
    px_per_mm = 12.0
    page = np.full((30 * 12, 20 * 12), 255, np.uint8)
    page[10 * 12 : 15 * 12, 5 * 12 : 10 * 12] = 0
    to_page = np.diag([px_per_mm, px_per_mm, 1.0])
    scan = cv2.warpPerspective(page, PHOTO @ np.linalg.inv(to_page), (200, 200), borderValue=255)
    aligned = aligned_page(scan, PHOTO, 20.0, 30.0, px_per_mm)
    assert aligned.shape == (360, 240)
    # away from the square's edges (the scan is a third as fine) the page comes back
    assert aligned[10 * 12 + 8 : 15 * 12 - 8, 5 * 12 + 8 : 10 * 12 - 8].max() < 20
    assert aligned[: 9 * 12].min() > 235 and aligned[16 * 12 :].min() > 235


def test_aligned_page_off_the_scan_is_white_paper() -> None:
    scan = np.zeros((40, 40, 3), np.uint8)  # a black scan 10 mm square at 4 px/mm
    aligned = aligned_page(scan, np.diag([4.0, 4.0, 1.0]), 20.0, 20.0, 2.0)
    assert aligned.shape == (40, 40, 3)
    assert (aligned[:18, :18] == 0).all()
    assert (aligned[22:] == 255).all() and (aligned[:, 22:] == 255).all()


def test_homography_round_trips_through_its_tuple() -> None:
    values = homography_tuple(PHOTO)
    assert len(values) == 9 and all(type(v) is float for v in values)
    assert values[2] == 40.0 and values[3] == 0.2  # row-major
    assert np.array_equal(homography_array(values), PHOTO)
