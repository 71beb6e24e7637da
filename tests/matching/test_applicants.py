from __future__ import annotations

from intake.config import Thresholds
from intake.matching.applicants import ApplicantMatch, ApplicantRead, Outcome, match_applicant
from intake.matching.index import RosterIndex

from .conftest import applicant

T = Thresholds()


def match(
    index: RosterIndex,
    read: ApplicantRead,
    students: list[str],
    existing: frozenset[str] = frozenset(),
) -> ApplicantMatch:
    return match_applicant(read, students, index, T, existing)


def test_a_parent_with_parental_responsibility_may_be_approved(index: RosterIndex) -> None:
    result = match(index, applicant("RACHEL", "EVANS", email="rachel@example.org"), ["S07"])
    assert result.contact_id == "C07"
    assert result.outcome is Outcome.PR and result.may_approve
    assert result.warnings == ()
    assert not result.link_existing_account


def test_a_step_parent_without_it_may_not(index: RosterIndex) -> None:
    result = match(index, applicant("TOM", "HARRIS", mobile_phone="07700900008"), ["S07"])
    assert result.contact_id == "C08"
    assert result.outcome is Outcome.NO_PR and not result.may_approve
    assert any("no parental responsibility (STF)" in r for r in result.reasons)


def test_a_court_order_blocks(index: RosterIndex) -> None:
    result = match(index, applicant("GARY", "EVANS"), ["S07"])
    assert result.contact_id == "C09"
    assert result.outcome is Outcome.BLOCKED
    assert any("court order" in r for r in result.reasons)


def test_a_no_contact_flag_blocks(index: RosterIndex) -> None:
    result = match(index, applicant("DEAN", "JONES"), ["S10"])
    assert result.outcome is Outcome.BLOCKED
    assert any("no-contact" in r for r in result.reasons)


def test_separated_parents_each_at_their_own_address(index: RosterIndex) -> None:
    mother = match(
        index,
        applicant(
            "SARA",
            "PATEL",
            address1="22 BRIDGE STREET",
            postcode="DE56 2BB",
            email="sara@example.org",
        ),
        ["S08"],
    )
    father = match(index, applicant("IMRAN", "KHAN", postcode="DE56 1AA", party="parent2"), ["S08"])
    assert (mother.contact_id, mother.outcome) == ("C10", Outcome.PR)
    assert (father.contact_id, father.outcome) == ("C11", Outcome.PR)
    assert mother.warnings == () and father.warnings == ()


def test_a_stranger_is_an_unknown_contact(index: RosterIndex) -> None:
    result = match(index, applicant("BARRY", "WHITE", postcode="DE56 1AA"), ["S07"])
    assert result.contact_id is None
    assert result.outcome is Outcome.UNKNOWN_CONTACT and not result.may_approve


def test_a_known_contact_of_another_child(index: RosterIndex) -> None:
    result = match(index, applicant("JANE", "BROWN", email="jane@example.org"), ["S01"])
    assert result.contact_id == "C14"
    assert result.outcome is Outcome.UNKNOWN_CONTACT
    assert "a known contact of another child" in result.reasons[0]


def test_another_childs_contact_needs_a_detail_to_agree(index: RosterIndex) -> None:
    result = match(index, applicant("JANE", "BROWN"), ["S01"])
    assert result.contact_id is None


def test_a_contact_of_one_child_but_not_another_may_not(index: RosterIndex) -> None:
    result = match(index, applicant("RACHEL", "EVANS"), ["S07", "S01"])
    assert result.contact_id == "C07"
    assert result.outcome is Outcome.NO_PR
    assert any("S01: not a contact of this child" in r for r in result.reasons)


def test_differences_are_warnings_and_the_letter_goes_to_the_file_address(
    index: RosterIndex,
) -> None:
    result = match(
        index,
        applicant(
            "RACHEL",
            "EVANS",
            email="rachel.new@example.com",
            address1="9 NEW ROAD",
            postcode="DE1 9ZZ",
            mobile_phone="07700900999",
        ),
        ["S07"],
    )
    assert result.outcome is Outcome.PR
    assert "email differs from the MIS" in result.warnings
    assert "mobile phone differs from the MIS" in result.warnings
    assert any("letter goes to the address on file" in w for w in result.warnings)


def test_a_misread_detail_is_not_a_difference(index: RosterIndex) -> None:
    result = match(index, applicant("RACHEL", "EVANS", email="rachel@exarnple.org"), ["S07"])
    assert result.warnings == ()


def test_a_misread_name_with_a_detail(index: RosterIndex) -> None:
    result = match(index, applicant("RACHFL", "EVAMS", mobile_phone="07700900007"), ["S07"])
    assert result.contact_id == "C07" and result.outcome is Outcome.PR


def test_an_existing_account_is_linked_not_duplicated(index: RosterIndex) -> None:
    result = match(index, applicant("KAREN", "SMITH"), ["S01", "S02"], frozenset({"C01"}))
    assert result.contact_id == "C01" and result.link_existing_account


def test_suspicious_names_are_held_for_a_person(index: RosterIndex) -> None:
    result = match(index, applicant("K\u0410REN", "SMITH", email="k.smith@example.org"), ["S01"])
    assert result.outcome is Outcome.PR
    assert not result.may_approve and result.held


def test_the_print_name_alone_with_a_title(index: RosterIndex) -> None:
    read = applicant("", "", print_name="MRS RACHEL EVANS", email="rachel@example.org")
    result = match(index, read, ["S07"])
    assert (result.contact_id, result.outcome) == ("C07", Outcome.PR)
