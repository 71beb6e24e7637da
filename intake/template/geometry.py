"""Geometry checks on templates that need more than one value at once."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from intake.template.model import Page

#: two marks closer than this (mm) after a rotation count as the same place
_SAME_PLACE_MM = 3.0


def marks_rotation_ambiguous(page: Page, page_w: float = 210.0, page_h: float = 297.0) -> bool:
    """True if rotating the page by 180° (or 90°/270° on a square page) maps the marks onto
    themselves, so that the marks alone could not tell which way up the page is."""
    centres = [m.centre for m in page.marks]
    rotated = [(page_w - x, page_h - y) for x, y in centres]
    candidates = [rotated]
    if abs(page_w - page_h) < _SAME_PLACE_MM:
        candidates.append([(page_h - y, x) for x, y in centres])
        candidates.append([(y, page_w - x) for x, y in centres])
    for moved in candidates:
        if all(
            any(abs(mx - x) < _SAME_PLACE_MM and abs(my - y) < _SAME_PLACE_MM for x, y in centres)
            for mx, my in moved
        ):
            return True
    return False
