"""Unique Pupil Numbers: check letters, validation and generation of fictional UPNs.

A UPN is 13 characters: a check letter, the LA code (3 digits), the establishment (4 digits),
the last two digits of the academic year of issue and a serial (3 digits; a temporary UPN has a
2-digit serial and ends in a letter). The check letter is the weighted sum of characters 2-13
(weights 2..13; a trailing letter counts as its index in ``CHECK_ALPHABET``) modulo 23, mapped
onto ``CHECK_ALPHABET`` (GovTalk UPN data standard 2.0; DfE census error 1510).

The LA list is our own (python-stdnum's dates from 2011 and rejects e.g. Dorset 838): England's
post-1999 LA codes, the Welsh 660-681 and the pseudo-LA codes. An unknown LA code is a warning
only, never a rejection: check new authorities against GIAS / the DfE census validation rules.

Generated UPNs use a real LA code and establishment ``0000``, which is not a DfE number, so they
pass format checks without ever colliding with a real pupil's UPN.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CHECK_ALPHABET = "ABCDEFGHJKLMNPQRTUVWXYZ"  # no I, O or S
FICTIONAL_ESTABLISHMENT = "0000"

UPN_RE = re.compile(r"^[A-Z]\d{11}[0-9A-Z]$")

_LA_RANGES = (
    (201, 213),  # inner London
    (301, 320),  # outer London
    (330, 336),  # West Midlands
    (340, 344),  # Merseyside
    (350, 359),  # Greater Manchester
    (370, 373),  # South Yorkshire
    (380, 384),  # West Yorkshire
    (390, 394),  # Tyne and Wear
    (660, 681),  # Wales
)
_LA_CODES = (
    420,  # Isles of Scilly
    800,
    801,
    802,
    803,
    805,
    806,
    807,
    808,
    810,
    811,
    812,
    813,
    815,
    816,
    821,
    822,
    823,
    825,
    826,
    830,
    831,
    835,
    836,
    837,
    838,
    839,
    840,
    841,
    845,
    846,
    850,
    851,
    852,
    855,
    856,
    857,
    860,
    861,
    865,
    866,
    867,
    868,
    869,
    870,
    871,
    872,
    873,
    874,
    876,
    877,
    878,
    879,
    880,
    881,
    882,
    883,
    884,
    885,
    886,
    887,
    888,
    889,
    890,
    891,
    892,
    893,
    894,
    895,
    896,
    908,
    909,
    916,
    919,
    921,
    925,
    926,
    928,
    929,
    931,
    933,
    935,
    936,
    937,
    938,
    940,
    941,
    942,
    943,
    1,
    702,
    703,
    704,
    705,
    706,
    707,
    708,  # pseudo-LA codes (e.g. 001: none/overseas)
)
#: LA codes a UPN may carry: our own list (see the module docstring).
LA_CODES: frozenset[str] = frozenset(
    [f"{code:03d}" for low, high in _LA_RANGES for code in range(low, high + 1)]
    + [f"{code:03d}" for code in _LA_CODES]
)


def _value(char: str, position: int) -> int:
    if char.isdigit():
        return int(char)
    if position == 13 and char in CHECK_ALPHABET:
        return CHECK_ALPHABET.index(char)
    raise ValueError(f"character {position} of a UPN cannot be {char!r}")


def check_letter(body: str) -> str:
    """The check letter for the 12 characters after it (``body`` = UPN characters 2-13)."""
    body = body.upper()
    if len(body) != 12:
        raise ValueError("a UPN body has 12 characters")
    total = sum(_value(char, position) * position for position, char in enumerate(body, start=2))
    return CHECK_ALPHABET[total % 23]


def normalise_upn(raw: str) -> str:
    """Upper-case and drop spaces: the form MIS exports sometimes take."""
    return re.sub(r"\s+", "", raw).upper()


@dataclass(frozen=True)
class UpnCheck:
    upn: str
    valid: bool  # format and check letter right
    temporary: bool
    problem: str = ""  # why it is invalid
    warning: str = ""  # valid, but the LA code is not one we know


def check_upn(raw: str) -> UpnCheck:
    """Check a UPN's shape and check letter; an unknown LA code is a warning only."""
    upn = normalise_upn(raw)
    if not UPN_RE.match(upn):
        return UpnCheck(upn, False, False, "not 13 characters of the form A999999999999")
    temporary = upn[-1].isalpha()
    if temporary and upn[-1] not in CHECK_ALPHABET:
        return UpnCheck(upn, False, True, f"a temporary UPN cannot end in {upn[-1]}")
    if upn[0] not in CHECK_ALPHABET:
        return UpnCheck(upn, False, temporary, f"{upn[0]} is never a check letter")
    expected = check_letter(upn[1:])
    if upn[0] != expected:
        return UpnCheck(upn, False, temporary, f"wrong check letter (expected {expected})")
    warning = "" if upn[1:4] in LA_CODES else f"LA code {upn[1:4]} is not in our LA list"
    return UpnCheck(upn, True, temporary, warning=warning)


def is_valid_upn(raw: str) -> bool:
    """True when the UPN has the right shape and check letter (the LA code is not checked)."""
    return check_upn(raw).valid


def make_upn(la_code: str, establishment: str, issue_year: int, serial: int) -> str:
    """A permanent UPN with its check letter; ``issue_year`` is the academic year's start."""
    if la_code not in LA_CODES:
        raise ValueError(f"unknown LA code {la_code}")
    if not (0 <= serial <= 999 and len(establishment) == 4 and establishment.isdigit()):
        raise ValueError("serial 0..999 and a 4-digit establishment number are needed")
    body = f"{la_code}{establishment}{issue_year % 100:02d}{serial:03d}"
    return check_letter(body) + body


def make_temporary_upn(la_code: str, establishment: str, issue_year: int, serial: int) -> str:
    """A temporary UPN: 2-digit serial plus a letter, from a running serial 0..2299."""
    if not 0 <= serial < 100 * len(CHECK_ALPHABET):
        raise ValueError("temporary serial out of range")
    letter = CHECK_ALPHABET[serial // 100]
    body = f"{la_code}{establishment}{issue_year % 100:02d}{serial % 100:02d}{letter}"
    return check_letter(body) + body
