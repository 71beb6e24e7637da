"""Puts an ink source into a character box the way the reader will cut it (the glyph contract).

A 4x5 mm box at ``ALIGNED_PX_PER_MM`` with ``GLYPH_MARGIN_MM`` all round; the writer's size,
place, slant and pen vary, the box outline survives only in fragments, and the scan adds blur,
noise, JPEG and grey levels. ``heavy=True`` is the training mix; ``heavy=False`` is a plainer
"good scan" used for measurement.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from intake.engines.base import ALIGNED_PX_PER_MM, GLYPH_MARGIN_MM
from intake.lab.training.sources import InkSource

BOX_W_MM, BOX_H_MM = 4.0, 5.0
MARGIN = round(GLYPH_MARGIN_MM * ALIGNED_PX_PER_MM)
BOX_W = round(BOX_W_MM * ALIGNED_PX_PER_MM)
BOX_H = round(BOX_H_MM * ALIGNED_PX_PER_MM)
CROP_W, CROP_H = BOX_W + 2 * MARGIN, BOX_H + 2 * MARGIN


def _placement(source: InkSource, rng: np.random.Generator, heavy: bool) -> np.ndarray:
    """Affine map from the source's pixels into the crop."""
    height_ratio = rng.uniform(0.5, 1.1) if heavy else rng.uniform(0.6, 0.95)
    if source.origin.startswith("hand:") and heavy:
        height_ratio = rng.uniform(0.5, 1.02)
    scale = height_ratio * BOX_H / max(source.baseline - source.cap_top, 1.0)
    angle = math.radians(float(np.clip(rng.normal(0, 5 if heavy else 3), -12, 12)))
    shear = float(np.clip(rng.normal(0, 0.12 if heavy else 0.06), -0.3, 0.3))
    squeeze = rng.uniform(0.75, 1.25) if heavy else rng.uniform(0.9, 1.1)
    cols = np.nonzero(source.ink.max(axis=0) > 0.3)[0]
    ink_cx = (cols[0] + cols[-1] + 1) / 2 if len(cols) else source.ink.shape[1] / 2
    ink_cy = (source.cap_top + source.baseline) / 2
    spread = 0.12 if heavy else 0.06
    target_x = MARGIN + BOX_W / 2 + rng.normal(0, spread) * BOX_W
    target_y = MARGIN + BOX_H / 2 + rng.normal(0, spread * 0.8) * BOX_H
    linear = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    linear = linear @ np.array([[1.0, -shear], [0.0, 1.0]]) @ np.diag([scale * squeeze, scale])
    offset = np.array([target_x, target_y]) - linear @ np.array([ink_cx, ink_cy])
    return np.hstack([linear, offset[:, None]])


def _elastic(ink: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    h, w = ink.shape
    alpha, sigma = rng.uniform(1.5, 3.5), rng.uniform(5, 9)
    dx = cv2.GaussianBlur(rng.uniform(-1, 1, (h, w)).astype(np.float32), (0, 0), sigma)
    dy = cv2.GaussianBlur(rng.uniform(-1, 1, (h, w)).astype(np.float32), (0, 0), sigma)
    norm = max(float(np.abs(dx).max()), float(np.abs(dy).max()), 1e-6)
    grid_x, grid_y = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    return cv2.remap(ink, grid_x + dx * alpha / norm, grid_y + dy * alpha / norm, cv2.INTER_LINEAR)


def _pen(ink: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    roll = rng.random()
    if roll < 0.25:
        size = int(rng.integers(2, 4))
        return cv2.dilate(ink, np.ones((size, size), np.uint8))
    if roll < 0.45:
        thinner = cv2.erode(ink, np.ones((2, 2), np.uint8))
        if thinner.sum() > 0.4 * ink.sum():
            return thinner
    return ink


def _box_residue(rng: np.random.Generator, heavy: bool) -> tuple[np.ndarray, np.ndarray]:
    """The outline left after the reader's line removal, and where that removal erased ink."""
    residue = np.zeros((CROP_H, CROP_W), np.float32)
    erased = np.zeros((CROP_H, CROP_W), np.float32)
    shift = rng.integers(-2, 3, size=2) if heavy else rng.integers(-1, 2, size=2)
    x0, y0 = MARGIN + int(shift[0]), MARGIN + int(shift[1])
    x1, y1 = x0 + BOX_W, y0 + BOX_H
    thickness = int(rng.integers(1, 4))
    sides = [((x0, y0), (x1, y0)), ((x1, y0), (x1, y1)), ((x0, y1), (x1, y1)), ((x0, y0), (x0, y1))]
    mode = rng.random()
    if mode < (0.35 if heavy else 0.5):
        pass
    elif mode < 0.85:
        for start, end in sides:
            for t in np.linspace(0, 1, 7)[:-1]:
                if rng.random() < 0.3:
                    a = np.add(start, np.subtract(end, start) * t).astype(int)
                    b = np.add(start, np.subtract(end, start) * (t + 1 / 6)).astype(int)
                    level = rng.uniform(0.15, 0.6)
                    cv2.line(residue, tuple(map(int, a)), tuple(map(int, b)), level, thickness)
    else:
        cv2.rectangle(residue, (x0, y0), (x1, y1), rng.uniform(0.1, 0.35), thickness)
    if rng.random() < 0.3:
        cv2.rectangle(erased, (x0, y0), (x1, y1), 1.0, thickness + 1)
    return residue, erased


#: share of crops whose strokes a black-and-white scan broke up (training only)
BROKEN_SHARE = 0.06
#: share of crops given the reader's clean-up (training; measurement always gets it)
READER_CLEANING_SHARE = 0.5
#: the reader keeps pixels this much darker than the paper, and those next to them
_READER_INK_CONTRAST = 85


def reader_cleaning(image: np.ndarray) -> np.ndarray:
    """Imitate ``intake.reading.boxes.cut_box``: keep ink and its 1 px halo, whiten the rest."""
    paper = float(np.percentile(image, 90))
    ink = image < min(paper - _READER_INK_CONTRAST, 170)
    keep = cv2.dilate(ink.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    return np.where(keep, image, 255).astype(np.uint8)


def compose(source: InkSource, rng: np.random.Generator, heavy: bool = True) -> np.ndarray:
    """One glyph crop (uint8, ``CROP_H`` x ``CROP_W``, ink dark) holding ``source``."""
    matrix = _placement(source, rng, heavy)
    ink = cv2.warpAffine(source.ink, matrix, (CROP_W, CROP_H), flags=cv2.INTER_LINEAR)
    if heavy and rng.random() < 0.3:
        ink = _elastic(ink, rng)
    if heavy:
        ink = _pen(ink, rng)
    residue, erased = _box_residue(rng, heavy)
    ink = ink * (1.0 - erased)
    darkness = rng.uniform(0.45, 1.0) if heavy else rng.uniform(0.7, 1.0)
    paper = rng.uniform(205, 255) if heavy else rng.uniform(230, 255)
    marks = np.maximum(ink * darkness, residue)
    image = paper * (1.0 - np.clip(marks, 0.0, 1.0))
    out = _degrade(image.astype(np.float32), rng, heavy)
    if heavy and rng.random() < BROKEN_SHARE:
        out = broken_strokes(out, rng)
    if not heavy or rng.random() < READER_CLEANING_SHARE:
        cleaned = reader_cleaning(out)
        if cleaned.min() < 200:  # the reader would have called a box this faint empty
            out = cleaned
    return out


def broken_strokes(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A light pen in a black-and-white scan: the threshold keeps only dots and dashes of
    each stroke (the reader bridges small gaps, not all of them) and drops specks of dust."""
    paper = float(np.percentile(image, 90))
    darkness = np.clip(paper - image.astype(np.float32), 0.0, 255.0) * rng.uniform(0.3, 0.6)
    darkness += rng.normal(0.0, rng.uniform(5.0, 15.0), image.shape)
    dots = (darkness > rng.uniform(35.0, 70.0)).astype(np.uint8)
    _, labels, stats, _ = cv2.connectedComponentsWithStats(dots, connectivity=8)
    keep = stats[:, cv2.CC_STAT_AREA] >= 4
    keep[0] = False
    return np.where(keep[labels], 0, 255).astype(np.uint8)


def _degrade(image: np.ndarray, rng: np.random.Generator, heavy: bool) -> np.ndarray:
    if rng.random() < (0.3 if heavy else 0.1):
        factor = rng.uniform(0.4, 0.8)
        small = cv2.resize(image, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
        image = cv2.resize(small, (CROP_W, CROP_H), interpolation=cv2.INTER_LINEAR)
    if rng.random() < 0.6:
        image = cv2.GaussianBlur(image, (0, 0), rng.uniform(0.3, 1.1 if heavy else 0.7))
    if rng.random() < (0.5 if heavy else 0.3):
        image = image + rng.normal(0, rng.uniform(2, 12 if heavy else 5), image.shape)
    if heavy and rng.random() < 0.1:
        for _ in range(int(rng.integers(1, 6))):
            y, x = int(rng.integers(0, CROP_H)), int(rng.integers(0, CROP_W))
            cv2.circle(image, (x, y), int(rng.integers(0, 2)), float(rng.uniform(60, 180)), -1)
    out = np.clip(image, 0, 255).astype(np.uint8)
    if rng.random() < (0.15 if heavy else 0.05):
        _, out = cv2.threshold(out, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    if rng.random() < (0.3 if heavy else 0.2):
        quality = int(rng.integers(25 if heavy else 50, 92))
        ok, encoded = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, quality])
        if ok:
            out = cv2.imdecode(encoded, cv2.IMREAD_GRAYSCALE)
    return out
