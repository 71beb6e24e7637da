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
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from intake.matching.index import RosterIndex
from intake.matching.proposals import FormMatch
from intake.matching.record_evidence import replacements
from intake.reading.result import CharRead, FieldRead, FormRead, Problem
from intake.reading.validate import check
from intake.roster.model import Contact, Student
from intake.template.model import FieldKind


def _words(text: str) -> str:
    """Upper case, punctuation other than apostrophe and hyphen dropped, single spaces."""
    kept = re.sub(r"[^A-Z0-9'\- ]", " ", text.upper())
    return " ".join(kept.split())


def _marked(text: str) -> str:
    """Like ``_words`` with commas and full stops kept, each right after its word."""
    kept = " ".join(re.sub(r"[^A-Z0-9'\-., ]", " ", text.upper()).split())
    return re.sub(r" ([.,])", r"\1", kept)


def _address_agrees(written: str, values: set[str]) -> bool:
    """An address line agrees with a record's line (or two lines joined) word for word; a comma
    or full stop in what was read must be the record's too (a comma read as a full stop is a
    misread, not a confirmation), while a parent may leave the record's punctuation out."""
    if not _words(written):
        return False
    if re.search(r"[.,]", written):
        return _marked(written) in values
    return _words(written) in {_words(value) for value in values}


def _letters(text: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", text.upper())


def _phone(text: str) -> str:
    return check(FieldKind.PHONE, text).value


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
    lines = [_marked(line) for line in contact.address.lines if line.strip()]
    pairs = itertools.pairwise(lines)
    addresses = set(lines) | {f"{a}{joint}{b}" for a, b in pairs for joint in (" ", ", ")}
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
    if suffix in ("address1", "address2"):
        return _address_agrees(written, set(values))
    key = _KEYS.get(suffix, _words)(written)
    return bool(key) and key in set(values)


def _record_targets(
    match: FormMatch, index: RosterIndex
) -> Iterator[tuple[str, str, set[str], str]]:
    """(field id, field name after its prefix, the record's values, "student/contact <id>") for
    every field of a linked child (by the matcher or a person) and of a matched applicant."""
    for child in match.children:
        if child.student_id is not None:
            source = f"student {child.student_id}"
            values = _student_values(index.entry(child.student_id).student)
            for suffix, allowed in values.items():
                yield f"child{child.row}_{suffix}", suffix, allowed, source
    for applicant in match.applicants:
        if applicant.contact_id is not None:
            prefix = "p1_" if applicant.party == "parent1" else "p2_"
            source = f"contact {applicant.contact_id}"
            values = _contact_values(index.roster.contact(applicant.contact_id))
            for suffix, allowed in values.items():
                yield prefix + suffix, suffix, allowed, source


def confirmed_fields(form: FormRead, match: FormMatch, index: RosterIndex) -> dict[str, str]:
    """Field id -> the record that confirms it ("student <id>" or "contact <id>"), for every
    field of a linked child or a matched applicant read exactly as the record holds it."""
    return {
        field_id: source
        for field_id, suffix, allowed, source in _record_targets(match, index)
        if _agrees(form, field_id, suffix, allowed)
    }


#: a record's character may replace the one read where the engine offered it with at least this
MIN_ALTERNATIVE = 0.02
#: ... and was no surer of its own first guess than this
MAX_REPLACED = 0.9
#: at most this many characters of a field are replaced by the record's
MAX_REPLACED_CHARS = 2
#: fields (by the name after their prefix) weighed by the evidence against the record instead
WEIGHED = frozenset({"name", "forename", "surname", "print_name", "email"})


@dataclass(frozen=True)
class Correction:
    """A field the record confirms once a doubtful character or two take the record's value."""

    field_id: str
    raw: str  # the box string with the record's characters swapped in
    source: str  # "student <id>" or "contact <id>"
    replaced: tuple[int, ...]  # box indices


def _sequence(read: FieldRead, suffix: str) -> list[tuple[int | None, str]]:
    """(box index, character) in the key's form: spaces kept single for words, dropped for
    postcodes, phones and emails. A space carries its empty box's index when the gap is one
    box wide (a letter the record has there may be a faint one), else None."""
    out: list[tuple[int | None, str]] = []
    words = suffix not in _KEYS
    for index, char in enumerate(read.chars):
        if char.char:
            out.append((index, char.char.upper()))
        elif words and out and out[-1][1] != " ":
            out.append((index, " "))
        elif words and out:
            out[-1] = (None, " ")  # a gap of two boxes or more: a space, never a letter
    while out and out[-1][1] == " ":
        out.pop()
    return out


def _lattice_match(read: FieldRead, suffix: str, target: str) -> tuple[int, ...] | None:
    """Box indices where the record's character replaces a doubtful one, when the read can be
    turned into ``target`` that way (and not otherwise), else None. Names and emails are
    weighed by the engine's evidence against the record instead (``record_evidence``)."""
    sequence = _sequence(read, suffix)
    if suffix in WEIGHED:
        return replacements(read, target, sequence, email=suffix == "email")
    target = target.upper()
    if len(sequence) != len(target) or len(target) < 3:
        return None
    replaced: list[int] = []
    for (index, char), wanted in zip(sequence, target, strict=True):
        if char == wanted:
            continue
        if index is None:
            return None
        box = read.chars[index]
        offered = dict((a.upper(), p) for a, p in box.alternatives if a)
        if box.confidence > MAX_REPLACED or offered.get(wanted, 0.0) < MIN_ALTERNATIVE:
            return None
        replaced.append(index)
    if not replaced or len(replaced) > MAX_REPLACED_CHARS:
        return None
    return tuple(replaced)


def _corrected_raw(read: FieldRead, target: str, suffix: str, replaced: tuple[int, ...]) -> str:
    sequence = _sequence(read, suffix)
    by_box = {index: wanted for (index, _), wanted in zip(sequence, target.upper(), strict=True)}
    chars = [c.char or " " for c in read.chars]
    for index in replaced:
        chars[index] = by_box[index]
    return "".join(chars).rstrip(" ")


def record_corrections(
    form: FormRead, match: FormMatch, index: RosterIndex
) -> dict[str, Correction]:
    """Fields not read exactly as the record holds them, but that become the record's value when
    one or two doubtful characters take the engine's own second guess (never a guess it did not
    offer). The parent may have written something new: only doubtful characters change."""
    corrections: dict[str, Correction] = {}
    for field_id, suffix, allowed, source in _record_targets(match, index):
        read = form.fields.get(field_id)
        if read is None or not read.chars or _agrees(form, field_id, suffix, allowed):
            continue
        found = [
            (target, replaced)
            for target in sorted(allowed)
            if (replaced := _lattice_match(read, suffix, target)) is not None
        ]
        if len(found) != 1:
            continue  # none, or more than one record value within reach: a person decides
        target, replaced = found[0]
        raw = _corrected_raw(read, target, suffix, replaced)
        corrections[field_id] = Correction(field_id, raw, source, replaced)
    return corrections


def corrected_read(read: FieldRead, correction: Correction) -> FieldRead:
    """``read`` with the record's characters swapped in (each keeps the engine's probability for
    it, the first guess becomes its alternative), checked again."""
    chars = list(read.chars)
    for index in correction.replaced:
        old = chars[index]
        new = correction.raw[index]
        offered = {a.upper(): p for a, p in old.alternatives if a}
        chars[index] = CharRead(new, offered.get(new.upper(), 0.0), ((old.char, old.confidence),))
    checked = check(FieldKind(read.kind), correction.raw)
    problems = read.problems
    if not checked.problem:
        cleared = {Problem.LOW_CONFIDENCE.value, Problem.INVALID_VALUE.value}
        problems = tuple(p for p in problems if p not in cleared)
    return replace(
        read, raw=correction.raw, value=checked.value, chars=tuple(chars), problems=problems
    )


@dataclass(frozen=True)
class OnRecord:
    """What the records say of a form: the fields they confirm (corrected ones included) and the
    corrections that make the others exactly the record."""

    confirmed: dict[str, str]  # field id -> "student <id>" / "contact <id>"
    corrections: dict[str, Correction]

    def applied(self, form: FormRead) -> FormRead:
        """``form`` with its corrections applied."""
        fields = dict(form.fields)
        for field_id, correction in self.corrections.items():
            fields[field_id] = corrected_read(fields[field_id], correction)
        return replace(form, fields=fields)


def on_record(form: FormRead, match: FormMatch, index: RosterIndex) -> OnRecord:
    """Confirmations and corrections of ``form`` by the records ``match`` linked it to."""
    corrections = record_corrections(form, match, index)
    confirmed = confirmed_fields(form, match, index)
    confirmed.update({field_id: c.source for field_id, c in corrections.items()})
    return OnRecord(confirmed, corrections)


def correction_data(correction: Correction, read: FieldRead) -> dict[str, object]:
    """A correction as the JSON stored in ``forms.proposed["corrected"]``."""
    return {
        "raw": correction.raw,
        "read": read.raw,
        "source": correction.source,
        "replaced": list(correction.replaced),
    }


def apply_corrections(
    values: dict[str, FieldRead], corrected: Mapping[str, Mapping[str, Any]]
) -> dict[str, FieldRead]:
    """``values`` with the stored corrections applied (those that still fit what was read)."""
    out = dict(values)
    for field_id, data in corrected.items():
        read = out.get(field_id)
        replaced = tuple(int(i) for i in data.get("replaced") or [])
        raw, source = str(data.get("raw", "")), str(data.get("source", ""))
        if read is None or read.raw != data.get("read") or not replaced:
            continue
        if any(not 0 <= i < len(read.chars) or i >= len(raw) for i in replaced):
            continue
        out[field_id] = corrected_read(read, Correction(field_id, raw, source, replaced))
    return out
