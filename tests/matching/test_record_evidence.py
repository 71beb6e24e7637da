"""The record's email or name taken for a misread one only when the engine's evidence allows it."""

from __future__ import annotations

import pytest

from intake.matching.confirm import _sequence
from intake.matching.record_evidence import replacements
from intake.reading.result import CharRead, FieldRead
from intake.template.model import FieldKind

RECORD = "DAVIDWESTON464@EXAMPLE.COM"


def _read(text: str, doubts: dict[int, CharRead] | None = None) -> FieldRead:
    """``text`` read surely (0.99 a box, nothing offered) except the boxes in ``doubts``."""
    chars = [CharRead(c, 0.99) for c in text]
    for index, char in (doubts or {}).items():
        chars[index] = char
    return FieldRead("p1_email", FieldKind.EMAIL, 1, text.lower(), text, 0.5, tuple(chars))


def _replaced(read: FieldRead, record: str = RECORD) -> tuple[int, ...] | None:
    sequence = [(i, c.char.upper()) for i, c in enumerate(read.chars) if c.char]
    return replacements(read, record, sequence, email=True)


def test_a_faint_digit_left_as_an_empty_box_is_the_records() -> None:
    # the reader wrote a full stop into the box it found empty: it offers nothing for it
    read = _read("DAVIDWESTON46.@EXAMPLE.COM", {13: CharRead(".", 0.5)})
    assert _replaced(read) == (13,)


def test_digits_read_as_the_letters_they_look_like_are_the_records() -> None:
    read = _read("ZOE.ROBERTSIOII@EXAMPLE.NET", {i: CharRead(c, 0.98) for i, c in [(11, "I")]})
    assert _replaced(read, "ZOE.ROBERTS1011@EXAMPLE.NET") == (11, 12, 13, 14)


def test_doubtful_letters_take_the_records_when_the_engine_offered_them() -> None:
    doubts = {
        4: CharRead("L", 0.52, (("K", 0.28), ("H", 0.07))),
        5: CharRead("P", 0.75, (("R", 0.20), ("E", 0.03))),
    }
    read = _read("EWA.LPAWCZYK1195@EXAMPLE.ORG", doubts)
    assert _replaced(read, "EWA.KRAWCZYK1195@EXAMPLE.ORG") == (4, 5)


@pytest.mark.parametrize(
    ("written", "why"),
    [
        ("DAVIDWESTON465@EXAMPLE.COM", "another number, read surely"),
        ("DAVIDWESTON464@EXAMPLE.ORG", "another domain"),
        ("DWESTON464@EXAMPLE.COM.....", "another address of the same length"),
        ("DAVIDWESTON46@EXAMPLE.COM", "a character fewer"),
        ("DAVEWESTMAN4@EXAMPLE.COM..", "a few sure letters"),
    ],
)
def test_a_different_address_is_never_taken_for_the_records(written: str, why: str) -> None:
    assert _replaced(_read(written)) is None, why


def test_sure_letters_that_differ_add_up_against_the_record() -> None:
    # one sure letter in a long address is a misreading (the record, 1000 to 1); two are not
    assert _replaced(_read("DAVIDWESTOM464@EXAMPLE.COM")) == (10,)
    assert _replaced(_read("DAVIOWESTOM464@EXAMPLE.COM".replace("O", "P", 1))) is None


def _name(text: str, doubts: dict[int, CharRead] | None = None) -> FieldRead:
    """A name read box by box (a space is an empty box), surely except the boxes in ``doubts``."""
    chars = [CharRead(c.strip(), 0.99) for c in text]
    for index, char in (doubts or {}).items():
        chars[index] = char
    return FieldRead("child1_name", FieldKind.NAME, 1, text, text, 0.5, tuple(chars))


def _name_replaced(read: FieldRead, record: str) -> tuple[int, ...] | None:
    sequence = _sequence(read, "name")
    return replacements(read, record, sequence, email=False)


def test_a_faint_letter_left_as_an_empty_box_inside_a_name_is_the_records() -> None:
    assert _name_replaced(_name("ISAAC WES ON"), "ISAAC WESTON") == (9,)
    # two boxes empty: a space between two words, never a letter
    assert _name_replaced(_name("ISAAC WES  ON"), "ISAAC WESTON") is None


def test_a_sure_letter_that_differs_in_a_name_is_the_parents_spelling() -> None:
    # MICKENZIE written where the record says MACKENZIE: a person sees it, whatever the length
    assert _name_replaced(_name("HAMISH MICKENZIE"), "HAMISH MACKENZIE") is None
    assert _name_replaced(_name("KATE"), "KATY") is None
    # the same letter read doubtfully, the record's offered: a misreading
    doubtful = {8: CharRead("I", 0.6, (("A", 0.3),))}
    assert _name_replaced(_name("HAMISH MICKENZIE", doubtful), "HAMISH MACKENZIE") == (8,)
    doubtful = {3: CharRead("E", 0.6, (("Y", 0.35),))}
    assert _name_replaced(_name("KATE", doubtful), "KATY") == (3,)
    # two doubtful letters in four are too many for a short name's budget
    two = {2: CharRead("L", 0.5, (("T", 0.3),)), 3: CharRead("E", 0.6, (("Y", 0.35),))}
    assert _name_replaced(_name("KALE", two), "KATY") is None


def test_a_name_spelt_otherwise_or_split_otherwise_is_not_the_records() -> None:
    assert _name_replaced(_name("JOHN SMYTHE"), "JOHN SMITH") is None  # another length
    assert _name_replaced(_name("ANNMARIE"), "ANN MARIE") is None
    # two faint letters are one too many: a person looks
    assert _name_replaced(_name("ISA C WES ON"), "ISAAC WESTON") is None
