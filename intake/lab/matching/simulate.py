"""Simulated reads of forms from their ground truth, to measure matching without the reader.

Each box of the truth's box string becomes a ``CharRead``: mostly the right character with a high
confidence; now and then a character the reader would confuse with it (O/D/0, I/L/1, S/5, B/8...)
with a low confidence; rarely a wrong character read with a high confidence. Name fields are read
with letters only, as the reader's alphabet constrains them.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from intake.lab.samples.truth import FormTruth
from intake.reading.result import CharRead, FieldRead, FormRead
from intake.roster.model import Roster
from intake.template.load import load_template
from intake.template.model import FieldKind

#: what a reader confuses each character with
CONFUSIONS = {
    "O": "DQ0", "D": "O0", "Q": "O", "I": "L1J", "L": "I1", "J": "I", "S": "5", "B": "8R",
    "Z": "2", "G": "6C", "C": "G", "U": "V", "V": "U", "M": "N", "N": "MH", "H": "N",
    "E": "F", "F": "E", "P": "R", "R": "P", "K": "X", "Y": "V", "T": "I", "A": "R",
    "0": "O", "1": "I7", "2": "Z", "5": "S", "6": "G", "7": "1", "8": "B", "3": "8", "9": "4",
}  # fmt: skip
LETTERS_ONLY = frozenset({"name"})
DIGITS_ONLY = frozenset({"phone", "date"})


@dataclass(frozen=True)
class Noise:
    """How often a simulated reader errs, per character."""

    confusion_rate: float = 0.03  # a confusable character, read with low confidence
    confident_error_rate: float = 0.002  # any wrong character, read with high confidence
    #: a confused character carries the right one as the reader's second guess
    alternatives: bool = True


def _kinds() -> dict[str, FieldKind]:
    template = load_template()
    return {f.id: f.kind for _, f in template.fields()}


def _read_char(char: str, kind: str, rng: random.Random, noise: Noise) -> CharRead:
    if char == " ":
        return CharRead("", round(rng.uniform(0.9, 0.99), 3))
    roll = rng.random()
    options = [
        c
        for c in CONFUSIONS.get(char, "")
        if (kind not in LETTERS_ONLY or c.isalpha()) and (kind not in DIGITS_ONLY or c.isdigit())
    ]
    if roll < noise.confusion_rate and options:
        second = ((char, 0.3),) if noise.alternatives else ()
        return CharRead(rng.choice(options), round(rng.uniform(0.25, 0.7), 3), second)
    if roll < noise.confusion_rate + noise.confident_error_rate:
        alphabet = "0123456789" if kind in DIGITS_ONLY else "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        wrong = rng.choice([c for c in alphabet if c != char])
        return CharRead(wrong, round(rng.uniform(0.82, 0.95), 3))
    return CharRead(char, round(rng.uniform(0.88, 0.999), 3))


def _value(raw: str, kind: str) -> str:
    if kind == "phone":
        return "".join(c for c in raw if c.isdigit())
    if kind == "email":
        return "".join(raw.split()).lower()
    return " ".join(raw.split())


def simulate_read(
    truth: FormTruth, rng: random.Random, noise: Noise, kinds: dict[str, FieldKind] | None = None
) -> FormRead:
    """A ``FormRead`` as a reader with the given noise would produce it for this truth."""
    kinds = kinds or _kinds()
    fields: dict[str, FieldRead] = {}
    for field_id, boxes in truth.fields.items():
        kind = kinds.get(field_id, FieldKind.TEXT)
        chars = tuple(_read_char(c, kind, rng, noise) for c in boxes)
        raw = "".join(c.char or " " for c in chars).rstrip()
        confidence = min((c.confidence for c in chars if c.char), default=1.0)
        fields[field_id] = FieldRead(field_id, kind, 0, _value(raw, kind), raw, confidence, chars)
    for field_id, ticked in truth.ticks.items():
        value = "1" if ticked else ""
        fields[field_id] = FieldRead(field_id, FieldKind.TICK, 0, value, value, 0.99)
    return FormRead(truth.template, 1, truth.serial, (), fields)


def simulate_reads(
    truths: Sequence[FormTruth], seed: int = 11, noise: Noise | None = None
) -> list[FormRead]:
    """Simulated reads of every truth, deterministic for a seed."""
    rng = random.Random(seed)
    kinds = _kinds()
    return [simulate_read(t, rng, noise or Noise(), kinds) for t in truths]


def synthetic_truths(roster: Roster, count: int, seed: int = 5) -> list[FormTruth]:
    """``count`` form truths filled by the roster's families (no images), as ``intake samples``
    would write them; families are reused when ``count`` exceeds them."""
    import numpy as np
    from faker import Faker

    from intake.lab.samples.fill import fill_form
    from intake.roster.families import families

    template = load_template()
    packs = families(roster)
    rng = np.random.default_rng(seed)
    faker = Faker("en_GB")
    faker.seed_instance(seed)
    out = []
    for n in range(count):
        family = packs[n % len(packs)]
        filled = fill_form(template, roster, family, rng, faker)
        out.append(
            FormTruth(
                form_id=f"sim{n:05d}",
                template=template.key,
                serial=family.serial,
                family_serial=family.serial,
                pages=(),
                fields={k: w.text for k, w in filled.fields.items()},
                ticks=dict(filled.ticks),
                signatures=dict(filled.signatures),
                children=filled.children,
                applicants=filled.applicants,
                problems=filled.problems,
            )
        )
    return out
