"""Glyph-level measurement of the character engines on writing never used in training.

    python -m intake.lab.training.evaluate [--model intake/models/charnet.onnx]
        [--second intake/models/charnet-seed8.onnx | --alone] [--repeats 2]
        [--seed 11] [--tesseract-max N] [--engine charnet|tesseract]... [--forms DIR]... [--json]

Two sets, both put into boxes by the glyph contract (``boxes.compose`` in its plain "good scan"
setting): the held-out handwriting fonts (``fonts.HELD_OUT_GLOBS``) and the real handwriting of
``handwriting/test``. Each glyph is scored twice: with its field type's alphabet (letters as in a
name, digits as in a phone number or date, punctuation with every character) and with the open
alphabet of every character (where O/0 and I/1 cannot be told apart by the field). Nothing here
is fitted: this is measurement only.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from intake.engines.base import ALL_CHARS, ALPHABETS, DIGITS, LETTERS, CharEngine, CharGuess
from intake.engines.charnet import DEFAULT_MODEL, SECOND_MODEL, CharNetEngine
from intake.engines.tesseract import TesseractEngine
from intake.lab.training import fonts
from intake.lab.training.boxes import compose
from intake.lab.training.formcrops import harvest_glyphs
from intake.lab.training.sources import font_sources, hand_samples, hand_source
from intake.template.model import FieldKind


@dataclass(frozen=True)
class LabelledGlyphs:
    """Glyph crops, their true characters and where each came from."""

    name: str
    glyphs: list[np.ndarray]
    truth: list[str]
    origins: list[str]
    alphabets: list[str] | None = None  # each glyph's field alphabet; None: ``field_alphabet``


def field_alphabet(char: str) -> str:
    """The alphabet a character is read with on a form: a name's, a phone's, or every char."""
    if char in LETTERS:
        return ALPHABETS[FieldKind.NAME]
    if char in DIGITS:
        return ALPHABETS[FieldKind.PHONE]
    return ALL_CHARS


def held_out_font_glyphs(repeats: int, seed: int) -> LabelledGlyphs:
    """Every character of every held-out font, ``repeats`` times, in boxes."""
    rng = np.random.default_rng(seed)
    glyphs, truth, origins = [], [], []
    for path in fonts.held_out_fonts():
        for source in font_sources(path, ALL_CHARS, lower_case=False):
            for _ in range(repeats):
                glyphs.append(compose(source, rng, heavy=False))
                truth.append(source.char)
                origins.append(path.stem)
    return LabelledGlyphs("held-out fonts", glyphs, truth, origins)


def handwriting_test_glyphs(seed: int) -> LabelledGlyphs:
    """Every image of ``handwriting/test`` placed once into a box."""
    rng = np.random.default_rng(seed)
    glyphs, truth, origins = [], [], []
    for sample in hand_samples("test"):
        glyphs.append(compose(hand_source(sample), rng, heavy=False))
        truth.append(sample.char)
        origins.append(sample.path.stem.split("_")[0])
    return LabelledGlyphs("handwriting/test", glyphs, truth, origins)


def form_glyphs(samples_dir: Path) -> LabelledGlyphs:
    """Boxes cut by the reader from forms that ``intake samples`` wrote with unseen handwriting."""
    glyphs, chars, alphabets = harvest_glyphs(samples_dir)
    name = f"forms {samples_dir.name}"
    return LabelledGlyphs(name, glyphs, chars, [samples_dir.name] * len(chars), alphabets)


def _read(engine: CharEngine, data: LabelledGlyphs, open_alphabet: bool) -> list[CharGuess]:
    """Guesses for every glyph, one engine call per alphabet (a batch each)."""
    guesses: list[CharGuess | None] = [None] * len(data.glyphs)
    by_alphabet: dict[str, list[int]] = {}
    for index, char in enumerate(data.truth):
        if open_alphabet:
            alphabet = ALL_CHARS
        elif data.alphabets is not None:
            alphabet = data.alphabets[index]
        else:
            alphabet = field_alphabet(char)
        by_alphabet.setdefault(alphabet, []).append(index)
    for alphabet, indices in by_alphabet.items():
        answers = engine.classify([data.glyphs[i] for i in indices], alphabet)
        for index, guess in zip(indices, answers, strict=True):
            guesses[index] = guess
    return [g for g in guesses if g is not None]


def score(engine: CharEngine, data: LabelledGlyphs, open_alphabet: bool) -> dict[str, object]:
    """Accuracy (overall and by origin), speed, confidence figures and the commonest confusions."""
    started = time.perf_counter()
    guesses = _read(engine, data, open_alphabet)
    seconds = time.perf_counter() - started
    right = np.array([g.char == t for g, t in zip(guesses, data.truth, strict=True)])
    confidence = np.array([g.confidence for g in guesses])
    by_origin = {
        origin: round(float(right[[o == origin for o in data.origins]].mean()), 4)
        for origin in sorted(set(data.origins))
    }
    confusions = Counter(
        f"{t}->{g.char}" for g, t in zip(guesses, data.truth, strict=True) if g.char != t
    )
    confident = confidence >= 0.9
    return {
        "glyphs": len(right),
        "accuracy": round(float(right.mean()), 4),
        "by_origin": by_origin,
        "ms_per_glyph": round(1000 * seconds / max(len(right), 1), 2),
        "mean_confidence": round(float(confidence.mean()), 4),
        "share_confidence_ge_0_9": round(float(confident.mean()), 4),
        "error_rate_confidence_ge_0_9": round(float((~right[confident]).mean()), 4)
        if confident.any()
        else None,
        "top_confusions": confusions.most_common(8),
    }


def _subset(data: LabelledGlyphs, limit: int | None, seed: int) -> LabelledGlyphs:
    if limit is None or limit >= len(data.glyphs):
        return data
    keep = sorted(np.random.default_rng(seed).choice(len(data.glyphs), limit, replace=False))
    return LabelledGlyphs(
        data.name,
        [data.glyphs[i] for i in keep],
        [data.truth[i] for i in keep],
        [data.origins[i] for i in keep],
        None if data.alphabets is None else [data.alphabets[i] for i in keep],
    )


def evaluate(
    model: Path,
    repeats: int,
    seed: int,
    tesseract_max: int | None,
    engine_names: Sequence[str],
    forms: Sequence[Path] = (),
    second: Path | None = SECOND_MODEL,
) -> dict[str, dict[str, object]]:
    """Scores of CharNet (with its ``second`` opinion, if any; and Tesseract) on both sets,
    field and open alphabets."""
    engines: list[tuple[CharEngine, int | None]] = []
    if "charnet" in engine_names:
        engines.append((CharNetEngine(model, second_path=second), None))
    if "tesseract" in engine_names:
        engines.append((TesseractEngine(), tesseract_max))
    results: dict[str, dict[str, object]] = {}
    sets = [held_out_font_glyphs(repeats, seed), handwriting_test_glyphs(seed)]
    sets += [form_glyphs(folder) for folder in forms]
    for data in sets:
        for engine, limit in engines:
            subset = _subset(data, limit, seed)
            for open_alphabet in (False, True):
                key = (
                    f"{data.name} | {engine.name} | {'open' if open_alphabet else 'field'} alphabet"
                )
                results[key] = score(engine, subset, open_alphabet)
    return results


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point: print a table (or JSON) of the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument(
        "--second", type=Path, default=SECOND_MODEL, help="the model asked about doubtful glyphs"
    )
    parser.add_argument("--alone", action="store_true", help="measure --model without a second")
    parser.add_argument("--repeats", type=int, default=2, help="boxes per held-out font glyph")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--tesseract-max",
        type=int,
        default=None,
        help="read only this many glyphs per set with Tesseract (it is slow)",
    )
    parser.add_argument(
        "--engine",
        action="append",
        choices=["charnet", "tesseract"],
        help="engine to measure (repeatable; default: both)",
    )
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--forms",
        type=Path,
        action="append",
        default=[],
        help="also score boxes cut from a folder written by `intake samples` with UNSEEN "
        "handwriting (--fonts of held-out fonts, or --glyphs handwriting/test); repeatable",
    )
    args = parser.parse_args(argv)
    results = evaluate(
        args.model,
        args.repeats,
        args.seed,
        args.tesseract_max,
        args.engine or ["charnet", "tesseract"],
        args.forms,
        None if args.alone else args.second,
    )
    if args.json:
        print(json.dumps(results, indent=2))
        return
    header = f"{'set | engine | alphabet':62} {'n':>5} {'acc':>7} {'ms/gl':>7}"
    print(f"{header} {'conf>=.9':>8} {'err@.9':>7}")
    for key, row in results.items():
        err: Any = row["error_rate_confidence_ge_0_9"]
        confusions: Any = row["top_confusions"]
        print(
            f"{key:62} {row['glyphs']:>5} {row['accuracy']:>7.2%} {row['ms_per_glyph']:>7} "
            f"{row['share_confidence_ge_0_9']:>8.2%} {'-' if err is None else f'{err:.2%}':>7}"
        )
        print(f"    by origin {row['by_origin']}  confusions {confusions[:5]}")


if __name__ == "__main__":
    main()
