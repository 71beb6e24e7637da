"""A pale pen's dotted signature on a black-and-white scan, told from speckle, lines and rings."""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np
import pytest

from intake.config import Thresholds
from intake.engines.base import ALIGNED_PX_PER_MM
from intake.reading.boxes import page_ink
from intake.reading.signatures import SIGNED, STIPPLE_CONFIDENCE, read_signature
from intake.reading.stipple import clustering, edge_turns, stippled_strokes
from intake.template.model import FormTemplate, SignatureField

PX = ALIGNED_PX_PER_MM
#: the inside of the form's signature box (86 x 20 mm, less the inset), px
H, W = 221, 1013
SEEDS = range(25)


def stippled_wave(rng: np.random.Generator, shape: tuple[int, int] = (H, W)) -> np.ndarray:
    """Up-and-down strokes 35 mm long and 8 mm tall, a pen stroke 0.2 mm wide, of which a
    copier kept a few dots."""
    height, width = shape
    x = np.arange(round(0.1 * width), round(0.1 * width) + round(35 * PX))
    y = height / 2 + 4 * PX * np.sin(x / PX) + rng.uniform(-1, 1) * (x - x[0]) / 10
    stroke = np.zeros(shape, np.uint8)
    cv2.polylines(stroke, [np.stack([x, y], 1).astype(np.int32)], False, 1, 2)
    return stroke.astype(bool) & (rng.random(shape) < rng.uniform(0.08, 0.2))


def dots(points: np.ndarray) -> np.ndarray:
    mask = np.zeros((H, W), bool)
    x, y = np.round(points).astype(int).T
    inside = (x >= 0) & (x < W) & (y >= 0) & (y < H)
    mask[y[inside], x[inside]] = True
    return mask


def speckle(rng: np.random.Generator) -> np.ndarray:
    return rng.random((H, W)) < rng.choice([0.0005, 0.001, 0.002, 0.004, 0.008, 0.012])


def shadow_band(rng: np.random.Generator) -> np.ndarray:
    """Speckle where a shadow's edge met the copier's threshold: thick on one side."""
    falling = np.linspace(rng.uniform(0.01, 0.1), 0.0, W)[None, :]
    return rng.random((H, W)) < falling


def stripe(rng: np.random.Generator) -> np.ndarray:
    """A crease's shadow along the box: a narrow band of speckle."""
    rows = np.arange(H)[:, None]
    return rng.random((H, W)) < 0.03 * np.exp(-(((rows - rng.uniform(0, H)) / 20.0) ** 2))


def rings(rng: np.random.Generator) -> np.ndarray:
    """A mug's stain: two concentric dotted arcs, the box cutting through them."""
    radius = rng.uniform(60, 400)
    centre = np.array([rng.uniform(0, W), rng.uniform(-radius, H + radius)])
    angles = rng.uniform(0, 2 * np.pi, int(2 * np.pi * radius / rng.uniform(3, 18)))
    ring = np.stack([np.cos(angles), np.sin(angles)], 1)
    points = np.concatenate([centre + radius * ring, centre + 0.8 * radius * ring])
    return dots(points + rng.normal(0, 2, points.shape))


def dotted_line(rng: np.random.Generator) -> np.ndarray:
    """A fold or the box's outline thresholded into dots, among speckle."""
    x = rng.uniform(0, W, 200)
    points = np.stack([x, H / 2 + rng.uniform(-0.3, 0.3) * (x - W / 2)], 1)
    return dots(points + rng.normal(0, 1.5, points.shape)) | (rng.random((H, W)) < 0.0005)


def cross(rng: np.random.Generator) -> np.ndarray:
    """The box struck through corner to corner, both ways, in dots."""
    x = rng.uniform(0, W, 300)
    points = np.stack([x, np.where(np.arange(300) < 150, x * H / W, H - x * H / W)], 1)
    return dots(points + rng.normal(0, 1.2, points.shape))


def show_through(rng: np.random.Generator) -> np.ndarray:
    """The print on the back of the sheet, mirrored, a few of its pixels past the threshold."""
    text = np.zeros((H, W), np.uint8)
    size = rng.choice([2.5, 4.0]) * PX
    for row in range(1, int(H / (1.6 * size)) + 1):
        cv2.putText(
            text, "Parent Portal application", (5, int(row * 1.6 * size)), 0, size / 22, 1, 2
        )
    return text[:, ::-1].astype(bool) & (rng.random((H, W)) < rng.uniform(0.05, 0.3))


def test_a_pale_pens_dots_are_a_signature() -> None:
    found = [stippled_strokes(stippled_wave(np.random.default_rng(seed))) for seed in SEEDS]
    assert all(found)


@pytest.mark.parametrize("marks", [speckle, shadow_band, stripe, dotted_line, cross, show_through])
def test_speckle_lines_and_rings_never_are(
    marks: Callable[[np.random.Generator], np.ndarray],
) -> None:
    for seed in SEEDS:
        assert not stippled_strokes(marks(np.random.default_rng(seed))), seed


def test_a_stains_rings_almost_never_are() -> None:
    """Two concentric dotted arcs can mimic strokes that turn and lean by turns: measured, 3 of
    1,000 such boxes read signed (and only on a black-and-white scan with no other ink)."""
    signed = sum(stippled_strokes(rings(np.random.default_rng(seed))) for seed in range(400))
    assert signed <= 2


def test_too_few_or_too_many_dots_are_left_to_the_other_looks() -> None:
    rng = np.random.default_rng(1)
    wave = stippled_wave(rng)
    assert not stippled_strokes(np.zeros((H, W), bool))
    few = wave & (np.cumsum(wave.ravel()).reshape(wave.shape) <= 30)
    assert not stippled_strokes(few)
    assert not stippled_strokes(wave | (rng.random((H, W)) < 0.02))  # thousands of specks


def test_clustering_is_about_one_for_strewn_dots_and_low_for_a_stroke() -> None:
    rng = np.random.default_rng(3)
    strewn = rng.uniform(0, 1000, (400, 2))
    assert clustering(strewn, 1000 * 1000) == pytest.approx(1.0, abs=0.12)
    x = np.linspace(0, 1000, 400)
    assert clustering(np.stack([x, 500 + 0 * x], 1), 1000 * 1000) < 0.2


def test_edge_turns_count_the_ups_and_downs() -> None:
    x = np.arange(0, 40 * PX, 2.0)
    flat = np.stack([x, 0 * x + 100], 1)
    assert edge_turns(flat) == 0
    wave = np.stack([x, 100 + 4 * PX * np.sin(x / (2 * PX))], 1)  # 6 crests and troughs
    assert edge_turns(wave) == 5  # the first is where it starts going, not a turn


def test_a_stippled_box_on_a_black_and_white_scan_reads_signed(template: FormTemplate) -> None:
    field = template.field("p1_signature_agree").model_copy(update={"x": 4.0, "y": 4.0})
    assert isinstance(field, SignatureField) and (field.w, field.h) == (86.0, 20.0)
    page = np.full((round(28 * PX), round(94 * PX)), 255, np.uint8)
    x0, y0 = round(4 * PX), round(4 * PX)
    cv2.rectangle(page, (x0, y0), (x0 + round(86 * PX), y0 + round(20 * PX)), 0, 3)
    inside = page[y0 + round(PX) : y0 + round(19 * PX), x0 + round(PX) : x0 + round(85 * PX)]
    inside[stippled_wave(np.random.default_rng(7), inside.shape)] = 0
    ink = page_ink(page)
    assert ink.bilevel
    read = read_signature(ink, field, 1, Thresholds())
    assert (read.value, read.confidence, read.problems) == (SIGNED, STIPPLE_CONFIDENCE, ())
    assert read.raw.endswith(" stippled")
    assert Thresholds().auto_accept_confidence <= STIPPLE_CONFIDENCE
