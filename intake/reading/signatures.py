"""Signature boxes: present or absent, scored by ink share and the size of the inked strokes.

Two looks at the box. The ink mask (``intake.reading.boxes``) finds a ballpoint's strokes. A
fine-liner or a pale, running-dry pen may leave strokes lighter than the ink mask takes, so the
box is also looked at for *faint strokes*: thin lines darker than the paper right around them
(a morphological black-hat, which ignores light that changes slowly: shadows, uneven lighting,
a photo's vignette), above the box's own noise. Strokes that join into a long group are a
signature; a box where neither look finds anything is empty, and anything in between goes to a
person, so an unsigned form is never passed on a guess.

On a black-and-white scan a pale pen may be left as dots that no stroke joins: ``stipple``
looks at those as a pattern.
"""

from __future__ import annotations

import cv2
import numpy as np

from intake.config import Thresholds
from intake.engines.base import ALIGNED_PX_PER_MM
from intake.reading.boxes import PageInk, cut_region, region_grey
from intake.reading.result import FieldRead, Problem
from intake.reading.stipple import stippled_strokes
from intake.template.model import SignatureField

#: keep clear of the outline (mm)
SIGNATURE_INSET_MM = 0.8
#: a signature spans at least this much (mm) in its largest stroke group
MIN_STROKE_SPAN_MM = 6.0
SIGNED = "signed"
#: a group of strokes lower than this (mm) is a line, not writing
MIN_WRITING_HEIGHT_MM = 1.0
#: ink strokes joining into a group this wide (mm) are a signature on half the usual ink share
LONG_STROKE_SPAN_MM = 10.0
#: the widest stroke (mm) the faint look takes as a stroke, not as a shadow or a smudge
FAINT_STROKE_MM = 1.5
#: a faint stroke is at least this much darker than the paper around it (grey levels) ...
FAINT_MIN_CONTRAST = 14.0
#: ... and this many times the box's own noise (robust spread of the black-hat response)
FAINT_NOISE_TIMES = 6.0
#: faint strokes joining into a group this wide (mm) are a signature ...
FAINT_SPAN_MM = 14.0
#: ... when they cover at least this share of the box ...
FAINT_RATIO = 0.003
#: ... and are this tall (mm): a signature in a 20 mm box, not the box's outline, print showing
#: through from the back of the sheet or a shadow's edge (measured on the validation sets:
#: signatures the faint look found, 6.9 mm and taller; such marks in empty boxes, 1.4 and 2.9)
FAINT_MIN_HEIGHT_MM = 4.0
#: how sure a pale pen's dotted signature on a black-and-white scan is (``stipple``)
STIPPLE_CONFIDENCE = 0.95


def stroke_span_mm(mask: np.ndarray) -> float:
    """Width in mm of the widest group of connected ink (strokes a pen joined)."""
    return stroke_extent_mm(mask)[0]


def stroke_extent_mm(mask: np.ndarray) -> tuple[float, float]:
    """(width, height) in mm of the widest group of connected ink (strokes a pen joined)."""
    joined = cv2.dilate(mask.astype(np.uint8), np.ones((9, 9), np.uint8))
    count, _, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    if count <= 1:
        return 0.0, 0.0
    widest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_WIDTH]))
    # the joining dilation adds 4 px on each side
    height = max(0, int(stats[widest, cv2.CC_STAT_HEIGHT]) - 8)
    return float(stats[widest, cv2.CC_STAT_WIDTH]) / ALIGNED_PX_PER_MM, height / ALIGNED_PX_PER_MM


def faint_strokes(grey: np.ndarray) -> tuple[float, float, float]:
    """(share of the box, span and height in mm of their widest group) of thin strokes darker
    than the paper around them."""
    if grey.size == 0 or min(grey.shape) < 3:
        return 0.0, 0.0, 0.0
    size = max(3, round(FAINT_STROKE_MM * ALIGNED_PX_PER_MM) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    response = cv2.morphologyEx(grey, cv2.MORPH_BLACKHAT, kernel).astype(np.float32)
    spread = 1.4826 * float(np.median(np.abs(response - np.median(response))))
    mask = response > max(FAINT_MIN_CONTRAST, FAINT_NOISE_TIMES * spread)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(
        mask.astype(np.uint8), connectivity=8
    )
    keep = np.zeros(count, bool)
    keep[1:] = stats[1:, cv2.CC_STAT_AREA] >= 3  # single pixels are noise, not strokes
    mask = keep[labels]
    return (float(mask.mean()), *stroke_extent_mm(mask))


def signature_decision(
    ratio: float,
    span_mm: float,
    thresholds: Thresholds,
    faint: tuple[float, float, float] = (0.0, 0.0, 0.0),
    height_mm: float = MIN_WRITING_HEIGHT_MM,
    stippled: bool = False,
) -> tuple[str, float]:
    """(value, confidence). Missing signatures must never pass silently, so doubt means review.
    ``height_mm``: the height of the widest ink group; ``faint``: the faint look's (share,
    span mm, height mm); ``stippled``: a black-and-white scan's dots make a signature
    (``stippled_strokes``). A long group only counts on less ink when it is as tall as writing:
    a straight line (a box struck through, an outline the alignment missed) is not a signature."""
    threshold = thresholds.signature_ink_ratio
    faint_ratio, faint_span, faint_height = faint
    if ratio >= threshold and span_mm >= MIN_STROKE_SPAN_MM:
        if height_mm < MIN_WRITING_HEIGHT_MM:
            return SIGNED, 0.6  # a line, not writing: a person looks
        return SIGNED, min(0.999, 0.85 + 0.15 * min(1.0, ratio / (3 * threshold)))
    if faint_height < MIN_WRITING_HEIGHT_MM:
        faint_ratio = faint_span = 0.0
    if (
        ratio >= threshold / 2
        and span_mm >= LONG_STROKE_SPAN_MM
        and height_mm >= MIN_WRITING_HEIGHT_MM
    ):
        # less ink than a ballpoint leaves, but one long joined stroke: a thin pen's signature
        return SIGNED, 0.9
    faint_writing = faint_height >= FAINT_MIN_HEIGHT_MM
    if faint_span >= FAINT_SPAN_MM and faint_ratio >= FAINT_RATIO and faint_writing:
        # a fine-liner or a pale pen: long joined strokes, lighter than the ink mask takes
        return SIGNED, min(0.99, 0.9 + 0.09 * min(1.0, faint_ratio / threshold))
    if stippled:
        # a pale pen through a copier's threshold: dots along turning strokes
        return SIGNED, STIPPLE_CONFIDENCE
    nothing_faint = faint_span < MIN_STROKE_SPAN_MM / 2
    if ratio < threshold / 4 and span_mm < MIN_STROKE_SPAN_MM / 2 and nothing_faint:
        return "", 0.99
    return ("", 0.6) if ratio < threshold else (SIGNED, 0.6)


def read_signature(
    ink: PageInk, field: SignatureField, page: int, thresholds: Thresholds
) -> FieldRead:
    """Read one signature box from an aligned page."""
    mask, ratio = cut_region(ink, field.rect, SIGNATURE_INSET_MM)
    span, height = stroke_extent_mm(mask)
    faint = faint_strokes(region_grey(ink, field.rect, SIGNATURE_INSET_MM))
    stippled = ink.bilevel and stippled_strokes(mask)
    value, confidence = signature_decision(ratio, span, thresholds, faint, height, stippled)
    problems = (Problem.LOW_CONFIDENCE,) if confidence < thresholds.auto_accept_confidence else ()
    r = field.rect
    return FieldRead(
        field_id=field.id,
        kind=field.kind,
        page=page,
        value=value,
        raw=f"{ratio:.4f}/{span:.1f}x{height:.1f}mm"
        f" faint {faint[0]:.4f}/{faint[1]:.1f}x{faint[2]:.1f}mm" + (" stippled" * stippled),
        confidence=round(confidence, 4),
        box_mm=(r.x, r.y, r.w, r.h),
        problems=problems,
    )
