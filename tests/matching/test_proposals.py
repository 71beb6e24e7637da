from __future__ import annotations

import pytest

from intake.errors import WorkflowError
from intake.matching.applicants import Outcome
from intake.matching.index import RosterIndex
from intake.matching.proposals import match_form

from .conftest import FormBuilder

RACHEL = {
    "forename": "RACHEL",
    "surname": "EVANS",
    "print_name": "RACHEL EVANS",
    "email": "rachel@example.org",
    "mobile_tel": "07700900007",
    "postcode": "DE56 1AA",
}
KAREN = {"forename": "KAREN", "surname": "SMITH", "email": "k.smith@example.org"}


def test_a_clean_form_may_be_approved(index: RosterIndex, make_form: FormBuilder) -> None:
    result = match_form(make_form([("LILY EVANS", "10B")], p1=RACHEL), index)
    assert [c.student_id for c in result.children] == ["S07"]
    assert [(a.party, a.contact_id, a.outcome) for a in result.applicants] == [
        ("parent1", "C07", Outcome.PR)
    ]
    assert result.may_approve and not result.needs_review
    assert result.approve_reasons == () and result.review_reasons == ()


def test_proposed_values_keep_what_was_read(index: RosterIndex, make_form: FormBuilder) -> None:
    form = make_form(
        [("BOBBY MACDONALD", "7X")],
        p1={"forename": "FIONA", "surname": "MCDONALD", "mobile_tel": "07700900005"},
    )
    result = match_form(form, index)
    assert result.children[0].student_id == "S05"
    name = result.proposed_value("child1_name")
    assert name is not None
    assert (name.read, name.proposed, name.changed) == ("BOBBY MACDONALD", "ROBERT MACDONALD", True)
    group = result.proposed_value("child1_tutor_group")
    assert group is not None and (group.read, group.proposed) == ("7X", "8X")
    surname = result.proposed_value("p1_surname")
    assert surname is not None and surname.proposed == "MACDONALD"
    assert surname.source == "contact C05"


def test_step_parent_and_court_order_are_stopped(
    index: RosterIndex, make_form: FormBuilder
) -> None:
    form = make_form(
        [("LILY EVANS", "10B")],
        p1={"forename": "TOM", "surname": "HARRIS"},
        p2={"forename": "GARY", "surname": "EVANS"},
    )
    result = match_form(form, index)
    outcomes = {a.party: a.outcome for a in result.applicants}
    assert outcomes == {"parent1": Outcome.NO_PR, "parent2": Outcome.BLOCKED}
    assert not result.may_approve and result.needs_review
    assert any("blocked" in r for r in result.approve_reasons)


def test_the_family_links_a_misspelt_child(index: RosterIndex, make_form: FormBuilder) -> None:
    result = match_form(make_form([("LILY EVENS", "10B")], p1=RACHEL), index)
    assert result.children[0].student_id == "S07" and result.children[0].auto_linked


def test_the_same_child_twice(index: RosterIndex, make_form: FormBuilder) -> None:
    result = match_form(make_form([("LILY EVANS", "10B"), ("LILY EVANS", "10B")], p1=RACHEL), index)
    assert [c.student_id for c in result.children] == ["S07", None]
    assert result.children[1].reasons == ("the same student as row 1",)
    assert result.needs_review


def test_a_tick_without_an_account_is_a_warning(index: RosterIndex, make_form: FormBuilder) -> None:
    form = make_form([("AMY SMITH", "7A"), ("ANNA SMITH", "7A")], ticks=[1], p1=KAREN)
    without = match_form(form, index)
    assert any("row 1: 'already have an account'" in w for w in without.warnings)
    with_account = match_form(form, index, existing_account_contact_ids={"C01"})
    assert with_account.applicants[0].link_existing_account
    assert not any("already have an account" in w for w in with_account.warnings)


def test_a_persons_choice_is_applied(index: RosterIndex, make_form: FormBuilder) -> None:
    form = make_form([("JACK OBRIEN", "")], p1={"forename": "SIOBHAN", "surname": "OBRIEN"})
    first = match_form(form, index)
    # Siobhan is Jack (year 9)'s contact, and a roster contact needs a detail to be "known"
    # before the search begins, so the row waits for a person
    assert first.children[0].student_id is None
    assert not first.applicants[0].may_approve
    chosen = match_form(form, index, choices={1: "S03"})
    assert chosen.children[0].student_id == "S03" and not chosen.children[0].auto_linked
    assert chosen.children[0].reasons == ("chosen by a person",)
    assert chosen.applicants[0].outcome is Outcome.PR and chosen.may_approve
    with pytest.raises(WorkflowError, match="not on the roster"):
        match_form(form, index, choices={1: "NOPE"})


def test_a_form_without_children(index: RosterIndex, make_form: FormBuilder) -> None:
    result = match_form(make_form([], p1=RACHEL), index)
    assert "no child is named on the form" in result.review_reasons
    assert not result.may_approve


def test_an_access_restriction_on_another_contact_is_shown(
    index: RosterIndex, make_form: FormBuilder
) -> None:
    result = match_form(make_form([("LILY EVANS", "10B")], p1=RACHEL), index)
    assert any("access restriction" in w for w in result.warnings)
    assert result.may_approve  # Rachel's own standing is unaffected


def test_a_persons_choice_of_contact(index: RosterIndex, make_form: FormBuilder) -> None:
    # two contacts fit nobody: the person says the applicant is Lily's mother after all
    form = make_form([("LILY EVANS", "10B")], p1={"forename": "R", "surname": "EVANS-WOOD"})
    first = match_form(form, index)
    assert first.applicants[0].contact_id is None
    chosen = match_form(form, index, contact_choices={"parent1": "C07"})
    applicant = chosen.applicants[0]
    assert (applicant.contact_id, applicant.outcome) == ("C07", Outcome.PR)
    assert applicant.reasons[0] == "chosen by a person"
    step = match_form(form, index, contact_choices={"parent1": "C08"})
    assert step.applicants[0].outcome is Outcome.NO_PR
    with pytest.raises(WorkflowError, match="C99 is not on the roster"):
        match_form(form, index, contact_choices={"parent1": "C99"})


@pytest.mark.parametrize(
    "hostile",
    ["%" * 5000, ".*" * 40, "\u202e\u202dX" * 30, "\x00\x01\x02", "Ω" * 200, "👪" * 50],
)
def test_hostile_fields_never_crash_or_link(
    index: RosterIndex, make_form: FormBuilder, hostile: str
) -> None:
    form = make_form(
        [(hostile, hostile)],
        p1={
            "forename": hostile,
            "surname": hostile,
            "email": hostile,
            "mobile_tel": hostile,
            "postcode": hostile,
        },
    )
    result = match_form(form, index)
    assert all(c.student_id is None for c in result.children)
    assert not result.may_approve
    assert all(not a.may_approve for a in result.applicants)


def test_twins_on_their_parents_form(index: RosterIndex, make_form: FormBuilder) -> None:
    result = match_form(make_form([("AMY SMITH", "7A"), ("ANNA SMITH", "7A")], p1=KAREN), index)
    assert [c.student_id for c in result.children] == ["S01", "S02"]
    assert result.may_approve
    # the family bonus goes to both twins, so a doubtful forename still waits for a person
    doubtful = make_form([("AMNA SMITH", "7A")], p1=KAREN)
    field = doubtful.fields["child1_name"]
    chars = tuple(
        type(c)(c.char, 0.2 if i in (2, 3) else c.confidence) for i, c in enumerate(field.chars)
    )
    doubtful.fields["child1_name"] = type(field)(
        field.field_id, field.kind, field.page, field.value, field.raw, 0.2, chars
    )
    assert match_form(doubtful, index).children[0].student_id is None
