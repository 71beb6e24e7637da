"""A pale pen through a black-and-white copier: a signature left as dots.

A bi-tonal scan thresholds a light stroke into dots that no stroke joins, so the ink and faint
looks of ``signatures`` see only specks. Here the dots are looked at as a pattern instead, and
called a signature only when every test agrees:

- dots this near (``JOIN_MM``) join into *pieces* of stroke, and most dots are on such pieces;
- the dots are bunched, not scattered: their mean nearest-neighbour distance is well under what
  as many dots strewn over the box would have (the Clark-Evans ratio), which speckle, a shadow
  band or toner noise at any density is not;
- the pieces spread over a signature's width and height, with no long empty stretch across
  (the inside of a stain's ring), and the steep ones lean one way and the other by turns:
  the up and down strokes;
- the top or bottom edge of the writing turns up and down by millimetres several times, which
  a line, a crease, an arc of a ring or a cross does not.

A box that fails any test is left to the other looks, so doubt still goes to a person.
"""

from __future__ import annotations

from itertools import pairwise

import cv2
import numpy as np

from intake.engines.base import ALIGNED_PX_PER_MM

PX_PER_MM = ALIGNED_PX_PER_MM
#: dots this near (mm) are one stroke's
JOIN_MM = 0.6
#: a stippled signature has this many dots, at least and at most (more: a speckled area)
DOTS = (40, 1000)
#: a piece of stroke: at least this many dots over at least this length (mm)
PIECE_DOTS = 3
PIECE_MM = 1.5
#: at least this many pieces, holding at least this share of the dots ...
PIECES = 5
PIECE_SHARE = 0.5
#: ... whose steep, straight ones (``_lean``) change the way they lean this many times across
LEAN_CHANGES = 3
LEAN_MM = 2.0
#: the dots' Clark-Evans ratio over the box is under this (strewn at random: about 1)
MAX_CLUSTERING = 0.5
#: the pieces spread at least this wide and tall (mm) ...
SPAN_MM = 20.0
HEIGHT_MM = 3.0
#: ... with dots in this share of the windows this wide (mm) across them
WINDOW_MM = 3.0
OCCUPANCY = 0.75
#: the writing's top or bottom edge turns this many times, each by this much (mm)
TURNS = 3
TURN_MM = 3.0


def stippled_strokes(mask: np.ndarray) -> bool:
    """Whether the ink pixels of a black-and-white scan's box are a pale pen's dotted
    signature (the module says how that is told from speckle, lines and rings)."""
    binary = mask.astype(np.uint8)
    _, _, _, centres = cv2.connectedComponentsWithStats(binary, connectivity=8)
    dots = centres[1:].astype(np.float64)
    if not DOTS[0] <= len(dots) <= DOTS[1]:
        return False
    if clustering(dots, mask.size) >= MAX_CLUSTERING:
        return False
    pieces = stroke_pieces(binary, dots)
    on_pieces = np.concatenate(pieces) if pieces else np.empty((0, 2))
    if len(pieces) < PIECES or len(on_pieces) < PIECE_SHARE * len(dots):
        return False
    span, height = (np.ptp(on_pieces, axis=0) / PX_PER_MM).tolist()
    if span < SPAN_MM or height < HEIGHT_MM or occupancy(on_pieces) < OCCUPANCY:
        return False
    return lean_changes(pieces) >= LEAN_CHANGES and edge_turns(on_pieces) >= TURNS


def stroke_pieces(binary: np.ndarray, dots: np.ndarray) -> list[np.ndarray]:
    """The dots (x, y px) of each piece of stroke: dots joined at ``JOIN_MM``, enough of them
    over ``PIECE_MM`` or more."""
    reach = round(JOIN_MM * PX_PER_MM) | 1
    joined = cv2.dilate(binary, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (reach, reach)))
    _, labels, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    group = labels[dots[:, 1].astype(int), dots[:, 0].astype(int)]
    longest = np.maximum(stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]) / PX_PER_MM
    pieces = []
    for label in np.unique(group):
        members = dots[group == label]
        if len(members) >= PIECE_DOTS and longest[label] >= PIECE_MM:
            pieces.append(members)
    return pieces


def clustering(points: np.ndarray, area_px: float) -> float:
    """The Clark-Evans ratio of (x, y) points over an area: their mean nearest-neighbour
    distance over what as many points strewn at random would have (about 1; bunched: under)."""
    squared = (points**2).sum(axis=1)
    gaps = squared[:, None] + squared[None, :] - 2.0 * points @ points.T
    np.fill_diagonal(gaps, np.inf)
    nearest = np.sqrt(np.maximum(gaps.min(axis=1), 0.0))
    return float(nearest.mean() / (0.5 * np.sqrt(area_px / len(points))))


def occupancy(points: np.ndarray) -> float:
    """The share of ``WINDOW_MM`` windows, a millimetre apart across the points, holding any."""
    return float(np.mean([inside.any() for inside in _windows(points)]))


def edge_turns(points: np.ndarray) -> int:
    """How often the top or the bottom edge of the points (px), taken over ``WINDOW_MM``
    windows a millimetre apart, turns between rising and falling by ``TURN_MM`` or more: the
    larger of the two counts."""
    y = points[:, 1] / PX_PER_MM
    inside_each = [inside for inside in _windows(points) if inside.any()]
    tops = [float(y[inside].min()) for inside in inside_each]
    bottoms = [float(y[inside].max()) for inside in inside_each]
    return max(_swings(tops), _swings(bottoms))


def _windows(points: np.ndarray) -> list[np.ndarray]:
    """For each ``WINDOW_MM`` window a millimetre apart across the points, which fall in it."""
    x = points[:, 0] / PX_PER_MM
    lefts = np.arange(x.min(), max(x.min(), x.max() - WINDOW_MM) + 1.0, 1.0)
    return [(x >= left) & (x < left + WINDOW_MM) for left in lefts]


def _swings(heights: list[float]) -> int:
    """Turns between rising and falling by ``TURN_MM`` or more along a run of heights."""
    count, direction = 0, 0
    extreme = heights[0] if heights else 0.0
    for y in heights[1:]:
        if direction >= 0 and y <= extreme - TURN_MM:
            count, direction, extreme = count + (direction > 0), -1, y
        elif direction <= 0 and y >= extreme + TURN_MM:
            count, direction, extreme = count + (direction < 0), 1, y
        elif (direction > 0 and y > extreme) or (direction < 0 and y < extreme):
            extreme = y
    return count


def lean_changes(pieces: list[np.ndarray]) -> int:
    """How often the steep, straight stretches of the pieces (``LEAN_MM`` wide), from left to
    right, change between leaning forward and back: writing's up and down strokes do all along,
    a ring's two sides once."""
    stretches = []
    for piece in pieces:
        column = np.floor(piece[:, 0] / (LEAN_MM * PX_PER_MM))
        stretches += [piece[column == c] for c in np.unique(column)]
    stretches = [s for s in stretches if len(s) >= PIECE_DOTS]
    leans = [lean for s in sorted(stretches, key=lambda s: s[:, 0].mean()) if (lean := _lean(s))]
    return sum(a != b for a, b in pairwise(leans))


def _lean(piece: np.ndarray) -> int:
    """1 or -1 as a piece's dots run down to the right or to the left, when they line up
    steeper than 45 degrees and straight (across them, under a tenth of the variance along);
    0 otherwise."""
    variances, axes = np.linalg.eigh(np.cov(piece.T))
    across, along = variances
    dx, dy = axes[:, 1]
    if abs(dy) <= abs(dx) or across >= 0.1 * along:
        return 0
    return 1 if dx * dy > 0 else -1
