"""Validators and normalisers: examples and properties."""

from __future__ import annotations

import datetime as dt
import string

from hypothesis import given
from hypothesis import strategies as st

from intake.reading.result import Problem
from intake.reading.validate import (
    check_date,
    check_email,
    check_name,
    check_phone,
    check_postcode,
    check_tutor_group,
    phone_e164,
)

TODAY = dt.date(2026, 9, 1)


def test_dates() -> None:
    assert check_date("12032024", TODAY).value == "2024-03-12"
    assert check_date("", TODAY).value == ""
    assert check_date("29022023", TODAY).problem == Problem.INVALID_VALUE
    assert check_date("290220", TODAY).reason == "a date needs all eight digits DD MM YYYY"
    assert check_date("01011850", TODAY).problem == Problem.INVALID_VALUE
    future = check_date("01012030", TODAY)
    assert (future.value, future.problem) == ("2030-01-01", Problem.DATE_IN_FUTURE)


def test_emails() -> None:
    assert check_email("J.SMITH@EXAMPLE.COM").value == "j.smith@example.com"
    assert check_email("A B@EXAMPLE.ORG").value == "ab@example.org"
    assert check_email("JSMITH.EXAMPLE.COM").problem == Problem.INVALID_VALUE
    assert check_email("A@B@EXAMPLE.COM").problem == Problem.INVALID_VALUE
    assert check_email("A@EXAMPLE").problem == Problem.INVALID_VALUE
    assert check_email("A@-X.COM").problem == Problem.INVALID_VALUE
    assert "IP address" in check_email("A@192.168.1.1").reason
    assert "IP address" in check_email("A@[10.0.0.1]").reason


def test_phones_accept_ofcom_fiction_ranges() -> None:
    assert check_phone("07700900123").value == "07700900123"
    assert check_phone("01632960123").value == "01632960123"
    assert check_phone("01773 825281").value == "01773825281"
    assert check_phone("447700900123").value == "07700900123"
    assert check_phone("0770090012").problem == Problem.INVALID_VALUE
    assert check_phone("12345").problem == Problem.INVALID_VALUE
    assert phone_e164("07700900123") == "+447700900123"


def test_postcodes() -> None:
    assert check_postcode("DE560DA").value == "DE56 0DA"
    assert check_postcode("de56  0da").value == "DE56 0DA"
    assert check_postcode("SW1A1AA").value == "SW1A 1AA"
    assert check_postcode("DE56").problem == Problem.INVALID_VALUE
    assert check_postcode("QQ1 1AA").problem == Problem.INVALID_VALUE


def test_names_and_tutor_groups() -> None:
    assert check_name("  o'brien   smith - jones ").value == "O'BRIEN SMITH-JONES"
    assert check_name("J4NE").problem == Problem.INVALID_VALUE
    assert check_tutor_group("7B").value == "7B"
    assert check_tutor_group("10 RWA").value == "10RWA"
    assert check_tutor_group("12-SMI").value == "12-SMI"
    assert check_tutor_group("6A").problem == Problem.INVALID_VALUE
    assert check_tutor_group("14C").problem == Problem.INVALID_VALUE


@given(st.text(alphabet=string.ascii_uppercase + " '-", max_size=30))
def test_name_normaliser_is_idempotent(raw: str) -> None:
    once = check_name(raw).value
    assert check_name(once).value == once
    assert "  " not in once
    assert once == once.strip()


@given(st.text(alphabet=string.ascii_uppercase + string.digits + " ", max_size=10))
def test_postcode_normaliser_is_idempotent_with_one_space(raw: str) -> None:
    value = check_postcode(raw).value
    assert check_postcode(value).value == value
    assert value.count(" ") <= 1


@given(st.from_regex(r"07700900[0-9]{3}", fullmatch=True))
def test_fiction_mobiles_always_valid(number: str) -> None:
    checked = check_phone(number)
    assert (checked.value, checked.problem) == (number, None)


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY))
def test_every_real_past_date_round_trips(date: dt.date) -> None:
    boxes = date.strftime("%d%m%Y")
    assert check_date(boxes, TODAY).value == date.isoformat()


@given(st.text(alphabet=string.ascii_letters + string.digits + "@.-_+", max_size=40))
def test_email_normaliser_lower_cases_and_is_idempotent(raw: str) -> None:
    checked = check_email(raw)
    assert checked.value == checked.value.lower()
    assert check_email(checked.value) == checked
