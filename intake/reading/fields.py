"""Reading the character fields of one aligned page.

Each field's boxes are cut (``boxes``), the written ones sent to the engine in the field kind's
alphabet (one engine call per alphabet per page, so a model runs on whole batches), and the result
checked (``validate``). A field's confidence is the product of its characters' confidences and of
the written/empty decisions, capped low when the value fails its check: it estimates the chance
that the whole field is right.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from intake.config import Thresholds
from intake.engines.base import ALPHABETS, CharEngine, CharGuess
from intake.reading.boxes import BoxCut, PageInk, cut_boxes, refine_offset
from intake.reading.doubt import accept_level
from intake.reading.lexicon import weigh_domain
from intake.reading.lookalikes import apply_context, apply_name_number, apply_pattern
from intake.reading.result import CharRead, FieldRead, Problem
from intake.reading.validate import Checked, check
from intake.template.model import CharField, FieldKind

#: confidence of a struck-through box, read as empty: a person must look
CROSSED_OUT_CONFIDENCE = 0.5
#: field kinds whose check is strict enough that a second guess making them valid is evidence
REPAIRABLE = frozenset(
    {FieldKind.DATE, FieldKind.PHONE, FieldKind.POSTCODE, FieldKind.TUTOR_GROUP, FieldKind.EMAIL}
)
#: characters (least sure first) whose second guess is tried
REPAIR_POSITIONS = 3
#: most a repaired field can score: it always goes to a person
REPAIRED_CONFIDENCE = 0.6
#: confidence of a field whose value fails its check
INVALID_CONFIDENCE = 0.3
#: confidence of the full stop read into an email's empty box between written ones: an address
#: has no spaces, and a full stop is often too small to count as ink (or the parent skipped a
#: box), so a person looks (24 of the 883 character errors on the validation forms were such)
EMAIL_GAP_CONFIDENCE = 0.5


@dataclass(frozen=True, eq=False)
class FieldCuts:
    field: CharField
    page: int
    cuts: tuple[BoxCut, ...]
    offset_px: tuple[int, int]


def cut_field(ink: PageInk, field: CharField, page: int, thresholds: Thresholds) -> FieldCuts:
    """Cut every box of ``field`` after finding its printed outline near the expected place."""
    rects = field.box_rects()
    offset = refine_offset(ink, rects)
    cuts = tuple(cut_boxes(ink, rects, offset, thresholds.box_ink_ratio))
    return FieldCuts(field, page, cuts, offset)


def classify_fields(
    fields: Sequence[FieldCuts], engine: CharEngine
) -> dict[str, list[CharGuess | None]]:
    """Engine guesses per field id, one per box (None for empty boxes), one call per alphabet."""
    by_alphabet: dict[str, list[tuple[str, int, np.ndarray]]] = {}
    guesses: dict[str, list[CharGuess | None]] = {}
    for item in fields:
        guesses[item.field.id] = [None] * len(item.cuts)
        alphabet = ALPHABETS[item.field.kind]
        for index, cut in enumerate(item.cuts):
            if cut.written:
                by_alphabet.setdefault(alphabet, []).append((item.field.id, index, cut.glyph))
    for alphabet, jobs in by_alphabet.items():
        answers = engine.classify([glyph for _, _, glyph in jobs], alphabet)
        for (field_id, index, _), guess in zip(jobs, answers, strict=True):
            guesses[field_id][index] = guess
    return guesses


def _char_read(cut: BoxCut, guess: CharGuess | None) -> CharRead:
    if cut.crossed_out:
        # a struck-through box is read as empty (the parent carried on in the next box), but a
        # person must confirm it; the engine's guess stays as an alternative
        alternatives = ((guess.char, guess.confidence),) if guess else ()
        return CharRead("", CROSSED_OUT_CONFIDENCE, alternatives)
    if guess is None or not cut.written:
        return CharRead("", round(cut.empty_confidence, 4))
    confidence = guess.confidence * cut.empty_confidence
    return CharRead(guess.char, round(confidence, 4), guess.alternatives)


def _email_gaps(cuts: Sequence[BoxCut], chars: tuple[CharRead, ...]) -> tuple[CharRead, ...]:
    """An email's boxes left empty between written ones (not struck through) read as ``.``."""
    written = [i for i, c in enumerate(chars) if c.char]
    if not written:
        return chars
    out = list(chars)
    for index in range(written[0] + 1, written[-1]):
        if not chars[index].char and not cuts[index].crossed_out:
            out[index] = CharRead(".", EMAIL_GAP_CONFIDENCE)
    return tuple(out)


def _repair(
    kind: FieldKind, chars: tuple[CharRead, ...]
) -> tuple[tuple[CharRead, ...], str, Checked] | None:
    """Swap in the engine's second guesses at the least sure characters (one or two of them)
    until the value checks; the likeliest such value wins."""
    doubtful = sorted(
        (i for i, c in enumerate(chars) if c.char and c.alternatives),
        key=lambda i: chars[i].confidence,
    )[:REPAIR_POSITIONS]
    swaps = [(i, alt, p) for i in doubtful for alt, p in chars[i].alternatives[:2] if alt]
    trials = [[s] for s in swaps] + [
        [a, b] for n, a in enumerate(swaps) for b in swaps[n + 1 :] if a[0] != b[0]
    ]
    best: tuple[float, tuple[CharRead, ...], str, Checked] | None = None
    for trial_swaps in trials:
        trial = list(chars)
        for index, alternative, probability in trial_swaps:
            trial[index] = CharRead(
                alternative, round(probability, 4), ((chars[index].char, chars[index].confidence),)
            )
        raw = "".join(c.char or " " for c in trial).rstrip(" ")
        checked = check(kind, raw)
        likelihood = math.prod(c.confidence for c in trial)
        if not checked.problem and (best is None or likelihood > best[0]):
            best = (likelihood, tuple(trial), raw, checked)
    return None if best is None else best[1:]


def assemble_field(
    item: FieldCuts, guesses: Sequence[CharGuess | None], thresholds: Thresholds
) -> FieldRead:
    """Characters -> raw box string -> checked value, confidence and problems."""
    chars = tuple(_char_read(cut, guess) for cut, guess in zip(item.cuts, guesses, strict=True))
    if item.field.kind == FieldKind.EMAIL:
        chars = _email_gaps(item.cuts, chars)
    chars = apply_pattern(item.field.kind.value, apply_context(chars))
    if item.field.kind == FieldKind.EMAIL:
        chars = weigh_domain(apply_name_number(chars))
    raw = "".join(c.char or " " for c in chars).rstrip(" ")
    checked = check(item.field.kind, raw)
    confidence = math.prod(c.confidence for c in chars)
    problems: list[Problem] = []
    if checked.problem == Problem.INVALID_VALUE and item.field.kind in REPAIRABLE:
        repaired = _repair(item.field.kind, chars)
        if repaired is not None:
            # the value a second guess makes valid is the best offer, never auto-accepted
            chars, raw, checked = repaired
            confidence = min(math.prod(c.confidence for c in chars), REPAIRED_CONFIDENCE)
    if checked.problem:
        problems.append(checked.problem)
        confidence = min(confidence, INVALID_CONFIDENCE)
    if confidence < accept_level(item.field.kind, raw, thresholds):
        problems.append(Problem.LOW_CONFIDENCE)
    r = item.field.rect
    return FieldRead(
        field_id=item.field.id,
        kind=item.field.kind,
        page=item.page,
        value=checked.value,
        raw=raw,
        confidence=round(confidence, 4),
        chars=chars,
        box_mm=(r.x, r.y, r.w, r.h),
        problems=tuple(problems),
    )


def read_char_fields(
    ink: PageInk, fields: Sequence[CharField], page: int, engine: CharEngine, thresholds: Thresholds
) -> dict[str, FieldRead]:
    """Every character field of one aligned page."""
    cuts = [cut_field(ink, field, page, thresholds) for field in fields]
    guesses = classify_fields(cuts, engine)
    return {
        item.field.id: assemble_field(item, guesses[item.field.id], thresholds) for item in cuts
    }
