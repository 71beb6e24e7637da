"""Parsers for the values MIS exports write: booleans, dates, year groups, sex, relationships.

Each returns the typed value or raises ``ValueError`` with a message for office staff; the
importers add the line number.
"""

from __future__ import annotations

import re
from datetime import date

_TRUE = {"y", "yes", "t", "true", "1", "✓", "✔", "x"}
_FALSE = {"n", "no", "f", "false", "0"}

_YEAR_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "l6": 12,
    "lowersixth": 12,
    "6l": 12,
    "u6": 13,
    "uppersixth": 13,
    "6u": 13,
}

#: relationship words an export may use instead of CBDS codes
RELATIONSHIP_WORDS = {
    "mother": "PAM",
    "mum": "PAM",
    "father": "PAF",
    "dad": "PAF",
    "stepmother": "STM",
    "stepfather": "STF",
    "fostermother": "FOM",
    "fosterfather": "FOF",
    "carer": "CAR",
    "othercarer": "CAR",
    "familymember": "FAM",
    "otherfamilymember": "FAM",
    "grandmother": "FAM",
    "grandfather": "FAM",
    "grandparent": "FAM",
    "aunt": "REL",
    "uncle": "REL",
    "otherrelative": "REL",
    "relative": "REL",
    "brother": "FAM",
    "sister": "FAM",
    "childminder": "CHM",
    "socialworker": "SWR",
    "doctor": "DOC",
    "headteacher": "HTC",
    "teacher": "TCH",
    "religiouscontact": "RLG",
    "other": "OTH",
    "othercontact": "OTH",
    "guardian": "CAR",
    "legalguardian": "CAR",
}
RELATIONSHIP_CODES = frozenset(
    {
        "PAM",
        "PAF",
        "STM",
        "STF",
        "FOM",
        "FOF",
        "CAR",
        "FAM",
        "REL",
        "CHM",
        "SWR",
        "DOC",
        "HTC",
        "TCH",
        "RLG",
        "OTH",
    }
)


def parse_bool(raw: str) -> bool | None:
    """Y/N, T/F, Yes/No, True/False, 1/0, ticks; blank is ``None`` (unknown, not false)."""
    text = raw.strip().lower()
    if not text:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"{raw!r} is not yes or no (use Y/N, T/F, Yes/No, True/False or 1/0)")


def parse_dob(raw: str) -> date:
    """ISO ``YYYY-MM-DD`` or UK ``DD/MM/YYYY``; US ``MM/DD/YYYY`` and Excel serials rejected."""
    text = raw.strip()
    if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", text):
        year, month, day = (int(p) for p in text.split("-"))
    elif match := re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", text):
        day, month, year = (int(p) for p in match.groups())
        if month > 12 and day <= 12:
            raise ValueError(f"{raw!r} looks like a US date (MM/DD/YYYY); write DD/MM/YYYY")
    elif re.fullmatch(r"\d{5}(\.0+)?", text):
        raise ValueError(f"{raw!r} looks like an Excel date serial; format the column as a date")
    elif re.fullmatch(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2}", text):
        raise ValueError(f"{raw!r} has a two-digit year; write DD/MM/YYYY")
    else:
        raise ValueError(f"{raw!r} is not a date (write YYYY-MM-DD or DD/MM/YYYY)")
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"{raw!r} is not a real date") from None


def parse_year(raw: str) -> int:
    """``7``, ``07``, ``Y7``, ``Yr 7``, ``Year 7``, ``Year Seven``, ``L6``/``U6`` -> 7..13."""
    text = re.sub(r"[\s_.-]+", "", raw.strip().lower())
    text = re.sub(r"^(year|yr|y|nc)", "", text) or text
    if text.isdigit():
        return int(text)
    if text in _YEAR_WORDS:
        return _YEAR_WORDS[text]
    raise ValueError(f"{raw!r} is not a year group")


def parse_sex(raw: str) -> str:
    text = raw.strip().lower()
    if text in {"m", "male", "boy"}:
        return "M"
    if text in {"f", "female", "girl"}:
        return "F"
    if text in {"", "u", "unknown", "x", "not known"}:
        return "U" if text else ""
    raise ValueError(f"{raw!r} is not a sex (M, F or U)")


def parse_relationship(raw: str) -> str:
    """A CBDS code (``PAM``) or the word for it (``Mother``, ``Step Father``)."""
    text = raw.strip()
    if text.upper() in RELATIONSHIP_CODES:
        return text.upper()
    key = re.sub(r"[^a-z]", "", text.lower())
    if key in RELATIONSHIP_WORDS:
        return RELATIONSHIP_WORDS[key]
    raise ValueError(f"{raw!r} is not a known relationship (a CBDS code such as PAM, or Mother)")


def parse_priority(raw: str) -> int:
    """Contact priority 1..99; blank means 1 (MIS exports without priorities treat all as 1)."""
    text = raw.strip()
    if not text:
        return 1
    if not text.isdigit() or not 1 <= int(text) <= 99:
        raise ValueError(f"{raw!r} is not a contact priority (1, 2, 3...)")
    return int(text)
