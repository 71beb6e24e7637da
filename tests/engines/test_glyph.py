import numpy as np
import pytest

from intake.engines.glyph import INPUT_HEIGHT, INPUT_WIDTH, glyph_to_input, glyphs_to_batch
from intake.errors import IntakeError


def _glyph(level: int) -> np.ndarray:
    crop = np.full((84, 72), 250, np.uint8)
    crop[20:64, 30:38] = level  # a vertical bar
    return crop


def test_output_is_an_ink_map_of_the_model_size():
    out = glyph_to_input(_glyph(0))
    assert out.shape == (INPUT_HEIGHT, INPUT_WIDTH)
    assert out.dtype == np.float32
    assert out.min() == 0.0
    assert out.max() == pytest.approx(1.0, abs=0.02)
    assert out[:, :5].max() == 0.0  # paper stays paper


def test_preprocessing_is_deterministic(humor_glyphs):
    glyph = humor_glyphs["R"]
    assert np.array_equal(glyph_to_input(glyph), glyph_to_input(glyph.copy()))


def test_light_pencil_looks_like_dark_pen():
    dark, light = glyph_to_input(_glyph(0)), glyph_to_input(_glyph(150))
    assert np.abs(dark - light).max() < 0.05


def test_blank_paper_stays_near_zero():
    rng = np.random.default_rng(0)
    noisy = np.clip(240 + rng.normal(0, 3, (84, 72)), 0, 255).astype(np.uint8)
    assert glyph_to_input(noisy).max() < 0.25


def test_batch_keeps_order_and_count(humor_glyphs):
    glyphs = [humor_glyphs["A"], humor_glyphs["7"], humor_glyphs["A"]]
    batch = glyphs_to_batch(glyphs)
    assert batch.shape == (3, 1, INPUT_HEIGHT, INPUT_WIDTH)
    assert np.array_equal(batch[0], batch[2])
    assert not np.array_equal(batch[0], batch[1])
    assert glyphs_to_batch([]).shape == (0, 1, INPUT_HEIGHT, INPUT_WIDTH)


@pytest.mark.parametrize(
    "bad", [np.zeros((0, 5), np.uint8), np.zeros((8, 8, 3), np.uint8), np.zeros((2, 2), np.uint8)]
)
def test_bad_glyphs_are_refused(bad):
    with pytest.raises(IntakeError, match="glyph"):
        glyph_to_input(bad)
