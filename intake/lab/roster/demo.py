"""A realistic synthetic roster for one secondary school (years 7-13), deterministic for a seed.

Families are built first, as households: couples, single parents, separated parents at two
addresses (each with parental responsibility), step-parents without it, grandparents and other
contacts without it, foster carers, and a few court-order or no-contact contacts. A handful of
scripted families guarantee the hard cases at any roster size (twins in one tutor group, two
pupils with the same name in different years, O'Brien, McDonald and MacDonald, a hyphenated
surname, half-siblings with different surnames); the rest are drawn at random. Tutor groups are
given per year afterwards, keeping twins together, with last year's group kept as the previous.

Every person is fictional: names from ``names.py``, drama-range phones, ``example.*`` emails,
UPNs with establishment ``0000``.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from faker.providers.person.en_GB import Provider as _FakerGB

from intake.roster.contact_details import PhoneBook, make_address, make_email
from intake.roster.model import Address, Contact, Relationship, Roster, Student
from intake.roster.names import (
    CULTURES,
    PREFERRED_FORENAMES,
    TITLES_MEN,
    TITLES_WOMEN,
    Culture,
    surname_for,
)
from intake.roster.tutor_groups import TutorGroupPlan, assign_tutor_groups
from intake.roster.upn import FICTIONAL_ESTABLISHMENT, make_upn

YEARS = (7, 8, 9, 10, 11, 12, 13)
_YEAR_WEIGHTS = (1.0, 1.0, 1.0, 1.0, 1.0, 0.62, 0.58)
_LA_CODES = ("830",) * 12 + ("831", "831", "892", "891", "855", "860", "838", "201", "350")
_BRITISH_SURNAMES = list(_FakerGB.last_names)
_BRITISH_WEIGHTS = list(_FakerGB.last_names.values())
_CULTURE_BY_KEY = {c.key: c for c in CULTURES}

#: household kind -> share of randomly drawn families
_KINDS = {
    "couple": 0.44,
    "single": 0.17,
    "separated": 0.15,
    "step": 0.11,
    "two_mums": 0.02,
    "grandparent_carer": 0.03,
    "foster": 0.02,
    "court_order": 0.01,
    "no_contact": 0.01,
}


@dataclass
class _Adult:
    contact: Contact
    sex: str


@dataclass
class _Link:
    adult: _Adult
    relationship: str
    pr: bool
    court_order: bool = False
    no_contact: bool = False
    lives_with: bool = True


@dataclass
class _Child:
    forename: str
    surname: str
    sex: str
    year: int
    dob: date
    links: list[_Link]
    preferred_forename: str = ""
    preferred_surname: str = ""
    twin_of: int | None = None  # index of the twin in the builder's list


@dataclass(frozen=True)
class _Script:
    """A family that must exist whatever the seed and size."""

    kind: str
    culture: str
    children: tuple[tuple[str, int, str], ...]  # (forename or "", year, sex)
    surname: str = ""
    mother_surname: str = ""
    child_surname: str = ""
    twins: bool = False


_SCRIPTS = (
    _Script("couple", "irish", (("", 9, "F"), ("", 9, "M")), surname="O'Brien", twins=True),
    _Script("couple", "scottish", (("", 10, "M"),), surname="McDonald"),
    _Script("couple", "scottish", (("", 8, "F"),), surname="MacDonald"),
    _Script("couple", "british", (("Oliver", 7, "M"),), surname="Smith"),
    _Script("single", "british", (("Oliver", 10, "M"),), surname="Smith"),
    _Script(
        "separated",
        "british",
        (("", 8, "F"), ("", 11, "M")),
        surname="Clarke",
        mother_surname="Newman",
        child_surname="Newman-Clarke",
    ),
    _Script("step", "british", (("", 12, "F"), ("", 9, "M"))),
    _Script("court_order", "british", (("", 10, "F"),)),
    _Script("no_contact", "european", (("", 7, "M"),)),
    _Script("single", "nigerian", (("", 11, "F"), ("", 13, "M"))),
    _Script("couple", "polish", (("", 7, "M"), ("", 7, "M")), twins=True),
    _Script("couple", "somali", (("", 8, "F"), ("", 12, "M"))),
    _Script("couple", "south_asian", (("Muhammad", 8, "M"),), surname="Khan"),
    _Script("couple", "south_asian", (("Muhammad", 11, "M"),), surname="Khan"),
    _Script("foster", "british", (("", 9, "M"),)),
    _Script("grandparent_carer", "chinese", (("", 10, "F"),)),
)


def year_dob_range(year: int, academic_year: int) -> tuple[date, date]:
    """Birth dates of NC year ``year`` in the academic year starting September ``academic_year``."""
    start_year = academic_year - year - 5
    return date(start_year, 9, 1), date(start_year + 1, 8, 31)


@dataclass
class _Builder:
    rng: random.Random
    academic_year: int
    capacity: dict[int, int]
    phones: PhoneBook
    children: list[_Child] = field(default_factory=list)
    adults: list[_Adult] = field(default_factory=list)

    # -- people --------------------------------------------------------------------------
    def surname(self, culture: Culture) -> str:
        if culture.surnames:
            return self.rng.choice(culture.surnames)
        return self.rng.choices(_BRITISH_SURNAMES, _BRITISH_WEIGHTS)[0]

    def adult(
        self,
        culture: Culture,
        sex: str,
        surname: str,
        address: Address,
        home_phone: str,
        married: bool = False,
    ) -> _Adult:
        forename = self.rng.choice(culture.men if sex == "M" else culture.women)
        surname = surname_for(culture, sex, surname)
        if self.rng.random() < 0.005:
            title = "Mx"
        elif sex == "M":
            title = self.rng.choice(TITLES_MEN)
        else:
            title = "Mrs" if married and self.rng.random() < 0.85 else self.rng.choice(TITLES_WOMEN)
        serial = len(self.adults) + 1
        contact = Contact(
            contact_id=f"C{serial:05d}",
            title=title,
            forename=forename,
            surname=surname,
            address=address,
            home_phone=home_phone,
            mobile_phone=self.phones.mobile() if self.rng.random() < 0.95 else "",
            email=(
                make_email(self.rng, forename, surname, serial) if self.rng.random() < 0.92 else ""
            ),
        )
        made = _Adult(contact, sex)
        self.adults.append(made)
        return made

    def household(self) -> tuple[Address, str]:
        address = make_address(self.rng)
        return address, self.phones.landline() if self.rng.random() < 0.5 else ""

    # -- children ------------------------------------------------------------------------
    def free_year(self) -> int | None:
        open_years = [y for y in YEARS if self.capacity[y] > 0]
        if not open_years:
            return None
        return self.rng.choices(open_years, [self.capacity[y] for y in open_years])[0]

    def dob(self, year: int) -> date:
        first, last = year_dob_range(year, self.academic_year)
        return first + timedelta(days=self.rng.randint(0, (last - first).days))

    def forename(self, culture: Culture, sex: str, taken: set[str]) -> str:
        pool = [n for n in (culture.boys if sex == "M" else culture.girls) if n not in taken]
        return self.rng.choice(pool or list(culture.boys + culture.girls))

    def add_child(
        self,
        culture: Culture,
        year: int,
        sex: str,
        surname: str,
        links: list[_Link],
        forename: str = "",
        taken: set[str] | None = None,
        dob: date | None = None,
    ) -> _Child | None:
        if self.capacity.get(year, 0) <= 0:
            return None
        self.capacity[year] -= 1
        chosen = forename or self.forename(culture, sex, taken or set())
        surname = surname_for(culture, sex, surname)
        child = _Child(chosen, surname, sex, year, dob or self.dob(year), links)
        if chosen in PREFERRED_FORENAMES and self.rng.random() < 0.5:
            child.preferred_forename = PREFERRED_FORENAMES[chosen]
        elif self.rng.random() < 0.02:
            child.preferred_forename = self.forename(culture, self.rng.choice("MF"), {chosen})
        self.children.append(child)
        if taken is not None:
            taken.add(chosen)
        return child


def _child_years(builder: _Builder, count: int) -> list[int]:
    first = builder.free_year()
    if first is None:
        return []
    years = [first]
    for _ in range(count - 1):
        years.append(years[-1] + builder.rng.choice((-4, -3, -2, -2, 2, 2, 1, 1, 3)))
    return years


def _family(builder: _Builder, kind: str, culture: Culture, script: _Script | None) -> None:
    """Build one household of ``kind`` and its children at the school."""
    rng = builder.rng
    father_surname = (script.surname if script else "") or builder.surname(culture)
    mother_surname = (script.mother_surname if script else "") or (
        father_surname if rng.random() < 0.75 and kind == "couple" else builder.surname(culture)
    )
    address, home = builder.household()
    links: list[_Link]
    step_links: list[_Link] | None = None
    child_surname = father_surname
    if kind in {"couple", "two_mums"}:
        married = mother_surname == father_surname
        mother = builder.adult(culture, "F", mother_surname, address, home, married)
        other = builder.adult(
            culture, "F" if kind == "two_mums" else "M", father_surname, address, home
        )
        links = [
            _Link(mother, "PAM", True),
            _Link(other, "PAM" if kind == "two_mums" else "PAF", True),
        ]
        if rng.random() < 0.3:
            links.reverse()
        if not married and rng.random() < 0.3:
            child_surname = f"{mother_surname}-{father_surname}"
    elif kind == "single":
        parent = builder.adult(
            culture, "F" if rng.random() < 0.85 else "M", father_surname, address, home
        )
        links = [_Link(parent, "PAM" if parent.sex == "F" else "PAF", True)]
        if rng.random() < 0.5:
            gp_address, gp_home = (address, home) if rng.random() < 0.3 else builder.household()
            grandparent = builder.adult(
                culture, rng.choice("MF"), father_surname, gp_address, gp_home
            )
            links.append(
                _Link(
                    grandparent,
                    rng.choice(("FAM", "OTH", "REL")),
                    False,
                    lives_with=gp_address == address,
                )
            )
    elif kind in {"separated", "court_order", "no_contact"}:
        mother = builder.adult(culture, "F", mother_surname, address, home)
        away, away_home = builder.household()
        father = builder.adult(culture, "M", father_surname, away, away_home)
        links = [
            _Link(mother, "PAM", True),
            _Link(
                father,
                "PAF",
                True,
                lives_with=False,
                court_order=kind == "court_order",
                no_contact=kind == "no_contact",
            ),
        ]
        if kind == "separated" and rng.random() < 0.3:
            links.reverse()  # the father is the first contact; the pupil lives with the mother
        if kind == "separated" and rng.random() < 0.25:
            child_surname = f"{mother_surname}-{father_surname}"
    elif kind == "step":
        mother = builder.adult(culture, "F", father_surname, address, home)
        step = builder.adult(culture, "M", builder.surname(culture), address, home, married=True)
        links = [_Link(mother, "PAM", True), _Link(step, "STF", False)]
        if rng.random() < 0.6:
            away, away_home = builder.household()
            father = builder.adult(culture, "M", father_surname, away, away_home)
            links.append(_Link(father, "PAF", True, lives_with=False))
        # a younger half-sibling is the step-father's own child, with his surname
        step_links = [_Link(mother, "PAM", True), _Link(step, "PAF", True)]
    elif kind == "grandparent_carer":
        grandmother = builder.adult(culture, "F", father_surname, address, home)
        away, away_home = builder.household()
        mother = builder.adult(culture, "F", mother_surname, away, away_home)
        links = [
            _Link(grandmother, "FAM", True),
            _Link(mother, "PAM", True, lives_with=False, no_contact=rng.random() < 0.25),
        ]
    else:  # foster: the local authority holds parental responsibility, carers do not
        carer_surname = builder.surname(culture)
        mum = builder.adult(culture, "F", carer_surname, address, home, married=True)
        dad = builder.adult(culture, "M", carer_surname, address, home)
        links = [_Link(mum, "FOM", False), _Link(dad, "FOF", False)]
    if script and script.child_surname:
        child_surname = script.child_surname
    _children(builder, culture, script, links, step_links, child_surname, kind)


def _children(
    builder: _Builder,
    culture: Culture,
    script: _Script | None,
    links: list[_Link],
    step_links: list[_Link] | None,
    surname: str,
    kind: str,
) -> None:
    rng = builder.rng
    taken: set[str] = set()
    if culture.patronymic:  # Somali usage: the children's surname is the father's forename
        father = next((link.adult for link in links if link.relationship == "PAF"), None)
        surname = father.contact.forename if father else surname
    if script:
        plan = [(name, year, sex) for name, year, sex in script.children]
        twins = script.twins
    else:
        count = rng.choices((1, 2, 3, 4), (0.55, 0.33, 0.10, 0.02))[0]
        plan = [("", year, rng.choice("MF")) for year in _child_years(builder, count)]
        twins = bool(plan) and rng.random() < 0.025
        if twins:
            plan.insert(1, ("", plan[0][1], rng.choice("MF")))
    first: _Child | None = None
    for index, (name, year, sex) in enumerate(plan):
        own_links, own_surname = links, surname
        if step_links is not None and not twins and index == len(plan) - 1 and len(plan) > 1:
            own_links, own_surname = step_links, step_links[1].adult.contact.surname
        twin = twins and index == 1 and first is not None
        dob = first.dob if twin and first is not None else None
        child = builder.add_child(culture, year, sex, own_surname, own_links, name, taken, dob)
        if child is None:
            continue
        if twin:
            child.twin_of = builder.children.index(first) if first is not None else None
        first = first or child
        if kind == "step" and own_links is links and rng.random() < 0.3:
            child.preferred_surname = links[1].adult.contact.surname


def _plan_capacity(students: int) -> dict[int, int]:
    total = sum(_YEAR_WEIGHTS)
    sizes = [math.floor(students * w / total) for w in _YEAR_WEIGHTS]
    for i in range(students - sum(sizes)):
        sizes[i % len(sizes)] += 1
    return dict(zip(YEARS, sizes, strict=True))


def make_demo_roster(students: int = 1200, seed: int = 7, academic_year: int = 2026) -> Roster:
    """A roster of ``students`` pupils in years 7-13, the same for the same arguments."""
    if students < 40:
        raise ValueError("a demo school needs at least 40 students")
    rng = random.Random(seed)
    builder = _Builder(rng, academic_year, _plan_capacity(students), PhoneBook(rng))
    for script in _SCRIPTS:
        _family(builder, script.kind, _CULTURE_BY_KEY[script.culture], script)
    kinds, kind_weights = list(_KINDS), list(_KINDS.values())
    cultures, culture_weights = list(CULTURES), [c.weight for c in CULTURES]
    while any(builder.capacity.values()):
        culture = rng.choices(cultures, culture_weights)[0]
        _family(builder, rng.choices(kinds, kind_weights)[0], culture, None)
    plan = TutorGroupPlan.for_seed(rng)
    return _assemble(builder, plan)


def _assemble(builder: _Builder, plan: TutorGroupPlan) -> Roster:
    rng = builder.rng
    order = sorted(
        range(len(builder.children)), key=lambda i: (-builder.children[i].year, rng.random())
    )
    ids = {index: f"{1001 + n:06d}" for n, index in enumerate(order)}
    twin_of = {i: c.twin_of for i, c in enumerate(builder.children) if c.twin_of is not None}
    twin_of.update({other: i for i, other in list(twin_of.items())})  # both ways
    groups = assign_tutor_groups(
        rng,
        plan,
        [
            (ids[i], c.year, ids[twin_of[i]] if i in twin_of else None)
            for i, c in enumerate(builder.children)
        ],
    )
    serials: dict[tuple[str, int], int] = {}
    students, relationships = [], []
    used_contacts: set[str] = set()
    for index in order:
        child = builder.children[index]
        student_id = ids[index]
        la = rng.choice(_LA_CODES)
        issue = builder.academic_year - child.year
        serial = serials.setdefault((la, issue), rng.randint(0, 300))
        serials[(la, issue)] = serial + 1
        current, previous = groups[student_id]
        students.append(
            Student(
                student_id=student_id,
                upn=make_upn(la, FICTIONAL_ESTABLISHMENT, issue, serial % 1000),
                legal_forename=child.forename,
                legal_surname=child.surname,
                preferred_forename=child.preferred_forename or child.forename,
                preferred_surname=child.preferred_surname or child.surname,
                dob=child.dob,
                year=child.year,
                tutor_group=current,
                sex=child.sex,
                previous_tutor_group=previous,
            )
        )
        for priority, link in enumerate(child.links, start=1):
            used_contacts.add(link.adult.contact.contact_id)
            relationships.append(
                Relationship(
                    student_id=student_id,
                    contact_id=link.adult.contact.contact_id,
                    relationship=link.relationship,
                    parental_responsibility=link.pr,
                    priority=priority,
                    court_order=link.court_order,
                    no_contact=link.no_contact,
                    lives_with_pupil=link.lives_with,
                )
            )
    contacts = tuple(
        sorted(
            (a.contact for a in builder.adults if a.contact.contact_id in used_contacts),
            key=lambda c: c.contact_id,
        )
    )
    students.sort(key=lambda s: s.student_id)
    relationships.sort(key=lambda r: (r.student_id, r.priority))
    return Roster(tuple(students), contacts, tuple(relationships))
