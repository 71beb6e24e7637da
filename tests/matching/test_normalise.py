from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intake.matching.normalise import (
    CONTROL,
    MIXED_SCRIPT,
    NON_LATIN,
    fold,
    mac_spellings,
    name_key,
    phone_key,
    postcode_key,
    shape_key,
    text_flags,
    tutor_group_key,
    year_of_tutor_group,
)

#: Latin-script names as parents and MIS exports write them, with the characters a hostile or
#: careless input adds
names = st.text(
    alphabet=st.characters(
        categories=("Lu", "Ll", "Zs", "Pd", "Nd"),
        max_codepoint=0x24F,
        include_characters="'’`-\u200b\u202e",
    ),
    max_size=30,
)
anything = st.text(max_size=30)


@pytest.mark.parametrize(
    ("written", "key"),
    [
        ("O'Brien", "OBRIEN"),
        ("O’BRIEN", "OBRIEN"),
        ("o`brien", "OBRIEN"),
        ("Smith-Jones", "SMITH JONES"),
        ("Smith – Jones", "SMITH JONES"),
        ("  Siân   Zoë ", "SIAN ZOE"),
        ("MacDonald", "MCDONALD"),
        ("McDonald", "MCDONALD"),
        ("Machin", "MCHIN"),  # a key, not a spelling: both sides fold alike
        ("Mac", "MAC"),
        ("Łukasz Wiśniewski", "LUKASZ WISNIEWSKI"),
        ("Strauß", "STRAUSS"),
        ("ＡＭＹ", "AMY"),  # full-width, NFKC
        ("A\u200bMY", "AMY"),  # zero-width space dropped
    ],
)
def test_name_keys(written: str, key: str) -> None:
    assert name_key(written) == key


def test_mac_can_be_kept_for_comparison() -> None:
    assert fold("MacDonald", mac=False).text == "MACDONALD"
    assert mac_spellings("FRASER MCDONALD") == {"FRASER MCDONALD", "FRASER MACDONALD"}
    assert mac_spellings("MACE") == {"MACE"}


def test_confidences_follow_the_key() -> None:
    folded = fold("O'B-X", [0.1, 0.2, 0.3, 0.4, 0.5])
    assert folded.text == "OB X"
    assert folded.confidences == (0.1, 0.3, 0.4, 0.5)
    assert folded.compact().text == "OBX"
    assert folded.compact().confidences == (0.1, 0.3, 0.5)
    assert [w.text for w in folded.words()] == ["OB", "X"]


def test_confidences_must_match_the_text() -> None:
    with pytest.raises(ValueError, match="one confidence per character"):
        fold("AMY", [0.9])


def test_flags() -> None:
    assert text_flags("AMY SMITH") == frozenset()
    assert CONTROL in text_flags("\u202eAMY")
    assert CONTROL in text_flags("A\u200dMY")
    cyrillic_a = "\u0410MY SMITH"
    assert {NON_LATIN, MIXED_SCRIPT} <= text_flags(cyrillic_a)
    folded = fold(cyrillic_a)
    assert folded.text == "AMY SMITH"  # folded to the lookalike, so a person sees candidates
    assert folded.suspicious


def test_shapes_and_groups() -> None:
    assert shape_key("SM1TH") == shape_key("SMITH") == shape_key("SMLTH")
    assert shape_key("B0B") == shape_key("8OB")
    assert tutor_group_key("12-smi") == "12SMI"
    assert year_of_tutor_group("7B") == 7
    assert year_of_tutor_group("1OR") == 10
    assert year_of_tutor_group("l3X") == 13
    assert year_of_tutor_group("Y9 Oak") == 9
    assert year_of_tutor_group("ASH") is None
    assert year_of_tutor_group("5A") is None


def test_phone_and_postcode_keys() -> None:
    assert phone_key("+44 7700 900123") == "07700900123"
    assert phone_key("07700 900123") == "07700900123"
    assert phone_key("123") == ""
    assert postcode_key("de56 1aa") == "DE561AA"
    assert postcode_key("DE56 IAA") == "DE561AA"  # digit then two letters inward


@given(anything)
def test_fold_is_idempotent(text: str) -> None:
    once = fold(text).text
    assert fold(once).text == once


@given(names)
def test_case_does_not_matter(text: str) -> None:
    assert name_key(text.upper()) == name_key(text.lower()) == name_key(text)


@given(st.text(alphabet="AEIOUCNSZaeioucnsz ", max_size=20))
def test_accents_do_not_matter(text: str) -> None:
    accented = text.translate(str.maketrans("aeioucnszAEIOUCNSZ", "áèïôüçñšžÁÈÏÔÜÇÑŠŽ"))
    assert name_key(accented) == name_key(text)


@given(anything)
def test_keys_are_plain(text: str) -> None:
    folded = fold(text)
    assert all(c.isascii() and (c.isalnum() or c == " ") for c in folded.text)
    assert len(folded.confidences) == len(folded.text)
    assert not folded.text.startswith(" ") and not folded.text.endswith(" ")
    assert "  " not in folded.text
