"""Calibrate the auto-accept thresholds on a labelled TUNING set.

DESIGN decision 4: a threshold decides what is auto-accepted, and the benchmark measures the
error rate among auto-accepted fields at that threshold on handwriting the model never saw. This
module picks that threshold. It reads the tuning sets once, keeps one ``Observation`` per
character field (its kind, its confidence, whether the reader could auto-accept it at all, whether
its value is right), then sweeps candidate thresholds and prints the auto-accept rate and the
error rate among accepted fields, overall and per field kind, with the Wilson upper bound of the
error rate. The recommended threshold is the lowest candidate whose error rate meets the target
with at least ``min_accepted`` accepted fields behind it.

Tune ONLY on sets written with training-side fonts and writers (``intake.lab.training.makeforms
--prepare`` writes those folders); never on held-out fonts or ``handwriting/test``::

    python -m intake.lab.bench.calibrate --samples /tmp/tune_fonts --samples /tmp/tune_glyphs \\
        --target-error 0.002 [--reliability]

``--reliability`` adds the reliability curve: per confidence bin and field kind, how sure the
reader said it was and how often it was right.
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from intake.config import Thresholds
from intake.errors import IntakeError
from intake.lab.bench.metrics import field_right, wilson_upper
from intake.lab.bench.run import read_form
from intake.lab.samples.truth import FormTruth, load_truths
from intake.reading.pipeline import ReadContext
from intake.reading.result import FormRead, Problem
from intake.template.model import CharField, FormTemplate

log = logging.getLogger(__name__)

#: thresholds tried: coarse below 0.9, fine above, where the decision usually falls
CANDIDATES: tuple[float, ...] = tuple(
    [round(0.5 + 0.05 * i, 3) for i in range(8)]
    + [round(0.9 + 0.005 * i, 3) for i in range(19)]
    + [0.9975, 0.999]
)
#: fewest accepted fields behind an error rate for it to count (at 0.2 %, 500 fields is one
#: wrong field; below that the estimate is mostly luck)
MIN_ACCEPTED = 500
#: the threshold of a kind that cannot meet the target: only a certain read passes
NEVER = 1.0
#: the general threshold, which judges blank fields whatever their kind
BLANK = Thresholds().auto_accept_confidence


@dataclass(frozen=True)
class Observation:
    """One character field of a tuning set, as the reader saw it."""

    kind: str  # FieldKind value
    confidence: float
    eligible: bool  # no problem but low confidence: a high enough threshold would accept it
    correct: bool
    #: no ink in any box: the reader judges it by the general threshold, not the kind's
    blank: bool = False


@dataclass(frozen=True)
class Row:
    """The outcome of one threshold over a set of observations."""

    threshold: float
    total: int
    accepted: int
    wrong: int

    @property
    def accept_rate(self) -> float:
        return self.accepted / self.total if self.total else 0.0

    @property
    def error_rate(self) -> float:
        return self.wrong / self.accepted if self.accepted else 0.0

    @property
    def error_upper(self) -> float:
        return wilson_upper(self.wrong, self.accepted)


def accepted_at(item: Observation, threshold: float, blank_threshold: float = BLANK) -> bool:
    """The reader's auto-accept rule: no problem other than low confidence, and confident (a
    blank field against ``blank_threshold``, the general ``auto_accept_confidence``)."""
    return item.eligible and item.confidence >= (blank_threshold if item.blank else threshold)


def sweep(items: Sequence[Observation], thresholds: Iterable[float] = CANDIDATES) -> list[Row]:
    """One row per threshold: how many fields would be accepted and how many of them wrong."""
    rows = []
    for t in thresholds:
        taken = [i for i in items if accepted_at(i, t)]
        rows.append(Row(t, len(items), len(taken), sum(not i.correct for i in taken)))
    return rows


def lowest_meeting(
    rows: Sequence[Row], target: float, min_accepted: int = MIN_ACCEPTED
) -> Row | None:
    """The lowest threshold whose error rate is at most ``target`` with enough fields accepted.

    Rows with fewer than ``min_accepted`` accepted fields never qualify: their error rate says
    too little. ``None`` when no threshold qualifies.
    """
    meeting = [r for r in rows if r.accepted >= min_accepted and r.error_rate <= target]
    return min(meeting, key=lambda r: r.threshold, default=None)


def by_kind(items: Iterable[Observation]) -> dict[str, list[Observation]]:
    """Observations grouped by field kind, kinds in name order."""
    groups: dict[str, list[Observation]] = {}
    for item in items:
        groups.setdefault(item.kind, []).append(item)
    return dict(sorted(groups.items()))


def observe_form(
    template: FormTemplate, truth: FormTruth, form: FormRead | None
) -> list[Observation]:
    """The observations of one form; the fields the benchmark scores (something written or read)."""
    fields = form.fields if form else {}
    out = []
    for _, spec in template.fields():
        if not isinstance(spec, CharField):
            continue
        read = fields.get(spec.id)
        truth_text = truth.fields.get(spec.id, "")
        if not truth_text.strip() and not (read.raw.strip() if read else ""):
            continue
        eligible = read is not None and set(read.problems) <= {Problem.LOW_CONFIDENCE.value}
        out.append(
            Observation(
                kind=spec.kind.value,
                confidence=read.confidence if read else 0.0,
                eligible=eligible,
                correct=read is not None and field_right(spec, truth_text, read),
                blank=read is None or not read.raw.strip(),
            )
        )
    return out


def observe(directories: Sequence[Path], ctx: ReadContext) -> list[Observation]:
    """Read every form of the tuning sets once and keep an observation per character field."""
    items: list[Observation] = []
    for directory in directories:
        truths = load_truths(directory)
        if not truths:
            raise IntakeError(f"no labelled forms in {directory}")
        for truth in truths:
            template = ctx.templates.get(truth.template)
            if template is None:
                raise IntakeError(f"{directory}: unknown template {truth.template!r}")
            outcome = read_form(directory, truth, ctx)
            items += observe_form(template, truth, outcome.form)
        log.info("calibration set %s: %d forms read", directory, len(truths))
    return items


@dataclass(frozen=True)
class Calibration:
    """The recommendation: one global threshold and, where they differ, one per kind."""

    target: float
    overall: Row | None
    per_kind: dict[str, Row | None]

    def by_kind_setting(self) -> tuple[tuple[str, float], ...]:
        """``Thresholds.auto_accept_confidence_by_kind``: each kind's lowest threshold meeting the
        target; ``NEVER`` for a kind where none does (its confident reads are wrong too often
        for the target, so a person checks every one)."""
        return tuple((k, r.threshold if r is not None else NEVER) for k, r in self.per_kind.items())


def calibrate(
    items: Sequence[Observation], target: float, min_accepted: int = MIN_ACCEPTED
) -> Calibration:
    """Lowest thresholds meeting ``target``: overall, and per kind with ``min_accepted`` scaled
    to the kind's share (a kind without enough fields keeps the global threshold: ``None``)."""
    overall = lowest_meeting(sweep(items), target, min_accepted)
    per_kind: dict[str, Row | None] = {}
    for kind, group in by_kind(items).items():
        share = max(1, round(min_accepted * len(group) / max(1, len(items))))
        per_kind[kind] = lowest_meeting(sweep(group), target, share)
    return Calibration(target, overall, per_kind)


#: confidence bins of the reliability table: finer where the thresholds fall
RELIABILITY_EDGES: tuple[float, ...] = (0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0001)


@dataclass(frozen=True)
class Bin:
    """Fields whose confidence fell in ``[low, high)``: how sure the reader said it was, and how
    often it was right. A calibrated reader has ``accuracy`` close to ``mean_confidence``."""

    low: float
    high: float
    fields: int
    mean_confidence: float
    accuracy: float


def reliability(
    items: Sequence[Observation], edges: Sequence[float] = RELIABILITY_EDGES
) -> tuple[list[Bin], float]:
    """The reliability curve of the field confidences (blank fields left out: nothing was
    read) and its expected calibration error, the field-weighted mean of the bins' gaps."""
    read = [i for i in items if not i.blank]
    bins: list[Bin] = []
    gap = 0.0
    for low, high in itertools.pairwise(edges):
        inside = [i for i in read if low <= i.confidence < high]
        if not inside:
            continue
        mean = sum(i.confidence for i in inside) / len(inside)
        accuracy = sum(i.correct for i in inside) / len(inside)
        bins.append(Bin(low, min(high, 1.0), len(inside), round(mean, 4), round(accuracy, 4)))
        gap += len(inside) * abs(mean - accuracy)
    return bins, round(gap / len(read), 4) if read else 0.0


def reliability_report(items: Sequence[Observation]) -> str:
    """The reliability table, overall and per field kind."""
    lines = [f"{'':>12} {'confidence':>11} {'fields':>6} {'said':>7} {'right':>7}"]
    groups = {"all": list(items), **by_kind(items)}
    for kind, group in groups.items():
        bins, error = reliability(group)
        for b in bins:
            lines.append(
                f"{kind:>12} {b.low:4.2f}-{b.high:4.2f}  {b.fields:6d} "
                f"{100 * b.mean_confidence:6.1f}% {100 * b.accuracy:6.1f}%"
            )
        lines.append(f"{kind:>12} expected calibration error {100 * error:.1f} points")
    return "\n".join(lines)


def _line(label: str, row: Row) -> str:
    return (
        f"{label:>12} {row.threshold:7.4f} {row.accepted:6d}/{row.total:<6d} "
        f"{100 * row.accept_rate:7.2f}% {row.wrong:5d} {100 * row.error_rate:7.3f}% "
        f"{100 * row.error_upper:7.3f}%"
    )


def report(items: Sequence[Observation], result: Calibration) -> str:
    """The printed table: every candidate overall, then each kind's sweep and its pick."""
    header = (
        f"{'':>12} {'thresh':>7} {'accepted':>13} {'rate':>8} {'wrong':>5} {'error':>8} "
        f"{'wilson95':>8}"
    )
    lines = [f"{len(items)} character fields; target error {100 * result.target:.2f}%", header]
    lines += [_line("all", r) for r in sweep(items)]
    for kind, group in by_kind(items).items():
        lines.append("")
        lines += [_line(kind, r) for r in sweep(group) if r.threshold >= 0.85]
    lines += ["", "lowest threshold meeting the target:"]
    lines.append(_line("all", result.overall) if result.overall else f"{'all':>12} none")
    for kind, row in result.per_kind.items():
        lines.append(_line(kind, row) if row else f"{kind:>12} none: {NEVER} (review every one)")
    limits = dict(result.by_kind_setting())
    taken = [i for i in items if accepted_at(i, limits.get(i.kind, NEVER))]
    wrong = sum(not i.correct for i in taken)
    lines.append(
        f"with these per-kind thresholds: {len(taken)}/{len(items)} accepted "
        f"({100 * len(taken) / max(1, len(items)):.2f}%), {wrong} wrong "
        f"({100 * wrong / max(1, len(taken)):.3f}%, "
        f"wilson95 {100 * wilson_upper(wrong, len(taken)):.3f}%)"
    )
    lines.append(f"auto_accept_confidence_by_kind = {json.dumps(list(limits.items()))}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=Path, action="append", default=[])
    parser.add_argument(
        "--observations",
        type=Path,
        action="append",
        default=[],
        help="with --samples: write the observations here; without: read them (repeatable)",
    )
    parser.add_argument("--target-error", type=float, default=0.002)
    parser.add_argument("--min-accepted", type=int, default=MIN_ACCEPTED)
    parser.add_argument("--engine", default=None)
    parser.add_argument(
        "--reliability",
        action="store_true",
        help="also print how often fields were right at each confidence, per field kind",
    )
    args = parser.parse_args(argv)
    if args.samples:
        if len(args.observations) > 1:
            parser.error("with --samples, give at most one --observations file to write")
        from intake.config import load_settings
        from intake.reading.cli import make_context

        items = observe(args.samples, make_context(load_settings(), args.engine))
        for path in args.observations:
            path.write_text(json.dumps([asdict(i) for i in items]))
    elif args.observations:
        items = []
        for path in args.observations:
            try:
                items += [Observation(**o) for o in json.loads(path.read_text())]
            except (OSError, ValueError, TypeError) as exc:
                raise SystemExit(f"cannot read observations {path}: {exc}") from exc
    else:
        parser.error("give --samples DIR (one or more) or --observations FILE (one or more)")
    result = calibrate(items, args.target_error, args.min_accepted)
    print(report(items, result))
    if args.reliability:
        print()
        print(reliability_report(items))


if __name__ == "__main__":
    main()
