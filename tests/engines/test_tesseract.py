import shutil
import stat

import numpy as np
import pytest

from intake.engines.base import ALL_CHARS, ALPHABETS
from intake.engines.tesseract import TesseractEngine, parse_words
from intake.errors import EngineError
from intake.template.model import FieldKind

needs_tesseract = pytest.mark.skipif(
    shutil.which("tesseract") is None, reason="tesseract not installed"
)


def _fake_tesseract(tmp_path, body: str) -> str:
    script = tmp_path / "tesseract"
    script.write_text(
        f'#!/bin/sh\nif [ "$1" = "--version" ]; then echo "tesseract 5.3.0"; exit 0; fi\n{body}\n'
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script)


def test_parse_words_keeps_real_words_with_unit_confidence():
    data = {"text": ["", "AB", " ", "C"], "conf": ["-1", "91.5", "-1", "x"]}
    words = parse_words(data)
    assert [(w.text, w.confidence) for w in words] == [("AB", pytest.approx(0.915))]


def test_a_hanging_tesseract_times_out(tmp_path):
    engine = TesseractEngine(timeout_s=0.5, command=_fake_tesseract(tmp_path, "sleep 5"))
    with pytest.raises(EngineError, match=r"longer than 0\.5 s"):
        engine.classify([np.full((84, 72), 255, np.uint8)], ALL_CHARS)


def test_a_failing_tesseract_is_an_engine_error(tmp_path):
    engine = TesseractEngine(command=_fake_tesseract(tmp_path, "echo garbage >&2; exit 3"))
    with pytest.raises(EngineError, match="status 3"):
        engine.read_line(np.full((84, 300), 255, np.uint8), ALL_CHARS)


def test_tesseract_that_writes_no_output_is_an_engine_error(tmp_path):
    engine = TesseractEngine(command=_fake_tesseract(tmp_path, "echo garbage; exit 0"))
    with pytest.raises(EngineError, match="output"):
        engine.read_line(np.full((84, 300), 255, np.uint8), ALL_CHARS)


def test_missing_program_is_an_engine_error(tmp_path):
    engine = TesseractEngine(command=str(tmp_path / "no-such-tesseract"))
    with pytest.raises(EngineError, match="not installed"):
        engine.classify([np.full((84, 72), 255, np.uint8)], ALL_CHARS)


@pytest.mark.parametrize("alphabet", ["", 'AB"C', "A B"])
def test_unusable_alphabets_are_refused(alphabet):
    with pytest.raises(EngineError, match=r"alphabet|restricted"):
        TesseractEngine().classify([np.full((84, 72), 255, np.uint8)], alphabet)


@needs_tesseract
def test_real_tesseract_follows_the_engine_contract(humor_glyphs):
    engine = TesseractEngine()
    glyphs = [humor_glyphs[c] for c in "HK7"] + [np.full((84, 72), 255, np.uint8)]
    guesses = engine.classify(glyphs, ALPHABETS[FieldKind.NAME])
    assert len(guesses) == 4
    assert all(g.char in ALPHABETS[FieldKind.NAME] and 0.0 <= g.confidence <= 1.0 for g in guesses)
    assert guesses[-1].confidence == 0.0  # nothing on blank paper
    assert engine.classify([], ALL_CHARS) == []


@needs_tesseract
def test_real_tesseract_reads_a_line_within_the_whitelist(humor_glyphs):
    line = np.hstack([humor_glyphs[c] for c in "KATE"])
    text, confidence = TesseractEngine().read_line(line, ALPHABETS[FieldKind.NAME])
    assert set(text) <= set(ALPHABETS[FieldKind.NAME]) | {" "}
    assert 0.0 <= confidence <= 1.0
