"""Turns a glyph crop (the glyph contract of ``intake.engines.base``) into the model's input.

Training and inference both call :func:`glyph_to_input`, so the model always sees glyphs
prepared the same way. The whole crop is kept (not cropped to the ink): where a mark sits in
its box is what tells an apostrophe from a comma and a hyphen from an underscore.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from intake.errors import IntakeError

#: model input size, rows x columns (a 6x7 mm glyph crop is 72x84 px: about this aspect)
INPUT_HEIGHT = 40
INPUT_WIDTH = 32

#: below this paper-to-ink contrast (grey levels) a crop is treated as faint, not stretched further
_MIN_CONTRAST = 64.0


def glyph_to_input(glyph: np.ndarray) -> np.ndarray:
    """One glyph crop (uint8, ink dark on light paper) -> float32 ``(H, W)`` ink map in 0..1.

    Paper becomes 0 and the darkest ink 1, so light pencil and dark pen look alike. Deterministic.
    """
    if not isinstance(glyph, np.ndarray) or glyph.ndim != 2 or glyph.size == 0:
        shape = getattr(glyph, "shape", None)
        raise IntakeError(f"a glyph must be a non-empty 2-D grayscale image, got shape {shape}")
    if glyph.shape[0] < 4 or glyph.shape[1] < 4:
        raise IntakeError(f"a glyph crop of {glyph.shape[1]}x{glyph.shape[0]} px is too small")
    grey = glyph.astype(np.float32)
    if glyph.dtype != np.uint8:
        grey = np.clip(grey, 0.0, 255.0)
    paper = float(np.percentile(grey, 90))
    # darkest ink after a 2x2 box blur, so one dark speck of noise does not set the scale
    ink = float(cv2.blur(grey, (2, 2)).min())
    contrast = max(paper - ink, _MIN_CONTRAST)
    inked = np.clip((paper - grey) / contrast, 0.0, 1.0)
    resized = cv2.resize(inked, (INPUT_WIDTH, INPUT_HEIGHT), interpolation=cv2.INTER_AREA)
    return resized.astype(np.float32)


def glyphs_to_batch(glyphs: Sequence[np.ndarray]) -> np.ndarray:
    """Many glyph crops -> float32 ``(N, 1, H, W)`` model batch."""
    batch = np.zeros((len(glyphs), 1, INPUT_HEIGHT, INPUT_WIDTH), dtype=np.float32)
    for index, glyph in enumerate(glyphs):
        batch[index, 0] = glyph_to_input(glyph)
    return batch
