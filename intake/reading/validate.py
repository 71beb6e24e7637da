"""Check and normalise what boxes read: dates, emails, UK phones, postcodes, names, tutor groups.

Each normaliser takes the box string (one character per box, a space for an empty box) and
returns a ``Checked``: the normalised value and, when the value is not valid, the problem code and
a short reason. The outcome feeds the field's confidence. ``phonenumbers`` is used only here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

import phonenumbers

from intake.reading.result import Problem
from intake.template.model import FieldKind

#: nobody filling the form in was born, or signed it, before this year
OLDEST_YEAR = 1900
#: Ofcom's ranges reserved for drama: possible numbers, never assigned, used by our samples
_FICTION = (
    re.compile(r"^07700900\d{3}$"),
    re.compile(r"^01632960\d{3}$"),
    re.compile(r"^0113496\d{4}$"),
    re.compile(r"^0114496\d{4}$"),
    re.compile(r"^0115496\d{4}$"),
    re.compile(r"^0116496\d{4}$"),
    re.compile(r"^0117496\d{4}$"),
    re.compile(r"^0118496\d{4}$"),
    re.compile(r"^0141496\d{4}$"),
    re.compile(r"^0151496\d{4}$"),
    re.compile(r"^0161496\d{4}$"),
    re.compile(r"^02079460\d{3}$"),
    re.compile(r"^01914980\d{3}$"),
    re.compile(r"^02890180\d{3}$"),
    re.compile(r"^02920180\d{3}$"),
)
_POSTCODE = re.compile(
    r"^(GIR ?0AA|[A-PR-UWYZ]([0-9]{1,2}|[A-HK-Y][0-9]{1,2}|[0-9][A-HJKPS-UW]"
    r"|[A-HK-Y][0-9][ABEHMNPRVWXY])"
    r" ?[0-9][ABD-HJLNP-UW-Z]{2})$"
)
_EMAIL_LOCAL = re.compile(r"^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_EMAIL_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
_NAME = re.compile(r"^[A-Z]+([ '\-][A-Z]+|')*$")
_TUTOR_GROUP = re.compile(r"^(7|8|9|10|11|12|13)[-/]?[A-Z]{1,4}$")


@dataclass(frozen=True)
class Checked:
    value: str  # normalised, or the cleaned text when invalid ("" when nothing was written)
    problem: Problem | None = None  # None when valid
    reason: str = ""


def _squash(raw: str) -> str:
    return " ".join(raw.split())


def check_name(raw: str) -> Checked:
    """Upper case letters, apostrophe, hyphen and single spaces."""
    value = _squash(raw).upper()
    value = re.sub(r"\s*([-'])\s*", r"\1", value)
    if not value:
        return Checked("")
    if not _NAME.match(value):
        return Checked(value, Problem.INVALID_VALUE, "a name holds letters, ' and - only")
    return Checked(value)


def check_text(raw: str) -> Checked:
    """Address lines: single spaces, upper case; anything in the alphabet is valid."""
    return Checked(_squash(raw).upper())


def check_tutor_group(raw: str) -> Checked:
    """``7B``, ``10RWA``, ``12-SMI``: a year 7..13 then letters."""
    value = raw.replace(" ", "").upper()
    if not value:
        return Checked("")
    if not _TUTOR_GROUP.match(value):
        return Checked(value, Problem.INVALID_VALUE, "a tutor group is a year 7-13 and letters")
    return Checked(value)


def check_postcode(raw: str) -> Checked:
    """UK postcode, upper case, one space before the inward code."""
    compact = raw.replace(" ", "").upper()
    if not compact:
        return Checked("")
    value = f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else compact
    if not _POSTCODE.match(value):
        return Checked(value, Problem.INVALID_VALUE, "not a UK postcode")
    return Checked(value)


def check_phone(raw: str) -> Checked:
    """A UK number as national digits (``07700900123``); Ofcom's drama ranges are accepted."""
    digits = re.sub(r"\D", "", raw)
    if not digits:
        return Checked("")
    if digits.startswith("44") and len(digits) == 12:
        digits = "0" + digits[2:]
    if any(p.match(digits) for p in _FICTION):
        return Checked(digits)
    try:
        number = phonenumbers.parse(digits, "GB")
    except phonenumbers.NumberParseException:
        return Checked(digits, Problem.INVALID_VALUE, "not a UK phone number")
    if not phonenumbers.is_possible_number(number) or not phonenumbers.is_valid_number(number):
        return Checked(digits, Problem.INVALID_VALUE, "not a UK phone number")
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return Checked(re.sub(r"\D", "", national))


def phone_e164(national_digits: str) -> str:
    """``07700900123`` -> ``+447700900123`` (for exports and account records)."""
    return "+44" + national_digits[1:] if national_digits.startswith("0") else national_digits


def check_email(raw: str) -> Checked:
    """Lower case, one @, a dotted domain of valid labels, no IP literals, no spaces."""
    value = raw.replace(" ", "").lower()
    if not value:
        return Checked("")
    local, at, domain = value.rpartition("@")
    bad = Checked(value, Problem.INVALID_VALUE, "not a valid email address")
    if not at or not local or "@" in local or len(value) > 254 or len(local) > 64:
        return bad
    if domain.startswith("[") or re.fullmatch(r"[0-9.]+", domain):
        return Checked(value, Problem.INVALID_VALUE, "email addresses at an IP address are refused")
    labels = domain.split(".")
    if len(labels) < 2 or not all(_EMAIL_LABEL.match(label) for label in labels):
        return bad
    if not labels[-1].isalpha() or len(labels[-1]) < 2 or not _EMAIL_LOCAL.match(local):
        return bad
    return Checked(value)


def check_date(raw: str, today: dt.date | None = None) -> Checked:
    """DD MM YYYY boxes -> ISO date; a real date, not in the future, not before 1900."""
    digits = raw.replace(" ", "")
    if not digits:
        return Checked("")
    if len(digits) != 8 or not digits.isdigit():
        return Checked(digits, Problem.INVALID_VALUE, "a date needs all eight digits DD MM YYYY")
    try:
        date = dt.date(int(digits[4:]), int(digits[2:4]), int(digits[:2]))
    except ValueError:
        return Checked(digits, Problem.INVALID_VALUE, "not a real date")
    if date.year < OLDEST_YEAR:
        return Checked(date.isoformat(), Problem.INVALID_VALUE, "a date before 1900")
    if date > (today or dt.date.today()):
        return Checked(date.isoformat(), Problem.DATE_IN_FUTURE, "the date is in the future")
    return Checked(date.isoformat())


CHECKS: dict[FieldKind, Callable[[str], Checked]] = {
    FieldKind.NAME: check_name,
    FieldKind.TEXT: check_text,
    FieldKind.TUTOR_GROUP: check_tutor_group,
    FieldKind.POSTCODE: check_postcode,
    FieldKind.PHONE: check_phone,
    FieldKind.EMAIL: check_email,
    FieldKind.DATE: check_date,
}


def check(kind: FieldKind, raw: str) -> Checked:
    """The check for a character field's kind."""
    return CHECKS[kind](raw)
