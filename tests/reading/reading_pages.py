"""Synthetic pages for the reading tests: the real blank form, written on with OpenCV's font.

``HersheyEngine`` is a small but real classifier (nearest template over the same font), so the
tests exercise the cutting and outline removal rather than a fake that knows the answer.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from intake.config import School
from intake.engines.base import CharGuess
from intake.printing.render import render_page_image
from intake.template.load import load_template
from intake.template.model import CharField, Rect

DPI = 150
FONT = cv2.FONT_HERSHEY_SIMPLEX
INK = (30, 40, 120)  # dark blue, RGB


def px(mm: float, dpi: int = DPI) -> int:
    return round(mm * dpi / 25.4)


def blank_page(number: int, serial: str = "F00042", dpi: int = DPI) -> np.ndarray:
    template = load_template()
    bgr = render_page_image(template, number, School(), dpi, serial, colour=True)
    return np.ascontiguousarray(bgr[:, :, ::-1])


def draw_char(image: np.ndarray, rect: Rect, char: str, dpi: int = DPI) -> None:
    """One capital in a box, the way a careful parent writes it."""
    if char == " ":
        return
    scale = (rect.h * 0.7 * dpi / 25.4) / 22.0
    thick = max(1, px(0.45, dpi))
    (tw, th), _ = cv2.getTextSize(char, FONT, scale, thick)
    x = px(rect.x + rect.w / 2, dpi) - tw // 2
    y = px(rect.y + rect.h / 2, dpi) + th // 2
    cv2.putText(image, char, (x, y), FONT, scale, INK, thick, cv2.LINE_AA)


def write_field(image: np.ndarray, field: CharField, text: str, dpi: int = DPI) -> None:
    for rect, char in zip(field.box_rects(), text, strict=False):
        draw_char(image, rect, char, dpi)


def scribble(image: np.ndarray, rect: Rect, dpi: int = DPI, seed: int = 1) -> None:
    """A signature-like scribble inside ``rect``."""
    rng = np.random.default_rng(seed)
    xs = np.linspace(rect.x + 5, rect.x + rect.w * 0.7, 40)
    ys = rect.y + rect.h / 2 + rng.normal(0, rect.h / 6, xs.size)
    points = np.array([[px(x, dpi), px(y, dpi)] for x, y in zip(xs, ys, strict=True)], np.int32)
    cv2.polylines(image, [points], False, INK, max(1, px(0.5, dpi)), cv2.LINE_AA)


def tick(image: np.ndarray, rect: Rect, dpi: int = DPI) -> None:
    a = (px(rect.x + 1, dpi), px(rect.y + 2.8, dpi))
    b = (px(rect.x + 2, dpi), px(rect.y + 4, dpi))
    c = (px(rect.x + 4.2, dpi), px(rect.y + 0.8, dpi))
    cv2.polylines(image, [np.array([a, b, c], np.int32)], False, INK, max(1, px(0.5, dpi)))


def fill_page(
    number: int, values: dict[str, str], serial: str = "F00042", dpi: int = DPI
) -> np.ndarray:
    """A filled page: char fields by text, ticks/signatures by any non-empty value."""
    template = load_template()
    image = blank_page(number, serial, dpi)
    for f in template.page(number).fields:
        value = values.get(f.id, "")
        if not value:
            continue
        if isinstance(f, CharField):
            write_field(image, f, value, dpi)
        elif f.kind == "tick":
            tick(image, f.rect, dpi)
        else:
            scribble(image, f.rect, dpi)
    return image


def _normalise(glyph: np.ndarray) -> np.ndarray:
    ink = glyph < 160
    ys, xs = np.nonzero(ink)
    if ys.size == 0:
        return np.zeros((20, 20), np.float32)
    crop = (255 - glyph[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]).astype(np.float32)
    h, w = crop.shape
    side = max(h, w)
    square = np.zeros((side, side), np.float32)
    square[(side - h) // 2 : (side - h) // 2 + h, (side - w) // 2 : (side - w) // 2 + w] = crop
    out = cv2.resize(square, (20, 20), interpolation=cv2.INTER_AREA)
    out -= out.mean()
    return out / (np.linalg.norm(out) + 1e-6)


class HersheyEngine:
    """Nearest-template classifier over OpenCV's Hershey font (tests only)."""

    name = "hershey"

    def __init__(self) -> None:
        self._templates: dict[str, np.ndarray] = {}

    def _template(self, char: str) -> np.ndarray:
        if char not in self._templates:
            canvas = np.full((84, 72, 3), 255, np.uint8)
            draw_char(canvas, Rect(x=1, y=1, w=4, h=5), char, dpi=int(12 * 25.4))
            self._templates[char] = _normalise(cv2.cvtColor(canvas, cv2.COLOR_RGB2GRAY))
        return self._templates[char]

    def classify(self, glyphs: Sequence[np.ndarray], alphabet: str) -> list[CharGuess]:
        guesses = []
        for glyph in glyphs:
            vector = _normalise(glyph)
            scores = sorted(
                ((float((vector * self._template(c)).sum()), c) for c in alphabet), reverse=True
            )
            best, char = scores[0]
            confidence = max(0.0, min(0.999, best))
            guesses.append(CharGuess(char, confidence, tuple((c, s) for s, c in scores[1:3])))
        return guesses
