"""Laying ink on a page raster: characters in boxes, ticks, crosses, strike-throughs, signatures.

Everything works on an RGB ``uint8`` page in place, in pixels; callers convert from template
millimetres. Every random choice comes from the ``numpy.random.Generator`` passed in, so a page
is the same for the same seed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import cv2
import numpy as np

from intake.lab.samples.handwriting import Glyph

#: ballpoint and gel pen colours (RGB): blue, dark blue, black, blue-black
PEN_COLOURS: tuple[tuple[int, int, int], ...] = (
    (28, 48, 150),
    (20, 32, 105),
    (30, 30, 36),
    (40, 44, 70),
    (45, 70, 175),
)
#: the pale inks of light-blue ballpoints, light gel pens and pencil-grey fine-liners
LIGHT_COLOURS: tuple[tuple[int, int, int], ...] = (
    (80, 110, 205),
    (105, 125, 190),
    (110, 110, 120),
)
#: share of parents writing with a pale ink, and with a fine-liner
LIGHT_PEN_SHARE = 0.12
FINE_LINER_SHARE = 0.3


@dataclass(frozen=True)
class Pen:
    """A pen and the habits of the hand holding it."""

    colour: tuple[int, int, int]
    weight: int  # 0..2: extra stroke width at the font's render size
    pressure: float  # 0.6..1: how dark the ink lies
    size: float  # capital height as a share of the box height
    slant: float  # horizontal shear, + leans right
    jitter: float  # 0..1: how unsteady size and position are
    sloppy: float  # chance that a character touches or crosses the box edge
    #: a 0.2 mm fine-liner: ticks and signatures drawn with the thinnest line
    fine: bool = False


def random_pen(rng: np.random.Generator) -> Pen:
    """A pen and writing habits as a parent's."""
    colour = PEN_COLOURS[int(rng.integers(len(PEN_COLOURS)))]
    pen = Pen(
        colour=colour,
        weight=int(rng.choice([0, 1, 1, 2, 2, 3])),
        pressure=float(rng.uniform(0.65, 1.0)),
        size=float(rng.uniform(0.62, 0.86)),
        slant=float(rng.normal(0.06, 0.1)),
        jitter=float(rng.uniform(0.2, 1.0)),
        sloppy=float(rng.choice([0.0, 0.02, 0.05, 0.12])),
    )
    # pale pens and fine-liners come from a generator seeded by this pen's own draws, so the
    # draws that follow (and the truths of forms made before) are as they were
    extra = np.random.default_rng([round(pen.pressure * 1e9), round(pen.size * 1e9)])
    light = extra.random() < LIGHT_PEN_SHARE
    return replace(
        pen,
        colour=LIGHT_COLOURS[int(extra.integers(len(LIGHT_COLOURS)))] if light else pen.colour,
        weight=0 if light else pen.weight,
        fine=bool(extra.random() < FINE_LINER_SHARE),
    )


def lay_ink(page: np.ndarray, alpha: np.ndarray, x0: int, y0: int, pen: Pen) -> None:
    """Blend ``alpha`` (0..1) into ``page`` at (x0, y0) in the pen's colour, clipped to the page."""
    h, w = alpha.shape
    ph, pw = page.shape[:2]
    ax0, ay0 = max(0, -x0), max(0, -y0)
    bx0, by0 = max(0, x0), max(0, y0)
    bx1, by1 = min(pw, x0 + w), min(ph, y0 + h)
    if bx1 <= bx0 or by1 <= by0:
        return
    a = alpha[ay0 : ay0 + (by1 - by0), ax0 : ax0 + (bx1 - bx0)] * pen.pressure
    a = a[:, :, None]
    region = page[by0:by1, bx0:bx1].astype(np.float32)
    ink = np.asarray(pen.colour, np.float32)
    # ink is transparent-ish: it darkens what lies beneath (printed lines stay visible)
    blended = region * (1.0 - a) + np.minimum(region, ink) * a
    page[by0:by1, bx0:bx1] = blended.astype(np.uint8)


def write_char(
    page: np.ndarray,
    glyph: Glyph,
    box: tuple[float, float, float, float],
    pen: Pen,
    rng: np.random.Generator,
) -> None:
    """Write one character in a box (x, y, w, h in pixels) with the hand's jitter."""
    bx, by, bw, bh = box
    if glyph.alpha.size == 0 or glyph.cap_h <= 0:
        return
    sloppy = rng.random() < pen.sloppy
    cap = bh * pen.size * float(rng.normal(1.0, 0.06 * pen.jitter))
    if sloppy:
        cap *= float(rng.uniform(1.05, 1.3))
    scale = cap / glyph.cap_h
    gw = glyph.alpha.shape[1]
    width = gw * scale
    squeeze = min(1.0, 0.92 * bw / max(width, 1.0)) if not sloppy else 1.0
    sx = scale * squeeze
    shear = pen.slant + float(rng.normal(0.0, 0.05 * pen.jitter))
    angle = math.radians(float(rng.normal(0.0, 2.5 * pen.jitter)))
    # centre of the glyph's capital band goes to the box centre, plus jitter
    cx = bx + bw / 2 + float(rng.normal(0.0, 0.07 * bw * pen.jitter))
    cy = by + bh / 2 + float(rng.normal(0.0, 0.06 * bh * pen.jitter))
    if sloppy:
        cx += float(rng.choice([-1, 1])) * bw * float(rng.uniform(0.15, 0.35))
        cy += float(rng.choice([-1, 1])) * bh * float(rng.uniform(0.1, 0.3))
    gcx, gcy = gw / 2.0, glyph.cap_top + glyph.cap_h / 2.0
    cos, sin = math.cos(angle), math.sin(angle)
    # glyph -> page: translate to the glyph centre, scale, shear, rotate, move to (cx, cy)
    linear = np.array([[cos, -sin], [sin, cos]]) @ np.array([[1.0, -shear], [0.0, 1.0]])
    linear = linear @ np.diag([sx, scale])
    span = int(max(bw, bh) * 2.2) + 4
    ox, oy = int(cx - span / 2), int(cy - span / 2)
    offset = np.array([cx - ox, cy - oy]) - linear @ np.array([gcx, gcy])
    matrix = np.hstack([linear, offset[:, None]]).astype(np.float32)
    patch = cv2.warpAffine(
        glyph.alpha, matrix, (span, span), flags=cv2.INTER_LINEAR, borderValue=0.0
    )
    patch = _wobble(patch, rng, 0.5 + 0.025 * bh * pen.jitter)
    lay_ink(page, np.clip(patch, 0.0, 1.0), ox, oy, pen)


def _wobble(patch: np.ndarray, rng: np.random.Generator, amplitude: float) -> np.ndarray:
    """A hand is never the same twice: bend the strokes by a smooth random field of
    ``amplitude`` pixels, and let the ink lie a little unevenly along them."""
    h, w = patch.shape
    coarse = rng.normal(0.0, 1.0, (3, 4, 4)).astype(np.float32)
    dx = cv2.resize(coarse[0], (w, h), interpolation=cv2.INTER_CUBIC) * amplitude
    dy = cv2.resize(coarse[1], (w, h), interpolation=cv2.INTER_CUBIC) * amplitude
    xs, ys = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    bent = cv2.remap(patch, xs + dx, ys + dy, cv2.INTER_LINEAR, borderValue=0.0)
    density = cv2.resize(coarse[2], (w, h), interpolation=cv2.INTER_CUBIC)
    return np.asarray(bent * np.clip(0.88 + 0.08 * density, 0.7, 1.0))


def stroke(
    page: np.ndarray,
    points: np.ndarray,
    pen: Pen,
    thickness: int,
) -> None:
    """A pen stroke through ``points`` (N x 2 pixels), anti-aliased."""
    x0, y0 = np.floor(points.min(axis=0)).astype(int) - thickness - 2
    x1, y1 = np.ceil(points.max(axis=0)).astype(int) + thickness + 2
    mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
    shifted = np.round((points - [x0, y0]) * 16).astype(np.int32)
    cv2.polylines(mask, [shifted], False, 255, thickness, cv2.LINE_AA, shift=4)
    lay_ink(page, mask.astype(np.float32) / 255.0, int(x0), int(y0), pen)


def pen_thickness(pen: Pen, px_per_mm: float) -> int:
    """Stroke width in pixels for ticks and signatures (0.3 to 0.7 mm; 0.2 mm a fine-liner)."""
    if pen.fine:
        return max(1, round(px_per_mm * 0.2))
    return max(1, round(px_per_mm * (0.3 + 0.12 * pen.weight)))


def tick_mark(
    page: np.ndarray,
    box: tuple[float, float, float, float],
    pen: Pen,
    rng: np.random.Generator,
    px_per_mm: float,
    cross: bool,
) -> None:
    """A tick (✓) or a cross (X) in a tick box, of varied size and placement."""
    bx, by, bw, bh = box
    size = float(rng.uniform(0.6, 1.35))
    cx = bx + bw / 2 + float(rng.normal(0, 0.1 * bw))
    cy = by + bh / 2 + float(rng.normal(0, 0.1 * bh))
    half_w, half_h = bw * size / 2, bh * size / 2
    thick = pen_thickness(pen, px_per_mm)
    if cross:
        for sign in (-1, 1):
            start = (cx - half_w, cy + sign * half_h)
            end = (cx + half_w, cy - sign * half_h)
            stroke(page, _wobbly_line(start, end, rng, 0.03 * bw), pen, thick)
        return
    low = (cx - half_w * 0.25, cy + half_h * 0.8)
    start = (cx - half_w * 0.8, cy + half_h * 0.05)
    end = (cx + half_w * 1.05, cy - half_h * 1.25)
    points = np.vstack(
        [_wobbly_line(start, low, rng, 0.02 * bw), _wobbly_line(low, end, rng, 0.03 * bw)]
    )
    stroke(page, points, pen, thick)


def strike_through(
    page: np.ndarray,
    box: tuple[float, float, float, float],
    pen: Pen,
    rng: np.random.Generator,
    px_per_mm: float,
) -> None:
    """Cross out what a box holds: one or two lines, or a tight scribble."""
    bx, by, bw, bh = box
    thick = pen_thickness(pen, px_per_mm)
    style = int(rng.integers(3))
    if style == 0:  # one diagonal
        stroke(page, _wobbly_line((bx, by + bh), (bx + bw, by), rng, 0.02 * bw), pen, thick)
    elif style == 1:  # an X over the character
        stroke(page, _wobbly_line((bx, by), (bx + bw, by + bh), rng, 0.02 * bw), pen, thick)
        stroke(page, _wobbly_line((bx, by + bh), (bx + bw, by), rng, 0.02 * bw), pen, thick)
    else:  # scribbled over, back and forth
        turns = int(rng.integers(4, 8))
        xs = np.linspace(bx + 0.05 * bw, bx + 0.95 * bw, turns * 6)
        ys = by + bh / 2 + np.sin(np.linspace(0, turns * math.pi, xs.size)) * bh * 0.4
        stroke(page, np.stack([xs, ys], axis=1), pen, thick)


def signature(
    page: np.ndarray,
    box: tuple[float, float, float, float],
    pen: Pen,
    rng: np.random.Generator,
    px_mm: float,
) -> None:
    """A scribbled signature: one or two flowing words of up-and-down strokes with the odd loop
    and a tall first letter, of varied size, sometimes underlined; it may touch the box edge."""
    bx, by, bw, bh = box
    width = bw * float(rng.uniform(0.3, 0.8))
    height = bh * float(rng.uniform(0.25, 0.6))
    x_start = bx + float(rng.uniform(0.03, max(0.04, 0.95 - width / bw))) * bw
    base_y = by + bh * float(rng.uniform(0.5, 0.72))
    thick = max(1, pen_thickness(pen, px_mm) - int(rng.integers(0, 2)))
    words = 1 if rng.random() < 0.55 else 2
    cursor = x_start
    for word in range(words):
        share = width * (0.35 if (words == 2 and word == 0) else (0.65 if words == 2 else 1.0))
        count = max(6, int(share / max(height, 1.0) * float(rng.uniform(2.0, 4.5))))
        steps = rng.uniform(0.4, 1.3, count)
        steps[rng.random(count) < 0.18] *= -0.6  # a loop back
        xs = np.cumsum(steps)
        xs = (xs - xs.min()) / max(float(np.ptp(xs)), 1e-6) * share + cursor
        ys = np.where(np.arange(count) % 2 == 0, -1.0, 1.0) * rng.uniform(0.15, 0.5, count)
        ys = base_y + ys * height + np.cumsum(rng.normal(0, 0.05, count)) * height
        ys[0] = base_y - height * float(rng.uniform(0.7, 1.1))  # a tall first letter
        stroke(page, _smooth(np.stack([xs, ys], axis=1)), pen, thick)
        cursor += share + float(rng.uniform(0.03, 0.08)) * bw
    if rng.random() < 0.35:  # underline flourish
        y = base_y + height * float(rng.uniform(0.55, 0.8))
        line = _wobbly_line(
            (x_start - 0.02 * bw, y + 0.08 * height), (cursor, y - 0.1 * height), rng, 0.01 * bw
        )
        stroke(page, line, pen, thick)


def _smooth(points: np.ndarray, per_segment: int = 10) -> np.ndarray:
    """A Catmull-Rom curve through ``points``, as a pen moves through them."""
    padded = np.vstack([points[:1], points, points[-1:]])
    t = np.linspace(0.0, 1.0, per_segment, endpoint=False)[:, None]
    t2, t3 = t * t, t * t * t
    out = []
    for i in range(1, len(padded) - 2):
        p0, p1, p2, p3 = padded[i - 1], padded[i], padded[i + 1], padded[i + 2]
        out.append(
            0.5
            * (
                2 * p1
                + (-p0 + p2) * t
                + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t2
                + (-p0 + 3 * p1 - 3 * p2 + p3) * t3
            )
        )
    out.append(points[-1:])
    return np.vstack(out)


def _wobbly_line(
    start: tuple[float, float], end: tuple[float, float], rng: np.random.Generator, wobble: float
) -> np.ndarray:
    """Points along a slightly unsteady hand-drawn line."""
    steps = 12
    t = np.linspace(0.0, 1.0, steps)[:, None]
    points = np.asarray(start) * (1 - t) + np.asarray(end) * t
    bend = np.sin(t[:, 0] * math.pi) * float(rng.normal(0, wobble))
    direction = np.asarray(end) - np.asarray(start)
    normal = np.array([-direction[1], direction[0]]) / max(float(np.hypot(*direction)), 1e-6)
    return np.asarray(points + bend[:, None] * normal, dtype=np.float64)
