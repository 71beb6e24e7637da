import json
import shutil

import numpy as np
import pytest

from intake.engines import charnet
from intake.engines.base import ALL_CHARS, ALPHABETS, DIGITS, LETTERS, CharGuess
from intake.engines.charnet import DEFAULT_MODEL, SECOND_MODEL, CharNetEngine, load_model
from intake.errors import EngineError
from intake.template.model import FieldKind


@pytest.fixture(scope="module")
def engine() -> CharNetEngine:
    return CharNetEngine()


@pytest.mark.parametrize("model", [DEFAULT_MODEL, SECOND_MODEL], ids=["first", "second"])
def test_shipped_models_are_small_and_described(model):
    assert model.stat().st_size < 5 * 1024 * 1024
    sidecar = json.loads(model.with_suffix(".json").read_text())
    assert sidecar["classes"] == ALL_CHARS
    assert sidecar["temperature"] > 0
    assert "Humor-Sans.ttf" not in sidecar["training"]["fonts"]


def test_the_second_model_is_the_same_recipe_from_another_seed():
    first, second = (
        json.loads(m.with_suffix(".json").read_text())["training"]
        for m in (DEFAULT_MODEL, SECOND_MODEL)
    )
    assert first["seed"] != second["seed"]
    assert {k: v for k, v in first.items() if k not in ("seed", "torch")} == {
        k: v for k, v in second.items() if k not in ("seed", "torch")
    }


def test_guesses_follow_the_engine_contract(engine, humor_glyphs):
    glyphs = list(humor_glyphs.values())
    for alphabet in ALPHABETS.values():
        guesses = engine.classify(glyphs, alphabet)
        assert len(guesses) == len(glyphs)
        for guess in guesses:
            assert isinstance(guess, CharGuess)
            assert guess.char in alphabet
            assert 0.0 <= guess.confidence <= 1.0
            assert all(
                char in alphabet and 0.0 <= p <= guess.confidence for char, p in guess.alternatives
            )


def test_empty_batch_gives_no_guesses(engine):
    assert engine.classify([], ALL_CHARS) == []


def test_digit_fields_only_get_digits(engine, humor_glyphs):
    # an O in a phone number box can only be read as a digit, most likely 0
    guess = engine.classify([humor_glyphs["O"]], ALPHABETS[FieldKind.PHONE])[0]
    assert guess.char in DIGITS
    assert guess.char == "0"


def test_held_out_font_glyphs_are_read_right(engine, humor_glyphs):
    chars = "ABEHKMRSWZ2345789-@"
    guesses = engine.classify([humor_glyphs[c] for c in chars], ALL_CHARS)
    read = "".join(g.char for g in guesses)
    wrong = [(c, r) for c, r in zip(chars, read) if c != r]
    assert len(wrong) <= 1, wrong


def test_batch_and_single_reads_agree(engine, humor_glyphs):
    glyphs = [humor_glyphs[c] for c in "Q7&"]
    together = engine.classify(glyphs, ALL_CHARS)
    alone = [engine.classify([g], ALL_CHARS)[0] for g in glyphs]
    assert [g.char for g in together] == [g.char for g in alone]
    assert np.allclose([g.confidence for g in together], [g.confidence for g in alone], atol=1e-5)


def test_unknown_alphabet_characters_are_refused(engine, humor_glyphs):
    with pytest.raises(EngineError, match="cannot read"):
        engine.classify([humor_glyphs["A"]], "ABC#")


def test_missing_model_is_a_clear_error(tmp_path):
    with pytest.raises(EngineError, match="cannot be read"):
        load_model(tmp_path / "nothing.onnx")


def test_corrupt_model_is_a_clear_error(tmp_path):
    shutil.copy(DEFAULT_MODEL.with_suffix(".json"), tmp_path / "bad.json")
    (tmp_path / "bad.onnx").write_bytes(b"not a model")
    with pytest.raises(EngineError, match="cannot be loaded"):
        load_model(tmp_path / "bad.onnx")


def test_one_alphabet_per_glyph_in_one_batch(engine, humor_glyphs):
    glyphs = [humor_glyphs["O"], humor_glyphs["O"]]
    guesses = engine.classify_each(glyphs, [LETTERS, DIGITS])
    assert [g.char for g in guesses] == ["O", "0"]
    with pytest.raises(EngineError, match="2 glyphs but 1 alphabets"):
        engine.classify_each(glyphs, [LETTERS])
    assert engine.classify_each([], []) == []


def _alone(path, glyphs, alphabet):
    return CharNetEngine(path, second_path=None).probabilities(glyphs, alphabet)


def test_only_doubtful_glyphs_get_the_second_opinion(engine, humor_glyphs, monkeypatch):
    glyphs = list(humor_glyphs.values())
    first = _alone(DEFAULT_MODEL, glyphs, ALL_CHARS)
    second = _alone(SECOND_MODEL, glyphs, ALL_CHARS)
    both = engine.probabilities(glyphs, ALL_CHARS)
    doubtful = first.max(axis=1) < charnet.SECOND_OPINION_BELOW
    assert doubtful.any() and not doubtful.all()
    assert np.allclose(both[~doubtful], first[~doubtful])
    assert np.allclose(both[doubtful], (first[doubtful] + second[doubtful]) / 2)
    assert np.allclose(both.sum(axis=1), 1.0)
    monkeypatch.setattr(charnet, "SECOND_OPINION_BELOW", 0.0)
    assert np.allclose(engine.probabilities(glyphs, ALL_CHARS), first)


def test_models_with_different_classes_are_refused(tmp_path):
    sidecar = json.loads(SECOND_MODEL.with_suffix(".json").read_text())
    sidecar["classes"] = sidecar["classes"][::-1]
    shutil.copy(SECOND_MODEL, tmp_path / "other.onnx")
    (tmp_path / "other.json").write_text(json.dumps(sidecar))
    with pytest.raises(EngineError, match="disagree"):
        CharNetEngine(second_path=tmp_path / "other.onnx")
