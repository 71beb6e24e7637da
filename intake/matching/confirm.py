"""Fields the school's records confirm: read exactly as the MIS holds them for the child the
matcher linked (or a person chose), or for the contact the applicant was matched to.

Two independent sources agreeing character for character (the reader's guess and the record) is
far stronger evidence than either alone: a misread character would have to turn the written
value into exactly the recorded one. A confirmed field needs no person to look at it even when
the character model was unsure; a field that differs from the record is left to the reader's
own confidence (the parent may be telling the school something new).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable

from intake.matching.index import RosterIndex
from intake.matching.proposals import FormMatch
from intake.reading.result import FormRead
from intake.roster.model import Contact, Student


def _words(text: str) -> str:
    """Upper case, punctuation other than apostrophe and hyphen dropped, single spaces."""
    kept = re.sub(r"[^A-Z0-9'\- ]", " ", text.upper())
    return " ".join(kept.split())


def _letters(text: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", text.upper())


def _phone(text: str) -> str:
    digits = re.sub(r"\D", "", text)
    return "0" + digits[2:] if digits.startswith("44") else digits


def _email(text: str) -> str:
    return text.strip().casefold()


def _student_values(student: Student) -> dict[str, set[str]]:
    names = {
        _words(f"{forename} {surname}")
        for forename in (student.legal_forename, student.preferred_forename)
        for surname in (student.legal_surname, student.preferred_surname)
        if forename and surname
    }
    groups = {_words(student.tutor_group)} if student.tutor_group else set()
    return {"name": names, "tutor_group": groups}


def _contact_values(contact: Contact) -> dict[str, set[str]]:
    lines = [_words(line) for line in contact.address.lines if line.strip()]
    addresses = set(lines) | {f"{a} {b}" for a, b in itertools.pairwise(lines)}
    return {
        "forename": {_words(contact.forename)},
        "surname": {_words(contact.surname)},
        "print_name": {_words(f"{contact.forename} {contact.surname}")},
        "address1": addresses,
        "address2": addresses,
        "postcode": {_letters(contact.address.postcode)},
        "home_tel": {_phone(contact.home_phone)} - {""},
        "mobile_tel": {_phone(contact.mobile_phone)} - {""},
        "email": {_email(contact.email)} - {""},
    }


#: how a read value is put in the records' form, by the field name after its prefix
_KEYS: dict[str, Callable[[str], str]] = {
    "postcode": _letters,
    "home_tel": _phone,
    "mobile_tel": _phone,
    "email": _email,
}


def _agrees(form: FormRead, field_id: str, suffix: str, values: Iterable[str]) -> bool:
    read = form.fields.get(field_id)
    if read is None or (read.problems and read.value in ("", None)):
        return False
    written = str(read.value or read.raw or "")
    key = _KEYS.get(suffix, _words)(written)
    return bool(key) and key in set(values)


def confirmed_fields(form: FormRead, match: FormMatch, index: RosterIndex) -> dict[str, str]:
    """Field id -> the record that confirms it ("student <id>" or "contact <id>"), for every
    field of a linked child or a matched applicant read exactly as the record holds it."""
    confirmed: dict[str, str] = {}
    for child in match.children:
        if child.student_id is None:
            continue  # linked by the matcher on its own, or chosen by a person
        values = _student_values(index.entry(child.student_id).student)
        for suffix, allowed in values.items():
            field_id = f"child{child.row}_{suffix}"
            if _agrees(form, field_id, suffix, allowed):
                confirmed[field_id] = f"student {child.student_id}"
    for applicant in match.applicants:
        if applicant.contact_id is None:
            continue
        prefix = "p1_" if applicant.party == "parent1" else "p2_"
        values = _contact_values(index.roster.contact(applicant.contact_id))
        for suffix, allowed in values.items():
            if _agrees(form, prefix + suffix, suffix, allowed):
                confirmed[prefix + suffix] = f"contact {applicant.contact_id}"
    return confirmed
