"""The mistakes parents make on the form, how often, and the slips of the pen behind them."""

from __future__ import annotations

import string

import numpy as np

from intake.lab.samples.applicants import standing_of
from intake.roster.model import Family, Relationship, Roster, Student

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


def possible_mistakes(
    roster: Roster, family: Family, listed: list[Student], links: dict[str, list[Relationship]]
) -> set[str]:
    """The mistakes this family can make, given its children and the contacts the school holds."""
    possible = set(MISTAKES) - {"preferred_name", "tutor_group_outdated"}
    possible -= {"no_parental_responsibility", "blocked_contact"}
    if any(s.preferred_forename not in ("", s.legal_forename) for s in listed):
        possible.add("preferred_name")
    if any(previous_group(s) for s in listed):
        possible.add("tutor_group_outdated")
    for contact_id in links:
        if contact_id in family.contact_ids:
            continue
        standing = standing_of(roster.contact(contact_id), listed, links)
        if standing == "no_pr":
            possible.add("no_parental_responsibility")
        elif standing == "blocked":
            possible.add("blocked_contact")
    return possible


def misspell(name: str, rng: np.random.Generator) -> str:
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


def previous_group(student: Student) -> str:
    """Last year's tutor group: the MIS's own when it has one, else this year's, a year down."""
    if student.previous_tutor_group:
        return student.previous_tutor_group
    group = student.tutor_group
    digits = len(group) - len(group.lstrip(string.digits))
    if digits == 0 or student.year <= 7:
        return ""
    return f"{int(group[:digits]) - 1}{group[digits:]}"


def wrong_group(group: str, rng: np.random.Generator) -> str:
    """A tutor group written wrong: a neighbouring letter or a transposed pair."""
    letters = [i for i, c in enumerate(group) if c.isalpha()]
    if not letters:
        return group + "A"
    i = int(rng.choice(letters))
    shift = 1 if rng.random() < 0.5 else -1
    replacement = chr((ord(group[i].upper()) - 65 + shift) % 26 + 65)
    return group[:i] + replacement + group[i + 1 :]
