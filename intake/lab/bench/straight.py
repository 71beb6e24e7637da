"""The straight-through figures of the benchmark, scored against the generator's truth.

A form goes straight through when the product's own judgement (``intake.review.straight_through``)
says so on what was read and matched. Among those forms, a *wrong account* is any of: a child
linked to a student who is not the one written, an applicant matched to a contact who is not
them, a form passed with a signature missing, an email accepted that is not the one written.
Beside that, the two false alarms that hold forms back: a signed signature read as unsigned, and
an empty tick box read as ticked. A form never read counts as held, and in no rate of false
alarms. Each error rate carries its 95 % Wilson upper bound, and every figure is also given by
scan kind (``metrics.scan_kind``: "colour", "grey", "bw", "bw_pdf", "photo").

The generator plants a mistake a reviewer should see in about a third of its forms, and some
parents write an email the school does not hold, which must be typed: those forms are held by
design. A form that needs nobody has neither, so a person looking at it is a false alarm: the
share of those sent straight through, and what held the others, say what the product itself
still costs the office.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from intake.batch.proposal import MatchStatus, Proposal, StoredCorrection
from intake.config import Thresholds
from intake.lab.bench.metrics import field_right, scan_kind, wilson_upper
from intake.lab.samples.truth import FormTruth, party_prefix
from intake.matching.confirm import OnRecord
from intake.matching.proposals import FormMatch
from intake.reading.result import FormRead
from intake.reading.signatures import SIGNED
from intake.reading.ticks import TICKED
from intake.review.straight_through import judge
from intake.template.model import CharField, FieldKind, FormTemplate


@dataclass
class _Counts:
    forms: int = 0
    straight: int = 0
    wrong_accounts: int = 0
    signed: int = 0
    false_unsigned: int = 0
    unsigned: int = 0
    unsigned_passed: int = 0
    empty_ticks: int = 0
    false_ticks: int = 0
    wrong: dict[str, int] = field(default_factory=dict)
    #: why forms needed a person: each reason's count, to see what to fix next
    held: dict[str, int] = field(default_factory=dict)
    #: forms that need nobody (``needs_nobody``), and those of them sent straight through
    nobody_needed: int = 0
    nobody_needed_straight: int = 0
    #: why forms that need nobody were held all the same
    held_needlessly: dict[str, int] = field(default_factory=dict)

    def report(self) -> dict[str, Any]:
        return {
            "forms": self.forms,
            "straight_through": self.straight,
            "straight_through_rate": _ratio(self.straight, self.forms),
            "wrong_accounts": self.wrong_accounts,
            "wrong_accounts_wilson95": round(wilson_upper(self.wrong_accounts, self.straight), 4),
            "wrong_by_cause": dict(sorted(self.wrong.items())),
            "signed_signatures": self.signed,
            "false_unsigned_rate": _ratio(self.false_unsigned, self.signed),
            "false_unsigned_wilson95": round(wilson_upper(self.false_unsigned, self.signed), 4),
            "unsigned_signatures": self.unsigned,
            "unsigned_passed": self.unsigned_passed,
            "empty_ticks": self.empty_ticks,
            "false_tick_rate": _ratio(self.false_ticks, self.empty_ticks),
            "false_tick_wilson95": round(wilson_upper(self.false_ticks, self.empty_ticks), 4),
            "held_by": _top(self.held),
            "forms_needing_nobody": self.nobody_needed,
            "needing_nobody_straight_through_rate": _ratio(
                self.nobody_needed_straight, self.nobody_needed
            ),
            "held_needlessly_by": _top(self.held_needlessly),
        }


def _top(reasons: dict[str, int]) -> dict[str, int]:
    return dict(sorted(reasons.items(), key=lambda kv: -kv[1])[:12])


def _ratio(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def proposal_of(read: FormRead, match: FormMatch, records: OnRecord) -> Proposal:
    """The proposal the batch job stores (``intake.batch.wiring.default_matcher``)."""
    corrected = {
        fid: StoredCorrection(c.raw, read.fields[fid].raw, c.source, c.replaced)
        for fid, c in records.corrections.items()
    }
    return Proposal(MatchStatus.OK, match, records.confirmed, corrected)


def _wrong_causes(
    template: FormTemplate, truth: FormTruth, read: FormRead, match: FormMatch
) -> list[str]:
    causes: list[str] = []
    rows = {c.row: c.student_id for c in truth.children}
    for child in match.children:
        if child.student_id is not None and rows.get(child.row) != child.student_id:
            causes.append("child_linked_wrongly")
    contacts = {a.party: a.contact_id for a in truth.applicants}
    for applicant in match.applicants:
        if applicant.contact_id is not None and contacts.get(applicant.party) != (
            applicant.contact_id
        ):
            causes.append("applicant_matched_wrongly")
    parties = set(contacts)
    for sig_id, present in truth.signatures.items():
        if not present and template.field(sig_id).party in parties:
            causes.append("unsigned_passed")
    for _, spec in template.fields():
        if isinstance(spec, CharField) and spec.kind is FieldKind.EMAIL and spec.party in parties:
            got = read.fields.get(spec.id)
            if got is not None and not field_right(spec, truth.fields.get(spec.id, ""), got):
                causes.append("wrong_email_accepted")
    return list(dict.fromkeys(causes))


def needs_nobody(truth: FormTruth, record_emails: Mapping[str, str]) -> bool:
    """No mistake planted, and each applicant wrote the email the school holds for them
    (``record_emails``: contact id -> email)."""
    if truth.problems:
        return False
    for applicant in truth.applicants:
        on_file = record_emails.get(applicant.contact_id or "", "")
        written = truth.fields.get(f"{party_prefix(applicant.party)}_email", "")
        if not on_file or written.strip().upper() != on_file.strip().upper():
            return False
    return True


def straight_through_figures(
    template: FormTemplate,
    items: Iterable[tuple[FormTruth, FormRead | None, FormMatch | None, OnRecord | None]],
    thresholds: Thresholds,
    record_emails: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """``straight_through_rate``, ``wrong_accounts``, ``false_unsigned_rate`` and
    ``false_tick_rate`` with their Wilson bounds, overall and ``by_scan``; with the roster's
    ``record_emails``, the same for the forms that need nobody (``needs_nobody``)."""
    overall = _Counts()
    by_scan: dict[str, _Counts] = {}
    for truth, read, match, records in items:
        clean = record_emails is not None and needs_nobody(truth, record_emails)
        for counts in (overall, by_scan.setdefault(scan_kind(truth), _Counts())):
            _score(counts, template, truth, read, match, records, thresholds, clean)
    out = overall.report()
    out["by_scan"] = {kind: c.report() for kind, c in sorted(by_scan.items())}
    return out


def _score(
    counts: _Counts,
    template: FormTemplate,
    truth: FormTruth,
    read: FormRead | None,
    match: FormMatch | None,
    records: OnRecord | None,
    thresholds: Thresholds,
    clean: bool = False,
) -> None:
    counts.forms += 1
    counts.nobody_needed += clean
    if read is None or match is None or records is None:
        return  # never read: no false alarm to count, and nothing went through
    fields = read.fields
    parties = {a.party for a in truth.applicants}
    for sig_id, present in truth.signatures.items():
        if template.field(sig_id).party not in parties:
            continue
        got = fields.get(sig_id)
        signed = got is not None and got.value == SIGNED
        if present:
            counts.signed += 1
            counts.false_unsigned += not signed
        else:
            counts.unsigned += 1
    for tick_id, ticked in truth.ticks.items():
        if not ticked:
            got = fields.get(tick_id)
            counts.empty_ticks += 1
            counts.false_ticks += got is not None and got.value == TICKED
    verdict = judge(
        template, records.applied(read).fields, read.problems, proposal_of(read, match, records),
        thresholds,
    )  # fmt: skip
    if not verdict.ready:
        for reason in verdict.needs_person:
            general = re.sub(r"\d+", "N", reason)
            counts.held[general] = counts.held.get(general, 0) + 1
            if clean:
                counts.held_needlessly[general] = counts.held_needlessly.get(general, 0) + 1
        return
    counts.straight += 1
    counts.nobody_needed_straight += clean
    causes = _wrong_causes(template, truth, records.applied(read), match)
    counts.unsigned_passed += causes.count("unsigned_passed")
    counts.wrong_accounts += bool(causes)
    for cause in causes:
        counts.wrong[cause] = counts.wrong.get(cause, 0) + 1
