"""Builds (and caches) the labelled glyph sets the character model trains and validates on.

Every sample is made the way the reader will see it: a source (font, stroke drawing or real
handwriting) composed into a box crop by :func:`intake.lab.training.boxes.compose`, then turned into
the model input by :func:`intake.engines.glyph.glyph_to_input`, the very function inference uses.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from intake.engines.base import ALL_CHARS, DIGITS, LETTERS
from intake.engines.glyph import glyph_to_input
from intake.lab.training import fonts
from intake.lab.training.boxes import compose
from intake.lab.training.sources import (
    LOWER_CASE_MARK,
    InkSource,
    font_sources,
    hand_samples,
    hand_source,
    is_validation_writer,
)
from intake.lab.training.strokes import STROKE_CHARS, stroke_source

log = logging.getLogger(__name__)

ALNUM = LETTERS + DIGITS

#: for letters and digits: share of samples drawn from fonts, strokes and real handwriting
SOURCE_MIX = {"font": 0.4, "strokes": 0.25, "hand": 0.35}
#: share of font samples taken from handwriting fonts (they are outnumbered by print fonts)
HANDWRITING_FONT_SHARE = 0.6
#: share of "@" and "." samples drawn as strokes (the fonts' marks are neater than a pen's)
MARK_STROKE_SHARE = 0.3
#: bump when the way samples are made changes, so stale caches are not reused
DATA_VERSION = 4
#: share of letter samples drawn as a lower-case letter (labelled upper case)
LOWER_CASE_SHARE = 0.08


@dataclass(frozen=True)
class GlyphSet:
    """Model inputs quantised to uint8 ``(N, H, W)`` and class indices into ``ALL_CHARS``."""

    inputs: np.ndarray
    labels: np.ndarray

    def save(self, path: Path) -> None:
        """Write the set to an ``.npz`` cache."""
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(path, inputs=self.inputs, labels=self.labels)

    @classmethod
    def load(cls, path: Path) -> GlyphSet:
        """Read a set written by :meth:`save`."""
        with np.load(path) as data:
            return cls(data["inputs"], data["labels"])


class _Pool:
    """Ink sources of one side (training or validation), indexed by class."""

    def __init__(self, font_paths: list[Path], hand: list[InkSource], strokes: bool) -> None:
        self.hand_fonts: dict[str, list[InkSource]] = {c: [] for c in ALL_CHARS}
        self.print_fonts: dict[str, list[InkSource]] = {c: [] for c in ALL_CHARS}
        self.hand: dict[str, list[InkSource]] = {c: [] for c in ALL_CHARS}
        self.lower: list[InkSource] = []
        self.strokes = strokes
        for path in font_paths:
            side = self.hand_fonts if fonts.is_handwriting(path) else self.print_fonts
            for source in font_sources(path, ALL_CHARS):
                if source.origin.endswith(LOWER_CASE_MARK):
                    self.lower.append(source)
                else:
                    side[source.char].append(source)
        for source in hand:
            self.hand[source.char].append(source)

    def draw(self, char: str, rng: np.random.Generator) -> InkSource:
        if char in LETTERS and self.lower and rng.random() < LOWER_CASE_SHARE:
            lower = [s for s in self.lower if s.char == char]
            if lower:
                return lower[int(rng.integers(len(lower)))]
        if char in ALNUM:
            roll = rng.random()
            if roll < SOURCE_MIX["hand"] and self.hand[char]:
                return self.hand[char][int(rng.integers(len(self.hand[char])))]
            if roll < SOURCE_MIX["hand"] + SOURCE_MIX["strokes"] and self.strokes:
                return stroke_source(char, rng)
        elif char in STROKE_CHARS and self.strokes and rng.random() < MARK_STROKE_SHARE:
            return stroke_source(char, rng)
        fonts_for_char = self.hand_fonts[char]
        if not fonts_for_char or (self.print_fonts[char] and rng.random() > HANDWRITING_FONT_SHARE):
            fonts_for_char = self.print_fonts[char]
        return fonts_for_char[int(rng.integers(len(fonts_for_char)))]


def build(count: int, seed: int, validation: bool) -> GlyphSet:
    """``count`` samples with classes in equal shares, from the training or validation side."""
    rng = np.random.default_rng(seed)
    writers = [s for s in hand_samples("train") if is_validation_writer(s) == validation]
    font_paths = fonts.validation_fonts() if validation else fonts.training_fonts()
    pool = _Pool(font_paths, [hand_source(s) for s in writers], strokes=not validation)
    labels = np.arange(count) % len(ALL_CHARS)
    rng.shuffle(labels)
    inputs = np.zeros((count, *glyph_to_input(np.full((84, 72), 255, np.uint8)).shape), np.uint8)
    for index, label in enumerate(labels):
        crop = compose(pool.draw(ALL_CHARS[label], rng), rng, heavy=True)
        inputs[index] = np.round(glyph_to_input(crop) * 255).astype(np.uint8)
        if index and index % 20000 == 0:
            log.info("built %d of %d samples", index, count)
    return GlyphSet(inputs, labels.astype(np.int64))


def cached(path: Path, count: int, seed: int, validation: bool) -> GlyphSet:
    """Load ``path`` if it holds a set of ``count`` samples, otherwise build and save it."""
    if path.exists():
        glyphs = GlyphSet.load(path)
        if len(glyphs.labels) == count:
            return glyphs
    glyphs = build(count, seed, validation)
    glyphs.save(path)
    return glyphs
