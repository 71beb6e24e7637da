"""Typed roster records shared by the generator, the importers, the matcher and the database.

Contacts are linked to students by the MIS's ids, never by name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Address:
    lines: tuple[str, ...]
    postcode: str

    def one_line(self) -> str:
        return ", ".join([*self.lines, self.postcode])


@dataclass(frozen=True)
class Student:
    student_id: str  # the MIS's id (admission number or person id)
    upn: str
    legal_forename: str
    legal_surname: str
    preferred_forename: str
    preferred_surname: str
    dob: date
    year: int  # NC year 7..13
    tutor_group: str  # "" when the source (a CTF) has none
    sex: str = ""
    previous_tutor_group: str = ""  # last year's, when an import knows it
    on_roll: bool = True  # False: a leaver, kept and marked


@dataclass(frozen=True)
class Contact:
    contact_id: str  # the MIS's id
    title: str
    forename: str
    surname: str
    address: Address
    home_phone: str = ""
    mobile_phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class Relationship:
    """One contact's standing for one student, as the MIS records it."""

    student_id: str
    contact_id: str
    relationship: str  # CBDS code: PAM, PAF, STM, STF, CAR, FAM, REL, OTH...
    parental_responsibility: bool
    priority: int
    court_order: bool = False
    no_contact: bool = False  # "do not contact" / access restricted
    lives_with_pupil: bool = True

    @property
    def blocked(self) -> bool:
        return self.court_order or self.no_contact


@dataclass(frozen=True)
class Roster:
    students: tuple[Student, ...]
    contacts: tuple[Contact, ...]
    relationships: tuple[Relationship, ...]
    _by_student: dict[str, Student] = field(default_factory=dict, compare=False, repr=False)
    _by_contact: dict[str, Contact] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_student.update({s.student_id: s for s in self.students})
        self._by_contact.update({c.contact_id: c for c in self.contacts})

    def student(self, student_id: str) -> Student:
        return self._by_student[student_id]

    def contact(self, contact_id: str) -> Contact:
        return self._by_contact[contact_id]

    def contacts_of(self, student_id: str) -> list[tuple[Contact, Relationship]]:
        return [
            (self._by_contact[r.contact_id], r)
            for r in self.relationships
            if r.student_id == student_id
        ]

    def students_of(self, contact_id: str) -> list[tuple[Student, Relationship]]:
        return [
            (self._by_student[r.student_id], r)
            for r in self.relationships
            if r.contact_id == contact_id
        ]


@dataclass(frozen=True)
class Family:
    """A household that gets one personalised pack: students who share contacts, the contacts,
    and the address the pack's letter goes to. ``serial`` goes into every page's QR code."""

    serial: str
    student_ids: tuple[str, ...]
    contact_ids: tuple[str, ...]
    address: Address
    salutation: str  # "Mr and Mrs Khan", "Ms O'Brien"
