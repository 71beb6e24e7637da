"""Scoring what the reader read against the samples' ground truth. Pure functions, no I/O.

* Character accuracy: 1 - CER over the box strings of every character field with something
  written in it (truth or read), edit distance summed over fields, divided by truth characters.
* Field accuracy: the normalised value read equals the truth's, normalised the same way.
* Stray characters: characters read in character fields the parent left empty (box outlines or
  specks taken for writing).
* Auto-accept: a field with no problems and a confidence at or above the threshold; its error
  rate is the share of those fields whose value is wrong.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Container, Iterable, Sequence
from dataclasses import dataclass, field

from intake.lab.samples.truth import FormTruth
from intake.reading.result import FieldRead, FormRead, Problem
from intake.reading.signatures import SIGNED
from intake.reading.ticks import TICKED
from intake.reading.validate import check
from intake.template.model import CharField, FieldKind, FormTemplate

#: the field groups the benchmark reports, by field kind
FIELD_GROUPS: dict[FieldKind, str] = {
    FieldKind.NAME: "names",
    FieldKind.TUTOR_GROUP: "tutor_group",
    FieldKind.PHONE: "phone",
    FieldKind.EMAIL: "email",
    FieldKind.DATE: "date",
    FieldKind.POSTCODE: "postcode",
    FieldKind.TEXT: "address",
}


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def box_string(text: str) -> str:
    """Upper case, trailing empty boxes dropped (emails are compared without case)."""
    return text.upper().rstrip(" ")


def squashed(text: str) -> str:
    """For the line-reading baseline, which cannot know boxes: single spaces, upper case."""
    return " ".join(text.upper().split())


@dataclass
class Tally:
    """Running counts over a benchmark set."""

    char_errors: int = 0
    char_total: int = 0
    fields: dict[str, list[int]] = field(default_factory=dict)  # group -> [right, total]
    ticks: list[int] = field(default_factory=lambda: [0, 0])
    missing_signatures: list[int] = field(default_factory=lambda: [0, 0])  # [flagged, missing]
    accepted: list[int] = field(default_factory=lambda: [0, 0, 0])  # [accepted, wrong, total]
    accepted_by_group: dict[str, list[int]] = field(default_factory=dict)  # the same per group
    forms_straight_through: int = 0
    forms: int = 0
    stray_chars: int = 0  # characters read in fields left empty
    stray_fields: int = 0  # fields left empty that read as something


def field_right(spec: CharField, truth_text: str, read: FieldRead) -> bool:
    expected = check(spec.kind, truth_text).value
    return expected.upper() == read.value.upper()


def score_form(
    tally: Tally,
    template: FormTemplate,
    truth: FormTruth,
    form: FormRead | None,
    auto_accept: float | Callable[[str], float],
    confirmed: Container[str] = (),
) -> None:
    """Add one form to the tally; a form the reader never produced counts every field wrong.

    ``auto_accept`` is one threshold for every field, or the threshold per field kind value
    (``Thresholds.auto_accept_for``). Fields in ``confirmed`` (read exactly as the school's
    records hold them, ``intake.matching.confirm``) are accepted whatever their confidence.
    """
    tally.forms += 1
    fields = form.fields if form else {}
    if form is not None and not form.needs_review:
        tally.forms_straight_through += 1
    for _, spec in template.fields():
        read = fields.get(spec.id)
        if isinstance(spec, CharField):
            truth_text = truth.fields.get(spec.id, "")
            got = read.raw if read else ""
            if not truth_text.strip() and not got.strip():
                continue
            if not truth_text.strip():
                tally.stray_chars += len(got.replace(" ", ""))
                tally.stray_fields += 1
            tally.char_errors += edit_distance(box_string(truth_text), box_string(got))
            tally.char_total += max(1, len(box_string(truth_text)))
            right = read is not None and field_right(spec, truth_text, read)
            group = tally.fields.setdefault(FIELD_GROUPS[spec.kind], [0, 0])
            group[0] += right
            group[1] += 1
            limit = auto_accept(spec.kind.value) if callable(auto_accept) else auto_accept
            # bool(): a confidence may be a numpy float, and the report must stay plain JSON
            accepted = read is not None and bool(
                spec.id in confirmed or (not read.problems and read.confidence >= limit)
            )
            for counts in (
                tally.accepted,
                tally.accepted_by_group.setdefault(FIELD_GROUPS[spec.kind], [0, 0, 0]),
            ):
                counts[0] += accepted
                counts[1] += accepted and not right
                counts[2] += 1
        elif spec.kind == FieldKind.TICK and spec.id in truth.ticks:
            ticked = read is not None and read.value == TICKED
            tally.ticks[0] += ticked == truth.ticks[spec.id]
            tally.ticks[1] += 1
    applicants = {a.party for a in truth.applicants}
    for sig_id, present in truth.signatures.items():
        if present or template.field(sig_id).party not in applicants:
            continue
        read = fields.get(sig_id)
        flagged = (
            form is None
            or read is None
            or read.value != SIGNED
            or Problem.UNSIGNED.value in form.problems
        )
        tally.missing_signatures[0] += flagged
        tally.missing_signatures[1] += 1


#: the normal quantile of the Wilson bound (95 % two-sided)
WILSON_Z = 1.96


def wilson_upper(wrong: int, n: int, z: float = WILSON_Z) -> float:
    """Upper end of the Wilson score interval of a proportion ``wrong / n`` (1.0 for n = 0)."""
    if n <= 0:
        return 1.0
    p = wrong / n
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return min(1.0, (centre + spread) / (1 + z * z / n))


def _ratio(part: float, whole: float, empty: float = 1.0) -> float:
    return round(part / whole, 4) if whole else empty


def summarise(tally: Tally) -> dict[str, object]:
    """The accuracy part of the benchmark's JSON."""
    return {
        "char_accuracy": max(0.0, _ratio(tally.char_total - tally.char_errors, tally.char_total)),
        "field_accuracy": {
            group: _ratio(right, total) for group, (right, total) in sorted(tally.fields.items())
        },
        "tick_accuracy": _ratio(tally.ticks[0], tally.ticks[1]),
        "signature_missing_recall": _ratio(*tally.missing_signatures),
        "auto_accept_rate": _ratio(tally.accepted[0], tally.accepted[2], 0.0),
        "auto_accept_error_rate": _ratio(tally.accepted[1], tally.accepted[0], 0.0),
        "straight_through_rate": _ratio(tally.forms_straight_through, tally.forms, 0.0),
        "auto_accept_by_group": {
            group: {
                "accepted": accepted,
                "wrong": wrong,
                "fields": total,
                "rate": _ratio(accepted, total, 0.0),
                "error_rate": _ratio(wrong, accepted, 0.0),
            }
            for group, (accepted, wrong, total) in sorted(tally.accepted_by_group.items())
        },
        "fields_scored": tally.accepted[2],
        "stray_chars": tally.stray_chars,
        "stray_fields": tally.stray_fields,
    }


def scan_kind(truth: FormTruth) -> str:
    """How a form was captured: "photo", or the scan's colour mode ("bw", "grey", "colour"),
    with "_pdf" when its pages came as PDF files."""
    if any(page.photo for page in truth.pages):
        return "photo"
    first = truth.pages[0] if truth.pages else None
    mode = first.conditions[0] if first and first.conditions else "unknown"
    as_pdf = any(page.file.lower().endswith(".pdf") for page in truth.pages)
    return f"{mode}_pdf" if as_pdf else mode


def line_accuracy(pairs: Iterable[tuple[str, str]]) -> float:
    """1 - CER over (truth, read) pairs compared as squashed lines (the baseline's measure)."""
    errors = total = 0
    for truth, read in pairs:
        errors += edit_distance(squashed(truth), squashed(read))
        total += max(1, len(squashed(truth)))
    return max(0.0, _ratio(total - errors, total))  # insertions can outnumber the characters


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) by linear interpolation; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else 0.0
