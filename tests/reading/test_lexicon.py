"""Known email domains as evidence for the characters after the @."""

from __future__ import annotations

import math

from intake.reading.lexicon import weigh_domain
from intake.reading.result import CharRead


def _reads(text: str, confidence: float = 0.95) -> list[CharRead]:
    return [CharRead(c, confidence) for c in text]


def test_known_domain_read_as_is_gains_confidence() -> None:
    chars = tuple(_reads("ANN@EXAMPLE.COM", 0.9))
    out = weigh_domain(chars)
    assert "".join(c.char for c in out) == "ANN@EXAMPLE.COM"
    assert math.prod(c.confidence for c in out[4:]) > 0.95
    assert out[:4] == chars[:4]


def test_second_guess_that_makes_a_known_domain_is_taken() -> None:
    chars = _reads("ANN@EXAMFLE.NET")
    chars[8] = CharRead("F", 0.6, (("P", 0.35),))
    out = weigh_domain(tuple(chars))
    assert "".join(c.char for c in out) == "ANN@EXAMPLE.NET"
    assert out[8].alternatives == (("F", 0.6),)


def test_unknown_domain_without_a_nearby_known_one_is_left() -> None:
    chars = tuple(_reads("ANN@SCHOOLMAIL.ORG"))
    assert weigh_domain(chars) == chars
    assert weigh_domain(tuple(_reads("NO AT SIGN"))) == tuple(_reads("NO AT SIGN"))


def test_a_doubtful_character_may_be_any_in_a_known_domain_but_a_sure_one_may_not() -> None:
    # the L of EXAMPLE too faint to count as ink, its empty box read as a full stop at 50%
    chars = _reads("ANN@EXAMP.E.NET")
    chars[9] = CharRead(".", 0.5)
    assert "".join(c.char for c in weigh_domain(tuple(chars))) == "ANN@EXAMPLE.NET"
    chars[9] = CharRead("I", 0.95)  # read surely, with no L among its guesses: left as read
    assert weigh_domain(tuple(chars)) == tuple(chars)
