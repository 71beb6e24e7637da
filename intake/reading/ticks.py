"""Tick boxes: ticked, empty or doubtful, with the ink share inside the box as the score."""

from __future__ import annotations

from intake.config import Thresholds
from intake.reading.boxes import PageInk, cut_region
from intake.reading.result import FieldRead, Problem
from intake.template.model import TickField

#: the outline band (mm) left out around the box's inside
TICK_INSET_MM = 0.4
TICKED = "ticked"


def tick_decision(score: float, thresholds: Thresholds) -> tuple[str, float, bool]:
    """(value, confidence, doubtful) for an ink share ``score``."""
    low, high = thresholds.tick_empty_ink_ratio, thresholds.tick_ink_ratio
    if score >= high:
        return TICKED, min(0.999, 0.9 + 0.1 * min(1.0, (score - high) / high)), False
    if score < low:
        return "", min(0.999, 0.9 + 0.1 * (1.0 - score / low)), False
    middle = (low + high) / 2
    value = TICKED if score >= middle else ""
    return value, 0.5 + 0.3 * abs(score - middle) / (high - middle), True


def read_tick(ink: PageInk, field: TickField, page: int, thresholds: Thresholds) -> FieldRead:
    """Read one tick box from an aligned page."""
    _, score = cut_region(ink, field.rect, TICK_INSET_MM, shadow_proof=True)
    value, confidence, doubtful = tick_decision(score, thresholds)
    problems = (Problem.LOW_CONFIDENCE,) if doubtful else ()
    r = field.rect
    return FieldRead(
        field_id=field.id,
        kind=field.kind,
        page=page,
        value=value,
        raw=f"{score:.4f}",
        confidence=round(confidence, 4),
        box_mm=(r.x, r.y, r.w, r.h),
        problems=problems,
    )
