"""The matcher's typed result and its one JSON form."""

from __future__ import annotations

import json

from intake.batch.proposal import (
    MatchStatus,
    Proposal,
    StoredCorrection,
    proposal_from_json,
    proposal_to_json,
)
from intake.reading.result import FormRead

from .fakes import fake_matcher


def test_a_proposal_survives_its_json() -> None:
    proposal = fake_matcher(FormRead("parent-portal", 1, "F1", ()))
    correction = StoredCorrection("SMITH", "SM1TH", "contact C1", (2,))
    proposal = Proposal(
        proposal.status, proposal.match, {"p1_surname": "contact C1"}, {"p1_surname": correction}
    )
    stored = json.loads(json.dumps(proposal_to_json(proposal)))
    assert stored["applicants"][0]["outcome"] == "pr" and stored["unresolved"] == 0
    assert proposal_from_json(stored) == proposal


def test_a_failed_match_is_one_unresolved_item() -> None:
    stored = proposal_to_json(Proposal(MatchStatus.FAILED))
    assert (stored["status"], stored["unresolved"], stored["children"]) == (
        "matching_failed",
        1,
        [],
    )
    assert proposal_from_json({"error": "matching_failed", "unresolved": 1}).unresolved == 1
