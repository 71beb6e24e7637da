"""Geometry of one scan: template millimetres -> scan pixels, and the aligned page.

A homography is fitted to matched points (registration-mark centres, QR corners) with RANSAC, so
that one covered mark or a scribble that looks like one does not pull the fit. The aligned page is
the scan warped into the template's frame at ``ALIGNED_PX_PER_MM``: every field's box is then
where the template says, to within the residual error reported in millimetres.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from intake.engines.base import ALIGNED_PX_PER_MM

Point = tuple[float, float]

#: a matched point further than this from the fit (mm) is an outlier
INLIER_MM = 2.5
#: an affine fit this good (mm RMS) needs no perspective
AFFINE_GOOD_MM = 0.5


@dataclass(frozen=True)
class Fit:
    """A fitted transform, template mm -> scan px."""

    homography: np.ndarray  # 3x3 float64
    inliers: int
    error_mm: float  # RMS residual of the inliers, in template millimetres
    px_per_mm: float

    @property
    def checked(self) -> bool:
        """More points agree than the transform needs (three for an affine map, four for a
        homography): only then does the residual say anything about the points."""
        affine = not self.homography[2, :2].any()
        return self.inliers > (3 if affine else 4)


def project(homography: np.ndarray, points: Sequence[Point]) -> np.ndarray:
    """Template points (mm) -> scan points (px), ``(N, 2)``."""
    if not points:
        return np.zeros((0, 2))
    src = np.asarray(points, dtype=np.float64).reshape(-1, 1, 2)
    return cv2.perspectiveTransform(src, homography).reshape(-1, 2)


def scale_of(homography: np.ndarray, at: Point) -> float:
    """Pixels per millimetre of ``homography`` near template point ``at``."""
    x, y = at
    a, b, c = project(homography, [(x, y), (x + 1, y), (x, y + 1)])
    return float((np.linalg.norm(b - a) + np.linalg.norm(c - a)) / 2)


def rotation_of(homography: np.ndarray, page_w: float, page_h: float) -> int:
    """How the page lies in the scan, degrees clockwise (0, 90, 180, 270)."""
    centre = (page_w / 2, page_h / 2)
    a, b = project(homography, [centre, (centre[0] + 10, centre[1])])
    angle = math.degrees(math.atan2(b[1] - a[1], b[0] - a[0]))  # image y points down
    return round(angle / 90.0) % 4 * 90


def match_points(
    homography: np.ndarray,
    template_points: Sequence[Point],
    candidates: Sequence[Point],
    tolerance_px: float,
) -> list[tuple[int, int]]:
    """Pairs (template index, candidate index): each template point's nearest unused candidate
    within ``tolerance_px`` of where ``homography`` puts it, closest pairs first."""
    if not template_points or not candidates:
        return []
    predicted = project(homography, template_points)
    cands = np.asarray(candidates, dtype=np.float64)
    distances = np.linalg.norm(predicted[:, None, :] - cands[None, :, :], axis=2)
    pairs: list[tuple[int, int]] = []
    used_t: set[int] = set()
    used_c: set[int] = set()
    for flat in np.argsort(distances, axis=None):
        t, c = divmod(int(flat), len(cands))
        if distances[t, c] > tolerance_px:
            break
        if t in used_t or c in used_c:
            continue
        pairs.append((t, c))
        used_t.add(t)
        used_c.add(c)
    return pairs


def _residual_mm(
    matrix: np.ndarray, src: np.ndarray, dst: np.ndarray, keep: np.ndarray, px_per_mm: float
) -> float:
    if not keep.any():
        return float("inf")
    moved = project(matrix, [(float(x), float(y)) for x, y in src[keep]])
    residual = np.linalg.norm(moved - dst[keep], axis=1)
    return float(np.sqrt(np.mean(residual**2))) / px_per_mm


def fit_transform(
    template_points: Sequence[Point], scan_points: Sequence[Point], px_per_mm: float
) -> Fit | None:
    """Fit template mm -> scan px robustly; None with fewer than 3 points.

    A flat scan is an affine map (skew, scale, shift); only where that leaves a residual (a phone
    photo's perspective, or a point it leaves out) and five or more points check it is a
    homography used instead, when it keeps more points. Both are RANSAC fits, so one bad point
    among five or more is left out. Three points: an exact
    affine map without a check, its error reported as unknown (0).
    """
    n = len(template_points)
    if n < 3 or n != len(scan_points):
        return None
    src = np.asarray(template_points, dtype=np.float64)
    dst = np.asarray(scan_points, dtype=np.float64)
    threshold = INLIER_MM * px_per_mm
    if n == 3:
        affine = cv2.getAffineTransform(src.astype(np.float32), dst.astype(np.float32))
        return Fit(np.vstack([affine, [0, 0, 1]]), 3, 0.0, px_per_mm)
    affine, mask = cv2.estimateAffine2D(src, dst, ransacReprojThreshold=threshold)
    best: Fit | None = None
    if affine is not None:
        keep = mask.ravel().astype(bool)
        matrix = np.vstack([affine, [0, 0, 1]])
        best = Fit(
            matrix, int(keep.sum()), _residual_mm(matrix, src, dst, keep, px_per_mm), px_per_mm
        )
        if best.error_mm <= AFFINE_GOOD_MM and best.inliers == n:
            return best
    if n >= 5:
        matrix, mask = cv2.findHomography(src, dst, cv2.RANSAC, threshold, maxIters=500)
        if matrix is not None:
            keep = mask.ravel().astype(bool)
            fit = Fit(
                matrix, int(keep.sum()), _residual_mm(matrix, src, dst, keep, px_per_mm), px_per_mm
            )
            if best is None or (fit.inliers, -fit.error_mm) > (best.inliers, -best.error_mm):
                best = fit
    return best


def aligned_page(
    image: np.ndarray,
    homography: np.ndarray,
    page_w: float = 210.0,
    page_h: float = 297.0,
    px_per_mm: float = ALIGNED_PX_PER_MM,
) -> np.ndarray:
    """The scan warped into the template frame: ``px_per_mm`` pixels per template millimetre.

    Pixels outside the scan become white paper, so a cut corner reads as an empty area.
    """
    to_aligned = np.diag([px_per_mm, px_per_mm, 1.0])
    scan_from_aligned = homography @ np.linalg.inv(to_aligned)
    size = (round(page_w * px_per_mm), round(page_h * px_per_mm))
    border = (255, 255, 255) if image.ndim == 3 else 255
    return cv2.warpPerspective(
        image,
        scan_from_aligned,
        size,
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=border,
    )


def homography_tuple(homography: np.ndarray) -> tuple[float, ...]:
    """Row-major 9-tuple, as ``PageRead.homography`` stores it."""
    return tuple(float(v) for v in np.asarray(homography, dtype=np.float64).ravel())


def homography_array(values: Sequence[float]) -> np.ndarray:
    """Back from ``PageRead.homography``."""
    return np.asarray(values, dtype=np.float64).reshape(3, 3)
