"""Tick boxes: the decision on an ink share, and a tick box read off a tiny aligned strip."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from intake.config import Thresholds
from intake.engines.base import ALIGNED_PX_PER_MM
from intake.reading.boxes import page_ink
from intake.reading.result import Problem
from intake.reading.ticks import TICK_INSET_MM, TICKED, read_tick, tick_decision
from intake.template.model import FieldKind, TickField

PX = ALIGNED_PX_PER_MM
OUTLINE = (227, 154, 154)  # the template's box colour, RGB
INK = (30, 40, 120)
FIELD = TickField(
    id="child1_has_account",
    label="Has an account",
    party="child1",
    purpose="corroborates",
    kind=FieldKind.TICK,
    x=4.0,
    y=4.0,
)


def px(mm: float) -> int:
    return round(mm * PX)


def tick_strip() -> np.ndarray:
    """An aligned RGB strip, 13 mm square, holding ``FIELD``'s empty 5 mm box."""
    image = np.full((px(13), px(13), 3), 255, np.uint8)
    r = FIELD.rect
    cv2.rectangle(image, (px(r.x), px(r.y)), (px(r.x + r.w), px(r.y + r.h)), OUTLINE, 4)
    return image


@pytest.mark.parametrize(
    ("score", "value", "confidence", "doubtful"),
    [
        (0.0, "", 0.999, False),
        (0.2, TICKED, 0.999, False),
        (0.09, TICKED, 0.95, False),  # half again the ticked share
        (0.0125, "", 0.95, False),  # half the empty share
        (0.03, "", 0.5 + 0.3 * 0.0125 / 0.0175, True),
        (0.05, TICKED, 0.5 + 0.3 * 0.0075 / 0.0175, True),
    ],
)
def test_tick_decision(score: float, value: str, confidence: float, doubtful: bool) -> None:
    got, got_confidence, is_doubtful = tick_decision(score, Thresholds())
    assert (got, is_doubtful) == (value, doubtful)
    assert got_confidence == pytest.approx(confidence)


def test_the_doubtful_band_lies_between_the_two_thresholds() -> None:
    thresholds = Thresholds(tick_empty_ink_ratio=0.02, tick_ink_ratio=0.1)
    assert tick_decision(0.0199, thresholds)[2] is False
    assert tick_decision(0.02, thresholds)[2] is True
    assert tick_decision(0.0999, thresholds)[2] is True
    assert tick_decision(0.1, thresholds)[::2] == (TICKED, False)


def test_a_ticked_box_reads_ticked() -> None:
    image = tick_strip()
    r = FIELD.rect
    corners = [(r.x + 1, r.y + 2.8), (r.x + 2, r.y + 4), (r.x + 4.2, r.y + 0.8)]
    cv2.polylines(image, [np.array([(px(x), px(y)) for x, y in corners])], False, INK, 6)
    read = read_tick(page_ink(image), FIELD, 1, Thresholds())
    assert (read.field_id, read.kind, read.page) == ("child1_has_account", "tick", 1)
    assert read.value == TICKED and read.problems == ()
    assert float(read.raw) > 0.12  # twice the ticked share
    assert read.confidence == 0.999
    assert read.box_mm == (4.0, 4.0, 5.0, 5.0)


def test_an_empty_box_reads_empty_with_its_outline_left_out() -> None:
    read = read_tick(page_ink(tick_strip()), FIELD, 1, Thresholds())
    assert (read.value, read.raw, read.confidence, read.problems) == ("", "0.0000", 0.999, ())


def test_a_small_mark_is_doubtful_and_goes_to_review() -> None:
    # a 5 x 20 px dash inside the 50 x 50 px counted inside: 4% ink
    image = tick_strip()
    x, y = px(FIELD.x + 2), px(FIELD.y + 2)
    cv2.rectangle(image, (x, y), (x + 19, y + 4), INK, cv2.FILLED)
    inside = round((FIELD.size - 2 * TICK_INSET_MM) * PX)
    assert inside == 50
    read = read_tick(page_ink(image), FIELD, 2, Thresholds())
    assert read.raw == f"{100 / inside**2:.4f}" == "0.0400"
    assert read.value == ""  # under the middle of the doubtful band
    assert read.confidence == pytest.approx(0.5 + 0.3 * 0.0025 / 0.0175, abs=1e-4)
    assert read.problems == (Problem.LOW_CONFIDENCE,)


PAGE_FIELD = TickField(
    id="child1_has_account",
    label="Has an account",
    party="child1",
    purpose="corroborates",
    kind=FieldKind.TICK,
    x=18.0,
    y=18.0,
)


def _page_strip() -> np.ndarray:
    """A 40 mm square of page around ``PAGE_FIELD``'s empty box: room for a shadow's edge to
    cross the box with paper on both sides, as on a photographed page."""
    image = np.full((px(40), px(40), 3), 255, np.uint8)
    r = PAGE_FIELD.rect
    cv2.rectangle(image, (px(r.x), px(r.y)), (px(r.x + r.w), px(r.y + r.h)), OUTLINE, 4)
    return image


def _shadowed(image: np.ndarray, edge_mm: float, light: float, blur_px: float, axis: int):
    shaded = image.astype(np.float32)
    if axis:
        shaded[:, px(edge_mm) :] *= light
    else:
        shaded[px(edge_mm) :, :] *= light
    return cv2.GaussianBlur(shaded, (0, 0), blur_px).clip(0, 255).astype(np.uint8)


@pytest.mark.parametrize("light", [0.85, 0.55, 0.35])
@pytest.mark.parametrize("edge_mm", [17.0, 19.5, 20.5, 22.5])
@pytest.mark.parametrize("blur_px", [1, 6, 24])
def test_a_shadow_edge_across_an_empty_box_is_no_tick(
    light: float, edge_mm: float, blur_px: float
) -> None:
    """A phone's shadow across the box, sharp or soft, light or deep, along either axis: the
    dark side is paper in the shade, not ink (the local brightest level took it for a tick)."""
    for axis in (0, 1):
        image = _shadowed(_page_strip(), edge_mm, light, blur_px, axis)
        read = read_tick(page_ink(image), PAGE_FIELD, 1, Thresholds())
        assert read.value == "", (axis, read.raw)


@pytest.mark.parametrize("light", [1.0, 0.7, 0.5])
@pytest.mark.parametrize("mark", ["tick", "thick tick", "filled"])
def test_a_tick_or_a_filled_box_under_a_shadow_is_ticked(light: float, mark: str) -> None:
    image = _page_strip()
    r = PAGE_FIELD.rect
    if mark == "filled":  # wider than any stroke: still narrower than a shadow
        corner, far = (px(r.x + 0.3), px(r.y + 0.3)), (px(r.x + 4.7), px(r.y + 4.7))
        cv2.rectangle(image, corner, far, INK, cv2.FILLED)
    else:
        corners = [(r.x + 1, r.y + 2.8), (r.x + 2, r.y + 4), (r.x + 4.2, r.y + 0.8)]
        points = np.array([(px(x), px(y)) for x, y in corners])
        cv2.polylines(image, [points], False, INK, 6 if mark == "thick tick" else 2)
    read = read_tick(page_ink(_shadowed(image, 20.5, light, 2, 1)), PAGE_FIELD, 1, Thresholds())
    assert (read.value, read.problems) == (TICKED, ()), read.raw
