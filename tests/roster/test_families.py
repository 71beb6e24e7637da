"""Households for the packs: one per address, PR holders only, stable serials."""

from __future__ import annotations

import re
from dataclasses import replace

from intake.roster.families import families, salutation
from intake.roster.model import Address, Contact, Relationship, Roster, Student


def test_every_family_is_well_formed(demo_roster: Roster) -> None:
    found = families(demo_roster)
    assert [f.serial for f in found] == [f"F{n:05d}" for n in range(1, len(found) + 1)]
    for family in found:
        assert re.fullmatch(r"F\d{5}", family.serial)
        assert family.student_ids and family.contact_ids and family.salutation
        addresses = {demo_roster.contact(c).address for c in family.contact_ids}
        assert addresses == {family.address}


def test_only_unflagged_parental_responsibility_is_addressed(demo_roster: Roster) -> None:
    found = families(demo_roster)
    invited = {(sid, cid) for f in found for sid in f.student_ids for cid in f.contact_ids}
    links = {(r.student_id, r.contact_id): r for r in demo_roster.relationships}
    for family in found:
        for contact_id in family.contact_ids:
            standings = [
                links[(s, contact_id)] for s in family.student_ids if (s, contact_id) in links
            ]
            assert standings
            has_pr = any(r.parental_responsibility and not r.blocked for r in standings)
            # only a household with nobody holding PR falls back to its first contact
            if not has_pr:
                assert len(family.contact_ids) == 1
    blocked = [r for r in demo_roster.relationships if r.blocked]
    assert blocked and not any((r.student_id, r.contact_id) in invited for r in blocked)


def test_separated_parents_get_a_pack_each(demo_roster: Roster) -> None:
    found = families(demo_roster)
    packs_per_student: dict[str, set] = {}
    for family in found:
        for sid in family.student_ids:
            packs_per_student.setdefault(sid, set()).add(family.address)
    assert sum(len(a) >= 2 for a in packs_per_student.values()) >= 3
    with_contacts = {r.student_id for r in demo_roster.relationships if not r.blocked}
    assert with_contacts <= set(packs_per_student)


def test_serials_do_not_depend_on_row_order(demo_roster: Roster) -> None:
    shuffled = Roster(
        tuple(reversed(demo_roster.students)),
        tuple(reversed(demo_roster.contacts)),
        tuple(reversed(demo_roster.relationships)),
    )
    assert families(shuffled) == families(demo_roster)


def _contact(cid: str, title: str, forename: str, surname: str, postcode: str) -> Contact:
    return Contact(cid, title, forename, surname, Address(("1 Mill Lane",), postcode))


def test_salutations() -> None:
    mrs = _contact("C1", "Mrs", "Nasreen", "Khan", "DE56 1AA")
    mr = _contact("C2", "Mr", "Imran", "Khan", "DE56 1AA")
    assert salutation([mrs, mr]) == "Mr and Mrs Khan"
    assert salutation([_contact("C3", "Ms", "Aoife", "O'Brien", "X")]) == "Ms O'Brien"
    assert salutation([_contact("C4", "", "Aoife", "O'Brien", "X")]) == "Aoife O'Brien"
    mixed = [_contact("C5", "Ms", "A", "O'Brien", "X"), _contact("C6", "Mr", "D", "Smith", "X")]
    assert salutation(mixed) == "Ms O'Brien and Mr Smith"


def test_foster_child_pack_goes_to_the_first_carer() -> None:
    from datetime import date

    student = Student("S1", "", "Jo", "Bloggs", "Jo", "Bloggs", date(2013, 1, 1), 9, "9A")
    carers = (
        _contact("C1", "Mrs", "Ann", "Lee", "DE56 1AA"),
        _contact("C2", "Mr", "Bo", "Lee", "DE56 1AA"),
    )
    links = (Relationship("S1", "C2", "FOF", False, 2), Relationship("S1", "C1", "FOM", False, 1))
    (family,) = families(Roster((student,), carers, links))
    assert family.contact_ids == ("C1",) and family.salutation == "Mrs Lee"
    blocked = tuple(replace(link, court_order=True) for link in links)
    assert families(Roster((student,), carers, blocked)) == []
