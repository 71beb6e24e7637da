"""What a family writes on the form, and the mistakes parents make: the content of one form.

``fill_form`` picks who applies, which children they list and what they write in every box, as
parents really do: mostly right, sometimes with a child's preferred name, a misspelling, last
year's tutor group, a missing signature or date, a tick for an account they already have, a new
address, a step-parent without parental responsibility, a contact under a court order, a child who
is not at the school, or a person the school does not hold at all. The problems a reviewer should
see are worked out from what was written, not from what was intended, so the truth stays honest.

Truth semantics of a crossed-out character: the parent wrote a wrong character in a box, struck it
through, and carried on in the next box. The struck box counts as empty (``' '``) in the box
string and its index is listed in ``FormFill.crossed_out[field_id]``; the value the parent meant
is the box string with those boxes removed.
"""

from __future__ import annotations

import string
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
from faker import Faker

from intake.roster.model import Address, Contact, Family, Relationship, Roster, Student
from intake.samples.truth import ApplicantTruth, ChildTruth
from intake.template.model import CharField, FieldKind, FormTemplate

#: the forms are dated in the three weeks before this day (in the past, whenever generated)
REFERENCE_DATE = date(2026, 9, 18)
#: share of forms with no mistake at all
CLEAN_SHARE = 0.64
#: mistakes and how often each is chosen when a form has one
MISTAKES: dict[str, float] = {
    "preferred_name": 3.0,  # only where a child goes by another name
    "misspelt_name": 1.2,
    "tutor_group_outdated": 1.0,
    "tutor_group_wrong": 0.6,
    "unsigned": 1.0,
    "date_missing": 0.8,
    "existing_account_tick": 0.8,
    "address_differs": 0.8,
    "no_parental_responsibility": 2.0,  # only where the family has such a contact
    "blocked_contact": 4.0,  # only where the family has such a contact: rare overall
    "child_not_found": 0.7,
    "unknown_contact": 0.6,
    "email_missing": 0.5,
    "crossed_out": 0.9,
}
PARTIES = ("parent1", "parent2")


@dataclass(frozen=True)
class Writing:
    """What one row of boxes holds. ``text`` is the box string (upper case, ``' '`` for an empty
    box); ``lower`` lists boxes written in lower case; ``struck`` holds (box, wrong character)
    for boxes crossed out."""

    text: str
    party: str
    lower: frozenset[int] = frozenset()
    struck: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True)
class FormFill:
    """The content of one filled form, before any ink is laid."""

    fields: dict[str, Writing]
    ticks: dict[str, bool]
    signatures: dict[str, bool]
    children: tuple[ChildTruth, ...]
    applicants: tuple[ApplicantTruth, ...]
    problems: tuple[str, ...]
    crossed_out: dict[str, tuple[int, ...]] = field(default_factory=dict)


@dataclass
class _Applicant:
    party: str
    contact: Contact | None  # None: a person the school does not hold
    forename: str
    surname: str
    address: Address
    home_phone: str
    mobile_phone: str
    email: str


def fold(text: str) -> str:
    """Upper case without accents, as a parent writes it in block capitals (``ZOË`` -> ``ZOE``)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper()


def fit(text: str, kind: FieldKind, boxes: int) -> str:
    """The box string a careful parent writes: allowed characters only, one space between words,
    cut to the boxes available (at a word boundary where one is close)."""
    from intake.engines.base import ALPHABETS

    allowed = set(ALPHABETS[kind]) | {" "}
    cleaned = " ".join("".join(c if c in allowed else " " for c in fold(text)).split())
    if len(cleaned) <= boxes:
        return cleaned
    cut = cleaned[:boxes]
    if " " in cut and cleaned[boxes] != " " and cut.rfind(" ") > boxes * 0.6:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip()


def _pick(rng: np.random.Generator, items: list[str], weights: list[float]) -> str:
    p = np.asarray(weights, float)
    return str(items[int(rng.choice(len(items), p=p / p.sum()))])


def choose_mistakes(rng: np.random.Generator, possible: set[str] | None = None) -> list[str]:
    """None for most forms; one, sometimes two, for the rest, among the ``possible`` ones (a
    family whose children have no preferred name cannot write one)."""
    if rng.random() < CLEAN_SHARE:
        return []
    names = [m for m in MISTAKES if possible is None or m in possible]
    weights = [MISTAKES[m] for m in names]
    chosen = [_pick(rng, names, weights)]
    if rng.random() < 0.2:
        second = _pick(rng, names, weights)
        if second not in chosen:
            chosen.append(second)
    return chosen


def _possible_mistakes(
    roster: Roster, family: Family, listed: list[Student], links: dict[str, list[Relationship]]
) -> set[str]:
    """The mistakes this family can make, given its children and the contacts the school holds."""
    possible = set(MISTAKES) - {"preferred_name", "tutor_group_outdated"}
    possible -= {"no_parental_responsibility", "blocked_contact"}
    if any(s.preferred_forename not in ("", s.legal_forename) for s in listed):
        possible.add("preferred_name")
    if any(_previous_group(s) for s in listed):
        possible.add("tutor_group_outdated")
    for contact_id in links:
        if contact_id in family.contact_ids:
            continue
        outcome = _outcome(roster.contact(contact_id), listed, links)
        if outcome == "no_pr":
            possible.add("no_parental_responsibility")
        elif outcome == "blocked":
            possible.add("blocked_contact")
    return possible


def _links(roster: Roster, student_ids: tuple[str, ...]) -> dict[str, list[Relationship]]:
    """Relationships per contact id for the family's students."""
    found: dict[str, list[Relationship]] = {}
    wanted = set(student_ids)
    for link in roster.relationships:
        if link.student_id in wanted:
            found.setdefault(link.contact_id, []).append(link)
    return found


def _outcome(
    contact: Contact | None, children: list[Student], links: dict[str, list[Relationship]]
) -> str:
    if contact is None:
        return "unknown_contact"
    mine = {r.student_id: r for r in links.get(contact.contact_id, [])}
    if any(r.blocked for r in mine.values()):
        return "blocked"
    if all(s.student_id in mine and mine[s.student_id].parental_responsibility for s in children):
        return "pr"
    return "no_pr"


def _stranger(faker: Faker, address: Address, rng: np.random.Generator) -> _Applicant:
    """Someone the school does not hold: a new partner, a grandparent, an aunt."""
    forename = faker.first_name()
    surname = faker.last_name()
    mobile = f"07700{int(rng.integers(900000, 901000)):06d}"
    email = f"{fold(forename)[:1]}{fold(surname)}{int(rng.integers(1, 99))}@EXAMPLE.COM"
    return _Applicant("", None, forename, surname, address, "", mobile, email)


def _applicant(contact: Contact) -> _Applicant:
    return _Applicant(
        "",
        contact,
        contact.forename,
        contact.surname,
        contact.address,
        contact.home_phone,
        contact.mobile_phone,
        contact.email,
    )


def _choose_applicants(
    roster: Roster,
    family: Family,
    children: list[Student],
    links: dict[str, list[Relationship]],
    mistakes: list[str],
    rng: np.random.Generator,
    faker: Faker,
) -> list[_Applicant]:
    invited = [roster.contact(cid) for cid in family.contact_ids]
    with_pr = [c for c in invited if _outcome(c, children, links) == "pr"]
    first = with_pr[0] if with_pr else invited[0]
    people = [_applicant(first)]
    others = [c for c in with_pr if c.contact_id != first.contact_id]
    if others and rng.random() < 0.45:
        people.append(_applicant(others[0]))
    others_by_outcome: dict[str, list[Contact]] = {"no_pr": [], "blocked": []}
    for contact_id in sorted(links):
        if contact_id in family.contact_ids:
            continue
        outcome = _outcome(roster.contact(contact_id), children, links)
        if outcome in others_by_outcome:
            others_by_outcome[outcome].append(roster.contact(contact_id))
    for mistake, outcome in (
        ("no_parental_responsibility", "no_pr"),
        ("blocked_contact", "blocked"),
    ):
        if mistake in mistakes and others_by_outcome[outcome]:
            odd = _applicant(others_by_outcome[outcome][0])
            keep_first = len(people) == 2 or rng.random() < 0.5
            people = [people[0], odd] if keep_first else [odd]
    if "unknown_contact" in mistakes:
        stranger = _stranger(faker, family.address, rng)
        people = [people[0], stranger] if rng.random() < 0.7 else [stranger]
    for party, person in zip(PARTIES, people, strict=False):
        person.party = party
    return people


def _misspell(name: str, rng: np.random.Generator) -> str:
    """One slip of the pen: a dropped, doubled, swapped or wrong letter."""
    letters = [i for i, c in enumerate(name) if c.isalpha()]
    if len(letters) < 3:
        return name + name[-1]
    i = int(rng.choice(letters[1:]))
    kind = int(rng.integers(4))
    if kind == 0:
        return name[:i] + name[i + 1 :]
    if kind == 1:
        return name[:i] + name[i] + name[i:]
    if kind == 2 and i + 1 < len(name) and name[i + 1].isalpha() and name[i + 1] != name[i]:
        return name[:i] + name[i + 1] + name[i] + name[i + 2 :]
    vowels = "AEIOU" if name[i].upper() in "AEIOU" else "BCDKLMNRST"
    options = [v for v in vowels if v != name[i].upper()]
    return name[:i] + str(rng.choice(options)) + name[i + 1 :]


def _previous_group(student: Student) -> str:
    """Last year's tutor group: the MIS's own when it has one, else this year's, a year down."""
    if student.previous_tutor_group:
        return student.previous_tutor_group
    group = student.tutor_group
    digits = len(group) - len(group.lstrip(string.digits))
    if digits == 0 or student.year <= 7:
        return ""
    return f"{int(group[:digits]) - 1}{group[digits:]}"


def _wrong_group(group: str, rng: np.random.Generator) -> str:
    """A tutor group written wrong: a neighbouring letter or a transposed pair."""
    letters = [i for i, c in enumerate(group) if c.isalpha()]
    if not letters:
        return group + "A"
    i = int(rng.choice(letters))
    shift = 1 if rng.random() < 0.5 else -1
    replacement = chr((ord(group[i].upper()) - 65 + shift) % 26 + 65)
    return group[:i] + replacement + group[i + 1 :]


def _written_date(rng: np.random.Generator) -> str:
    day = REFERENCE_DATE - timedelta(days=int(rng.integers(1, 22)))
    return day.strftime("%d%m%Y")


def _postcode(raw: str, boxes: int, rng: np.random.Generator) -> str:
    compact = "".join(fold(raw).split())
    spaced = f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else compact
    return spaced if len(spaced) <= boxes and rng.random() < 0.6 else compact[:boxes]


def _email_written(person: _Applicant, boxes: int, rng: np.random.Generator) -> str:
    """The email a parent writes: the one on file, or (when the school has none, or it does not
    fit the boxes) another address of theirs, at an example domain."""
    if person.email and len(person.email) <= boxes:
        return person.email
    forename = "".join(c for c in fold(person.forename) if c.isalpha())[:8]
    surname = "".join(c for c in fold(person.surname) if c.isalpha())[:10]
    domain = str(rng.choice(["EXAMPLE.COM", "EXAMPLE.ORG", "EXAMPLE.NET"]))
    return f"{forename[:1]}{surname}{int(rng.integers(1, 99))}@{domain}"


def _phone(raw: str) -> str:
    return "".join(c for c in raw if c.isdigit())


def fill_form(
    template: FormTemplate,
    roster: Roster,
    family: Family,
    rng: np.random.Generator,
    faker: Faker,
) -> FormFill:
    """Decide everything one family writes on one form (see the module docstring)."""
    links = _links(roster, family.student_ids)
    students = sorted(
        (roster.student(sid) for sid in family.student_ids), key=lambda s: (-s.year, s.student_id)
    )
    listed = [s for s in students if s.on_roll][:5] or students[:5]
    mistakes = choose_mistakes(rng, _possible_mistakes(roster, family, listed, links))
    people = _choose_applicants(roster, family, listed, links, mistakes, rng, faker)
    char_fields = {f.id: f for _, f in template.fields() if isinstance(f, CharField)}
    texts: dict[str, str] = {}
    problems: set[str] = set()

    def put(field_id: str, value: str) -> None:
        spec = char_fields[field_id]
        texts[field_id] = fit(value, spec.kind, spec.boxes)

    # the children table
    children: list[ChildTruth] = []
    ticks = {f.id: False for _, f in template.fields() if f.kind == FieldKind.TICK}
    rows: list[tuple[str | None, str, str]] = []
    for student in listed:
        forename, surname, group = (
            student.legal_forename,
            student.legal_surname,
            student.tutor_group,
        )
        rows.append((student.student_id, f"{forename}|{surname}", group))
    if "child_not_found" in mistakes and len(rows) < 5:
        surname = listed[0].legal_surname if listed else faker.last_name()
        sample_group = listed[0].tutor_group if listed else "7A"
        rows.append((None, f"{faker.first_name()}|{surname}", _wrong_group(sample_group, rng)))
    target = int(rng.integers(len(listed))) if listed else 0
    if "preferred_name" in mistakes:  # the child who goes by another name
        target = next(
            i for i, s in enumerate(listed) if s.preferred_forename not in ("", s.legal_forename)
        )
    elif "tutor_group_outdated" in mistakes:
        target = next(i for i, s in enumerate(listed) if _previous_group(s))
    for index, (student_id, name, group) in enumerate(rows):
        forename, surname = name.split("|")
        if index == target and student_id is not None:
            student = roster.student(student_id)
            if "preferred_name" in mistakes and student.preferred_forename not in (
                "",
                student.legal_forename,
            ):
                forename = student.preferred_forename
                problems.add("preferred_name")
            if "misspelt_name" in mistakes:
                if rng.random() < 0.6:
                    forename = _misspell(fold(forename), rng)
                else:
                    surname = _misspell(fold(surname), rng)
                problems.add("misspelt_name")
            if "tutor_group_outdated" in mistakes and _previous_group(student):
                group = _previous_group(student)
                problems.add("tutor_group_outdated")
            elif "tutor_group_wrong" in mistakes and group:
                group = _wrong_group(group, rng)
                problems.add("tutor_group_wrong")
            if "existing_account_tick" in mistakes:
                ticks[f"child{index + 1}_has_account"] = True
                problems.add("existing_account_tick")
        row = index + 1
        put(f"child{row}_name", f"{forename} {surname}")
        put(f"child{row}_tutor_group", group)
        if student_id is None:
            problems.add("child_not_found")
        children.append(
            ChildTruth(row, student_id, texts[f"child{row}_name"], texts[f"child{row}_tutor_group"])
        )
    listed_students = [roster.student(c.student_id) for c in children if c.student_id]

    # the applicants: page 1 agreement and page 2 details
    signatures = {f.id: False for _, f in template.fields() if f.kind == FieldKind.SIGNATURE}
    applicants: list[ApplicantTruth] = []
    for person in people:
        p = "p1" if person.party == "parent1" else "p2"
        outcome = _outcome(person.contact, listed_students, links)
        applicants.append(
            ApplicantTruth(
                person.party, person.contact.contact_id if person.contact else None, outcome
            )
        )
        problems.update(
            {
                "no_pr": ["no_parental_responsibility"],
                "blocked": ["blocked_contact"],
                "unknown_contact": ["unknown_contact"],
            }.get(outcome, [])
        )
        put(f"{p}_print_name", f"{person.forename} {person.surname}")
        put(f"{p}_date", _written_date(rng))
        put(f"{p}_forename", person.forename)
        put(f"{p}_surname", person.surname)
        address = person.address
        if (
            "address_differs" in mistakes
            and person.contact is not None
            and person.party == "parent1"
        ):
            street = faker.street_address().replace("\n", " ")
            address = Address((street, faker.city()), faker.postcode())
            problems.add("address_differs")
        put(f"{p}_address1", address.lines[0] if address.lines else "")
        put(f"{p}_address2", " ".join(address.lines[1:]))
        put(f"{p}_postcode", _postcode(address.postcode, char_fields[f"{p}_postcode"].boxes, rng))
        if person.home_phone and rng.random() < 0.65:
            put(f"{p}_home_tel", _phone(person.home_phone))
        if person.mobile_phone and rng.random() < 0.95:
            put(f"{p}_mobile_tel", _phone(person.mobile_phone))
        put(f"{p}_email", _email_written(person, char_fields[f"{p}_email"].boxes, rng))
        signatures[f"{p}_signature_agree"] = True
        signatures[f"{p}_signature_confirm"] = True
    first = "p1" if people[0].party == "parent1" else "p2"
    if "unsigned" in mistakes:
        party = first if len(people) == 1 or rng.random() < 0.6 else "p2"
        which = str(rng.choice(["agree", "confirm", "both"]))
        for part in ("agree", "confirm"):
            if which in (part, "both"):
                signatures[f"{party}_signature_{part}"] = False
    if "date_missing" in mistakes:
        texts[f"{first}_date"] = ""
    if "email_missing" in mistakes:
        texts[f"{first}_email"] = ""

    writings = {fid: Writing(texts.get(fid, ""), _party_of(fid)) for fid in char_fields}
    crossed: dict[str, tuple[int, ...]] = {}
    if "crossed_out" in mistakes:
        crossed = _cross_out(writings, char_fields, rng)
    _lower_case(writings, rng)

    for person in people:
        p = "p1" if person.party == "parent1" else "p2"
        if not (signatures[f"{p}_signature_agree"] and signatures[f"{p}_signature_confirm"]):
            problems.add("unsigned")
        if not writings[f"{p}_date"].text:
            problems.add("date_missing")
        if not writings[f"{p}_email"].text:
            problems.add("email_missing")
    if crossed:
        problems.add("crossed_out")
    return FormFill(
        fields=writings,
        ticks=ticks,
        signatures=signatures,
        children=tuple(children),
        applicants=tuple(applicants),
        problems=tuple(sorted(problems)),
        crossed_out=crossed,
    )


def _party_of(field_id: str) -> str:
    return "parent2" if field_id.startswith("p2_") else "parent1"


def _cross_out(
    writings: dict[str, Writing], specs: dict[str, CharField], rng: np.random.Generator
) -> dict[str, tuple[int, ...]]:
    """Strike one character in a name or address field and carry on in the next box."""
    candidates = [
        fid
        for fid, w in writings.items()
        if len(w.text) >= 3
        and len(w.text) < specs[fid].boxes
        and specs[fid].kind in (FieldKind.NAME, FieldKind.TEXT, FieldKind.EMAIL)
    ]
    if not candidates:
        return {}
    fid = str(rng.choice(sorted(candidates)))
    writing = writings[fid]
    spots = [i for i, c in enumerate(writing.text) if c != " "]
    box = int(rng.choice(spots))
    right = writing.text[box]
    wrong = str(rng.choice([c for c in string.ascii_uppercase if c != right]))
    text = writing.text[:box] + " " + writing.text[box:]
    writings[fid] = Writing(text, writing.party, writing.lower, ((box, wrong),))
    return {fid: (box,)}


def _lower_case(writings: dict[str, Writing], rng: np.random.Generator) -> None:
    """An occasional lower-case letter; now and then a whole email in lower case."""
    for fid, writing in list(writings.items()):
        letters = [i for i, c in enumerate(writing.text) if c.isalpha()]
        if not letters:
            continue
        if fid.endswith("_email") and rng.random() < 0.12:
            lower = frozenset(letters)
        elif rng.random() < 0.03:
            lower = frozenset(int(i) for i in rng.choice(letters, size=1))
        else:
            continue
        writings[fid] = Writing(writing.text, writing.party, lower, writing.struck)
