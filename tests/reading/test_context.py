"""Look-alike letters and digits decided by their neighbours, probabilities kept."""

from __future__ import annotations

from intake.reading.context import apply_context
from intake.reading.result import CharRead


def _reads(text: str) -> list[CharRead]:
    return [CharRead(c, 0.99) if c != " " else CharRead("", 0.99) for c in text]


def test_one_between_letters_becomes_i() -> None:
    chars = _reads("W LLOW")
    chars[1] = CharRead("1", 0.6, (("I", 0.35),))
    out = apply_context(chars)
    assert out[1].char == "I"
    assert 0.75 < out[1].confidence < 0.8  # 0.35 * 0.9 / (0.35 * 0.9 + 0.6 * 0.1 + 0.025)
    assert out[1].alternatives[0][0] == "1"


def test_letter_between_digits_becomes_digit() -> None:
    chars = _reads("07700 00123")
    chars[5] = CharRead("O", 0.55, (("0", 0.4),))
    assert apply_context(chars)[5].char == "0"


def test_no_lookalike_of_the_other_kind_changes_nothing() -> None:
    chars = _reads("M LL")
    chars[1] = CharRead("I", 0.7, (("L", 0.2),))
    assert apply_context(chars) == tuple(chars)


def test_mixed_neighbours_change_nothing() -> None:
    chars = _reads("A 1")
    chars[1] = CharRead("0", 0.6, (("O", 0.35),))
    assert apply_context(chars)[1] == chars[1]
