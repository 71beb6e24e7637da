"""Registration marks: finding the solid squares, and fitting the template's mark layout to them.

The marks are placed so that no rotation maps them onto themselves, so fitting their layout
also tells which way up the page lies. Two-mark guesses make the fit work wherever the page
lies in the image (a phone photo), and a second, tighter match refines it.
"""

from __future__ import annotations

from collections.abc import Mapping

import cv2
import numpy as np

from intake.reading.align import Fit, Point, fit_transform, match_points, scale_of
from intake.template.model import FormTemplate, Page

#: how far (mm) a mark may lie from where the first guess puts it
FIRST_MATCH_MM = 30.0
#: ... and from where the first fit puts it
SECOND_MATCH_MM = 5.0
#: a mark counts as matched by a two-mark guess within this distance (mm)
PAIR_MATCH_MM = 15.0
#: guesses refined per layout, best first
MAX_HYPOTHESES = 12


def _cut_by_edge(contour: np.ndarray, binary: np.ndarray, side: float) -> Point | None:
    """The centre of a mark the image's edge cut: a solid rectangle against the edge, a mark's
    length along it and shorter across, whose centre lies half a mark in from its inner side."""
    x, y, w, h = cv2.boundingRect(contour)
    height, width = binary.shape
    if x == 0 or x + w == width:
        along, across = h, w
    elif y == 0 or y + h == height:
        along, across = w, h
    else:
        return None
    if not (0.75 * side <= along <= 1.35 * side and 0.25 * side <= across < 0.9 * side):
        return None
    if float(np.mean(binary[y : y + h, x : x + w] > 0)) < 0.8:
        return None
    cx, cy = x + w / 2, y + h / 2
    if x == 0:
        cx = x + w - side / 2
    elif x + w == width:
        cx = x + side / 2
    elif y == 0:
        cy = y + h - side / 2
    else:
        cy = y + side / 2
    return (cx, cy)


def find_mark_candidates(
    grey: np.ndarray, px_per_mm: float, size_mm: float, cut_by_edge: bool = False
) -> list[Point]:
    """Centres (scan px) of solid, square, dark blobs about ``size_mm`` across; with
    ``cut_by_edge``, also of marks partly off the image (a skewed page on a scanner's bed)."""
    factor = min(1.0, 3.0 / px_per_mm)
    small = cv2.resize(grey, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    ppm = px_per_mm * factor
    side = size_mm * ppm
    block = int(side * 3) | 1
    binary = cv2.adaptiveThreshold(
        small, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, max(block, 11), 25
    )
    binary[small > 170] = 0
    # a mark near the page's edge can touch a dark background by a thin bridge: cut it
    bridge = max(3, int(side * 0.25))
    binary = cv2.morphologyEx(binary, cv2.MORPH_OPEN, np.ones((bridge, bridge), np.uint8))
    # every contour, not only outer ones: the dark table round a phone photo of the page can
    # close a ring that holds every mark inside it
    contours, _ = cv2.findContours(binary, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    centres: list[Point] = []
    for contour in contours:
        area = cv2.contourArea(contour)
        if cut_by_edge and area < 0.9 * side * side:
            cut = _cut_by_edge(contour, binary, side)
            if cut is not None:
                centres.append((cut[0] / factor, cut[1] / factor))
                continue
        if not 0.3 * side * side <= area <= 2.6 * side * side:
            continue
        (cx, cy), (w, h), _ = cv2.minAreaRect(contour)
        if min(w, h) < 0.6 * max(w, h) or area < 0.8 * w * h:
            continue
        x, y, bw, bh = cv2.boundingRect(contour)
        mask = np.zeros((bh, bw), np.uint8)
        cv2.drawContours(mask, [contour - [x, y]], -1, 255, thickness=cv2.FILLED)
        inside = binary[y : y + bh, x : x + bw][mask > 0]
        if inside.size and float(np.mean(inside > 0)) >= 0.85:
            centres.append((cx / factor, cy / factor))
    return centres


def qr_corners_mm(page: Page) -> list[Point]:
    q = page.qr
    return [(q.x, q.y), (q.x + q.size, q.y), (q.x + q.size, q.y + q.size), (q.x, q.y + q.size)]


def refit_marks(
    first: np.ndarray,
    page: Page,
    candidates: list[Point],
    px_per_mm: float,
    qr_corners: np.ndarray | None,
) -> Fit | None:
    """Match marks near where ``first`` puts them and fit, again while that finds more marks (a
    photo's perspective can put a far mark beyond the first reach), then match tighter and refit."""
    marks_mm = [m.centre for m in page.marks]
    fit: Fit | None = None
    homography = first
    matched = 0
    for tolerance_mm in (FIRST_MATCH_MM, FIRST_MATCH_MM, SECOND_MATCH_MM):
        pairs = match_points(homography, marks_mm, candidates, tolerance_mm * px_per_mm)
        if tolerance_mm == FIRST_MATCH_MM and fit is not None and len(pairs) <= matched:
            continue  # the second wide match found nothing new
        matched = len(pairs)
        src = [marks_mm[t] for t, _ in pairs]
        dst = [candidates[c] for _, c in pairs]
        if qr_corners is not None:
            src += qr_corners_mm(page)
            dst += [tuple(p) for p in qr_corners]
            if len(pairs) < 2:
                return None  # the QR alone is too small to carry the whole page
        candidate_fit = fit_transform(src, dst, px_per_mm)
        if candidate_fit is None:
            return fit
        fit = candidate_fit
        homography = fit.homography
        px_per_mm = scale_of(homography, (105.0, 148.0))
    return fit


def pair_hypotheses(
    page: Page,
    candidates: list[Point],
    px_per_mm: float,
) -> list[tuple[int, np.ndarray]]:
    """Similarity transforms that put two template marks on two candidates, with the number of
    template marks each then lands on a candidate: works wherever the page lies in the image."""
    marks = np.asarray([m.centre for m in page.marks], dtype=np.float64)
    cands = np.asarray(candidates, dtype=np.float64)
    if len(cands) < 3:
        return []
    tolerance = PAIR_MATCH_MM * px_per_mm
    found: list[tuple[int, np.ndarray]] = []
    n = len(marks)
    for i in range(n):
        for j in range(i + 1, n):
            src = marks[j] - marks[i]
            src_len = float(np.hypot(*src))
            for a in range(len(cands)):
                for b in range(len(cands)):
                    if a == b:
                        continue
                    dst = cands[b] - cands[a]
                    scale = float(np.hypot(*dst)) / src_len
                    if not 0.6 * px_per_mm < scale < 1.6 * px_per_mm:
                        continue
                    angle = np.arctan2(dst[1], dst[0]) - np.arctan2(src[1], src[0])
                    cos, sin = scale * np.cos(angle), scale * np.sin(angle)
                    rot = np.array([[cos, -sin], [sin, cos]])
                    shift = cands[a] - rot @ marks[i]
                    moved = marks @ rot.T + shift
                    gaps = np.linalg.norm(moved[:, None, :] - cands[None, :, :], axis=2).min(axis=1)
                    hits = int(np.count_nonzero(gaps < tolerance * scale / px_per_mm))
                    if hits >= 3:
                        found.append(
                            (hits, np.vstack([np.hstack([rot, shift[:, None]]), [0, 0, 1]]))
                        )
    found.sort(key=lambda item: -item[0])
    return found[:MAX_HYPOTHESES]


def align_by_marks(
    grey: np.ndarray,
    templates: Mapping[str, FormTemplate],
    px_per_mm: float,
) -> tuple[FormTemplate, Page, Fit] | None:
    """Fit every template's mark layout to the marks found; keep the fit with most marks."""
    best: tuple[tuple[int, float], FormTemplate, Page, Fit] | None = None
    cache: dict[float, list[Point]] = {}
    layouts: set[tuple[tuple[float, float, float], ...]] = set()
    for template in templates.values():
        for page in template.pages:
            layout = tuple((m.x, m.y, m.size) for m in page.marks)
            if layout in layouts:
                continue  # pages with the same marks are told apart later, by their print
            layouts.add(layout)
            size = page.marks[0].size
            if size not in cache:
                cache[size] = find_mark_candidates(grey, px_per_mm, size)
            for _, first in pair_hypotheses(page, cache[size], px_per_mm):
                fit = refit_marks(first, page, cache[size], scale_of(first, (105.0, 148.0)), None)
                if fit is None or fit.inliers < 3:
                    continue
                score = (fit.inliers, -fit.error_mm)
                if best is None or score > best[0]:
                    best = (score, template, page, fit)
    return None if best is None else best[1:]
