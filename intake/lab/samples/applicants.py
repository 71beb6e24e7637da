"""Who applies on a form: the family's contacts as the school holds them, or someone it does not,
and what they write about themselves (phones, postcode, email) as parents do."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from faker import Faker

from intake.lab.samples.writing import fold
from intake.roster.model import Address, Contact, Family, Relationship, Roster, Student

PARTIES = ("parent1", "parent2")


@dataclass
class Applicant:
    party: str
    contact: Contact | None  # None: a person the school does not hold
    forename: str
    surname: str
    address: Address
    home_phone: str
    mobile_phone: str
    email: str


def links_of(roster: Roster, student_ids: tuple[str, ...]) -> dict[str, list[Relationship]]:
    """Relationships per contact id for the family's students."""
    found: dict[str, list[Relationship]] = {}
    wanted = set(student_ids)
    for link in roster.relationships:
        if link.student_id in wanted:
            found.setdefault(link.contact_id, []).append(link)
    return found


def standing_of(
    contact: Contact | None, children: list[Student], links: dict[str, list[Relationship]]
) -> str:
    """What the school's records say of this applicant for these children: "pr", "no_pr",
    "blocked" (court order or no-contact flag) or "unknown_contact"."""
    if contact is None:
        return "unknown_contact"
    mine = {r.student_id: r for r in links.get(contact.contact_id, [])}
    if any(r.blocked for r in mine.values()):
        return "blocked"
    if all(s.student_id in mine and mine[s.student_id].parental_responsibility for s in children):
        return "pr"
    return "no_pr"


def make_stranger(faker: Faker, address: Address, rng: np.random.Generator) -> Applicant:
    """Someone the school does not hold: a new partner, a grandparent, an aunt."""
    forename = faker.first_name()
    surname = faker.last_name()
    mobile = f"07700{int(rng.integers(900000, 901000)):06d}"
    email = f"{fold(forename)[:1]}{fold(surname)}{int(rng.integers(1, 99))}@EXAMPLE.COM"
    return Applicant("", None, forename, surname, address, "", mobile, email)


def from_contact(contact: Contact) -> Applicant:
    """An applicant who writes what the school holds about them."""
    return Applicant(
        "",
        contact,
        contact.forename,
        contact.surname,
        contact.address,
        contact.home_phone,
        contact.mobile_phone,
        contact.email,
    )


def choose_applicants(
    roster: Roster,
    family: Family,
    children: list[Student],
    links: dict[str, list[Relationship]],
    mistakes: list[str],
    rng: np.random.Generator,
    faker: Faker,
) -> list[Applicant]:
    """Parent/carer 1 (and sometimes 2) with parental responsibility; for the mistakes, a
    step-parent, a blocked contact or a stranger instead or beside."""
    invited = [roster.contact(cid) for cid in family.contact_ids]
    with_pr = [c for c in invited if standing_of(c, children, links) == "pr"]
    first = with_pr[0] if with_pr else invited[0]
    people = [from_contact(first)]
    others = [c for c in with_pr if c.contact_id != first.contact_id]
    if others and rng.random() < 0.45:
        people.append(from_contact(others[0]))
    others_by_outcome: dict[str, list[Contact]] = {"no_pr": [], "blocked": []}
    for contact_id in sorted(links):
        if contact_id in family.contact_ids:
            continue
        outcome = standing_of(roster.contact(contact_id), children, links)
        if outcome in others_by_outcome:
            others_by_outcome[outcome].append(roster.contact(contact_id))
    for mistake, outcome in (
        ("no_parental_responsibility", "no_pr"),
        ("blocked_contact", "blocked"),
    ):
        if mistake in mistakes and others_by_outcome[outcome]:
            odd = from_contact(others_by_outcome[outcome][0])
            keep_first = len(people) == 2 or rng.random() < 0.5
            people = [people[0], odd] if keep_first else [odd]
    if "unknown_contact" in mistakes:
        stranger = make_stranger(faker, family.address, rng)
        people = [people[0], stranger] if rng.random() < 0.7 else [stranger]
    for party, person in zip(PARTIES, people, strict=False):
        person.party = party
    return people


def postcode_written(raw: str, boxes: int, rng: np.random.Generator) -> str:
    """Most parents leave a box for the postcode's space; some write it run together."""
    compact = "".join(fold(raw).split())
    spaced = f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else compact
    return spaced if len(spaced) <= boxes and rng.random() < 0.6 else compact[:boxes]


def email_written(person: Applicant, boxes: int, rng: np.random.Generator) -> str:
    """The email a parent writes: the one on file, or (when the school has none, or it does not
    fit the boxes) another address of theirs, at an example domain."""
    if person.email and len(person.email) <= boxes:
        return person.email
    forename = "".join(c for c in fold(person.forename) if c.isalpha())[:8]
    surname = "".join(c for c in fold(person.surname) if c.isalpha())[:10]
    domain = str(rng.choice(["EXAMPLE.COM", "EXAMPLE.ORG", "EXAMPLE.NET"]))
    return f"{forename[:1]}{surname}{int(rng.integers(1, 99))}@{domain}"


def phone_digits(raw: str) -> str:
    """One digit per box."""
    return "".join(c for c in raw if c.isdigit())
