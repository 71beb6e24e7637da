"""Which page of which form a scan is, and where the template lies on it.

The QR code names the form type, version, page and family serial; the solid registration marks
(placed so that no rotation maps them onto themselves) pin the geometry. Either alone is enough to
align a page: the QR with two marks, or three marks without the QR; without the QR the page number
comes from comparing the aligned scan with each blank page of the template. Orientation is never
read from text.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from intake.config import School
from intake.errors import PageError
from intake.forms.qr import QrPayload
from intake.reading.align import (
    Fit,
    Point,
    aligned_page,
    fit_transform,
    match_points,
    project,
    rotation_of,
    scale_of,
)
from intake.template.model import FormTemplate, Page

log = logging.getLogger(__name__)

#: a page with less than this share of dark pixels carries no form and no writing
BLANK_INK_SHARE = 0.003
#: the QR detector works best with a few pixels per module: the page is scaled to this first
QR_SEARCH_PX_PER_MM = 4.0
#: how far (mm) a mark may lie from where the first guess puts it
FIRST_MATCH_MM = 30.0
#: ... and from where the first fit puts it
SECOND_MATCH_MM = 5.0
#: a mark counts as matched by a two-mark guess within this distance (mm)
PAIR_MATCH_MM = 15.0
#: guesses refined per layout, best first
MAX_HYPOTHESES = 12
#: resolution at which a scan is compared with the blank pages
COMPARE_DPI = 40


@dataclass(frozen=True)
class QrFind:
    text: str
    corners: (
        np.ndarray
    )  # (4, 2) scan px: the symbol's top left, top right, bottom right, bottom left


@dataclass(frozen=True, eq=False)
class Identified:
    """What a page is and how it lies. ``homography`` maps template mm to scan px."""

    status: str  # "read", "blank", "not_form", "unreadable"
    reason: str = ""
    template_key: str = ""
    form_type: str = ""
    version: int = 0
    page_number: int = 0
    serial: str = ""
    homography: np.ndarray | None = None
    rotation: int = 0
    align_error_mm: float = 0.0
    qr_read: bool = False


def to_grey(image: np.ndarray) -> np.ndarray:
    """RGB (or already grey) page -> uint8 grey."""
    return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) if image.ndim == 3 else image


def ink_share(grey: np.ndarray) -> float:
    """Share of clearly dark pixels, measured on a small copy."""
    small = cv2.resize(
        grey, (grey.shape[1] // 4 or 1, grey.shape[0] // 4 or 1), interpolation=cv2.INTER_AREA
    )
    return float(np.mean(small < 110))


def find_qr(grey: np.ndarray, px_per_mm: float) -> QrFind | None:
    """The QR code's text and corners: tried on a small, a thresholded, then the full page."""
    detector = cv2.QRCodeDetector()
    factor = min(1.0, QR_SEARCH_PX_PER_MM / px_per_mm)
    small = cv2.resize(grey, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    _, otsu = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    attempts: list[tuple[Any, np.ndarray, float]] = [
        (detector, small, factor),
        (detector, otsu, factor),
        (detector, grey, 1.0),
    ]
    if hasattr(cv2, "QRCodeDetectorAruco"):
        attempts.append((cv2.QRCodeDetectorAruco(), grey, 1.0))
    for finder, image, scale in attempts:
        try:
            text, points, _ = finder.detectAndDecode(image)
        except cv2.error:
            continue
        if text and points is not None:
            return QrFind(text, points.reshape(4, 2).astype(np.float64) / scale)
    return None


def find_mark_candidates(grey: np.ndarray, px_per_mm: float, size_mm: float) -> list[Point]:
    """Centres (scan px) of solid, square, dark blobs about ``size_mm`` across."""
    factor = min(1.0, 3.0 / px_per_mm)
    small = cv2.resize(grey, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    ppm = px_per_mm * factor
    side = size_mm * ppm
    block = int(side * 3) | 1
    binary = cv2.adaptiveThreshold(
        small, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, max(block, 11), 25
    )
    binary[small > 170] = 0
    contours, _ = cv2.findContours(binary, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    centres: list[Point] = []
    for contour in contours:
        area = cv2.contourArea(contour)
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


def _similarity(src: np.ndarray, dst: np.ndarray) -> np.ndarray | None:
    matrix, _ = cv2.estimateAffinePartial2D(src, dst)
    return None if matrix is None else np.vstack([matrix, [0, 0, 1]])


def _qr_corners_mm(page: Page) -> list[Point]:
    q = page.qr
    return [(q.x, q.y), (q.x + q.size, q.y), (q.x + q.size, q.y + q.size), (q.x, q.y + q.size)]


def _refit(
    first: np.ndarray,
    page: Page,
    candidates: list[Point],
    px_per_mm: float,
    qr_corners: np.ndarray | None,
) -> Fit | None:
    """Match marks near where ``first`` puts them, fit, then match again tighter and refit."""
    marks_mm = [m.centre for m in page.marks]
    fit: Fit | None = None
    homography = first
    for tolerance_mm in (FIRST_MATCH_MM, SECOND_MATCH_MM):
        pairs = match_points(homography, marks_mm, candidates, tolerance_mm * px_per_mm)
        src = [marks_mm[t] for t, _ in pairs]
        dst = [candidates[c] for _, c in pairs]
        if qr_corners is not None:
            src += _qr_corners_mm(page)
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


def _blank_page_score(
    grey: np.ndarray, homography: np.ndarray, template: FormTemplate, number: int, school: School
) -> float:
    from intake.forms.render import render_page_image

    ppm = COMPARE_DPI / 25.4
    blank = render_page_image(template, number, school, dpi=COMPARE_DPI)
    scan = aligned_page(grey, homography, template.page_w, template.page_h, ppm)
    scan = cv2.resize(scan, (blank.shape[1], blank.shape[0]), interpolation=cv2.INTER_AREA)
    a = cv2.GaussianBlur(255 - blank.astype(np.float32), (5, 5), 0).ravel()
    b = cv2.GaussianBlur(255 - scan.astype(np.float32), (5, 5), 0).ravel()
    a -= a.mean()
    b -= b.mean()
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-9))


def _page_by_blank(
    grey: np.ndarray, homography: np.ndarray, template: FormTemplate, school: School
) -> int:
    scores = [
        _blank_page_score(grey, homography, template, p.number, school) for p in template.pages
    ]
    return int(np.argmax(scores)) + 1


def _retry_qr(grey: np.ndarray, homography: np.ndarray, page: Page) -> QrFind | None:
    """Decode the QR from its expected place, warped upright and enlarged."""
    q = page.qr
    margin = 4.0
    ppm = 8.0
    shift = np.array([[1, 0, q.x - margin], [0, 1, q.y - margin], [0, 0, 1]], float)
    crop = aligned_page(grey, homography @ shift, q.size + 2 * margin, q.size + 2 * margin, ppm)
    found = find_qr(crop, QR_SEARCH_PX_PER_MM)
    return QrFind(found.text, found.corners) if found else None


def _pair_hypotheses(
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


def _align_without_qr(
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
            for _, first in _pair_hypotheses(page, cache[size], px_per_mm):
                fit = _refit(first, page, cache[size], scale_of(first, (105.0, 148.0)), None)
                if fit is None or fit.inliers < 3:
                    continue
                score = (fit.inliers, -fit.error_mm)
                if best is None or score > best[0]:
                    best = (score, template, page, fit)
    return None if best is None else best[1:]


def _plausible(fit: Fit, grey: np.ndarray, template: FormTemplate) -> bool:
    """The fitted page is about page-sized in pixels and lies mostly on the image."""
    corners = project(fit.homography, [(0, 0), (template.page_w, template.page_h)])
    diagonal = float(np.linalg.norm(corners[1] - corners[0]))
    expected = float(np.hypot(template.page_w, template.page_h)) * fit.px_per_mm
    return 0.7 < diagonal / max(expected, 1e-9) < 1.4 and fit.error_mm < 4.0


def _decode(found: QrFind | None) -> tuple[QrPayload | None, str]:
    """The payload of a QR find, or None and why not."""
    if found is None:
        return None, ""
    from intake.forms.qr import decode_payload

    try:
        return decode_payload(found.text), ""
    except PageError as exc:
        return None, str(exc)


def _unsupported(payload: QrPayload, templates: Mapping[str, FormTemplate]) -> Identified | None:
    """A ``not_form`` answer when the QR names a form or page this reader does not know."""
    template = templates.get(payload.template_key)
    if template is None:
        known = {t.form_type for t in templates.values()}
        what = (
            f"form version {payload.version} is not supported"
            if payload.form_type in known
            else f"form type {payload.form_type!r} is not supported"
        )
        return Identified(
            "not_form",
            what,
            form_type=payload.form_type,
            version=payload.version,
            page_number=payload.page,
            serial=payload.serial,
            qr_read=True,
        )
    if not 1 <= payload.page <= len(template.pages):
        return Identified(
            "not_form",
            f"the QR names page {payload.page}, which {template.key} does not have",
            qr_read=True,
        )
    return None


def _read(
    template: FormTemplate, number: int, serial: str, fit: Fit, qr_read: bool, reason: str = ""
) -> Identified:
    return Identified(
        "read",
        reason,
        template.key,
        template.form_type,
        template.version,
        number,
        serial,
        fit.homography,
        rotation_of(fit.homography, template.page_w, template.page_h),
        round(fit.error_mm, 3),
        qr_read=qr_read,
    )


def _align_by_qr(
    grey: np.ndarray, found: QrFind, template: FormTemplate, number: int, px_per_mm: float
) -> Fit | None:
    """Align from the QR's corners and the marks near where they put them."""
    page = template.page(number)
    first = _similarity(np.asarray(_qr_corners_mm(page)), found.corners)
    if first is None:
        return None
    px_per_mm = scale_of(first, (page.qr.x, page.qr.y))
    candidates = find_mark_candidates(grey, px_per_mm, page.marks[0].size)
    fit = _refit(first, page, candidates, px_per_mm, found.corners)
    return fit if fit is not None and _plausible(fit, grey, template) else None


def identify_page(
    image: np.ndarray,
    templates: Mapping[str, FormTemplate],
    school: School,
    dpi: float | None = None,
) -> Identified:
    """Identify and align one page image (RGB or grey) against the known templates.

    Marks first (cheap, and they give the orientation), then the QR read from its expected
    place on the upright page; a search of the whole page for the QR only when that fails.
    """
    grey = to_grey(image)
    h, w = grey.shape
    px_per_mm = dpi / 25.4 if dpi else max(h, w) / 297.0
    by_marks = _align_without_qr(grey, templates, px_per_mm)
    if by_marks is not None and not _plausible(by_marks[2], grey, by_marks[0]):
        by_marks = None
    found = _retry_qr(grey, by_marks[2].homography, by_marks[1]) if by_marks else None
    if found is None:
        found = find_qr(grey, px_per_mm)
    payload, qr_problem = _decode(found)
    if payload is not None:
        refused = _unsupported(payload, templates)
        if refused is not None:
            return refused
        template = templates[payload.template_key]
        if by_marks is not None and by_marks[0].key == template.key:
            return _read(template, payload.page, payload.serial, by_marks[2], True)
        fit = _align_by_qr(grey, found, template, payload.page, px_per_mm) if found else None
        if fit is None:
            return Identified(
                "unreadable",
                "the registration marks (black squares in the corners) could not be found; "
                "scan the whole page, flat",
                template.key,
                template.form_type,
                template.version,
                payload.page,
                payload.serial,
                qr_read=True,
            )
        return _read(template, payload.page, payload.serial, fit, True)
    if by_marks is None:
        if ink_share(grey) < BLANK_INK_SHARE:
            return Identified("blank", "the page is blank")
        reason = "no registration marks or QR code found: this page is not a page of the form"
        if qr_problem:
            reason = f"{qr_problem}; no registration marks found either"
        return Identified("not_form", reason)
    template, page, fit = by_marks
    number = page.number
    if len(template.pages) > 1:
        number = _page_by_blank(grey, fit.homography, template, school)
        log.info("QR unreadable: page %d chosen by comparing with the blank pages", number)
    return _read(
        template,
        number,
        "",
        fit,
        False,
        "the QR code could not be read; page identified from its layout",
    )
