"""Look-alike letters and digits decided by their neighbours, probabilities kept."""

from __future__ import annotations

from intake.reading.lookalikes import apply_context, apply_name_number, apply_pattern
from intake.reading.result import CharRead


def _reads(text: str) -> list[CharRead]:
    return [CharRead(c, 0.99) if c != " " else CharRead("", 0.99) for c in text]


def test_one_between_letters_becomes_i() -> None:
    chars = _reads("W LLOW")
    chars[1] = CharRead("1", 0.6, (("I", 0.35),))
    out = apply_context(chars)
    assert out[1].char == "I"
    # the pair's odds 0.6:0.35 shrunk to 0.50:0.45, then 0.45 * 0.98 / (0.45 * 0.98 + 0.5 * 0.02
    # + 0.025)
    assert 0.91 < out[1].confidence < 0.94
    assert out[1].alternatives[0][0] == "1"


def test_a_clear_zero_inside_a_word_still_yields_to_the_letter() -> None:
    chars = _reads("HOLBROOK")
    chars[5] = CharRead("0", 0.93, (("O", 0.06),))
    assert apply_context(chars)[5].char == "O"


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
    chars[1] = CharRead("5", 0.6, (("S", 0.35),))
    assert apply_context(chars)[1] == chars[1]
    chars[1] = CharRead("0", 0.6, (("O", 0.35),))
    out = apply_context(chars)[1]  # O and 0: one oval, so the engine's certainty shrinks
    assert out.char == "0" and out.confidence < 0.6


def _read(text: str, doubtful: dict[int, tuple[str, float, str, float]]) -> list[CharRead]:
    """Boxes of ``text`` (space: empty box) read surely, except ``doubtful`` positions
    (index -> first guess, its probability, the second guess, its probability)."""
    out = []
    for index, char in enumerate(text):
        if index in doubtful:
            first, p, second, q = doubtful[index]
            out.append(CharRead(first, p, ((second, q),)))
        else:
            out.append(CharRead("" if char == " " else char, 0.99))
    return out


def test_a_postcodes_inward_code_is_a_digit_and_two_letters() -> None:
    # DE56 1AA read as DE56 IA0: the inward code decides both look-alikes
    chars = _read("DE56 1AA", {5: ("I", 0.6, "1", 0.4), 7: ("0", 0.55, "O", 0.4)})
    out = apply_pattern("postcode", chars)
    assert out[5].char == "1" and out[5].confidence > 0.9
    assert out[7].char == "O"  # only O among the guesses is a letter
    assert out[0] == chars[0]  # sure characters are left alone


def test_a_tutor_group_starts_with_its_year_in_digits() -> None:
    chars = _read("10A", {1: ("O", 0.7, "0", 0.3)})
    assert "".join(c.char for c in apply_pattern("tutor_group", chars)) == "10A"
    chars = _read("11G", {0: ("I", 0.6, "1", 0.4), 1: ("I", 0.6, "1", 0.4)})
    assert "".join(c.char for c in apply_pattern("tutor_group", chars)) == "11G"
    chars = _read("9D", {1: ("0", 0.6, "D", 0.4)})
    assert "".join(c.char for c in apply_pattern("tutor_group", chars)) == "9D"


def test_other_fields_have_no_pattern() -> None:
    chars = _read("O1", {0: ("O", 0.6, "0", 0.4)})
    assert apply_pattern("name", chars) == tuple(chars)


def test_lookalike_neighbours_are_no_evidence() -> None:
    # EZE1171 read EZEII7I: the I's lean on each other, not on the sure 7 and E
    chars = _read(
        "EZE1171@",
        {3: ("I", 0.6, "1", 0.35), 4: ("I", 0.6, "1", 0.35), 6: ("I", 0.6, "1", 0.35)},
    )
    out = apply_context(chars)
    assert out[6].char == "1"  # the 7 before it is sure; the @ ends the run
    # E before, 7 after: no agreement, the first guess stands (less sure, being I or 1)
    assert out[3].char == "I" and out[3].confidence < chars[3].confidence


def test_slash_between_letters_is_a_letter() -> None:
    chars = _read("MILL", {1: ("/", 0.6, "I", 0.35)})
    assert apply_context(chars)[1].char == "I"
    chars = _read("3/4", {1: ("/", 0.6, "I", 0.35)})
    assert apply_context(chars)[1].char == "/"


def test_a_plain_stroke_among_digits_is_a_one_however_sure_the_model_is_of_i() -> None:
    # 81 CHAPEL STREET: the model, used to flagged ones, calls the stroke I at 97%
    chars = _read("81 CHAPEL", {1: ("I", 0.97, "1", 0.015)})
    out = apply_context(chars)
    assert out[1].char == "1"
    assert out[1].alternatives[0][0] == "I"


def test_where_an_emails_name_meets_its_number_a_lookalike_is_a_digit() -> None:
    chars = _read("ZSCOTT1405@EXAMPLE.COM", {6: ("I", 0.97, "1", 0.015)})
    assert apply_context(chars)[6].char == "I"  # a letter on one side, a digit on the other
    out = apply_name_number(apply_context(chars))
    assert out[6].char == "1"
    assert out[6].confidence < 0.9  # decided, but a person looks at it


def test_a_lookalike_between_a_number_and_letters_is_left_as_read() -> None:
    chars = _read("12AB@EXAMPLE.COM", {1: ("Z", 0.6, "2", 0.35)})
    assert apply_name_number(chars) == tuple(chars)
    chars = _read("AB@EXAMPLE1I.COM", {11: ("I", 0.6, "1", 0.35)})
    assert apply_name_number(chars) == tuple(chars)  # the domain is not a name and a number
