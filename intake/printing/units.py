"""Page units in one place: the template speaks millimetres from the top left, reportlab speaks
points from the bottom left, rasters speak pixels at some dpi."""

from __future__ import annotations

MM_PER_INCH = 25.4
POINTS_PER_INCH = 72.0
#: one typographic point in millimetres
PT_MM = MM_PER_INCH / POINTS_PER_INCH


def mm_to_pt(mm: float) -> float:
    """Millimetres to PDF points."""
    return mm * POINTS_PER_INCH / MM_PER_INCH


def pt_to_mm(pt: float) -> float:
    """PDF points to millimetres."""
    return pt * PT_MM


def px_per_mm(dpi: float) -> float:
    """Pixels per millimetre at ``dpi``."""
    return dpi / MM_PER_INCH


def mm_to_px(mm: float, dpi: float) -> float:
    """A length in millimetres as pixels at ``dpi`` (not rounded)."""
    return mm * dpi / MM_PER_INCH


def pdf_y(y_mm: float, page_h_mm: float) -> float:
    """A template y (mm down from the top) as a reportlab y (points up from the bottom)."""
    return mm_to_pt(page_h_mm - y_mm)
