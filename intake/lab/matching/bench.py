"""Matching metrics against ground truth, and ``python -m intake.lab.matching.bench``.

Definitions (per truth child row / applicant; the run is fully automatic, no person chooses):

- ``child_link_accuracy``: among truth rows naming a student, the share whose row the matcher
  linked (automatically) to exactly that student. A row left for a person counts as *not wrong*
  but *not linked*: it lowers this accuracy and is counted in ``child_rows_for_review``.
- ``child_wrong_auto_links``: rows linked automatically to a student that is not the truth's,
  including a row for a child who is not at the school that was linked to somebody.
- ``applicant_match_accuracy``: among truth applicants, the share matched to exactly the truth's
  contact (a truth of "not a contact the MIS holds" is right when no contact was matched).
- ``blocked_applicant_recall``: among truth applicants whose outcome is ``no_pr``, ``blocked`` or
  ``unknown_contact``, the share the matcher stopped: ``may_approve`` is false (its outcome is
  not ``pr``, it matched no contact, or it is held for a person, e.g. while a child row waits).
  Must be 1.0. ``blocked_outcome_recall`` is the stricter share whose *outcome* itself is not
  ``pr`` (a held applicant is re-matched once a person links the child).
- ``match_sec_per_1000_forms``: wall time of ``match_form`` per 1,000 forms (the roster index is
  built once, timed apart as ``index_build_sec``); ``match_cpu_sec_per_1000_forms`` is the CPU
  time, which a busy machine does not inflate.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from intake.lab.samples.truth import FormTruth
from intake.matching.applicants import Outcome
from intake.matching.index import RosterIndex
from intake.matching.proposals import FormMatch, match_form
from intake.reading.result import FormRead
from intake.roster.model import Roster

log = logging.getLogger(__name__)
STOP_OUTCOMES = frozenset({"no_pr", "blocked", "unknown_contact"})


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 1.0


def match_metrics(
    forms: Sequence[FormRead],
    truths: Sequence[FormTruth],
    roster: Roster,
    existing_account_contact_ids: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """Match every form (paired with its truth by position) and score it; see the module doc."""
    return match_and_score(forms, truths, roster, existing_account_contact_ids)[0]


def match_and_score(
    forms: Sequence[FormRead],
    truths: Sequence[FormTruth],
    roster: Roster,
    existing_account_contact_ids: frozenset[str] = frozenset(),
) -> tuple[dict[str, Any], RosterIndex, list[FormMatch]]:
    """``match_metrics``, with the roster index and every form's match for further scoring."""
    if len(forms) != len(truths):
        raise ValueError(f"{len(forms)} forms but {len(truths)} truths")
    started = time.perf_counter()
    index = RosterIndex(roster)
    index_seconds = time.perf_counter() - started
    started, cpu_started = time.perf_counter(), time.process_time()
    matches = [match_form(f, index, existing_account_contact_ids) for f in forms]
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    counts = score_matches(matches, truths)
    counts["index_build_sec"] = round(index_seconds, 3)
    counts["match_sec_per_1000_forms"] = round(seconds / max(1, len(forms)) * 1000, 3)
    counts["match_cpu_sec_per_1000_forms"] = round(cpu_seconds / max(1, len(forms)) * 1000, 3)
    return counts, index, matches


def score_matches(matches: Sequence[FormMatch], truths: Sequence[FormTruth]) -> dict[str, Any]:
    """The metrics of already matched forms against their truths (paired by position)."""
    rows = right = wrong = review = absent = absent_right = 0
    applicants = applicants_right = to_stop = stopped = outcome_right = pr = pr_approvable = 0
    outcome_stopped = 0
    wrong_applicant_ids: list[str] = []
    for match, truth in zip(matches, truths, strict=True):
        by_row = {c.row: c for c in match.children}
        for child in truth.children:
            got = by_row.get(child.row)
            linked = got.student_id if got else None
            if child.student_id is None:
                absent += 1
                absent_right += linked is None
                wrong += linked is not None
                continue
            rows += 1
            right += linked == child.student_id
            wrong += linked is not None and linked != child.student_id
            review += linked is None
        by_party = {a.party: a for a in match.applicants}
        for person in truth.applicants:
            applicants += 1
            found = by_party.get(person.party)
            contact_id = found.contact_id if found else None
            if contact_id == person.contact_id:
                applicants_right += 1
            else:
                wrong_applicant_ids.append(truth.form_id)
            outcome = found.outcome.value if found else Outcome.UNKNOWN_CONTACT.value
            outcome_right += outcome == person.outcome
            if person.outcome in STOP_OUTCOMES:
                to_stop += 1
                stopped += found is None or not found.may_approve
                outcome_stopped += (
                    found is None or found.outcome is not Outcome.PR or contact_id is None
                )
            else:
                pr += 1
                pr_approvable += bool(found and found.may_approve)
    return {
        "forms": len(truths),
        "child_rows": rows,
        "child_link_accuracy": _share(right, rows),
        "child_wrong_auto_links": wrong,
        "child_rows_for_review": review,
        "child_rows_not_at_school": absent,
        "child_not_at_school_left_unlinked": _share(absent_right, absent),
        "applicants": applicants,
        "applicant_match_accuracy": _share(applicants_right, applicants),
        "applicant_outcome_agreement": _share(outcome_right, applicants),
        "applicants_to_stop": to_stop,
        "blocked_applicant_recall": _share(stopped, to_stop),
        "blocked_outcome_recall": _share(outcome_stopped, to_stop),
        "pr_applicants_approvable": _share(pr_approvable, pr),
        "forms_needing_review": sum(m.needs_review for m in matches),
        "wrong_applicant_forms": sorted(set(wrong_applicant_ids))[:20],
    }


def simulated_metrics(
    roster: Roster,
    truths: Sequence[FormTruth],
    seed: int = 11,
    confusion_rate: float = 0.03,
    alternatives: bool = True,
) -> dict[str, Any]:
    """``match_metrics`` over reads simulated from the truths' box strings (no reader needed)."""
    from intake.lab.matching.simulate import Noise, simulate_reads

    noise = Noise(confusion_rate=confusion_rate, alternatives=alternatives)
    forms = simulate_reads(truths, seed, noise)
    return match_metrics(forms, truths, roster)


def main(argv: list[str] | None = None) -> int:
    """``python -m intake.lab.matching.bench --roster R.csv --samples DIR`` (or ``--demo N``)."""
    parser = argparse.ArgumentParser(
        prog="python -m intake.lab.matching.bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--roster", type=Path, help="roster CSV (the README's format); default: SAMPLES/roster.csv"
    )
    parser.add_argument("--samples", type=Path, help="folder of <form_id>.json truths")
    parser.add_argument(
        "--demo",
        type=int,
        default=0,
        help="no files: a demo roster of this many students and 1,000 forms",
    )
    parser.add_argument("--forms", type=int, default=1000, help="forms for --demo")
    parser.add_argument(
        "--confusion-rate",
        type=float,
        default=0.03,
        help="simulated reader: share of characters misread (low confidence)",
    )
    parser.add_argument(
        "--no-alternatives",
        action="store_true",
        help="simulated reader: offer no second guess for a confused character",
    )
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    if args.demo:
        from intake.lab.matching.simulate import synthetic_truths
        from intake.lab.roster.demo import make_demo_roster

        roster = make_demo_roster(args.demo)
        truths = synthetic_truths(roster, args.forms, seed=args.seed)
    elif args.samples:
        from intake.lab.samples.truth import load_truths
        from intake.roster.csv_io import read_roster

        roster_path = args.roster or args.samples / "roster.csv"
        if not roster_path.is_file():
            parser.error(f"no roster: {roster_path} is not a file (give --roster)")
        roster = read_roster(roster_path)
        truths = load_truths(args.samples)
        if not truths:
            parser.error(f"no <form_id>.json truths in {args.samples}")
    else:
        parser.error("give --samples DIR (and --roster R.csv), or --demo N")
    metrics = simulated_metrics(
        roster, truths, args.seed, args.confusion_rate, not args.no_alternatives
    )
    json.dump(metrics, sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
