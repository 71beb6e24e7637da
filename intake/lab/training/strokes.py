"""Block capitals and digits drawn as pen strokes, with random wobble: the "stroke font".

Each character is a few polylines in a unit cap box (x right 0..1, y down 0 = cap line,
1 = baseline). :func:`draw_strokes` perturbs the points and draws them with a random pen, so no
two renderings agree; that is closer to a parent's BLOCK CAPITALS than any typeface.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from intake.lab.training.sources import InkSource

Stroke = list[tuple[float, float]]


def _arc(cx: float, cy: float, rx: float, ry: float, start: float, end: float) -> Stroke:
    """Points on an ellipse arc, angles in degrees, 0 = right, 90 = down (image axes)."""
    steps = max(4, int(abs(end - start) / 15))
    return [
        (cx + rx * math.cos(math.radians(a)), cy + ry * math.sin(math.radians(a)))
        for a in np.linspace(start, end, steps)
    ]


#: character -> alternative skeletons (each a list of strokes)
SKELETONS: dict[str, list[list[Stroke]]] = {
    "A": [[[(0, 1), (0.5, 0), (1, 1)], [(0.22, 0.6), (0.78, 0.6)]]],
    "B": [
        [
            [(0, 0), (0, 1)],
            [(0, 0), (0.6, 0), *_arc(0.6, 0.24, 0.3, 0.24, -90, 90), (0, 0.48)],
            [(0, 0.48), (0.65, 0.48), *_arc(0.65, 0.74, 0.35, 0.26, -90, 90), (0, 1)],
        ]
    ],
    "C": [[_arc(0.55, 0.5, 0.5, 0.5, -40, -320)]],
    "D": [
        [[(0, 0), (0, 1)], [(0, 0), (0.4, 0), *_arc(0.4, 0.5, 0.6, 0.5, -90, 90), (0, 1)]],
        # the round D that reads as O: a short straight back, the bowl drawn in one sweep
        [[(0.05, 0), (0.05, 1)], [(0.05, 0), *_arc(0.3, 0.5, 0.7, 0.5, -80, 80), (0.05, 1)]],
    ],
    "E": [
        [[(1, 0), (0, 0), (0, 1), (1, 1)], [(0, 0.5), (0.75, 0.5)]],
        # short bars, each drawn on its own: the E people read as F when the foot is short
        [[(0, 0), (0, 1)], [(0, 0), (0.8, 0)], [(0, 0.5), (0.55, 0.5)], [(0, 1), (0.7, 1)]],
    ],
    "F": [
        [[(1, 0), (0, 0), (0, 1)], [(0, 0.48), (0.75, 0.48)]],
        [[(0, 0), (0, 1)], [(0, 0), (0.85, 0)], [(0, 0.45), (0.5, 0.45)]],
    ],
    "G": [
        [[*_arc(0.55, 0.5, 0.5, 0.5, -40, -360), (1.05, 0.55), (0.6, 0.55)]],
        [[*_arc(0.55, 0.5, 0.5, 0.5, -40, -340), (1.0, 0.95), (1.0, 0.55), (0.6, 0.55)]],
        # spur straight down from the bar, and no bar at all (a C turned in): not a 6
        [[*_arc(0.55, 0.5, 0.5, 0.5, -40, -350), (1.0, 1.0)], [(0.55, 0.55), (1.0, 0.55)]],
        [[*_arc(0.55, 0.5, 0.5, 0.5, -40, -345), (1.0, 0.6), (0.7, 0.6)]],
    ],
    "H": [[[(0, 0), (0, 1)], [(1, 0), (1, 1)], [(0, 0.5), (1, 0.5)]]],
    "I": [
        [[(0.5, 0), (0.5, 1)]],
        [[(0.5, 0), (0.5, 1)], [(0.1, 0), (0.9, 0)], [(0.1, 1), (0.9, 1)]],
    ],
    "J": [
        [[(1, 0), (1, 0.7), *_arc(0.55, 0.7, 0.45, 0.3, 0, 160)]],
        [[(0.3, 0), (1, 0)], [(0.8, 0), (0.8, 0.7), *_arc(0.45, 0.7, 0.35, 0.3, 0, 170)]],
    ],
    "K": [[[(0, 0), (0, 1)], [(1, 0), (0, 0.55)], [(0.3, 0.38), (1, 1)]]],
    "L": [[[(0, 0), (0, 1), (0.9, 1)]]],
    "M": [
        [[(0, 1), (0, 0), (0.5, 0.7), (1, 0), (1, 1)]],
        [[(0, 1), (0.1, 0), (0.5, 1), (0.9, 0), (1, 1)]],
    ],
    "N": [[[(0, 1), (0, 0), (1, 1), (1, 0)]]],
    "O": [[_arc(0.5, 0.5, 0.5, 0.5, -90, 275)]],
    "P": [[[(0, 1), (0, 0), (0.6, 0), *_arc(0.6, 0.27, 0.4, 0.27, -90, 90), (0, 0.54)]]],
    "Q": [[_arc(0.5, 0.5, 0.5, 0.5, -90, 275), [(0.6, 0.7), (1.05, 1.1)]]],
    "R": [
        [
            [(0, 1), (0, 0), (0.6, 0), *_arc(0.6, 0.27, 0.4, 0.27, -90, 90), (0, 0.54)],
            [(0.4, 0.54), (1, 1)],
        ]
    ],
    "S": [[_arc(0.5, 0.26, 0.45, 0.26, -20, -270) + _arc(0.5, 0.74, 0.5, 0.26, -90, 150)]],
    "T": [[[(0, 0), (1, 0)], [(0.5, 0), (0.5, 1)]]],
    "U": [
        [[(0, 0), (0, 0.6), *_arc(0.5, 0.6, 0.5, 0.4, 180, 0), (1, 0)]],
        # a deep round bowl, and the U with its right stem run down to the baseline
        [[(0, 0), (0, 0.5), *_arc(0.5, 0.5, 0.5, 0.5, 180, 0), (1, 0)]],
        [[(0, 0), (0, 0.65), *_arc(0.45, 0.65, 0.45, 0.35, 180, 0), (0.9, 0)], [(0.9, 0), (1, 1)]],
    ],
    "V": [
        [[(0, 0), (0.5, 1), (1, 0)]],
        # a V whose point the pen rounds off, and one with its point off centre: never a U
        [[(0, 0), (0.4, 0.9), *_arc(0.5, 0.9, 0.1, 0.1, 180, 0), (1, 0)]],
        [[(0, 0), (0.62, 1), (1, 0)]],
    ],
    "W": [[[(0, 0), (0.25, 1), (0.5, 0.3), (0.75, 1), (1, 0)]]],
    "X": [[[(0, 0), (1, 1)], [(1, 0), (0, 1)]]],
    "Y": [
        [[(0, 0), (0.5, 0.5), (1, 0)], [(0.5, 0.5), (0.5, 1)]],
        [[(0, 0), (0.5, 0.5)], [(1, 0), (0, 1)]],
    ],
    "Z": [
        [[(0, 0), (1, 0), (0, 1), (1, 1)]],
        [[(0, 0), (1, 0), (0, 1), (1, 1)], [(0.25, 0.5), (0.75, 0.5)]],
    ],
    "0": [
        [_arc(0.5, 0.5, 0.5, 0.5, -90, 275)],
        [_arc(0.5, 0.5, 0.5, 0.5, -90, 275), [(0.85, 0.15), (0.15, 0.85)]],
    ],
    "1": [
        [[(0.25, 0.2), (0.6, 0), (0.6, 1)]],
        [[(0.6, 0), (0.6, 1)], [(0.2, 1), (1, 1)], [(0.25, 0.2), (0.6, 0)]],
        # the long flag, nearly half the height: the 1 read as a 7 (a 7's top is level)
        [[(0.0, 0.45), (0.65, 0), (0.65, 1)]],
        [[(0.05, 0.3), (0.7, 0), (0.6, 1)]],
    ],
    "2": [[[*_arc(0.5, 0.28, 0.45, 0.28, -170, 30), (0, 1), (1, 1)]]],
    "3": [
        [_arc(0.5, 0.25, 0.42, 0.25, -160, 90) + _arc(0.5, 0.73, 0.48, 0.27, -90, 160)],
        [[(0, 0), (1, 0), (0.4, 0.42)], _arc(0.5, 0.7, 0.48, 0.3, -110, 160)],
    ],
    "4": [
        [[(0.7, 1), (0.7, 0), (0, 0.7), (1, 0.7)]],
        [[(0.2, 0), (0, 0.65), (1, 0.65)], [(0.7, 0.3), (0.7, 1)]],
        # open at the top: the two strokes do not meet
        [[(0.35, 0), (0, 0.65), (1, 0.65)], [(0.75, 0), (0.75, 1)]],
    ],
    "5": [
        [[(0.95, 0), (0.1, 0), (0.05, 0.45)], _arc(0.5, 0.68, 0.48, 0.32, -150, 150)],
        # a square shoulder: the 5 read as S has a round one and no corner at the top left
        [[(0.1, 0), (0.1, 0.42), *_arc(0.5, 0.68, 0.45, 0.3, -120, 150)], [(0.1, 0), (0.95, 0)]],
    ],
    "6": [[_arc(0.55, 0.5, 0.45, 0.5, -70, -180) + _arc(0.5, 0.7, 0.45, 0.3, 180, 540)]],
    "7": [
        [[(0, 0), (1, 0), (0.35, 1)]],
        [[(0, 0), (1, 0), (0.35, 1)], [(0.3, 0.5), (0.85, 0.5)]],
        # a little nib at the start of the bar, and a stem that bows: still a level top
        [[(0, 0.15), (0, 0), (1, 0), (0.6, 0.45), (0.45, 1)]],
    ],
    "8": [[_arc(0.5, 0.25, 0.38, 0.25, 90, 450), _arc(0.5, 0.74, 0.48, 0.26, -90, 270)]],
    # hand-drawn @ (an a in a loop: the stem runs on round the outside) and a full stop
    "@": [
        [
            [*_arc(0.5, 0.55, 0.22, 0.22, 0, 360)],
            [(0.72, 0.35), (0.72, 0.7), (0.9, 0.75), *_arc(0.5, 0.55, 0.5, 0.5, 10, 330)],
        ],
        [
            [
                *_arc(0.45, 0.55, 0.2, 0.24, -30, 330),
                (0.7, 0.8),
                *_arc(0.5, 0.52, 0.5, 0.48, 30, 340),
            ]
        ],
    ],
    ".": [[[(0.48, 0.9), (0.52, 0.92)]], [[(0.5, 0.88), (0.5, 0.93)]]],
    "9": [
        [[*_arc(0.5, 0.3, 0.45, 0.3, 0, 360), (0.95, 0.35), (0.85, 1)]],
        [[*_arc(0.5, 0.3, 0.45, 0.3, 0, 360), (0.95, 0.3), (0.95, 1)]],
    ],
}


#: pen width as a share of the cap height: 0.2 mm to 1 mm on a 4 mm capital
PEN_MIN, PEN_MAX = 0.05, 0.25
#: width over height of characters that are not as wide as a capital
ASPECTS = {"1": 0.5, "I": 0.5, ".": 0.3, "@": 1.0}
#: characters drawn as strokes: capitals, digits and the marks emails need
STROKE_CHARS = frozenset(SKELETONS)


def draw_strokes(
    char: str, rng: np.random.Generator, height: int = 64, aspect: float | None = None
) -> np.ndarray:
    """Draw ``char`` as a float32 ink map (0 paper .. 1 ink) whose cap box is ``height`` px tall.

    The result has a margin of a quarter of ``height`` on every side, so strokes that overshoot
    the cap box (a ``Q``'s tail) survive; the cap box starts at ``(margin, margin)``.
    """
    skeleton = SKELETONS[char][int(rng.integers(len(SKELETONS[char])))]
    if aspect is None:
        aspect = ASPECTS.get(char) or float(rng.uniform(0.55, 0.95))
    width = height * aspect
    margin = height // 4
    canvas = np.zeros((height + 2 * margin, int(width) + 2 * margin), dtype=np.uint8)
    jitter = rng.uniform(0.0, 0.05)
    # fine-liners (0.2 mm on a 4 mm capital) to felt tips (1 mm), most of them ballpoints
    pen = max(1, round(height * float(np.exp(rng.uniform(np.log(PEN_MIN), np.log(PEN_MAX))))))
    for stroke in skeleton:
        points = np.asarray(stroke, dtype=np.float64)
        # smooth wobble: a few random offsets interpolated along the stroke, so arcs stay arcs
        controls = rng.normal(0.0, jitter, size=(min(len(points), 4), 2))
        where = np.linspace(0, len(controls) - 1, len(points))
        points = points + np.stack(
            [np.interp(where, np.arange(len(controls)), controls[:, axis]) for axis in (0, 1)],
            axis=1,
        )
        # a gentle bow along the stroke, as a hand never draws a straight line
        bow = rng.normal(0.0, 0.03) * np.sin(np.linspace(0, math.pi, len(points)))
        points[:, 0] += bow
        pixels = np.stack([margin + points[:, 0] * width, margin + points[:, 1] * height], axis=1)
        cv2.polylines(
            canvas, [np.round(pixels * 4).astype(np.int32)], False, 255, pen, cv2.LINE_AA, shift=2
        )
    return canvas.astype(np.float32) / 255.0


def stroke_source(char: str, rng: np.random.Generator) -> InkSource:
    """A freshly drawn stroke rendering of ``char`` as an ink source (cap box 64 px tall)."""
    height = 64
    ink = draw_strokes(char, rng, height)
    margin = height // 4
    return InkSource(char, ink, float(margin), float(margin + height), "strokes")
