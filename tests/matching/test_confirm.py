from __future__ import annotations

from dataclasses import replace

import pytest

from intake.matching.confirm import (
    apply_corrections,
    confirmed_fields,
    correction_data,
    record_corrections,
)
from intake.matching.index import RosterIndex
from intake.matching.proposals import match_form
from intake.reading.result import CharRead, FormRead, Problem

from .conftest import FormBuilder

RACHEL = {
    "forename": "RACHEL",
    "surname": "EVANS",
    "print_name": "RACHEL EVANS",
    "address1": "1 MILL LANE",
    "address2": "BELPER",
    "postcode": "DE56 1AA",
    "mobile_tel": "07700900007",
    "email": "RACHEL@EXAMPLE.ORG",
}


def test_fields_read_as_the_records_hold_them_are_confirmed(
    index: RosterIndex, make_form: FormBuilder
) -> None:
    form = make_form([("LILY EVANS", "10B")], p1=RACHEL)
    confirmed = confirmed_fields(form, match_form(form, index), index)
    assert confirmed["child1_name"] == "student S07"
    assert confirmed["child1_tutor_group"] == "student S07"
    for suffix in RACHEL:
        assert confirmed[f"p1_{suffix}"] == "contact C07", suffix


def test_a_value_that_differs_from_the_record_is_not_confirmed(
    index: RosterIndex, make_form: FormBuilder
) -> None:
    # a new mobile number and a last year's tutor group: the form may be telling the school
    # something; one misread letter in the surname
    details = {**RACHEL, "mobile_tel": "07700900999", "surname": "EVAMS"}
    form = make_form([("LILY EVANS", "9B")], p1=details)
    confirmed = confirmed_fields(form, match_form(form, index), index)
    assert "child1_name" in confirmed
    assert "child1_tutor_group" not in confirmed
    assert "p1_mobile_tel" not in confirmed and "p1_surname" not in confirmed
    assert "p1_forename" in confirmed


def test_preferred_names_and_formatting_still_confirm(
    index: RosterIndex, make_form: FormBuilder
) -> None:
    form = make_form(
        [("BOBBY MACDONALD", "8X")],
        p1={"forename": "FIONA", "surname": "MACDONALD", "mobile_tel": "07700 900005"},
    )
    confirmed = confirmed_fields(form, match_form(form, index), index)
    assert {"child1_name", "child1_tutor_group", "p1_mobile_tel"} <= confirmed.keys()


def test_nothing_is_confirmed_without_a_link(index: RosterIndex, make_form: FormBuilder) -> None:
    form = make_form([("NOBODY ATALL", "7Q")], p1={"forename": "ZED", "surname": "QUINN"})
    assert confirmed_fields(form, match_form(form, index), index) == {}


def test_an_invalid_value_is_never_confirmed(index: RosterIndex, make_form: FormBuilder) -> None:
    form = make_form([("LILY EVANS", "10B")], p1=RACHEL)
    email = replace(form.fields["p1_email"], value="", problems=(Problem.INVALID_VALUE.value,))
    form = replace(form, fields={**form.fields, "p1_email": email})
    assert "p1_email" not in confirmed_fields(form, match_form(form, index), index)


def _doubtful(
    form: FormRead,
    field_id: str,
    box: int,
    confidence: float,
    offered: str,
    probability: float = 0.3,
) -> FormRead:
    """``form`` with box ``box`` of ``field_id`` read at ``confidence``, offering ``offered``."""
    read = form.fields[field_id]
    chars = list(read.chars)
    chars[box] = CharRead(chars[box].char, confidence, ((offered, probability), ("X", 0.01)))
    return replace(form, fields={**form.fields, field_id: replace(read, chars=tuple(chars))})


def test_a_doubtful_character_takes_the_records_value_when_the_engine_offered_it(
    index: RosterIndex, make_form: FormBuilder
) -> None:
    form = _doubtful(
        make_form([("LILY EVANS", "10B")], p1={**RACHEL, "surname": "EVAMS"}),
        "p1_surname",
        3,
        0.6,
        "N",
    )
    match = match_form(form, index)
    assert "p1_surname" not in confirmed_fields(form, match, index)
    corrections = record_corrections(form, match, index)
    assert corrections["p1_surname"].raw == "EVANS"
    assert corrections["p1_surname"].source == "contact C07"
    fixed = apply_corrections(
        dict(form.fields),
        {"p1_surname": correction_data(corrections["p1_surname"], form.fields["p1_surname"])},
    )["p1_surname"]
    assert (fixed.value, fixed.raw) == ("EVANS", "EVANS")
    assert fixed.chars[3] == CharRead("N", 0.3, (("M", 0.6),))


@pytest.mark.parametrize(
    ("confidence", "offered", "probability"),
    # sure of what it read (the record's letter hardly offered); or never offered it: in a
    # five-letter surname that is more evidence against the record than its budget
    [(0.99, "N", 0.005), (0.6, "H", 0.3)],
)
def test_a_character_is_not_replaced_unless_doubtful_and_offered(
    index: RosterIndex,
    make_form: FormBuilder,
    confidence: float,
    offered: str,
    probability: float,
) -> None:
    form = _doubtful(
        make_form([("LILY EVANS", "10B")], p1={**RACHEL, "surname": "EVAMS"}),
        "p1_surname",
        3,
        confidence,
        offered,
        probability,
    )
    assert "p1_surname" not in record_corrections(form, match_form(form, index), index)


def test_a_correction_no_longer_applies_once_the_read_changed(
    index: RosterIndex, make_form: FormBuilder
) -> None:
    form = _doubtful(
        make_form([("LILY EVANS", "10B")], p1={**RACHEL, "surname": "EVAMS"}),
        "p1_surname",
        3,
        0.6,
        "N",
    )
    correction = record_corrections(form, match_form(form, index), index)["p1_surname"]
    stale = correction_data(correction, replace(form.fields["p1_surname"], raw="EVAMZ"))
    assert apply_corrections(dict(form.fields), {"p1_surname": stale}) == dict(form.fields)


@pytest.mark.parametrize(
    ("written", "confirmed"),
    [
        ("1 MILL LANE, BELPER", True),  # the record's two lines, with or without the comma
        ("1 MILL LANE BELPER", True),
        ("1 MILL LANE. BELPER", False),  # a comma read as a full stop is a misread
        ("1 MILL LANE, BELPER.", False),
    ],
)
def test_punctuation_read_in_an_address_must_be_the_records(
    index: RosterIndex, make_form: FormBuilder, written: str, confirmed: bool
) -> None:
    form = make_form([("LILY EVANS", "10B")], p1={**RACHEL, "address1": written})
    assert ("p1_address1" in confirmed_fields(form, match_form(form, index), index)) is confirmed


def test_a_doubtful_full_stop_takes_the_records_comma(
    index: RosterIndex, make_form: FormBuilder
) -> None:
    form = make_form([("LILY EVANS", "10B")], p1={**RACHEL, "address1": "1 MILL LANE. BELPER"})
    form = _doubtful(form, "p1_address1", 11, 0.6, ",")
    corrections = record_corrections(form, match_form(form, index), index)
    assert corrections["p1_address1"].raw == "1 MILL LANE, BELPER"
