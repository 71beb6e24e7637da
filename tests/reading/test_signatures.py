"""Signature boxes: the size of the inked strokes, the decision, and a box read off a strip."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from intake.config import Thresholds
from intake.engines.base import ALIGNED_PX_PER_MM
from intake.reading.boxes import page_ink
from intake.reading.result import Problem
from intake.reading.signatures import (
    SIGNATURE_INSET_MM,
    SIGNED,
    faint_strokes,
    read_signature,
    signature_decision,
    stroke_extent_mm,
    stroke_span_mm,
)
from intake.template.model import FieldKind, SignatureField

PX = ALIGNED_PX_PER_MM
OUTLINE = (227, 154, 154)  # the template's box colour, RGB
INK = (30, 40, 120)
FIELD = SignatureField(
    id="p1_signature_agree",
    label="Signature",
    party="parent1",
    purpose="decides",
    kind=FieldKind.SIGNATURE,
    x=4.0,
    y=4.0,
    w=42.0,
    h=12.0,
)


def px(mm: float) -> int:
    return round(mm * PX)


def signature_strip() -> np.ndarray:
    """An aligned RGB strip, 50 x 20 mm, holding ``FIELD``'s empty box."""
    image = np.full((px(20), px(50), 3), 255, np.uint8)
    r = FIELD.rect
    cv2.rectangle(image, (px(r.x), px(r.y)), (px(r.x + r.w), px(r.y + r.h)), OUTLINE, 4)
    return image


def test_stroke_span_is_the_widest_group_of_joined_ink() -> None:
    mask = np.zeros((100, 400), bool)
    assert stroke_span_mm(mask) == 0.0
    mask[50:53, 10:130] = True  # 120 px; the 9 px joining adds 4 px each side
    assert stroke_span_mm(mask) == pytest.approx(128 / PX)
    mask[50:53, 200:260] = True  # a second, shorter stroke well apart
    assert stroke_span_mm(mask) == pytest.approx(128 / PX)
    mask[50:53, 134:200] = True  # strokes 4 px apart are one pen's: joined
    assert stroke_span_mm(mask) == pytest.approx(258 / PX)


def test_signature_decision_never_passes_doubt() -> None:
    thresholds = Thresholds()
    assert signature_decision(0.05, 40.0, thresholds)[0] == SIGNED
    assert signature_decision(0.036, 40.0, thresholds) == (SIGNED, pytest.approx(1.0 - 1e-3))
    assert signature_decision(0.018, 40.0, thresholds) == (SIGNED, pytest.approx(0.925))
    assert signature_decision(0.0, 0.0, thresholds) == ("", 0.99)
    # initials: enough ink but too short a stroke; or a long faint line: doubtful either way
    assert signature_decision(0.02, 4.0, thresholds) == (SIGNED, 0.6)
    assert signature_decision(0.008, 10.0, thresholds, height_mm=0.5) == ("", 0.6)
    # a straight line across the box, however much ink: a person looks
    assert signature_decision(0.05, 40.0, thresholds, height_mm=0.5) == (SIGNED, 0.6)
    assert thresholds.auto_accept_confidence > 0.6


def test_a_signed_box_reads_signed() -> None:
    image = signature_strip()
    x0, y0 = px(FIELD.x + 8), px(FIELD.y + 5)
    cv2.rectangle(image, (x0, y0), (x0 + 239, y0 + 29), INK, cv2.FILLED)  # 20 x 2.5 mm of ink
    read = read_signature(page_ink(image), FIELD, 1, Thresholds())
    inner = FIELD.rect.grown(-SIGNATURE_INSET_MM)
    ratio = 240 * 30 / (round(inner.w * PX) * round(inner.h * PX))
    assert read.raw.startswith(f"{ratio:.4f}/{248 / PX:.1f}x{30 / PX:.1f}mm faint ")
    assert (read.value, read.problems) == (SIGNED, ())
    assert read.confidence == pytest.approx(min(0.999, 0.85 + 0.15 * ratio / 0.036), abs=1e-4)
    assert (read.field_id, read.kind, read.box_mm) == (
        "p1_signature_agree",
        "signature",
        (4.0, 4.0, 42.0, 12.0),
    )


def test_an_empty_box_reads_unsigned_for_sure() -> None:
    read = read_signature(page_ink(signature_strip()), FIELD, 1, Thresholds())
    assert (read.value, read.confidence, read.problems) == ("", 0.99, ())
    assert read.raw == "0.0000/0.0x0.0mm faint 0.0000/0.0x0.0mm"


def test_initials_are_doubtful_and_go_to_review() -> None:
    image = signature_strip()
    x0, y0 = px(FIELD.x + 8), px(FIELD.y + 3)
    cv2.rectangle(image, (x0, y0), (x0 + 40, y0 + 70), INK, cv2.FILLED)  # 3.4 x 5.9 mm of ink
    read = read_signature(page_ink(image), FIELD, 1, Thresholds())
    assert (read.value, read.confidence) == (SIGNED, 0.6)
    assert read.problems == (Problem.LOW_CONFIDENCE,)


def _scribble(image: np.ndarray, colour: tuple[int, int, int], width: int) -> None:
    """A signature-like zigzag, 25 mm long and 5 mm tall, in the box."""
    xs = np.linspace(px(FIELD.x + 6), px(FIELD.x + 31), 24)
    ys = np.where(np.arange(24) % 2 == 0, px(FIELD.y + 4), px(FIELD.y + 9))
    points = np.stack([xs, ys], axis=1).astype(np.int32)
    cv2.polylines(image, [points], False, colour, width, cv2.LINE_AA)


def test_a_fine_pale_signature_is_found_by_the_faint_look() -> None:
    """A 0.2 mm stroke of a running-dry pen: too light for the ink mask, signed all the same."""
    image = signature_strip()
    _scribble(image, (200, 208, 232), 2)
    read = read_signature(page_ink(image), FIELD, 1, Thresholds())
    assert (read.value, read.problems) == (SIGNED, ())
    assert read.confidence >= Thresholds().auto_accept_confidence


def test_shadows_and_lines_are_not_signatures() -> None:
    """An empty box under a photo's shadow edge, or struck through with one straight line,
    never reads signed for sure."""
    image = signature_strip().astype(np.float32)
    image[:, px(25) :] *= 0.7  # a hard shadow edge across the box
    image = cv2.GaussianBlur(image, (0, 0), 3).astype(np.uint8)
    shaded = read_signature(page_ink(image), FIELD, 1, Thresholds())
    assert shaded.confidence < Thresholds().auto_accept_confidence  # at most a doubt
    assert "faint 0.0000/0.0x0.0mm" in shaded.raw  # the faint look ignores the shadow
    struck = signature_strip()
    y = px(FIELD.y + 6)
    cv2.line(struck, (px(FIELD.x + 2), y), (px(FIELD.x + 40), y), (150, 160, 200), 2)
    read = read_signature(page_ink(struck), FIELD, 1, Thresholds())
    assert read.confidence < Thresholds().auto_accept_confidence  # a person looks


def test_faint_strokes_measure_the_widest_group_and_its_height() -> None:
    grey = np.full((120, 400), 245, np.uint8)
    assert faint_strokes(grey) == (0.0, 0.0, 0.0)
    cv2.line(grey, (20, 60), (300, 60), 215, 2)
    ratio, span, height = faint_strokes(grey)
    assert ratio > 0 and span == pytest.approx(289 / PX, abs=0.3) and height < 0.5
    mask = np.zeros((100, 300), bool)
    mask[20:80, 10:14] = True
    assert stroke_extent_mm(mask) == (pytest.approx(12 / PX), pytest.approx(60 / PX))
    assert signature_decision(0.008, 12.0, Thresholds(), height_mm=4.0) == (SIGNED, 0.9)
    assert signature_decision(0.008, 12.0, Thresholds(), height_mm=0.5) == ("", 0.6)


def test_faint_marks_lower_than_writing_are_never_signed_for_sure() -> None:
    """What the faint look found in empty boxes of the validation sets: the box's outline along
    its edge (84 x 1.4 mm) and print showing through beside a shadow's curved edge (21 x 2.9
    mm). Each goes to a person; a fine-liner's signature 14 mm tall still passes."""
    thresholds = Thresholds()
    outline = signature_decision(0.0, 0.0, thresholds, (0.0183, 84.4, 1.4), 0.0)
    shadow = signature_decision(0.0042, 10.6, thresholds, (0.0093, 20.8, 2.9), 0.9)
    for _, confidence in (outline, shadow):
        assert confidence < thresholds.auto_accept_confidence
    signed = signature_decision(0.0046, 32.5, thresholds, (0.0091, 32.7, 14.0), 13.8)
    assert signed[0] == SIGNED and signed[1] >= thresholds.auto_accept_confidence
