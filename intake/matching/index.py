"""The roster indexed once for matching: name variants, blocks and look-ups by id, email, phone.

Building the index is the only step proportional to the roster's size; matching one form then
looks at a few dozen candidates.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass

from intake.matching.normalise import (
    email_key,
    fold,
    mac_spellings,
    phone_key,
    postcode_key,
    shape_key,
    tutor_group_key,
    year_of_tutor_group,
)
from intake.roster.model import Contact, Relationship, Roster, Student

log = logging.getLogger(__name__)

LEGAL = "legal name"
PREFERRED = "preferred name"
SWAPPED = "forename and surname swapped"
PREFERRED_SWAPPED = "preferred name, forename and surname swapped"


@dataclass(frozen=True)
class NameVariant:
    """One way a student's name may be written: its compact key, what it means, its cost."""

    key: str  # compact key, no spaces
    kind: str  # LEGAL, PREFERRED, SWAPPED...
    penalty: float  # points taken off a match through this variant
    forename: str  # the roster's spelling of the parts, for proposed values
    surname: str
    forename_key: str  # compact key of the forename


@dataclass(frozen=True)
class ContactKeys:
    """A contact's matching keys, worked out once."""

    forename: str  # compact keys
    surname: str
    postcode: str
    phones: frozenset[str]
    email: str
    address_line: str  # compact key of the first address line


@dataclass(frozen=True)
class StudentEntry:
    student: Student
    variants: tuple[NameVariant, ...]
    forename_keys: frozenset[str]  # compact keys of legal and preferred forenames
    surname_keys: frozenset[str]
    tutor_group: str  # key
    previous_tutor_group: str  # key
    tutor_group_year: int | None


def _variants(student: Student) -> tuple[NameVariant, ...]:
    legal = (student.legal_forename.strip(), student.legal_surname.strip())
    preferred = (
        student.preferred_forename.strip() or legal[0],
        student.preferred_surname.strip() or legal[1],
    )
    found: dict[str, NameVariant] = {}

    def add(fore: str, sur: str, kind: str, penalty: float, swapped: bool = False) -> None:
        fore_key = compact(fore)
        for sur_spelling in sorted(mac_spellings(fold(sur, mac=False).text)):
            sur_key = sur_spelling.replace(" ", "")
            key = sur_key + fore_key if swapped else fore_key + sur_key
            if key and key not in found:
                found[key] = NameVariant(key, kind, penalty, fore, sur, fore_key)

    add(legal[0], legal[1], LEGAL, 0.0)
    add(preferred[0], preferred[1], PREFERRED, 0.0)
    add(preferred[0], legal[1], PREFERRED, 0.0)
    add(legal[0], preferred[1], PREFERRED, 0.0)
    add(legal[0], legal[1], SWAPPED, 3.0, swapped=True)
    add(preferred[0], preferred[1], PREFERRED_SWAPPED, 3.0, swapped=True)
    return tuple(found.values())


class RosterIndex:
    """A roster prepared for matching. Build it once per roster; it is read-only afterwards."""

    def __init__(self, roster: Roster) -> None:
        self.roster = roster
        self.entries: list[StudentEntry] = []
        self.entry_of: dict[str, int] = {}
        #: one shape key per name variant, for rapidfuzz, and the entry each belongs to
        self.variant_shapes: list[str] = []
        self.variant_owner: list[int] = []
        self.by_forename: dict[str, list[int]] = defaultdict(list)
        self.by_surname: dict[str, list[int]] = defaultdict(list)
        self.by_name: dict[str, list[int]] = defaultdict(list)
        for student in roster.students:
            self._add_student(student)
        self.contacts_of: dict[str, list[tuple[Contact, Relationship]]] = defaultdict(list)
        self.children_of: dict[str, list[tuple[str, Relationship]]] = defaultdict(list)
        known_contacts = {c.contact_id for c in roster.contacts}
        for rel in roster.relationships:
            if rel.student_id in self.entry_of and rel.contact_id in known_contacts:
                self.contacts_of[rel.student_id].append((roster.contact(rel.contact_id), rel))
                self.children_of[rel.contact_id].append((rel.student_id, rel))
        self.contact_name_shapes: list[str] = []
        self.contact_list: list[Contact] = list(roster.contacts)
        self.contact_keys: dict[str, ContactKeys] = {}
        #: compact surname keys of each student's contacts
        self.contact_surnames_of: dict[str, frozenset[str]] = {}
        self.contacts_by_surname: dict[str, list[int]] = defaultdict(list)
        self.contacts_by_email: dict[str, list[int]] = defaultdict(list)
        self.contacts_by_phone: dict[str, list[int]] = defaultdict(list)
        self.contacts_by_postcode: dict[str, list[int]] = defaultdict(list)
        #: students who have a contact with this surname key (surname written as a parent's)
        self.students_by_contact_surname: dict[str, set[int]] = defaultdict(set)
        for i, contact in enumerate(self.contact_list):
            self._add_contact(i, contact)
        for student_id, links in self.contacts_of.items():
            self.contact_surnames_of[student_id] = frozenset(
                self.contact_keys[c.contact_id].surname for c, _ in links
            ) - {""}
        log.info(
            "roster index: %d students, %d name variants, %d contacts",
            len(self.entries),
            len(self.variant_shapes),
            len(self.contact_list),
        )

    def _add_student(self, student: Student) -> None:
        index = len(self.entries)
        variants = _variants(student)
        entry = StudentEntry(
            student=student,
            variants=variants,
            forename_keys=frozenset(v.forename_key for v in variants if v.forename_key),
            surname_keys=frozenset(
                k for k in (compact(student.legal_surname), compact(student.preferred_surname)) if k
            ),
            tutor_group=tutor_group_key(student.tutor_group),
            previous_tutor_group=tutor_group_key(student.previous_tutor_group),
            tutor_group_year=year_of_tutor_group(student.tutor_group),
        )
        self.entries.append(entry)
        self.entry_of[student.student_id] = index
        for variant in variants:
            self.variant_shapes.append(shape_key(variant.key))
            self.variant_owner.append(index)
            if variant.kind == LEGAL or variant.kind == PREFERRED:
                self.by_name[variant.key].append(index)
        for key in entry.forename_keys:
            self.by_forename[shape_key(key)].append(index)
        for key in entry.surname_keys:
            self.by_surname[shape_key(key)].append(index)

    def _add_contact(self, i: int, contact: Contact) -> None:
        keys = ContactKeys(
            forename=compact(contact.forename),
            surname=compact(contact.surname),
            postcode=postcode_key(contact.address.postcode),
            phones=frozenset({phone_key(contact.home_phone), phone_key(contact.mobile_phone)})
            - {""},
            email=email_key(contact.email),
            address_line=compact(contact.address.lines[0]) if contact.address.lines else "",
        )
        self.contact_keys[contact.contact_id] = keys
        self.contact_name_shapes.append(shape_key(keys.forename + keys.surname))
        if keys.surname:
            self.contacts_by_surname[shape_key(keys.surname)].append(i)
            for student_id, _ in self.children_of.get(contact.contact_id, []):
                self.students_by_contact_surname[shape_key(keys.surname)].add(
                    self.entry_of[student_id]
                )
        if keys.email:
            self.contacts_by_email[keys.email].append(i)
        for phone in keys.phones:
            self.contacts_by_phone[phone].append(i)
        if keys.postcode:
            self.contacts_by_postcode[keys.postcode].append(i)

    def entry(self, student_id: str) -> StudentEntry:
        return self.entries[self.entry_of[student_id]]

    def same_name(self, index: int) -> list[int]:
        """Other students with the same legal or preferred name key as entry ``index``."""
        out: set[int] = set()
        for variant in self.entries[index].variants:
            if variant.kind in (LEGAL, PREFERRED):
                out.update(self.by_name.get(variant.key, []))
        out.discard(index)
        return sorted(out)


def compact(text: str) -> str:
    """A name's compact key (no spaces), ``MAC`` kept as written."""
    return fold(text, mac=False).text.replace(" ", "")
