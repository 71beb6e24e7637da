"""The review queue's order: how much a form needs a person (higher first).

Built on the one doubt rule of ``intake.reading.doubt``: a written field below its auto-accept
level weighs its missing confidence, each doubtful character a little, each field or form problem
more, and each child or applicant the matcher could not settle a whole point. A field the school's
records confirm adds nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from intake.batch.proposal import Proposal
from intake.config import Thresholds
from intake.reading.doubt import below_accept_level, is_doubtful_char
from intake.reading.result import FieldRead

#: weight of each doubtful character
CHAR_WEIGHT = 0.1
#: weight of each problem of a field
FIELD_PROBLEM_WEIGHT = 0.5
#: weight of each problem of the form, and of each unsettled child or applicant
FORM_PROBLEM_WEIGHT = 1.0


def doubt_score(
    values: Mapping[str, FieldRead],
    problems: Iterable[str],
    proposal: Proposal,
    thresholds: Thresholds,
) -> float:
    """Higher means a person is more needed."""
    score = 0.0
    for read in values.values():
        if read.field_id in proposal.confirmed:
            continue
        if not read.empty and below_accept_level(read, thresholds):
            score += 1.0 - read.confidence
        score += CHAR_WEIGHT * sum(1 for c in read.chars if is_doubtful_char(c, thresholds))
        score += FIELD_PROBLEM_WEIGHT * len(read.problems)
    score += FORM_PROBLEM_WEIGHT * (len(list(problems)) + proposal.unresolved)
    return round(score, 4)
