"""Group verification's changes to one field: a doubtful character confirmed or corrected, or a
doubtful value confirmed as it stands.

A character is one box of the field (``FieldRead.chars`` holds one entry per box). Confirming it
makes it sure; correcting it puts the typed character in that box, sure. The field is then put
together again as the reader does (``intake.reading.fields``): the boxes give the raw string,
the kind's check gives the value and says whether it is valid, the characters' confidences give
the field's confidence. So a field whose only doubtful character a person settled stops being
doubtful, and one that is still invalid stays in front of a person. The form's doubt (the review
queue's order) is computed again from its values (``refresh_doubt``).
"""

from __future__ import annotations

import math
from dataclasses import replace

from intake.batch.doubt import doubt_score
from intake.batch.proposal import proposal_from_json
from intake.config import Thresholds
from intake.db.workflow import Form
from intake.engines.base import ALPHABETS
from intake.errors import IntakeError, WorkflowError
from intake.fieldjson import field_from_json
from intake.reading.doubt import accept_level
from intake.reading.result import CharRead, FieldRead, Problem
from intake.reading.validate import check
from intake.template.model import FieldKind

#: problems that putting the field together again decides afresh; any other stays
RECOMPUTED = frozenset({Problem.INVALID_VALUE, Problem.LOW_CONFIDENCE})


class VerifyError(IntakeError):
    """What was typed cannot go into that box (not a character of the field's kind)."""


def _reassembled(read: FieldRead, chars: tuple[CharRead, ...], thresholds: Thresholds) -> FieldRead:
    raw = "".join(c.char or " " for c in chars).rstrip(" ")
    checked = check(read.kind, raw)
    confidence = math.prod(c.confidence for c in chars)
    problems = [p for p in read.problems if p not in RECOMPUTED]
    if checked.problem:
        problems.append(checked.problem)
    if confidence < accept_level(read.kind, raw, thresholds):
        problems.append(Problem.LOW_CONFIDENCE)
    return replace(
        read,
        value=checked.value,
        raw=raw,
        confidence=round(confidence, 4),
        chars=chars,
        problems=tuple(problems),
    )


def typed_char(kind: FieldKind, typed: str) -> str:
    """The typed character as the boxes hold it (upper case), if the field's kind allows it."""
    char = typed.strip().upper()
    alphabet = ALPHABETS.get(kind, "")
    if len(char) != 1 or char not in alphabet:
        raise VerifyError(f"Type one character that a {kind.value.replace('_', ' ')} field holds.")
    return char


def settle_char(
    read: FieldRead, position: int, typed: str | None, thresholds: Thresholds
) -> FieldRead:
    """``read`` with box ``position`` confirmed (``typed`` is None) or corrected to ``typed``."""
    if not 0 <= position < len(read.chars) or not read.chars[position].char:
        raise WorkflowError("That box holds no character any more: reload the page.")
    char = read.chars[position].char if typed is None else typed_char(read.kind, typed)
    chars = list(read.chars)
    chars[position] = CharRead(char, 1.0, ())
    return _reassembled(read, tuple(chars), thresholds)


def confirm_value(read: FieldRead, thresholds: Thresholds) -> FieldRead:
    """``read`` with every character confirmed as read; refused when the value is not valid of
    its kind (a person must type the right one instead)."""
    sure = tuple(CharRead(c.char, 1.0, ()) if c.char else c for c in read.chars)
    settled = _reassembled(read, sure, thresholds)
    if Problem.INVALID_VALUE in settled.problems:
        raise WorkflowError(
            f"This is not a valid {read.kind.value.replace('_', ' ')}: type the right value."
        )
    return replace(
        settled, confidence=1.0, problems=tuple(p for p in settled.problems if p not in RECOMPUTED)
    )


def refresh_doubt(form: Form, thresholds: Thresholds) -> None:
    """The form's doubt from its values now, with the stored proposal (as the review screen's
    re-matching computes it)."""
    values = {fid: field_from_json(data) for fid, data in (form.values or {}).items()}
    proposal = proposal_from_json(form.proposed or {})
    form.doubt = doubt_score(values, form.problems or [], proposal, thresholds)
