"""UPN check letters: known examples, every generated UPN, temporary UPNs, our LA list."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intake.roster.upn import (
    CHECK_ALPHABET,
    LA_CODES,
    check_letter,
    check_upn,
    is_valid_upn,
    make_temporary_upn,
    make_upn,
)


@pytest.mark.parametrize("upn", ["P207000016049", "B801200005001", "p207 0000 16049"])
def test_known_valid_upns(upn: str) -> None:
    assert is_valid_upn(upn)


def test_arbor_worked_example_answer_q_is_wrong() -> None:
    # the census guidance's worked example says Q; the sum is 266 and 266 mod 23 = 13 -> P
    assert check_letter("207000016049") == "P"
    assert check_upn("Q207000016049").problem == "wrong check letter (expected P)"


@pytest.mark.parametrize(
    ("upn", "problem"),
    [
        ("P20700001604", "not 13 characters"),
        ("P2070000160491", "not 13 characters"),
        ("I207000016049", "never a check letter"),
        ("P20700001604I", "cannot end in I"),
    ],
)
def test_malformed_upns_say_why(upn: str, problem: str) -> None:
    check = check_upn(upn)
    assert not check.valid
    assert problem in check.problem


def test_new_authority_is_known_and_unknown_la_only_warns() -> None:
    assert "838" in LA_CODES  # Dorset (2019): python-stdnum's 2011 list rejects it
    upn = make_upn("838", "0000", 20, 7)
    assert check_upn(upn).valid and not check_upn(upn).warning
    body = "999000020007"
    unknown = check_letter(body) + body
    assert check_upn(unknown).valid
    assert "LA code 999" in check_upn(unknown).warning


def test_temporary_upn_check_letter_counts_the_final_letter() -> None:
    upn = make_temporary_upn("830", "0000", 25, 3)
    assert upn.endswith("A") and check_upn(upn).valid and check_upn(upn).temporary
    wrong_last = upn[:-1] + "B"
    assert not is_valid_upn(wrong_last)


@given(
    la=st.sampled_from(sorted(LA_CODES)),
    year=st.integers(0, 99),
    serial=st.integers(0, 999),
)
def test_every_generated_upn_is_valid_and_any_single_change_is_caught(
    la: str, year: int, serial: int
) -> None:
    upn = make_upn(la, "0000", year, serial)
    assert is_valid_upn(upn)
    assert upn[4:8] == "0000"
    for letter in CHECK_ALPHABET.replace(upn[0], ""):
        assert not is_valid_upn(letter + upn[1:])


def test_demo_roster_upns_are_valid_and_unique(demo_roster) -> None:
    upns = [s.upn for s in demo_roster.students]
    assert all(is_valid_upn(u) for u in upns)
    assert all(u[4:8] == "0000" for u in upns)
    assert len(set(upns)) == len(upns)
