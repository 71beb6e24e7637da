"""What families write: a realistic mix of clean forms and the mistakes parents make."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from faker import Faker

from intake.lab.roster.demo import make_demo_roster
from intake.lab.samples.fill import MISTAKES, fill_form, fit
from intake.roster.families import families
from intake.template import load_template
from intake.template.model import FieldKind


@pytest.fixture(scope="module")
def fills() -> list:
    roster = make_demo_roster(students=400, seed=9)
    households = families(roster)
    template = load_template()
    faker = Faker("en_GB")
    made = []
    for index in range(400):
        faker.seed_instance(index)
        family = households[index % len(households)]
        rng = np.random.default_rng([9, index])
        made.append((roster, fill_form(template, roster, family, rng, faker)))
    return made


def test_most_forms_are_clean_and_every_mistake_appears(fills: list) -> None:
    clean = sum(1 for _, fill in fills if not fill.problems)
    assert 0.55 <= clean / len(fills) <= 0.8
    seen = Counter(code for _, fill in fills for code in fill.problems)
    expected = set(MISTAKES) | {"no_parental_responsibility", "blocked_contact"}
    assert expected <= set(seen), f"never made: {expected - set(seen)}"


def test_problems_agree_with_what_was_written(fills: list) -> None:
    for roster, fill in fills:
        present = {a.party for a in fill.applicants}
        for party in present:
            p = "p1" if party == "parent1" else "p2"
            signed = (
                fill.signatures[f"{p}_signature_agree"]
                and fill.signatures[f"{p}_signature_confirm"]
            )
            assert signed or "unsigned" in fill.problems
            assert fill.fields[f"{p}_date"].text or "date_missing" in fill.problems
        if "parent2" not in present:
            assert not any(w.text for f, w in fill.fields.items() if f.startswith("p2_"))
            assert not fill.signatures["p2_signature_agree"]
        if any(fill.ticks.values()):
            assert "existing_account_tick" in fill.problems
        if any(c.student_id is None for c in fill.children):
            assert "child_not_found" in fill.problems
        for child in fill.children:
            if child.student_id is None or fill.problems:
                continue
            student = roster.student(child.student_id)
            assert child.written_tutor_group == student.tutor_group


def test_one_to_five_children_and_one_or_two_parents(fills: list) -> None:
    children = Counter(len(fill.children) for _, fill in fills)
    parents = Counter(len(fill.applicants) for _, fill in fills)
    assert min(children) >= 1 and max(children) <= 5 and len(children) >= 2
    assert set(parents) == {1, 2}


def test_lower_case_and_crossed_out_characters_occur(fills: list) -> None:
    lower = [w for _, fill in fills for w in fill.fields.values() if w.lower]
    struck = [fill for _, fill in fills if fill.crossed_out]
    assert lower and all(w.text[i].isupper() for w in lower for i in w.lower)
    assert struck
    for fill in struck:
        for field_id, boxes in fill.crossed_out.items():
            writing = fill.fields[field_id]
            assert [i for i, _ in writing.struck] == list(boxes)
            assert all(writing.text[i] == " " for i in boxes)


def test_fit_writes_block_capitals_within_the_alphabet_and_boxes() -> None:
    assert fit("Zoë O'Brien-Smith", FieldKind.NAME, 30) == "ZOE O'BRIEN-SMITH"
    assert fit("12 Church St.", FieldKind.TEXT, 30) == "12 CHURCH ST."
    assert fit("Anna-Maria Fitzgerald Smith", FieldKind.NAME, 22) == "ANNA-MARIA FITZGERALD"
    assert len(fit("x" * 40, FieldKind.NAME, 22)) == 22
