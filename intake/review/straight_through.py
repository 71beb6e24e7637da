"""Whether a form needs a reviewer at all: the straight-through judgement.

A form goes to the approver as ready to approve, with no reviewer step, when every decision it
carries is certain. The template says what each field is for (``Purpose``):

- a field that *decides* the account must be certain: the children and applicants it names
  linked by the matcher on its own (the account is made from the school's record, not from the
  letters read), each present applicant's signatures found with confidence, and the email the
  portal uses exactly the one on record (a new email holds the form: it must be typed exactly);
- a field that *corroborates* never stops a form here: it has already weighed in the match,
  which a disagreement weakens, and it replaces nothing;
- a field that *updates* the school's contact details stops nothing either: where it differs
  from the record it is a change for the MIS, listed for a person to verify batch-wide
  (``intake.review.changes``) while the account goes ahead on the address on file.

Any problem of the form (unsigned, a page missing, a duplicate copy, hidden characters...) or of
the match (a child not linked, an applicant without parental responsibility) sends it to review.
The verdict says in words why a form was judged safe, for the approver's screen.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from intake.batch.proposal import MatchStatus, Proposal
from intake.config import Thresholds
from intake.reading.doubt import below_accept_level, is_doubtful_char
from intake.reading.result import FieldRead, Problem
from intake.template.model import FieldKind, FormTemplate, Purpose

#: the key of ``forms.proposed`` that holds the reasons a form was sent straight through
STRAIGHT_THROUGH = "straight_through"

#: how the form's parties are named to staff
PARTY_WORDS = {"parent1": "parent/carer 1", "parent2": "parent/carer 2"}
#: each problem of a form, as the reason it needs a reviewer
PROBLEM_WORDS = {
    Problem.UNSIGNED: "a signature is missing",
    Problem.EMAIL_MISSING: "no email is written",
    Problem.REQUIRED_MISSING: "a required field is empty",
    Problem.INVALID_VALUE: "a value is not valid for its kind",
    Problem.DATE_IN_FUTURE: "a date is in the future",
    Problem.PAGE_MISSING: "a page of the form is missing",
    Problem.PAGE_UNREADABLE: "a page of the form could not be read",
    Problem.LOW_CONFIDENCE: "a value was read with low confidence",
    Problem.NO_CHILDREN: "no child is named",
    Problem.SUSPICIOUS_TEXT: "hidden or mixed-script characters",
    Problem.DUPLICATE: "another copy of this family's form is in the batch",
    Problem.DUPLICATE_BATCH: "this family's form came in another batch too",
}


class _Routed(Protocol):
    state: str
    checked_by: str | None
    proposed: Any


def went_straight_through(form: _Routed) -> bool:
    """Checked by nobody: the batch sent it to the approver, and nobody has taken it since."""
    return (
        form.state == "checked"
        and form.checked_by is None
        and STRAIGHT_THROUGH in (form.proposed or {})
    )


def safe_reasons(form: _Routed) -> tuple[str, ...]:
    """The words the approver reads of a form sent straight through (none for any other)."""
    if not went_straight_through(form):
        return ()
    return tuple(str(r) for r in form.proposed.get(STRAIGHT_THROUGH) or ())


def _problem_words(code: str) -> str:
    try:
        return PROBLEM_WORDS.get(Problem(code), code)
    except ValueError:
        return code.replace("_", " ")


@dataclass(frozen=True)
class Verdict:
    """Whether a form may skip the reviewer, and why in words."""

    ready: bool
    #: for the approver, when ready: what made it safe
    safe_because: tuple[str, ...] = ()
    #: when not ready: what a person must look at
    needs_person: tuple[str, ...] = ()


def _certain(read: FieldRead, thresholds: Thresholds) -> bool:
    """Read with enough confidence, no doubtful character and no problem."""
    return not (
        read.problems
        or below_accept_level(read, thresholds)
        or any(is_doubtful_char(c, thresholds) for c in read.chars)
    )


def _present_parties(proposal: Proposal) -> list[str]:
    match = proposal.match
    return [a.party for a in match.applicants] if match is not None else []


def judge(
    template: FormTemplate,
    values: Mapping[str, FieldRead],
    problems: Iterable[str],
    proposal: Proposal,
    thresholds: Thresholds,
) -> Verdict:
    """The straight-through verdict of one assembled, matched form."""
    needs: list[str] = [_problem_words(str(p)) for p in dict.fromkeys(problems)]
    match = proposal.match
    if proposal.status is not MatchStatus.OK or match is None:
        return Verdict(False, needs_person=(*needs, "matching against the roster failed"))
    needs += list(match.review_reasons) + list(match.approve_reasons)
    children = [c for c in match.children]
    if not children:
        needs.append("no child is linked")
    for child in children:
        if not (child.student_id and child.auto_linked):
            needs.append(f"child row {child.row} is not linked to the roster")
    for applicant in match.applicants:
        who = PARTY_WORDS.get(applicant.party, applicant.party)
        if not applicant.may_approve:
            needs.append(f"{who} may not be given access as things stand")
    settled = set(proposal.confirmed) | set(proposal.corrected)
    parties = set(_present_parties(proposal))
    signed: dict[str, int] = {}
    for _, field in template.fields():
        if field.purpose is not Purpose.DECIDES or field.party not in parties:
            continue
        read = values.get(field.id)
        if read is None or read.empty:
            continue
        who = PARTY_WORDS.get(field.party, field.party)
        if field.kind is FieldKind.SIGNATURE:
            if _certain(read, thresholds):
                signed[field.party] = signed.get(field.party, 0) + 1
            else:
                needs.append(f"{who}'s signature ({field.label}) is not certain")
        elif field.kind is FieldKind.EMAIL and field.id not in settled:
            needs.append(f"{who}'s email is not the one on record: it must be typed exactly")
    if needs:
        return Verdict(False, needs_person=tuple(dict.fromkeys(needs)))
    return Verdict(True, safe_because=tuple(_safe_words(proposal, signed)))


def _safe_words(proposal: Proposal, signed: Mapping[str, int]) -> list[str]:
    match = proposal.match
    assert match is not None  # judged above
    rows = len(match.children)
    words = [
        f"{'the child' if rows == 1 else f'all {rows} children'} linked to the roster by the "
        "matcher on its own (" + "; ".join(_child_reason(c.reasons) for c in match.children) + ")"
    ]
    for applicant in match.applicants:
        who = PARTY_WORDS.get(applicant.party, applicant.party)
        words.append(
            f"{who} matched to a contact with parental responsibility for every child named"
        )
        times = signed.get(applicant.party, 0)
        words.append(f"{who} signed ({'twice' if times == 2 else f'{times} signature(s)'})")
        words.append(f"{who}'s email is the one on record")
    words.append("no problem found on the form")
    return words


def _child_reason(reasons: Iterable[str]) -> str:
    said = [r for r in reasons if r]
    return ", ".join(said) if said else "name and tutor group"
