from __future__ import annotations

import pytest

from intake.config import Thresholds
from intake.matching.children import ChildMatch, match_child
from intake.matching.index import RosterIndex

from .conftest import child

T = Thresholds()


def linked(index: RosterIndex, name: str, group: str = "", **kw: object) -> ChildMatch:
    return match_child(child(name, group), index, T, **kw)  # type: ignore[arg-type]


def test_exact_name_and_group_links(index: RosterIndex) -> None:
    match = linked(index, "LILY EVANS", "10B")
    assert match.student_id == "S07" and match.auto_linked
    assert match.candidates[0].score == 100
    assert "tutor group matches" in match.candidates[0].reasons


def test_twins_in_one_tutor_group_resolve_by_forename(index: RosterIndex) -> None:
    assert linked(index, "AMY SMITH", "7A").student_id == "S01"
    assert linked(index, "ANNA SMITH", "7A").student_id == "S02"


def test_twins_with_a_doubtful_forename_go_to_a_person(index: RosterIndex) -> None:
    # "AMNA": the third letter read doubtfully could make either twin
    read = child("AMNA SMITH", "7A", confidences=[0.99, 0.99, 0.2, 0.2] + [0.99] * 6)
    match = match_child(read, index, T)
    assert match.student_id is None
    assert {c.student_id for c in match.candidates[:2]} == {"S01", "S02"}


def test_same_name_in_different_years_resolves_by_tutor_group(index: RosterIndex) -> None:
    assert linked(index, "JACK O'BRIEN", "9B").student_id == "S03"
    assert linked(index, "JACK OBRIEN", "11R").student_id == "S04"
    assert linked(index, "JACK O BRIEN", "11R").student_id == "S04"


def test_same_name_without_a_tutor_group_goes_to_a_person(index: RosterIndex) -> None:
    match = linked(index, "JACK OBRIEN")
    assert match.student_id is None and not match.auto_linked
    assert any("same name" in r for r in match.reasons)
    assert {c.student_id for c in match.candidates[:2]} == {"S03", "S04"}


def test_same_name_resolves_by_the_applicants_family(index: RosterIndex) -> None:
    match = linked(index, "JACK OBRIEN", contact_ids=frozenset({"C04"}))
    assert match.student_id == "S04"


def test_last_years_tutor_group(index: RosterIndex) -> None:
    match = linked(index, "JACK OBRIEN", "8C")
    assert match.student_id == "S03"
    assert "tutor group is last year's" in match.candidates[0].reasons


def test_preferred_name_and_mac(index: RosterIndex) -> None:
    for written in ("BOBBY MACDONALD", "BOBBY MCDONALD", "ROBERT MACDONALD", "BOBBY MAC DONALD"):
        match = linked(index, written, "8X")
        assert match.student_id == "S05", written
    assert "preferred name" in linked(index, "BOBBY MACDONALD", "8X").candidates[0].reasons


def test_mcdonald_written_as_macdonald(index: RosterIndex) -> None:
    assert linked(index, "FRASER MACDONALD", "10A").student_id == "S06"


def test_forename_and_surname_swapped(index: RosterIndex) -> None:
    match = linked(index, "EVANS LILY", "10B")
    assert match.student_id == "S07"
    assert "forename and surname swapped" in match.candidates[0].reasons


def test_surname_written_as_the_applicants(index: RosterIndex) -> None:
    match = linked(index, "ELLA BROWN", "8B", applicant_surnames=["BROWN"])
    assert match.student_id == "S12"
    assert any("surname differs" in r for r in match.candidates[0].reasons)
    # without the applicant's surname nothing says Ella Brown is Ella Harris
    assert linked(index, "ELLA BROWN", "8B").student_id is None


def test_a_misspelling_needs_the_family_to_link(index: RosterIndex) -> None:
    alone = linked(index, "LILY EVENS", "10B")
    assert alone.student_id is None
    assert alone.candidates[0].student_id == "S07"
    assert "spelling differs" in alone.candidates[0].reasons
    family = linked(index, "LILY EVENS", "10B", contact_ids=frozenset({"C07"}))
    assert family.student_id == "S07" and family.auto_linked


def test_ocr_confusions_weighted_by_confidence(index: RosterIndex) -> None:
    doubtful = match_child(child("LILY EVAN5", "10B", confidences=[0.99] * 9 + [0.3]), index, T)
    assert doubtful.student_id == "S07"
    confident = match_child(child("LILY EVANX", "10B", confidences=[0.99] * 10), index, T)
    assert confident.candidates[0].score < doubtful.candidates[0].score


def test_a_child_not_at_the_school_is_not_linked(index: RosterIndex) -> None:
    match = linked(index, "SAM SMITH", "7A")
    assert match.student_id is None


def test_wrong_year_costs_more_than_same_year(index: RosterIndex) -> None:
    same_year = linked(index, "LILY EVANS", "10Q").candidates[0]
    other_year = linked(index, "LILY EVANS", "7Q").candidates[0]
    assert other_year.score < same_year.score < 90
    assert any("year 7" in r for r in other_year.reasons)


def test_a_leaver_is_never_linked_automatically(index: RosterIndex) -> None:
    match = linked(index, "ZOE GREEN", "7C")
    assert match.student_id is None
    assert match.candidates[0].student_id == "S09"
    assert "not on roll (left the school)" in match.candidates[0].reasons


@pytest.mark.parametrize("written", ["%", ".*", "%%%%", "[A-Z]+", "'; DROP TABLE", ""])
def test_hostile_or_empty_names_link_nothing(index: RosterIndex, written: str) -> None:
    match = linked(index, written, "7A")
    assert match.student_id is None


@pytest.mark.parametrize(
    "written",
    ["\u202eAMY SMITH", "AMY\u200b SMITH", "\u0410MY SMITH", "AMY SMIТH"],  # bidi, ZW, Cyrillic
)
def test_suspicious_text_is_never_linked_automatically(index: RosterIndex, written: str) -> None:
    match = linked(index, written, "7A")
    assert match.student_id is None
    assert match.candidates and match.candidates[0].student_id == "S01"
    assert any("suspicious" in r for r in match.reasons)


def test_cut_short_names_match_as_far_as_they_go(index: RosterIndex) -> None:
    from intake.matching.children import ChildRead
    from intake.matching.normalise import fold

    read = ChildRead(1, fold("ALEXANDRA FEATHERSTONE", truncated=True), fold("9C"))
    match = match_child(read, index, T)
    assert match.student_id == "S13"
    assert "name cut short by the boxes" in match.candidates[0].reasons
    uncut = ChildRead(1, fold("ALEXANDRA FEATHERSTONE"), fold("9C"))
    assert match_child(uncut, index, T).student_id is None


def test_the_reviewers_search_box(index: RosterIndex) -> None:
    from intake.matching.children import search_students

    found = search_students(index, "jack o'brien", "11r")
    assert [c.student_id for c in found[:2]] == ["S04", "S03"]
    assert search_students(index, "   ") == []


def test_a_year_prefix_on_the_tutor_group(index: RosterIndex) -> None:
    match = linked(index, "LILY EVANS", "Y10B")
    assert match.student_id == "S07"
    assert "tutor group matches" in match.candidates[0].reasons


def test_a_middle_name_written(index: RosterIndex) -> None:
    match = linked(index, "LILY ROSE EVANS", "10B", contact_ids=frozenset({"C07"}))
    assert match.student_id == "S07"
    assert "middle name ignored" in match.candidates[0].reasons
    assert linked(index, "LILY ROSE EVANS", "10B").student_id == "S07"  # the group agrees
    assert linked(index, "LILY ROSE EVANS", "10Q").student_id is None  # nothing agrees
