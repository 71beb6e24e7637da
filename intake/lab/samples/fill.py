"""What a family writes on the form, and the mistakes parents make: the content of one form.

``fill_form`` picks who applies, which children they list and what they write in every box, as
parents really do: mostly right, sometimes with a child's preferred name, a misspelling, last
year's tutor group, a missing signature or date, a tick for an account they already have, a new
address, a step-parent without parental responsibility, a contact under a court order, a child who
is not at the school, or a person the school does not hold at all. The problems a reviewer should
see are worked out from what was written, not from what was intended, so the truth stays honest.
The mistakes and their frequencies live in ``intake.lab.samples.mistakes``, the applicants in
``intake.lab.samples.applicants``, how characters are written (and crossed out) in
``intake.lab.samples.writing``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
from faker import Faker

from intake.lab.samples.applicants import (
    Applicant,
    choose_applicants,
    email_written,
    links_of,
    phone_digits,
    postcode_written,
    standing_of,
)
from intake.lab.samples.mistakes import (
    CLEAN_SHARE,
    MISTAKES,
    choose_mistakes,
    misspell,
    possible_mistakes,
    previous_group,
    wrong_group,
)
from intake.lab.samples.truth import ApplicantTruth, ChildTruth, party_prefix
from intake.lab.samples.writing import Writing, cross_out, fit, fold, lower_case, party_of
from intake.roster.model import Address, Family, Relationship, Roster, Student
from intake.template.model import CharField, FieldKind, FormTemplate

__all__ = ["CLEAN_SHARE", "MISTAKES", "REFERENCE_DATE", "FormFill", "Writing", "fill_form", "fit"]

#: the forms are dated in the three weeks before this day (in the past, whenever generated)
REFERENCE_DATE = date(2026, 9, 18)


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


def _written_date(rng: np.random.Generator) -> str:
    day = REFERENCE_DATE - timedelta(days=int(rng.integers(1, 22)))
    return day.strftime("%d%m%Y")


class _Boxes:
    """The box strings being decided, each fitted to its field as it is put."""

    def __init__(self, template: FormTemplate) -> None:
        self.specs = {f.id: f for _, f in template.fields() if isinstance(f, CharField)}
        self.texts: dict[str, str] = {}

    def put(self, field_id: str, value: str) -> None:
        spec = self.specs[field_id]
        self.texts[field_id] = fit(value, spec.kind, spec.boxes)


def fill_form(
    template: FormTemplate,
    roster: Roster,
    family: Family,
    rng: np.random.Generator,
    faker: Faker,
) -> FormFill:
    """Decide everything one family writes on one form (see the module docstring)."""
    links = links_of(roster, family.student_ids)
    students = sorted(
        (roster.student(sid) for sid in family.student_ids), key=lambda s: (-s.year, s.student_id)
    )
    listed = [s for s in students if s.on_roll][:5] or students[:5]
    mistakes = choose_mistakes(rng, possible_mistakes(roster, family, listed, links))
    people = choose_applicants(roster, family, listed, links, mistakes, rng, faker)
    boxes = _Boxes(template)
    problems: set[str] = set()
    ticks = {f.id: False for _, f in template.fields() if f.kind == FieldKind.TICK}
    children = _children_table(roster, listed, mistakes, boxes, ticks, problems, rng, faker)
    listed_students = [roster.student(c.student_id) for c in children if c.student_id]
    signatures = {f.id: False for _, f in template.fields() if f.kind == FieldKind.SIGNATURE}
    applicants = [
        _applicant_details(person, listed_students, links, mistakes, boxes, problems, rng, faker)
        for person in people
    ]
    for person in people:
        p = party_prefix(person.party)
        signatures[f"{p}_signature_agree"] = True
        signatures[f"{p}_signature_confirm"] = True
    _leave_out(people, mistakes, boxes, signatures, rng)

    writings = {fid: Writing(boxes.texts.get(fid, ""), party_of(fid)) for fid in boxes.specs}
    crossed: dict[str, tuple[int, ...]] = {}
    if "crossed_out" in mistakes:
        crossed = cross_out(writings, boxes.specs, rng)
    lower_case(writings, rng)
    for person in people:
        p = party_prefix(person.party)
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


def _children_table(
    roster: Roster,
    listed: list[Student],
    mistakes: list[str],
    boxes: _Boxes,
    ticks: dict[str, bool],
    problems: set[str],
    rng: np.random.Generator,
    faker: Faker,
) -> list[ChildTruth]:
    """The rows of the children table: the family's children, one of them written with this
    form's mistake, and sometimes a child who is not at the school."""
    rows: list[tuple[str | None, str, str, str]] = [
        (s.student_id, s.legal_forename, s.legal_surname, s.tutor_group) for s in listed
    ]
    if "child_not_found" in mistakes and len(rows) < 5:
        surname = listed[0].legal_surname if listed else faker.last_name()
        sample_group = listed[0].tutor_group if listed else "7A"
        rows.append((None, faker.first_name(), surname, wrong_group(sample_group, rng)))
    target = int(rng.integers(len(listed))) if listed else 0
    if "preferred_name" in mistakes:  # the child who goes by another name
        target = next(
            i for i, s in enumerate(listed) if s.preferred_forename not in ("", s.legal_forename)
        )
    elif "tutor_group_outdated" in mistakes:
        target = next(i for i, s in enumerate(listed) if previous_group(s))
    children: list[ChildTruth] = []
    for index, (student_id, forename, surname, group) in enumerate(rows):
        row = index + 1
        if index == target and student_id is not None:
            forename, surname, group = _child_mistakes(
                roster.student(student_id), forename, surname, group, mistakes, problems, rng
            )
            if "existing_account_tick" in mistakes:
                ticks[f"child{row}_has_account"] = True
                problems.add("existing_account_tick")
        boxes.put(f"child{row}_name", f"{forename} {surname}")
        boxes.put(f"child{row}_tutor_group", group)
        if student_id is None:
            problems.add("child_not_found")
        name, written_group = (
            boxes.texts[f"child{row}_name"],
            boxes.texts[f"child{row}_tutor_group"],
        )
        children.append(ChildTruth(row, student_id, name, written_group))
    return children


def _child_mistakes(
    student: Student,
    forename: str,
    surname: str,
    group: str,
    mistakes: list[str],
    problems: set[str],
    rng: np.random.Generator,
) -> tuple[str, str, str]:
    """A child's name and tutor group as a parent gets them wrong."""
    if "preferred_name" in mistakes and student.preferred_forename not in (
        "",
        student.legal_forename,
    ):
        forename = student.preferred_forename
        problems.add("preferred_name")
    if "misspelt_name" in mistakes:
        if rng.random() < 0.6:
            forename = misspell(fold(forename), rng)
        else:
            surname = misspell(fold(surname), rng)
        problems.add("misspelt_name")
    if "tutor_group_outdated" in mistakes and previous_group(student):
        group = previous_group(student)
        problems.add("tutor_group_outdated")
    elif "tutor_group_wrong" in mistakes and group:
        group = wrong_group(group, rng)
        problems.add("tutor_group_wrong")
    return forename, surname, group


_STANDING_PROBLEMS = {
    "no_pr": "no_parental_responsibility",
    "blocked": "blocked_contact",
    "unknown_contact": "unknown_contact",
}


def _applicant_details(
    person: Applicant,
    listed: list[Student],
    links: dict[str, list[Relationship]],
    mistakes: list[str],
    boxes: _Boxes,
    problems: set[str],
    rng: np.random.Generator,
    faker: Faker,
) -> ApplicantTruth:
    """One applicant's print name, date and details (page 2), as they write them."""
    p = party_prefix(person.party)
    standing = standing_of(person.contact, listed, links)
    if standing in _STANDING_PROBLEMS:
        problems.add(_STANDING_PROBLEMS[standing])
    boxes.put(f"{p}_print_name", f"{person.forename} {person.surname}")
    boxes.put(f"{p}_date", _written_date(rng))
    boxes.put(f"{p}_forename", person.forename)
    boxes.put(f"{p}_surname", person.surname)
    address = person.address
    if "address_differs" in mistakes and person.contact is not None and p == "p1":
        street = faker.street_address().replace("\n", " ")
        address = Address((street, faker.city()), faker.postcode())
        problems.add("address_differs")
    boxes.put(f"{p}_address1", address.lines[0] if address.lines else "")
    boxes.put(f"{p}_address2", " ".join(address.lines[1:]))
    postcode_boxes = boxes.specs[f"{p}_postcode"].boxes
    boxes.put(f"{p}_postcode", postcode_written(address.postcode, postcode_boxes, rng))
    if person.home_phone and rng.random() < 0.65:
        boxes.put(f"{p}_home_tel", phone_digits(person.home_phone))
    if person.mobile_phone and rng.random() < 0.95:
        boxes.put(f"{p}_mobile_tel", phone_digits(person.mobile_phone))
    boxes.put(f"{p}_email", email_written(person, boxes.specs[f"{p}_email"].boxes, rng))
    contact_id = person.contact.contact_id if person.contact else None
    return ApplicantTruth(person.party, contact_id, standing)


def _leave_out(
    people: list[Applicant],
    mistakes: list[str],
    boxes: _Boxes,
    signatures: dict[str, bool],
    rng: np.random.Generator,
) -> None:
    """A forgotten signature, date or email."""
    first = party_prefix(people[0].party)
    if "unsigned" in mistakes:
        party = first if len(people) == 1 or rng.random() < 0.6 else "p2"
        which = str(rng.choice(["agree", "confirm", "both"]))
        for part in ("agree", "confirm"):
            if which in (part, "both"):
                signatures[f"{party}_signature_{part}"] = False
    if "date_missing" in mistakes:
        boxes.texts[f"{first}_date"] = ""
    if "email_missing" in mistakes:
        boxes.texts[f"{first}_email"] = ""
