"""The demo roster looks like a real school's: names, family situations, consistent data."""

from __future__ import annotations

import re
import time
from collections import Counter, defaultdict

from intake.lab.roster.demo import make_demo_roster
from intake.roster.contact_details import EMAIL_DOMAINS, is_postcode
from intake.roster.model import Roster
from intake.roster.names import CULTURES
from intake.roster.validate import expected_year, tutor_group_year
from intake.roster.values import RELATIONSHIP_CODES

DRAMA_LANDLINE = re.compile(r"^(01(13|14|15|16|21|61) 496 0\d{3}|020 7946 0\d{3}|01632 960\d{3})$")


def _links_by_student(roster: Roster) -> dict[str, list]:
    out: dict[str, list] = defaultdict(list)
    for link in roster.relationships:
        out[link.student_id].append(link)
    return out


def test_names_come_from_many_cultures(demo_roster: Roster) -> None:
    surnames = {s.legal_surname for s in demo_roster.students}
    cultures = {c.key for c in CULTURES if c.surnames and surnames & set(c.surnames)}
    expected = {"irish", "scottish", "south_asian", "indian", "polish", "nigerian", "chinese"}
    assert expected <= cultures
    assert len({s.legal_forename for s in demo_roster.students}) > 200


def test_hard_surnames_are_present(demo_roster: Roster) -> None:
    surnames = {s.legal_surname for s in demo_roster.students}
    assert any("-" in name for name in surnames), "hyphenated / double-barrelled"
    assert any("'" in name for name in surnames), "O'Brien-style apostrophes"
    assert "McDonald" in surnames
    assert {"MacDonald", "Macdonald"} & surnames
    accented = [
        n for n in surnames | {s.legal_forename for s in demo_roster.students} if not n.isascii()
    ]
    assert accented


def test_twins_share_a_tutor_group(demo_roster: Roster) -> None:
    links = _links_by_student(demo_roster)
    contacts_of = {sid: {link.contact_id for link in ls} for sid, ls in links.items()}
    by_dob: dict[tuple, list] = defaultdict(list)
    for student in demo_roster.students:
        by_dob[(student.dob, student.year)].append(student)
    twins = [
        (a, b)
        for group in by_dob.values()
        for i, a in enumerate(group)
        for b in group[i + 1 :]
        if contacts_of[a.student_id] & contacts_of[b.student_id]
    ]
    assert len(twins) >= 2
    assert all(a.tutor_group == b.tutor_group for a, b in twins)


def test_two_students_share_a_name_in_different_years(demo_roster: Roster) -> None:
    years: dict[tuple[str, str], set[int]] = defaultdict(set)
    for student in demo_roster.students:
        years[(student.legal_forename, student.legal_surname)].add(student.year)
    assert any(len(y) >= 2 for y in years.values())


def test_family_situations(demo_roster: Roster) -> None:
    rels = demo_roster.relationships
    assert any(r.relationship in {"STF", "STM"} and not r.parental_responsibility for r in rels)
    assert any(
        r.relationship in {"FAM", "OTH", "REL"} and not r.parental_responsibility for r in rels
    )
    assert any(r.court_order for r in rels)
    assert any(r.no_contact for r in rels)
    assert all(r.relationship in RELATIONSHIP_CODES for r in rels)
    separated = 0
    for links in _links_by_student(demo_roster).values():
        pr_addresses = {
            demo_roster.contact(r.contact_id).address
            for r in links
            if r.parental_responsibility and not r.blocked
        }
        separated += len(pr_addresses) >= 2
    assert separated >= 3


def test_siblings_share_contact_ids_with_and_without_a_shared_surname(demo_roster: Roster) -> None:
    surnames_of_contact: dict[str, set[str]] = defaultdict(set)
    children: Counter[str] = Counter()
    for link in demo_roster.relationships:
        surnames_of_contact[link.contact_id].add(demo_roster.student(link.student_id).legal_surname)
        children[link.contact_id] += 1
    shared = [cid for cid, n in children.items() if n >= 2]
    assert len(shared) > 20
    assert any(len(surnames_of_contact[cid]) == 1 for cid in shared)
    assert any(len(surnames_of_contact[cid]) >= 2 for cid in shared)


def test_dates_years_and_tutor_groups_agree(demo_roster: Roster) -> None:
    for student in demo_roster.students:
        assert expected_year(student.dob, 2026) == student.year
        assert tutor_group_year(student.tutor_group) == student.year
        if student.year == 7:
            assert student.previous_tutor_group == ""
        else:
            assert tutor_group_year(student.previous_tutor_group) == student.year - 1
    assert {s.year for s in demo_roster.students} == set(range(7, 14))
    assert any(s.preferred_forename != s.legal_forename for s in demo_roster.students)


def test_contact_details_are_fictional_and_well_formed(demo_roster: Roster) -> None:
    for contact in demo_roster.contacts:
        assert is_postcode(contact.address.postcode), contact.contact_id
        assert not contact.mobile_phone or re.fullmatch(r"07700 900\d{3}", contact.mobile_phone)
        assert not contact.home_phone or DRAMA_LANDLINE.match(contact.home_phone)
        assert "7496" not in contact.home_phone  # Faker en_GB's real London range
        assert not contact.email or contact.email.rsplit("@", 1)[1] in EMAIL_DOMAINS
    assert len({c.mobile_phone for c in demo_roster.contacts if c.mobile_phone}) > 500


def test_same_seed_same_school_other_seed_other_school() -> None:
    first = make_demo_roster(students=200, seed=5)
    assert make_demo_roster(students=200, seed=5) == first
    assert make_demo_roster(students=200, seed=6) != first
    assert len(first.students) == 200


def test_two_thousand_students_take_seconds() -> None:
    started = time.perf_counter()
    roster = make_demo_roster(students=2000, seed=3)
    assert time.perf_counter() - started < 10
    assert len(roster.students) == 2000
    assert len({s.student_id for s in roster.students}) == 2000
