"""When a person should look at a read field: the one rule of the reader, the review screen and
the queue order.

A character is doubtful below ``Thresholds.doubtful_char_confidence``. A field is below its
auto-accept level when its confidence is under its kind's threshold
(``Thresholds.auto_accept_for``), or the general one for a field with no ink in any box (the
character model never read it, so its kind's calibration does not apply). A field is doubtful
when it carries a problem, is written and below its auto-accept level, or holds a doubtful
character.
"""

from __future__ import annotations

from intake.config import Thresholds
from intake.reading.result import CharRead, FieldRead
from intake.template.model import FieldKind


def accept_level(kind: FieldKind, raw: str, thresholds: Thresholds) -> float:
    """The confidence a field of ``kind`` that read ``raw`` needs to be accepted unseen."""
    if not raw.strip():
        return thresholds.auto_accept_confidence
    return thresholds.auto_accept_for(kind.value)


def below_accept_level(read: FieldRead, thresholds: Thresholds) -> bool:
    """The field's confidence is under what its kind needs to be accepted unseen."""
    return read.confidence < accept_level(read.kind, read.raw, thresholds)


def is_doubtful_char(char: CharRead, thresholds: Thresholds) -> bool:
    """A written character read with too little confidence (an empty box never is)."""
    return bool(char.char) and char.confidence < thresholds.doubtful_char_confidence


def is_doubtful(read: FieldRead, thresholds: Thresholds) -> bool:
    """A person should look: a problem, a written value below its level, a doubtful character."""
    return bool(doubt_reasons(read, thresholds))


#: what each problem of a field means to a reviewer
PROBLEM_WORDS = {
    "unsigned": "no signature found",
    "email_missing": "no email written",
    "required_missing": "required but nothing written",
    "invalid_value": "not a valid value of its kind",
    "date_in_future": "a date in the future",
    "suspicious_text": "hidden or mixed-script characters",
    "duplicate": "another form of this family is in the batch",
}


def _percent(value: float) -> str:
    return f"{round(value * 100)}%"


def doubt_reasons(read: FieldRead, thresholds: Thresholds) -> list[str]:
    """Why a person should look at ``read``, one sentence per rule that stopped it (empty when
    none did): the same rules as ``is_doubtful``, so that no field is stopped without a reason
    the reviewer can see."""
    reasons = [
        PROBLEM_WORDS.get(str(p), str(p).replace("_", " "))
        for p in read.problems
        if str(p) != "low_confidence"
    ]
    weak = [(n, c) for n, c in enumerate(read.chars, 1) if is_doubtful_char(c, thresholds)]
    if weak:
        listed = ", ".join(f"{c.char!r} ({_percent(c.confidence)})" for _, c in weak[:6])
        reasons.append(
            f"{len(weak)} character(s) read with under "
            f"{_percent(thresholds.doubtful_char_confidence)} confidence: {listed}"
        )
    below = not read.empty and below_accept_level(read, thresholds)
    if below or (read.problems and "low_confidence" in {str(p) for p in read.problems}):
        level = accept_level(read.kind, read.raw, thresholds)
        sentence = (
            f"the whole value read with {_percent(read.confidence)} confidence; "
            f"{read.kind.value.replace('_', ' ')} fields need {_percent(level)}"
        )
        written = [c for c in read.chars if c.char]
        if written and not weak:
            least = min(written, key=lambda c: c.confidence)
            sentence += f" (least sure: {least.char!r}, {_percent(least.confidence)})"
        reasons.append(sentence)
    return reasons
