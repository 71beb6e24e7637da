"""The one doubt rule: problems, each kind's auto-accept level, doubtful characters."""

from __future__ import annotations

from intake.config import Thresholds
from intake.reading.doubt import doubt_reasons, is_doubtful
from intake.reading.result import CharRead, FieldRead, Problem
from intake.template.model import FieldKind


def read(kind: FieldKind, value: str, confidence: float, chars=(), problems=()) -> FieldRead:
    return FieldRead("f", kind, 1, value, value, confidence, tuple(chars), problems=problems)


def test_each_kind_has_its_own_level_and_a_blank_field_the_general_one() -> None:
    t = Thresholds()
    assert is_doubtful(read(FieldKind.NAME, "JANE", 0.95), t)  # names need 1.0
    assert not is_doubtful(read(FieldKind.DATE, "2020-01-01", 0.95), t)  # dates 0.90
    assert not is_doubtful(read(FieldKind.NAME, "", 0.95), t)


def test_a_doubtful_character_or_a_problem_makes_a_field_doubtful() -> None:
    t = Thresholds()
    assert is_doubtful(read(FieldKind.DATE, "2020-01-01", 0.99, [CharRead("2", 0.5)]), t)
    assert not is_doubtful(read(FieldKind.DATE, "2020-01-01", 0.99, [CharRead("", 0.1)]), t)
    assert is_doubtful(read(FieldKind.DATE, "", 1.0, problems=(Problem.REQUIRED_MISSING,)), t)


def test_every_doubtful_field_has_a_reason_in_words() -> None:
    t = Thresholds()
    # "LISA": no character under the line, but the whole value under the name level
    lisa = read(
        FieldKind.NAME, "LISA", 0.93, [CharRead(c, 0.99) for c in "LIS"] + [CharRead("A", 0.95)]
    )
    assert doubt_reasons(lisa, t) == [
        "the whole value read with 93% confidence; name fields need 100% (least sure: 'A', 95%)"
    ]
    weak = read(FieldKind.DATE, "2020-01-01", 0.99, [CharRead("2", 0.5)])
    assert doubt_reasons(weak, t) == ["1 character(s) read with under 80% confidence: '2' (50%)"]
    missing = read(FieldKind.DATE, "", 1.0, problems=(Problem.REQUIRED_MISSING,))
    assert doubt_reasons(missing, t) == ["required but nothing written"]
    assert doubt_reasons(read(FieldKind.DATE, "2020-01-01", 0.95), t) == []
