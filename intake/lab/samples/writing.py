"""What goes in a row of boxes and how it is written: block capitals, an odd lower-case letter,
a character struck through.

Truth semantics of a crossed-out character: the parent wrote a wrong character in a box, struck it
through, and carried on in the next box. The struck box counts as empty (``' '``) in the box
string and its index is listed in the truth's ``crossed_out[field_id]``; the value the parent
meant is the box string with those boxes removed.
"""

from __future__ import annotations

import string
import unicodedata
from dataclasses import dataclass

import numpy as np

from intake.engines.base import ALPHABETS
from intake.template.model import CharField, FieldKind


@dataclass(frozen=True)
class Writing:
    """What one row of boxes holds. ``text`` is the box string (upper case, ``' '`` for an empty
    box); ``lower`` lists boxes written in lower case; ``struck`` holds (box, wrong character)
    for boxes crossed out."""

    text: str
    party: str
    lower: frozenset[int] = frozenset()
    struck: tuple[tuple[int, str], ...] = ()


#: letters that carry a stroke rather than a combining accent, so NFKD leaves them whole
_STROKED = str.maketrans({"Ł": "L", "ł": "l", "Ø": "O", "ø": "o", "Đ": "D", "đ": "d", "ß": "SS"})


def fold(text: str) -> str:
    """Upper case without accents, as a parent writes it in block capitals (``ZOË`` -> ``ZOE``,
    ``ŁUKASZ`` -> ``LUKASZ``)."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_STROKED))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper()


def fit(text: str, kind: FieldKind, boxes: int) -> str:
    """The box string a careful parent writes: allowed characters only, one space between words,
    cut to the boxes available (at a word boundary where one is close)."""
    allowed = set(ALPHABETS[kind]) | {" "}
    cleaned = " ".join("".join(c if c in allowed else " " for c in fold(text)).split())
    if len(cleaned) <= boxes:
        return cleaned
    cut = cleaned[:boxes]
    if " " in cut and cleaned[boxes] != " " and cut.rfind(" ") > boxes * 0.6:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip()


def party_of(field_id: str) -> str:
    """Who writes a field: parent/carer 2 writes their own details, parent/carer 1 the rest."""
    return "parent2" if field_id.startswith("p2_") else "parent1"


def cross_out(
    writings: dict[str, Writing], specs: dict[str, CharField], rng: np.random.Generator
) -> dict[str, tuple[int, ...]]:
    """Strike one character in a name or address field and carry on in the next box."""
    candidates = [
        fid
        for fid, w in writings.items()
        if len(w.text) >= 3
        and len(w.text) < specs[fid].boxes
        and specs[fid].kind in (FieldKind.NAME, FieldKind.TEXT, FieldKind.EMAIL)
    ]
    if not candidates:
        return {}
    fid = str(rng.choice(sorted(candidates)))
    writing = writings[fid]
    spots = [i for i, c in enumerate(writing.text) if c != " "]
    box = int(rng.choice(spots))
    right = writing.text[box]
    wrong = str(rng.choice([c for c in string.ascii_uppercase if c != right]))
    text = writing.text[:box] + " " + writing.text[box:]
    writings[fid] = Writing(text, writing.party, writing.lower, ((box, wrong),))
    return {fid: (box,)}


def lower_case(writings: dict[str, Writing], rng: np.random.Generator) -> None:
    """An occasional lower-case letter; now and then a whole email in lower case."""
    for fid, writing in list(writings.items()):
        letters = [i for i, c in enumerate(writing.text) if c.isalpha()]
        if not letters:
            continue
        if fid.endswith("_email") and rng.random() < 0.12:
            lower = frozenset(letters)
        elif rng.random() < 0.03:
            lower = frozenset(int(i) for i in rng.choice(letters, size=1))
        else:
            continue
        writings[fid] = Writing(writing.text, writing.party, lower, writing.struck)
