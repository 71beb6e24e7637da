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
from intake.printing.qr import QrPayload
from intake.reading.align import (
    Fit,
    aligned_page,
    project,
    rotation_of,
    scale_of,
)
from intake.reading.marks import align_by_marks, find_mark_candidates, qr_corners_mm, refit_marks
from intake.reading.result import PageStatus
from intake.template.model import FormTemplate, Page

log = logging.getLogger(__name__)

#: a page with less than this share of dark pixels carries no form and no writing
BLANK_INK_SHARE = 0.003
#: the QR detector works best with a few pixels per module: the page is scaled to this first
QR_SEARCH_PX_PER_MM = 4.0
#: resolution at which a scan is compared with the blank pages
COMPARE_DPI = 40
#: the QR's corners join the fit when the marks only just determine it (unchecked), or when
#: they lie this far (mm RMS) from where the marks' fit puts them, ...
QR_DISAGREES_MM = 1.0
#: ... and the marks and the QR then agree to within this (mm RMS)
QR_REFIT_MAX_ERROR_MM = 1.0


@dataclass(frozen=True)
class QrFind:
    text: str
    corners: (
        np.ndarray
    )  # (4, 2) scan px: the symbol's top left, top right, bottom right, bottom left


@dataclass(frozen=True, eq=False)
class Identified:
    """What a page is and how it lies. ``homography`` maps template mm to scan px."""

    status: PageStatus
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


def _similarity(src: np.ndarray, dst: np.ndarray) -> np.ndarray | None:
    matrix, _ = cv2.estimateAffinePartial2D(src, dst)
    return None if matrix is None else np.vstack([matrix, [0, 0, 1]])


def _blank_page_score(
    grey: np.ndarray, homography: np.ndarray, template: FormTemplate, number: int, school: School
) -> float:
    from intake.printing.render import render_page_image

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
    if found is None:
        return None
    corners_mm = found.corners / ppm + [q.x - margin, q.y - margin]
    return QrFind(found.text, project(homography, [tuple(c) for c in corners_mm]))


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
    from intake.printing.qr import decode_payload

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
            PageStatus.NOT_FORM,
            what,
            form_type=payload.form_type,
            version=payload.version,
            page_number=payload.page,
            serial=payload.serial,
            qr_read=True,
        )
    if not 1 <= payload.page <= len(template.pages):
        return Identified(
            PageStatus.NOT_FORM,
            f"the QR names page {payload.page}, which {template.key} does not have",
            qr_read=True,
        )
    return None


def _read(
    template: FormTemplate, number: int, serial: str, fit: Fit, qr_read: bool, reason: str = ""
) -> Identified:
    return Identified(
        PageStatus.READ,
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
    first = _similarity(np.asarray(qr_corners_mm(page)), found.corners)
    if first is None:
        return None
    px_per_mm = scale_of(first, (page.qr.x, page.qr.y))
    candidates = find_mark_candidates(grey, px_per_mm, page.marks[0].size, cut_by_edge=True)
    fit = refit_marks(first, page, candidates, px_per_mm, found.corners)
    return fit if fit is not None and _plausible(fit, grey, template) else None


def _with_qr(grey: np.ndarray, fit: Fit, found: QrFind, page: Page) -> Fit | None:
    """Refit a few marks together with the QR's corners: three marks fit exactly, with nothing
    to check them, and a mark cut by the scan's edge can be found off its centre."""
    candidates = find_mark_candidates(grey, fit.px_per_mm, page.marks[0].size, cut_by_edge=True)
    refit = refit_marks(fit.homography, page, candidates, fit.px_per_mm, found.corners)
    if refit is None or refit.error_mm > QR_REFIT_MAX_ERROR_MM:
        return None
    return refit


def _qr_disagrees(fit: Fit, found: QrFind, page: Page) -> bool:
    """The QR's corners lie away from where the marks' fit puts them: a mark was matched to
    something else (a photo's table can show mark-like blots)."""
    predicted = project(fit.homography, qr_corners_mm(page))
    gap_mm = float(np.sqrt(np.mean(np.sum((predicted - found.corners) ** 2, axis=1))))
    return gap_mm / fit.px_per_mm > QR_DISAGREES_MM


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
    by_marks = align_by_marks(grey, templates, px_per_mm)
    if by_marks is not None and not _plausible(by_marks[2], grey, by_marks[0]):
        by_marks = None
    found = _retry_qr(grey, by_marks[2].homography, by_marks[1]) if by_marks else None
    if found is None:
        found = find_qr(grey, px_per_mm)
    payload, qr_problem = _decode(found)
    if payload is not None and by_marks is None and ink_share(grey) < BLANK_INK_SHARE:
        # A duplex back: the other side shows through faintly, QR and all, but nothing on
        # this side is dark enough to be ink or a printed mark.
        return Identified(
            PageStatus.BLANK,
            f"the page is blank apart from faint show-through of page {payload.page}; "
            "if it is a very faded scan of that page, scan it again darker",
        )
    if payload is not None:
        refused = _unsupported(payload, templates)
        if refused is not None:
            return refused
        template = templates[payload.template_key]
        if by_marks is not None and by_marks[0].key == template.key:
            marks_fit = by_marks[2]
            if found is not None and (
                not marks_fit.checked
                or _qr_disagrees(marks_fit, found, template.page(payload.page))
            ):
                page = template.page(payload.page)
                marks_fit = _with_qr(grey, marks_fit, found, page) or marks_fit
            return _read(template, payload.page, payload.serial, marks_fit, True)
        fit = _align_by_qr(grey, found, template, payload.page, px_per_mm) if found else None
        if fit is None:
            return Identified(
                PageStatus.UNREADABLE,
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
            return Identified(PageStatus.BLANK, "the page is blank")
        reason = "no registration marks or QR code found: this page is not a page of the form"
        if qr_problem:
            reason = f"{qr_problem}; no registration marks found either"
        return Identified(PageStatus.NOT_FORM, reason)
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
