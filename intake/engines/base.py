"""The one interface every character-recognition engine implements.

The glyph contract, shared by the reader (which cuts glyphs) and every engine (which reads them):

* one glyph per character box: a 2-D ``uint8`` grayscale array, ink dark (0) on paper light (255);
* the box rectangle grown by ``GLYPH_MARGIN_MM`` on each side, cut from the page after it was
  aligned to the template at ``ALIGNED_PX_PER_MM`` (so a 4x5 mm box is about 72x84 pixels);
* the box's printed outline already suppressed by the reader, as well as it could;
* empty boxes are decided by the reader and never sent to an engine.

``alphabet`` restricts the answer to the field type's characters; an engine must return a
character from it.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from intake.template.model import FieldKind

ALIGNED_PX_PER_MM = 12.0
GLYPH_MARGIN_MM = 1.0

LETTERS = string.ascii_uppercase
DIGITS = string.digits

#: characters each field type may hold (upper case; emails are lower-cased after reading)
ALPHABETS: dict[FieldKind, str] = {
    FieldKind.NAME: LETTERS + "'-",
    FieldKind.TEXT: LETTERS + DIGITS + "'-,./&",
    FieldKind.POSTCODE: LETTERS + DIGITS,
    FieldKind.PHONE: DIGITS,
    FieldKind.EMAIL: LETTERS + DIGITS + "@.-_+",
    FieldKind.DATE: DIGITS,
    FieldKind.TUTOR_GROUP: LETTERS + DIGITS + "-/",
}

#: every character a trained model must know
ALL_CHARS = LETTERS + DIGITS + "'-,./&@_+"


@dataclass(frozen=True)
class CharGuess:
    char: str
    confidence: float  # calibrated probability that ``char`` is right, 0..1
    alternatives: tuple[tuple[str, float], ...] = ()  # next best, most likely first


class CharEngine(Protocol):
    """Reads single character glyphs."""

    name: str

    def classify(self, glyphs: Sequence[np.ndarray], alphabet: str) -> list[CharGuess]:
        """One guess per glyph, each within ``alphabet``."""
        ...


class LineEngine(Protocol):
    """Reads a whole field crop at once (Tesseract's way; the benchmark's baseline)."""

    name: str

    def read_line(self, image: np.ndarray, alphabet: str) -> tuple[str, float]:
        """The text and a 0..1 confidence."""
        ...
