"""Cautions: choices made by hand and surnames that disagree with what was written."""

from __future__ import annotations

from intake.accounts.cautions import cautions_for, name_words, surname_agrees
from intake.accounts.ports import (
    ApplicantOnForm,
    ChildOnForm,
    FormForApproval,
    RosterInMemory,
)

from .helpers import make_roster


def form(children, applicants=()) -> FormForApproval:
    return FormForApproval("f1", "checked", "u1", "u2", tuple(applicants), tuple(children))


def test_name_words_fold_case_accents_and_hyphens():
    assert name_words("O'Brien-Núñez") == {"o", "brien", "nunez"}
    assert surname_agrees("MARY O BRIEN NUNEZ", "O'Brien-Núñez")
    assert surname_agrees("AMY SMITH", "Smith")
    assert not surname_agrees("AMY SMYTHE", "Smith")
    assert not surname_agrees("", "Smith")


def test_matcher_links_give_no_caution_but_an_unlisted_sibling_is_a_note():
    roster = RosterInMemory(make_roster())
    plain = form([ChildOnForm(1, "S1", written_name="AMY SMITH")])
    notes = cautions_for(plain, roster, [("C1", ("S1", "S2"))])
    assert [(c.code, c.needs_confirm) for c in notes] == [("ALSO_LINKED", False)]


def test_hand_choices_with_other_surnames_need_confirmation():
    roster = RosterInMemory(make_roster())
    chosen = form(
        [ChildOnForm(1, "S1", written_name="CARA JONES", chosen_by_hand=True)],
        [ApplicantOnForm(1, "C1", True, "DANA", "JONES", chosen_by_hand=True)],
    )
    got = cautions_for(chosen, roster, [("C1", ("S1", "S2"))])
    assert [(c.code, c.needs_confirm) for c in got] == [
        ("CHILD_NAME_DIFFERS", True),
        ("CONTACT_NAME_DIFFERS", True),
        ("NOT_ON_FORM", True),
    ]
    agreeing = form([ChildOnForm(1, "S1", written_name="AMY SMITH", chosen_by_hand=True)])
    assert [c.code for c in cautions_for(agreeing, roster, [("C1", ("S1",))])] == ["CHILD_BY_HAND"]
