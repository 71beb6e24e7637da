"""Shared helpers: glyph crops made by the training composer, so they follow the glyph contract."""

from __future__ import annotations

import numpy as np
import pytest

from intake.engines.base import ALL_CHARS
from intake.lab.training.boxes import compose
from intake.lab.training.fonts import held_out_fonts
from intake.lab.training.sources import font_sources


@pytest.fixture(scope="session")
def humor_glyphs() -> dict[str, np.ndarray]:
    """One boxed glyph per character of Humor Sans (a held-out font), fixed seed."""
    font = next(p for p in held_out_fonts() if p.name == "Humor-Sans.ttf")
    rng = np.random.default_rng(2024)
    return {
        s.char: compose(s, rng, heavy=False)
        for s in font_sources(font, ALL_CHARS, lower_case=False)
    }
