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
    if read.problems:
        return True
    if not read.empty and below_accept_level(read, thresholds):
        return True
    return any(is_doubtful_char(c, thresholds) for c in read.chars)
