"""The straight-through judgement: a form goes to the approver with no reviewer only when every
decision it carries is certain, and the verdict says why in words."""

from __future__ import annotations

from dataclasses import replace

import pytest

from intake.batch.proposal import MatchStatus, Proposal
from intake.config import Thresholds
from intake.matching.applicants import ApplicantMatch, Outcome
from intake.matching.children import ChildMatch
from intake.matching.proposals import FormMatch
from intake.reading.result import CharRead, FieldRead, Problem
from intake.review.straight_through import judge, safe_reasons, went_straight_through
from intake.template.load import load_template
from intake.template.model import FieldKind

TEMPLATE = load_template("parent-portal-v1")
THRESHOLDS = Thresholds()


def _read(field_id: str, value: str, confidence: float = 1.0) -> FieldRead:
    spec = TEMPLATE.field(field_id)
    chars = (
        ()
        if spec.kind in (FieldKind.TICK, FieldKind.SIGNATURE)
        else tuple(CharRead(c, confidence) for c in value)
    )
    return FieldRead(
        field_id=field_id, kind=spec.kind, page=1, value=value, raw=value,
        confidence=confidence, chars=chars,
    )  # fmt: skip


def _values(**changes: FieldRead) -> dict[str, FieldRead]:
    values = {
        f.id: _read(f.id, v)
        for f, v in [
            (TEMPLATE.field("p1_signature_agree"), "signed"),
            (TEMPLATE.field("p1_signature_confirm"), "signed"),
            (TEMPLATE.field("p1_print_name"), "JANE SMITH"),
            (TEMPLATE.field("p1_email"), "JANE@EXAMPLE.COM"),
            (TEMPLATE.field("p1_mobile_tel"), "07700900123"),
            (TEMPLATE.field("child1_name"), "TOM SMITH"),
        ]
    }
    values.update(changes)
    return values


def _proposal(
    *,
    linked: bool = True,
    outcome: Outcome = Outcome.PR,
    confirmed: dict[str, str] | None = None,
    review_reasons: tuple[str, ...] = (),
) -> Proposal:
    child = ChildMatch(1, (), "S1" if linked else None, linked, ("date of birth",))
    applicant = ApplicantMatch("parent1", "C1", outcome, (), (), (), ())
    match = FormMatch(
        (child,), (applicant,), (), (), bool(review_reasons), review_reasons, True, ()
    )
    if confirmed is None:
        confirmed = {"p1_email": "contact C1", "child1_name": "student S1"}
    return Proposal(MatchStatus.OK, match, confirmed)


def test_a_form_whose_decisions_are_all_certain_goes_straight_through_with_reasons() -> None:
    verdict = judge(TEMPLATE, _values(), [], _proposal(), THRESHOLDS)
    assert verdict.ready and not verdict.needs_person
    words = " / ".join(verdict.safe_because)
    assert "the child linked to the roster by the matcher on its own (date of birth)" in words
    assert "parent/carer 1 matched to a contact with parental responsibility" in words
    assert "parent/carer 1 signed (twice)" in words
    assert "parent/carer 1's email is the one on record" in words


def test_a_doubtful_phone_or_address_does_not_hold_the_account() -> None:
    values = _values(p1_mobile_tel=_read("p1_mobile_tel", "07700900I23", 0.3))
    assert judge(TEMPLATE, values, [], _proposal(), THRESHOLDS).ready


@pytest.mark.parametrize(
    ("values", "problems", "proposal", "said"),
    [
        (_values(), [Problem.UNSIGNED], _proposal(), "a signature is missing"),
        (_values(), ["duplicate"], _proposal(), "another copy of this family's form"),
        (_values(), [], _proposal(linked=False), "child row 1 is not linked"),
        (_values(), [], _proposal(outcome=Outcome.NO_PR), "may not be given access"),
        (_values(), [], _proposal(confirmed={}), "email is not the one on record"),
        (_values(), [], _proposal(review_reasons=("tick_disagrees",)), "tick_disagrees"),
        (
            _values(p1_signature_confirm=_read("p1_signature_confirm", "signed", 0.55)),
            [],
            _proposal(),
            "signature (",
        ),
        (_values(), ["a_future_code"], _proposal(), "a future code"),
    ],
)
def test_any_uncertain_decision_sends_the_form_to_a_reviewer(
    values: dict[str, FieldRead], problems: list[str], proposal: Proposal, said: str
) -> None:
    verdict = judge(TEMPLATE, values, problems, proposal, THRESHOLDS)
    assert not verdict.ready and not verdict.safe_because
    assert any(said in reason for reason in verdict.needs_person), verdict.needs_person


def test_a_failed_match_is_never_straight_through() -> None:
    verdict = judge(TEMPLATE, _values(), [], Proposal(MatchStatus.FAILED), THRESHOLDS)
    assert not verdict.ready and "matching against the roster failed" in verdict.needs_person


class _Form:
    def __init__(self, state: str, checked_by: str | None, proposed: dict) -> None:
        self.state, self.checked_by, self.proposed = state, checked_by, proposed


def test_only_a_checked_form_nobody_took_counts_as_straight_through() -> None:
    routed = {"straight_through": ["signed"]}
    assert went_straight_through(_Form("checked", None, routed))
    assert safe_reasons(_Form("checked", None, routed)) == ("signed",)
    assert not went_straight_through(_Form("checked", "u1", routed))  # a reviewer accepted it
    assert not went_straight_through(_Form("review", None, routed))  # reopened
    assert not went_straight_through(_Form("checked", None, {}))
    assert safe_reasons(_Form("review", None, routed)) == ()


def test_the_verdict_does_not_depend_on_a_corroborating_field() -> None:
    """A tutor group read doubtfully weakens nothing here: the match already weighed it."""
    values = _values(child1_tutor_group=_read("child1_tutor_group", "7Q", 0.2))
    assert judge(TEMPLATE, values, [], _proposal(), THRESHOLDS).ready
    unlinked = replace(_proposal(), match=None)
    assert not judge(TEMPLATE, values, [], unlinked, THRESHOLDS).ready
