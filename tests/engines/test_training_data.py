"""The training side's promises: a clean font split and glyphs made to the glyph contract."""

import numpy as np

from intake.engines.base import ALIGNED_PX_PER_MM, ALL_CHARS, DIGITS, LETTERS
from intake.lab.training import fonts
from intake.lab.training.boxes import CROP_H, CROP_W, broken_strokes, compose, reader_cleaning
from intake.lab.training.makeforms import prepare
from intake.lab.training.sources import hand_samples, is_validation_writer
from intake.lab.training.strokes import SKELETONS, draw_strokes, stroke_source


def test_held_out_fonts_are_never_training_or_validation_fonts():
    held = set(fonts.held_out_fonts())
    assert {p.name for p in held} >= {"Humor-Sans.ttf", "BecauseWeLearn-Regular.otf"}
    assert held.isdisjoint(fonts.training_fonts())
    assert held.isdisjoint(fonts.validation_fonts())
    assert set(fonts.training_fonts()).isdisjoint(fonts.validation_fonts())


def test_crops_follow_the_glyph_contract():
    assert (round(6 * ALIGNED_PX_PER_MM), round(7 * ALIGNED_PX_PER_MM)) == (CROP_W, CROP_H)
    rng = np.random.default_rng(1)
    crop = compose(stroke_source("K", rng), rng, heavy=True)
    assert crop.shape == (CROP_H, CROP_W)
    assert crop.dtype == np.uint8
    assert crop.min() < 128 < np.percentile(crop, 90)


def test_compose_is_reproducible_from_the_seed():
    first = compose(stroke_source("8", np.random.default_rng(5)), np.random.default_rng(6))
    again = compose(stroke_source("8", np.random.default_rng(5)), np.random.default_rng(6))
    assert np.array_equal(first, again)


def test_strokes_cover_every_letter_and_digit_and_the_marks_of_an_email():
    assert set(SKELETONS) == set(LETTERS + DIGITS + "@.")
    assert set(ALL_CHARS) - set(SKELETONS) == set("'-,/&_+")


def test_stroke_variants_include_the_shapes_the_reader_confused():
    """A long-flagged 1, a round-pointed V and a short-barred E are each drawn."""
    assert len(SKELETONS["1"]) >= 3 and len(SKELETONS["V"]) >= 2 and len(SKELETONS["E"]) >= 2
    long_flag = [v for v in SKELETONS["1"] if v[0][0][1] >= 0.3]
    assert long_flag, "no 1 whose flag starts below a third of the height"


def test_a_full_stop_drawn_as_strokes_is_a_small_dot_near_the_baseline():
    rng = np.random.default_rng(3)
    for _ in range(20):
        ink = draw_strokes(".", rng, 64)
        rows = np.nonzero(ink.max(axis=1) > 0.3)[0]
        assert len(rows) and rows.min() > 16 + 0.7 * 64  # margin 16, cap box 64 px
        assert (ink > 0.3).sum() < 0.08 * ink.size  # a felt tip's dot at most


def test_reader_cleaning_whitens_paper_and_keeps_ink():
    image = np.full((CROP_H, CROP_W), 235, np.uint8)
    image[30:50, 30:34] = 40
    image[5, 5] = 200  # faint speck: paper to the reader
    cleaned = reader_cleaning(image)
    assert cleaned[5, 5] == 255
    assert (cleaned[30:50, 30:34] == 40).all()


def test_broken_strokes_keep_dots_of_the_ink_on_clean_paper():
    image = np.full((CROP_H, CROP_W), 230, np.uint8)
    image[20:60, 30:36] = 90  # a light stroke
    broken = broken_strokes(image, np.random.default_rng(2))
    assert set(np.unique(broken)) <= {0, 255}  # black and white
    stroke = broken[20:60, 30:36] == 0
    assert 0.1 < stroke.mean() < 1.0  # dots and dashes of it, not all, not none
    paper = np.ones(broken.shape, bool)
    paper[20:60, 30:36] = False
    assert (broken[paper] == 255).mean() > 0.99  # paper stays clean


def test_validation_writers_are_a_minority_of_the_training_split():
    samples = hand_samples("train")
    share = np.mean([is_validation_writer(s) for s in samples])
    assert 0.08 < share < 0.3


def test_prepare_keeps_training_validation_and_held_out_apart(tmp_path):
    prepare(tmp_path)
    names = {
        split: {p.name for p in (tmp_path / split).rglob("*") if p.is_symlink()}
        for split in ("train-fonts", "val-fonts", "held-out-fonts", "train-glyphs", "val-glyphs")
    }
    assert names["val-fonts"] and names["val-glyphs"] and names["train-glyphs"]
    assert not names["train-fonts"] & names["val-fonts"]
    assert not names["held-out-fonts"] & (names["train-fonts"] | names["val-fonts"])
    assert not names["train-glyphs"] & names["val-glyphs"]
