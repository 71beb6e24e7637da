"""Signature boxes: present or absent, scored by ink share and the size of the inked strokes."""

from __future__ import annotations

import cv2
import numpy as np

from intake.config import Thresholds
from intake.engines.base import ALIGNED_PX_PER_MM
from intake.reading.boxes import PageInk, cut_region
from intake.reading.result import FieldRead, Problem
from intake.template.model import SignatureField

#: keep clear of the outline (mm)
SIGNATURE_INSET_MM = 0.8
#: a signature spans at least this much (mm) in its largest stroke group
MIN_STROKE_SPAN_MM = 6.0
SIGNED = "signed"


def stroke_span_mm(mask: np.ndarray) -> float:
    """Width in mm of the widest group of connected ink (strokes a pen joined)."""
    joined = cv2.dilate(mask.astype(np.uint8), np.ones((9, 9), np.uint8))
    count, _, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    if count <= 1:
        return 0.0
    return float(stats[1:, cv2.CC_STAT_WIDTH].max()) / ALIGNED_PX_PER_MM


def signature_decision(ratio: float, span_mm: float, thresholds: Thresholds) -> tuple[str, float]:
    """(value, confidence). Missing signatures must never pass silently, so doubt means review."""
    threshold = thresholds.signature_ink_ratio
    if ratio >= threshold and span_mm >= MIN_STROKE_SPAN_MM:
        return SIGNED, min(0.999, 0.85 + 0.15 * min(1.0, ratio / (3 * threshold)))
    if ratio < threshold / 4 and span_mm < MIN_STROKE_SPAN_MM / 2:
        return "", 0.99
    return ("", 0.6) if ratio < threshold else (SIGNED, 0.6)


def read_signature(
    ink: PageInk, field: SignatureField, page: int, thresholds: Thresholds
) -> FieldRead:
    """Read one signature box from an aligned page."""
    mask, ratio = cut_region(ink, field.rect, SIGNATURE_INSET_MM)
    span = stroke_span_mm(mask)
    value, confidence = signature_decision(ratio, span, thresholds)
    problems = (Problem.LOW_CONFIDENCE,) if confidence < thresholds.auto_accept_confidence else ()
    r = field.rect
    return FieldRead(
        field_id=field.id,
        kind=field.kind,
        page=page,
        value=value,
        raw=f"{ratio:.4f}/{span:.1f}mm",
        confidence=round(confidence, 4),
        box_mm=(r.x, r.y, r.w, r.h),
        problems=problems,
    )
