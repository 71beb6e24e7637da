"""Where training and measurement glyphs come from: font renders, stroke drawings, real handwriting.

Every source yields an :class:`InkSource`: a float ink map (0 paper .. 1 ink) and the rows of its
cap line and baseline, so that placing it into a box keeps where a mark sits relative to the
letters (a comma hangs below the baseline, an apostrophe sits at the cap line).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from intake.engines.base import DIGITS, LETTERS

RENDER_SIZE = 72  # font size in px for cached renders
HANDWRITING_ROOT = Path("/work/shared/handwriting")
#: ends the origin of a lower-case letter rendered for an upper-case class
LOWER_CASE_MARK = ":lower"


@dataclass(frozen=True)
class InkSource:
    """A character's ink map with its cap line and baseline rows (in the map's pixels)."""

    char: str  # the class (upper case)
    ink: np.ndarray  # float32, 0 paper .. 1 ink
    cap_top: float
    baseline: float
    origin: str  # "font:<file>[:lower]", "strokes", "hand:<file>" (no personal data: public sets)


def _render(font: ImageFont.FreeTypeFont, text: str) -> np.ndarray:
    size = RENDER_SIZE * 3
    image = Image.new("L", (size, size), 0)
    ImageDraw.Draw(image).text(
        (RENDER_SIZE, 2 * RENDER_SIZE), text, fill=255, font=font, anchor="ls"
    )
    return np.asarray(image)


def font_sources(font_path: Path, chars: str, lower_case: bool = True) -> list[InkSource]:
    """Render each of ``chars`` (and lower-case letters, labelled upper) that ``font_path`` has."""
    font = ImageFont.truetype(str(font_path), RENDER_SIZE)
    missing = _render(font, "\U000e0fff")
    cap = _render(font, "H")
    rows = np.nonzero(cap.max(axis=1) > 127)[0]
    if len(rows) == 0:
        return []
    cap_top, baseline = float(rows[0]), float(rows[-1] + 1)
    wanted = [(c, c) for c in chars]
    if lower_case:
        wanted += [(c, c.lower()) for c in chars if c in LETTERS]
    sources = []
    for label, text in wanted:
        pixels = _render(font, text)
        if pixels.max() < 128 or np.array_equal(pixels, missing):
            continue
        if text != label and np.array_equal(pixels, _render(font, label)):
            continue  # a caps-only font: the lower case adds nothing
        origin = f"font:{font_path.name}" + (LOWER_CASE_MARK if text != label else "")
        sources.append(
            InkSource(label, pixels.astype(np.float32) / 255.0, cap_top, baseline, origin)
        )
    return sources


@dataclass(frozen=True)
class HandSample:
    """One real handwritten character image (64x64, cropped to the ink)."""

    char: str
    path: Path

    @property
    def writer(self) -> str:
        """Writer key: the Chars74K writer, or the image itself where writers are unknown."""
        stem = self.path.stem
        return stem if not stem.startswith("c74k_w") else stem[:9]


def hand_samples(split: str, root: Path = HANDWRITING_ROOT) -> list[HandSample]:
    """All images of ``split`` ("train" or "test"), A-Z and 0-9."""
    found: list[HandSample] = []
    for char in LETTERS + DIGITS:
        folder = root / split / char
        found.extend(HandSample(char, path) for path in sorted(folder.glob("*.png")))
    return found


def is_validation_writer(sample: HandSample) -> bool:
    """Train-split writers kept apart for validation: Chars74K writers 029-033, ~15% of the rest."""
    if sample.path.stem.startswith("c74k_w"):
        return int(sample.path.stem[6:9]) >= 29
    digest = hashlib.sha256(sample.path.stem.encode()).digest()
    return digest[0] < 38


def hand_source(sample: HandSample) -> InkSource:
    """Load one handwriting image as an ink source (its ink box stands for the cap box)."""
    grey = cv2.imread(str(sample.path), cv2.IMREAD_GRAYSCALE)
    if grey is None:
        raise ValueError(f"cannot read {sample.path}")
    ink = np.clip((255.0 - grey.astype(np.float32)) / 255.0, 0.0, 1.0)
    ink = np.pad(ink, 16)
    rows = np.nonzero(ink.max(axis=1) > 0.3)[0]
    top, bottom = (float(rows[0]), float(rows[-1] + 1)) if len(rows) else (16.0, 80.0)
    return InkSource(sample.char, ink, top, bottom, f"hand:{sample.path.name}")
