"""A small scripted school for the matching tests, and builders for reads and forms.

Every person is fictional. The roster holds the hard cases on purpose: twins in one tutor
group, two pupils with the same name in different years, O'Brien, MacDonald and McDonald, a
preferred name, a step-parent without parental responsibility, a father under a court order,
separated parents at two addresses, a no-contact flag, a leaver and a step-family surname.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

import pytest

from intake.matching.applicants import ApplicantRead
from intake.matching.children import ChildRead
from intake.matching.index import RosterIndex
from intake.matching.normalise import fold
from intake.reading.result import CharRead, FieldRead, FormRead
from intake.roster.model import Address, Contact, Relationship, Roster, Student

HOME = Address(("1 Mill Lane", "Belper"), "DE56 1AA")


def student(
    sid: str,
    forename: str,
    surname: str,
    year: int,
    group: str,
    *,
    preferred: str = "",
    previous: str = "",
    on_roll: bool = True,
) -> Student:
    return Student(
        student_id=sid,
        upn="",
        legal_forename=forename,
        legal_surname=surname,
        preferred_forename=preferred or forename,
        preferred_surname=surname,
        dob=date(2026 - year - 5, 3, 1),
        year=year,
        tutor_group=group,
        previous_tutor_group=previous,
        on_roll=on_roll,
    )


def contact(
    cid: str,
    forename: str,
    surname: str,
    *,
    address: Address = HOME,
    mobile: str = "",
    email: str = "",
    home: str = "",
) -> Contact:
    return Contact(cid, "", forename, surname, address, home, mobile, email)


def link(sid: str, cid: str, code: str = "PAM", pr: bool = True, **flags: bool) -> Relationship:
    return Relationship(sid, cid, code, pr, 1, **flags)


def school() -> Roster:
    other = Address(("22 Bridge Street", "Belper"), "DE56 2BB")
    students = (
        student("S01", "Amy", "Smith", 7, "7A"),
        student("S02", "Anna", "Smith", 7, "7A"),
        student("S03", "Jack", "O'Brien", 9, "9B", previous="8C"),
        student("S04", "Jack", "O'Brien", 11, "11R", previous="10R"),
        student("S05", "Robert", "MacDonald", 8, "8X", preferred="Bobby"),
        student("S06", "Fraser", "McDonald", 10, "10A"),
        student("S07", "Lily", "Evans", 10, "10B"),
        student("S08", "Oliver", "Khan", 12, "12X", previous="11Y"),
        student("S09", "Zoe", "Green", 7, "7C", on_roll=False),
        student("S10", "Mia", "Jones", 9, "9A"),
        student("S11", "Noah", "Brown", 13, "13Z"),
        student("S12", "Ella", "Harris", 8, "8B"),
        student("S13", "Alexandra", "Featherstonehaugh-Smythe", 9, "9C"),
    )
    contacts = (
        contact("C01", "Karen", "Smith", mobile="07700900001", email="k.smith@example.org"),
        contact("C02", "Paul", "Smith", mobile="07700900002"),
        contact("C03", "Siobhan", "O'Brien", mobile="07700900003"),
        contact("C04", "Declan", "O'Brien", mobile="07700900004"),
        contact("C05", "Fiona", "MacDonald", mobile="07700900005", email="fiona@example.org"),
        contact("C06", "Ian", "McDonald", mobile="07700900006"),
        contact("C07", "Rachel", "Evans", mobile="07700900007", email="rachel@example.org"),
        contact("C08", "Tom", "Harris", mobile="07700900008"),
        contact("C09", "Gary", "Evans", address=other, mobile="07700900009"),
        contact(
            "C10", "Sara", "Patel", address=other, mobile="07700900010", email="sara@example.org"
        ),
        contact("C11", "Imran", "Khan", mobile="07700900011"),
        contact("C12", "Dean", "Jones", mobile="07700900012"),
        contact("C13", "Lisa", "Jones", mobile="07700900013"),
        contact("C14", "Jane", "Brown", mobile="07700900014", email="jane@example.org"),
    )
    links = (
        link("S01", "C01"),
        link("S01", "C02", "PAF"),
        link("S02", "C01"),
        link("S02", "C02", "PAF"),
        link("S03", "C03"),
        link("S04", "C04", "PAF"),
        link("S05", "C05"),
        link("S06", "C06", "PAF"),
        link("S07", "C07"),
        link("S07", "C08", "STF", pr=False),
        link("S07", "C09", "PAF", court_order=True),
        link("S08", "C10"),
        link("S08", "C11", "PAF"),
        link("S10", "C12", "PAF", no_contact=True),
        link("S10", "C13"),
        link("S11", "C14"),
        link("S12", "C14"),
    )
    return Roster(students, contacts, links)


@pytest.fixture(scope="session")
def roster() -> Roster:
    return school()


@pytest.fixture(scope="session")
def index(roster: Roster) -> RosterIndex:
    return RosterIndex(roster)


def child(
    name: str,
    group: str = "",
    row: int = 1,
    confidences: Sequence[float] | None = None,
    tick: bool = False,
) -> ChildRead:
    """A child row as read; ``confidences`` per character of ``name`` (default all 0.99)."""
    confs = list(confidences) if confidences is not None else [0.99] * len(name)
    return ChildRead(row, fold(name, confs, mac=False), fold(group, mac=False), tick)


def applicant(forename: str, surname: str, party: str = "parent1", **details: str) -> ApplicantRead:
    return ApplicantRead(
        party=party,
        forename=fold(forename, mac=False),
        surname=fold(surname, mac=False),
        print_name=fold(details.pop("print_name", f"{forename} {surname}"), mac=False),
        address_lines=tuple(x for x in (details.pop("address1", ""),) if x),
        **details,
    )


def field(field_id: str, text: str, confidence: float = 0.99) -> FieldRead:
    """A field read box by box: one CharRead per box, '' for an empty box."""
    chars = tuple(CharRead(c if c != " " else "", confidence) for c in text)
    kind = "tick" if field_id.endswith("_has_account") else "name"
    return FieldRead(field_id, kind, 1, " ".join(text.split()), text, confidence, chars)


FormBuilder = Callable[..., FormRead]


def build_form(
    children: Sequence[tuple[str, str]] = (), ticks: Sequence[int] = (), **parties: dict[str, str]
) -> FormRead:
    """A FormRead with child rows (name, tutor group), ticked rows and party fields, e.g.
    ``build_form([("AMY SMITH", "7A")], p1={"forename": "KAREN", ...})``."""
    fields: dict[str, FieldRead] = {}
    for row, (name, group) in enumerate(children, start=1):
        fields[f"child{row}_name"] = field(f"child{row}_name", name)
        fields[f"child{row}_tutor_group"] = field(f"child{row}_tutor_group", group)
    for row in ticks:
        fields[f"child{row}_has_account"] = FieldRead(
            f"child{row}_has_account", "tick", 1, "1", "1", 0.99
        )
    for prefix, values in parties.items():
        for name, value in values.items():
            fields[f"{prefix}_{name}"] = field(f"{prefix}_{name}", value)
    return FormRead("parent-portal", 1, "", (), fields)


@pytest.fixture
def make_form() -> FormBuilder:
    return build_form
