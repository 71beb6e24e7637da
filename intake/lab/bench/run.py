"""The benchmark's stages: make (or take) a labelled set, read it, read the same crops with plain
Tesseract, time it on one core and on all cores, and put the figures in one dictionary."""

from __future__ import annotations

import logging
import multiprocessing
import os
import resource
import signal
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from intake.engines.base import ALIGNED_PX_PER_MM, ALPHABETS
from intake.engines.tesseract import TesseractEngine
from intake.errors import EngineError
from intake.lab.bench.metrics import (
    Tally,
    line_accuracy,
    median,
    percentile,
    scan_kind,
    score_form,
    summarise,
)
from intake.lab.bench.straight import straight_through_figures
from intake.lab.samples.scan import BW_PDF_SHARE
from intake.lab.samples.truth import FormTruth, load_truths
from intake.reading.align import aligned_page, homography_array
from intake.reading.boxes import PageInk, page_ink
from intake.reading.fields import cut_field
from intake.reading.identify import to_grey
from intake.reading.ingest import PageImage, iter_pages
from intake.reading.pages_to_forms import PageResult, group_forms
from intake.reading.pipeline import ReadContext, iter_page_results
from intake.reading.result import FormRead, PageRead
from intake.template.model import CharField, FormTemplate

log = logging.getLogger(__name__)

#: pages per core read again in parallel to measure throughput on all cores
ALL_CORES_PAGES_PER_CORE = 8
#: pages read by plain Tesseract as a whole, for the speed comparison (it is slow)
WHOLE_PAGE_SAMPLE = 3


@dataclass(frozen=True)
class BenchOptions:
    count: int = 40
    seed: int = 11
    fonts: Path | None = None
    glyphs: Path | None = None
    samples: Path | None = None
    engine: str | None = None
    baseline_forms: int = 10  # forms whose crops Tesseract also reads (0: none)
    whole_page_pages: int = WHOLE_PAGE_SAMPLE  # pages Tesseract reads whole, for speed
    generate_workers: int = 2
    #: black-and-white scans sent as CCITT G4 PDFs, as most copiers send them
    bw_pdf_share: float = BW_PDF_SHARE


@dataclass(frozen=True)
class FormOutcome:
    truth: FormTruth
    form: FormRead | None
    page_seconds: tuple[float, ...]
    page_cpu_seconds: tuple[float, ...] = ()  # this process's CPU time, immune to a busy machine


@contextmanager
def sample_set(options: BenchOptions) -> Iterator[Path]:
    """The labelled set: ``--samples`` as given, or freshly generated into a temporary folder."""
    if options.samples is not None:
        yield options.samples
        return
    from intake.lab.samples.generate import SampleOptions, generate_samples

    with tempfile.TemporaryDirectory(prefix="intake-bench-") as tmp:
        out = Path(tmp) / "samples"
        generate_samples(
            SampleOptions(
                out=out,
                count=options.count,
                seed=options.seed,
                fonts=options.fonts,
                glyphs=options.glyphs,
                workers=options.generate_workers,
                bw_pdf_share=options.bw_pdf_share,
            )
        )
        yield out


def page_files(directory: Path, truth: FormTruth) -> list[Path]:
    """The single-image scans of one form (pages inside a batch PDF are not read here)."""
    return [directory / p.file for p in truth.pages if "#" not in p.file]


def _reset_peak_rss() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def peak_rss_mb(reset_worked: bool) -> float:
    """Peak resident memory of this process in MB (since the last reset where Linux allows)."""
    if reset_worked:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def read_form(directory: Path, truth: FormTruth, ctx: ReadContext) -> FormOutcome:
    """Read one form's page files page by page, timing each page from file to fields."""
    results: list[PageResult] = []
    seconds: list[float] = []
    cpu_seconds: list[float] = []
    for path in page_files(directory, truth):
        started, cpu_started = time.perf_counter(), time.process_time()
        found = list(iter_page_results(path, ctx))
        share = max(1, len(found))
        seconds += [(time.perf_counter() - started) / share] * len(found)
        cpu_seconds += [(time.process_time() - cpu_started) / share] * len(found)
        results += found
    forms, _ = group_forms(results, ctx.templates)
    form = max(forms, key=lambda f: len(f.pages), default=None)
    return FormOutcome(truth, form, tuple(seconds), tuple(cpu_seconds))


def _decode(path: Path, ctx: ReadContext) -> np.ndarray | None:
    for item in iter_pages(path, ctx.limits):
        if isinstance(item, PageImage):
            return item.image
    return None


def baseline_page(
    page: PageRead,
    path: Path,
    template: FormTemplate,
    truth: FormTruth,
    form: FormRead,
    line_engine: Any,
    ctx: ReadContext,
) -> tuple[list[tuple[str, str]], list[tuple[str, str]], float]:
    """Plain Tesseract (psm 7, the field kind's whitelist) on each field's line as scanned
    (printed boxes and all), and on the same line as the reader cleans it (outlines removed,
    every box's ink where it lies): (truth, read) pairs of both, and the seconds of the second."""
    image = _decode(path, ctx)
    if image is None or not page.homography:
        return [], [], 0.0
    aligned = aligned_page(image, homography_array(page.homography))
    grey = to_grey(aligned)
    ink = page_ink(aligned, image)
    raw_pairs: list[tuple[str, str]] = []
    clean_pairs: list[tuple[str, str]] = []
    seconds = 0.0
    for spec in template.page(page.page_number).fields:
        if not isinstance(spec, CharField):
            continue
        truth_text = truth.fields.get(spec.id, "")
        read = form.fields.get(spec.id)
        if not truth_text.strip() and not (read and read.raw.strip()):
            continue
        r = spec.rect.grown(1.0)
        x, y, w, h = (round(v * ALIGNED_PX_PER_MM) for v in (r.x, r.y, r.w, r.h))
        text = _baseline_line(line_engine, grey[y : y + h, x : x + w], ALPHABETS[spec.kind])
        raw_pairs.append((truth_text, text))
        started = time.perf_counter()
        clean = cleaned_line(ink, spec, page.page_number, ctx, (x, y, w, h))
        text = _baseline_line(line_engine, clean, ALPHABETS[spec.kind])
        seconds += time.perf_counter() - started
        clean_pairs.append((truth_text, text))
    return raw_pairs, clean_pairs, seconds


def _baseline_line(line_engine: Any, image: np.ndarray, alphabet: str) -> str:
    """Tesseract's reading of one line; a crash of Tesseract on it reads as nothing (counted
    against it, as a person would count a line it could not read)."""
    try:
        text, _ = line_engine.read_line(image, alphabet)
    except EngineError as exc:
        log.warning("baseline: Tesseract could not read a line (%s)", exc)
        return ""
    return str(text)


def cleaned_line(
    ink: PageInk, spec: CharField, page_number: int, ctx: ReadContext, window: tuple[int, ...]
) -> np.ndarray:
    """The field's line as the reader cuts it: white, with each written box's cleaned glyph."""
    x, y, w, h = window
    line = np.full((h, w), 255, np.uint8)
    for cut in cut_field(ink, spec, page_number, ctx.thresholds).cuts:
        if not cut.written:
            continue
        gx, gy, gw, gh = cut.rect_px
        x0, y0 = max(gx, x), max(gy, y)
        x1, y1 = min(gx + gw, x + w), min(gy + gh, y + h)
        if x1 > x0 and y1 > y0:
            patch = cut.glyph[y0 - gy : y1 - gy, x0 - gx : x1 - gx]
            line[y0 - y : y1 - y, x0 - x : x1 - x] = np.minimum(
                line[y0 - y : y1 - y, x0 - x : x1 - x], patch
            )
    return line


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def whole_page_seconds(
    paths: list[Path], ctx: ReadContext, tesseract: TesseractEngine | None = None
) -> tuple[float, float]:
    """Median wall and CPU seconds plain Tesseract takes to read each of ``paths`` whole."""
    engine = tesseract or TesseractEngine()
    times: list[float] = []
    cpu_times: list[float] = []
    for path in paths:
        image = _decode(path, ctx)
        if image is None:
            continue
        started, cpu_started = time.perf_counter(), _children_cpu()
        try:
            engine.read_page_text(to_grey(image))
        except EngineError:
            continue
        times.append(time.perf_counter() - started)
        cpu_times.append(_children_cpu() - cpu_started)
    return round(median(times), 3), round(median(cpu_times), 3)


def usable_cores() -> int:
    """Cores this process may run on (a container may see more than it gets)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


_WORKER_CTX: ReadContext | None = None


def _init_worker(factory: Callable[[], ReadContext]) -> None:
    global _WORKER_CTX
    # the pool's terminate() stops its workers with SIGTERM, whatever the parent made of it
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _WORKER_CTX = factory()


def _read_one(path: Path) -> int:
    assert _WORKER_CTX is not None
    return sum(1 for _ in iter_page_results(path, _WORKER_CTX))


def pages_per_second_all_cores(paths: list[Path], factory: Callable[[], ReadContext]) -> float:
    """Pages per second reading ``paths`` with one process per core."""
    if not paths:
        return 0.0
    cores = usable_cores()
    pool_ctx = multiprocessing.get_context("fork")
    with pool_ctx.Pool(cores, initializer=_init_worker, initargs=(factory,)) as pool:
        pool.map(_read_one, paths[:cores])  # warm up: models loaded, caches filled
        sample = paths[: ALL_CORES_PAGES_PER_CORE * cores]
        started = time.perf_counter()
        pages = sum(pool.map(_read_one, sample, chunksize=1))
        elapsed = time.perf_counter() - started
    return round(pages / elapsed, 3) if elapsed > 0 else 0.0


def _matching(
    forms: list[FormOutcome], directory: Path, template: FormTemplate, ctx: ReadContext
) -> dict[str, Any]:
    """The roster-matching figures, and auto-acceptance over the whole pipeline: a field is
    also accepted when the school's records confirm it (``intake.matching.confirm``)."""
    from intake.lab.matching.bench import match_and_score
    from intake.matching.confirm import OnRecord, on_record
    from intake.matching.proposals import FormMatch
    from intake.roster.csv_io import load_csv

    roster_path = directory / "roster.csv"
    if not roster_path.is_file():
        return {}
    roster = load_csv(roster_path).roster
    reads = [o.form or FormRead(template.form_type, template.version, "", ()) for o in forms]
    report, index, matches = match_and_score(reads, [o.truth for o in forms], roster)
    tally = Tally()
    judged: list[tuple[FormTruth, FormRead | None, FormMatch | None, OnRecord | None]] = []
    for outcome, read, match in zip(forms, reads, matches, strict=True):
        if outcome.form is None:
            score_form(tally, template, outcome.truth, None, ctx.thresholds.auto_accept_for)
            judged.append((outcome.truth, None, None, None))
            continue
        records = on_record(read, match, index)
        corrected, confirmed = records.applied(read), records.confirmed
        judged.append((outcome.truth, read, match, records))
        score_form(
            tally, template, outcome.truth, corrected, ctx.thresholds.auto_accept_for, confirmed
        )
    summary = summarise(tally)
    emails = {c.contact_id: c.email for c in roster.contacts}
    straight = straight_through_figures(template, judged, ctx.thresholds, emails)
    report["pipeline_char_accuracy"] = summary["char_accuracy"]
    report["pipeline_field_accuracy"] = summary["field_accuracy"]
    report["pipeline_straight_through_rate"] = straight["straight_through_rate"]
    report["straight_through"] = straight
    for key in ("wrong_accounts", "false_unsigned_rate", "false_tick_rate"):
        report[key] = straight[key]
    report["pipeline_auto_accept_rate"] = summary["auto_accept_rate"]
    report["pipeline_auto_accept_error_rate"] = summary["auto_accept_error_rate"]
    report["pipeline_auto_accept_by_group"] = summary["auto_accept_by_group"]
    return report


def by_scan_kind(
    outcomes: list[FormOutcome], template: FormTemplate, ctx: ReadContext
) -> dict[str, dict[str, Any]]:
    """Character accuracy and stray characters for each way the forms were captured."""
    tallies: dict[str, Tally] = {}
    for outcome in outcomes:
        tally = tallies.setdefault(scan_kind(outcome.truth), Tally())
        score_form(tally, template, outcome.truth, outcome.form, ctx.thresholds.auto_accept_for)
    return {
        kind: {
            "forms": tally.forms,
            "char_accuracy": summary["char_accuracy"],
            "stray_chars": tally.stray_chars,
            "stray_fields": tally.stray_fields,
        }
        for kind, tally in sorted(tallies.items())
        for summary in [summarise(tally)]
    }


def run_bench(
    options: BenchOptions, factory: Callable[[], ReadContext], line_engine: Any
) -> dict[str, Any]:
    """Everything the benchmark reports, as one dictionary."""
    ctx = factory()
    with sample_set(options) as directory:
        truths = load_truths(directory)
        template = (
            ctx.templates[truths[0].template] if truths else next(iter(ctx.templates.values()))
        )
        reset = _reset_peak_rss()
        outcomes = [read_form(directory, truth, ctx) for truth in truths]
        peak = peak_rss_mb(reset)
        tally = Tally()
        for outcome in outcomes:
            score_form(tally, template, outcome.truth, outcome.form, ctx.thresholds.auto_accept_for)
        page_seconds = [s for o in outcomes for s in o.page_seconds]
        cpu_seconds = [s for o in outcomes for s in o.page_cpu_seconds]
        report: dict[str, Any] = summarise(tally)
        report["by_scan_kind"] = by_scan_kind(outcomes, template, ctx)
        report.update(
            {
                "sec_per_page_median": round(median(page_seconds), 4),
                "sec_per_page_p95": round(percentile(page_seconds, 95), 4),
                "cpu_sec_per_page_median": round(median(cpu_seconds), 4),
                "peak_rss_mb": peak,
                "forms": len(outcomes),
                "pages": len(page_seconds),
                "engine": ctx.engine.name,
            }
        )
        pairs: list[tuple[str, str]] = []
        raw_pairs: list[tuple[str, str]] = []
        baseline_seconds: list[float] = []
        for outcome in outcomes[: options.baseline_forms]:
            if outcome.form is None:
                continue
            for page, path in zip(
                outcome.form.pages, page_files(directory, outcome.truth), strict=False
            ):
                source = directory / page.source
                raw, found, seconds = baseline_page(
                    page,
                    source if source.is_file() else path,
                    template,
                    outcome.truth,
                    outcome.form,
                    line_engine,
                    ctx,
                )
                pairs += found
                raw_pairs += raw
                baseline_seconds.append(seconds)
        ours = [
            (o.truth.fields.get(f.field_id, ""), f.raw)
            for o in outcomes[: options.baseline_forms]
            if o.form
            for f in o.form.fields.values()
            if f.chars
        ]
        all_paths = [p for o in outcomes for p in page_files(directory, o.truth)]
        whole_wall, whole_cpu = whole_page_seconds(all_paths[: options.whole_page_pages], ctx)
        report.update(
            {
                "baseline_char_accuracy": line_accuracy(pairs) if pairs else 0.0,
                "baseline_char_accuracy_printed_boxes": line_accuracy(raw_pairs)
                if raw_pairs
                else 0.0,
                "baseline_sec_per_page_median": round(median(baseline_seconds), 4),
                "baseline_forms": min(options.baseline_forms, len(outcomes)),
                "char_accuracy_as_lines_on_baseline_forms": line_accuracy(
                    (t, r) for t, r in ours if t.strip() or r.strip()
                ),
                "tesseract_whole_page_sec_median": whole_wall,
                "tesseract_whole_page_cpu_sec_median": whole_cpu,
                "pages_per_sec_all_cores": pages_per_second_all_cores(all_paths, factory),
                "cores": usable_cores(),
            }
        )
        reader_rate = report["straight_through_rate"]
        report.update(_matching(outcomes, directory, template, ctx))
        if "straight_through" in report:
            # forms reaching "ready to approve" with no reviewer; the reader's own figure beside
            report["reader_straight_through_rate"] = reader_rate
            report["straight_through_rate"] = report["straight_through"]["straight_through_rate"]
    return report
