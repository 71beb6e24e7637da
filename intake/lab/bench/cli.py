"""``intake bench``: generate (or take) a labelled set, read it, compare with plain Tesseract."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path
from typing import Any

import click

from intake.config import load_settings
from intake.errors import IntakeError
from intake.lab.bench.run import BenchOptions, run_bench
from intake.lab.samples.scan import BW_PDF_SHARE
from intake.reading.cli import ENGINES, make_context
from intake.reading.pipeline import ReadContext

#: rows of the printed table: (label, reader's key, Tesseract's key, is a share shown as %)
ROWS: tuple[tuple[str, str | None, str | None, bool], ...] = (
    ("character accuracy", "char_accuracy", None, True),
    ("characters read in empty fields", "stray_chars", None, False),
    (
        "characters, lines of baseline forms",
        "char_accuracy_as_lines_on_baseline_forms",
        "baseline_char_accuracy",
        True,
    ),
    ("  ... Tesseract with boxes printed", None, "baseline_char_accuracy_printed_boxes", True),
    ("seconds per page (median)", "sec_per_page_median", "baseline_sec_per_page_median", False),
    ("seconds per page (p95)", "sec_per_page_p95", None, False),
    ("CPU seconds per page (median)", "cpu_sec_per_page_median", None, False),
    ("tick accuracy", "tick_accuracy", None, True),
    ("missing signatures flagged", "signature_missing_recall", None, True),
    ("fields auto-accepted", "auto_accept_rate", None, True),
    ("auto-accepted fields wrong", "auto_accept_error_rate", None, True),
    ("... with the roster confirming", "pipeline_auto_accept_rate", None, True),
    ("... of those wrong", "pipeline_auto_accept_error_rate", None, True),
    ("forms straight through to the approver", "straight_through_rate", None, True),
    ("... accounts wrong among them (count)", "wrong_accounts", None, False),
    ("signed signatures read as unsigned", "false_unsigned_rate", None, True),
    ("empty tick boxes read as ticked", "false_tick_rate", None, True),
    ("forms with no doubtful field (reader alone)", "reader_straight_through_rate", None, True),
    ("pages per second, all cores", "pages_per_sec_all_cores", None, False),
    ("peak memory (MB)", "peak_rss_mb", None, False),
)


def _cell(value: Any, share: bool) -> str:
    if value is None:
        return "-"
    return f"{100 * value:.2f}%" if share else f"{value}"


def format_table(report: dict[str, Any]) -> str:
    """One table: the reader beside plain Tesseract on the same crops."""
    lines = [
        f"{report['forms']} forms, {report['pages']} pages, engine {report['engine']}; "
        f"baseline on {report['baseline_forms']} forms",
        f"{'':34} {'reader':>12} {'tesseract':>12}",
    ]
    for label, key, base, share in ROWS:
        lines.append(
            f"{label:34} {_cell(report.get(key) if key else None, share):>12} "
            f"{_cell(report.get(base) if base else None, share):>12}"
        )
    for group, value in report["field_accuracy"].items():
        lines.append(f"{'field accuracy: ' + group:34} {_cell(value, True):>12}")
    for kind, figures in report.get("by_scan_kind", {}).items():
        lines.append(
            f"{'characters, ' + kind + ' scans':34} {_cell(figures['char_accuracy'], True):>12}"
            f"   {figures['forms']} forms, {figures['stray_chars']} in empty fields"
        )
    lines.append(
        f"{'tesseract, whole page (s, median)':34} {'':>12} "
        f"{report['tesseract_whole_page_sec_median']:>12}"
    )
    lines.append(
        f"{'tesseract, whole page (CPU s)':34} {'':>12} "
        f"{report.get('tesseract_whole_page_cpu_sec_median', '-')!s:>12}"
    )
    for key in sorted(
        k for k in report if k.startswith(("child_", "applicant_", "blocked_", "match_"))
    ):
        lines.append(f"{key:34} {report[key]!s:>12}")
    return "\n".join(lines)


def _context(engine: str | None) -> ReadContext:
    return make_context(load_settings(), engine)


@click.group("bench", invoke_without_command=True)
@click.option("--count", default=40, show_default=True, help="Forms to generate.")
@click.option("--seed", default=11, show_default=True, help="Seed of the generated set.")
@click.option(
    "--fonts",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write the forms in the fonts of this folder.",
)
@click.option(
    "--glyphs",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write the forms with the handwritten characters of this folder.",
)
@click.option(
    "--samples",
    type=click.Path(file_okay=False, path_type=Path),
    help="Read an existing labelled set instead of generating one.",
)
@click.option("--engine", type=click.Choice(ENGINES), default=None)
@click.option(
    "--baseline-forms",
    default=10,
    show_default=True,
    help="Forms whose crops plain Tesseract also reads (it is slow).",
)
@click.option(
    "--bw-pdf-share",
    type=click.FloatRange(0.0, 1.0),
    default=BW_PDF_SHARE,
    show_default=True,
    help="Share of generated black-and-white scans sent as CCITT G4 PDFs.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.pass_context
def bench(
    context: click.Context,
    count: int,
    seed: int,
    fonts: Path | None,
    glyphs: Path | None,
    samples: Path | None,
    engine: str | None,
    baseline_forms: int,
    bw_pdf_share: float,
    as_json: bool,
) -> None:
    """Measure reading accuracy and speed on a labelled set, beside plain Tesseract
    (``intake bench scale``: the batch path end to end)."""
    if context.invoked_subcommand is not None:
        return
    if sum(x is not None for x in (fonts, glyphs, samples)) > 1:
        raise click.UsageError("give at most one of --fonts, --glyphs and --samples")
    if samples is not None and not samples.is_dir():
        raise click.UsageError(f"{samples} is not a folder")
    from intake.engines.tesseract import TesseractEngine

    options = BenchOptions(
        count=count,
        seed=seed,
        fonts=fonts,
        glyphs=glyphs,
        samples=samples,
        engine=engine,
        baseline_forms=baseline_forms,
        bw_pdf_share=bw_pdf_share,
    )
    try:
        report = run_bench(options, partial(_context, engine), TesseractEngine())
    except IntakeError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(json.dumps(report, indent=1) if as_json else format_table(report))


def format_scale(report: dict[str, Any]) -> str:
    """The batch path's figures, a line each, beside ``intake read``'s CPU a page."""
    batch = report["batch"]
    rss = batch.get("rss_mb") or {"start": "-", "middle": "-", "end": "-"}
    peaks = ", ".join(f"{name} {mb}" for name, mb in batch["peak_rss_mb_per_process"].items())
    mode = (
        "worker processes of intake worker (Redis, PostgreSQL)"
        if batch.get("worker_processes")
        else "worker threads (embedded: SQLite, queue in this process)"
    )
    return "\n".join(
        [
            f"{report['pages']} pages, {report['workers']} {mode}, {report['cores']} cores",
            f"batch: {batch['status']}, {batch['pages_read']} pages read "
            f"({batch['pages_failed']} not read), {batch['forms']} forms, "
            f"{batch['ranges']} range tasks",
            f"pages a second (end to end):   {batch['pages_per_sec']}  ({batch['seconds']} s)",
            f"CPU s a page, batch path:      {batch['cpu_sec_per_page']}  "
            f"(upload {batch['upload_cpu_sec_per_page']})",
            f"CPU s a page, intake read:     {report['read']['cpu_sec_per_page']}",
            f"ratio batch / read:            {report['cpu_ratio_batch_to_read']}",
            f"worker RSS MB start/mid/end:   {rss['start']} / {rss['middle']} / {rss['end']}"
            f"  (highest sample at page {batch.get('peak_at_page', '-')})",
            f"peak RSS MB by process:        {peaks} (sampled; this process's VmHWM "
            f"{batch.get('worker_peak_rss_mb', '-')})",
            f"review image MB a page:        {batch['review_image_mb_per_page']}",
            f"stored MB a page (all images): {batch['stored_mb_per_page']}",
        ]
    )


@bench.command("scale")
@click.option("--pages", default=100, show_default=True, help="Pages to generate and read.")
@click.option(
    "--workers", default=None, type=int, help="Worker threads (default: settings.workers)."
)
@click.option("--seed", default=18, show_default=True, help="Seed of the generated pages.")
@click.option(
    "--cache",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder of the generated pages (default: ~/.cache/intake/bench-scale).",
)
@click.option(
    "--processes",
    default=0,
    show_default=True,
    help="Read with an `intake worker` of this many processes (needs --redis and --database).",
)
@click.option("--redis", "redis_url", default="", help="A scratch Redis database's URL.")
@click.option("--database", "database_url", default="", help="A scratch PostgreSQL URL.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def scale(
    pages: int,
    workers: int | None,
    seed: int,
    cache: Path | None,
    processes: int,
    redis_url: str,
    database_url: str,
    as_json: bool,
) -> None:
    """The batch path end to end: pages a second, CPU a page against intake read, memory per
    process over the batch, bytes stored a page."""
    from intake.lab.bench.scale import ScaleOptions, run_scale

    if pages < 1:
        raise click.UsageError("--pages must be at least 1")
    if processes and not (redis_url and database_url):
        raise click.UsageError("--processes needs --redis URL and --database URL (scratch ones)")
    settings = load_settings()
    options = ScaleOptions(
        pages=pages,
        workers=workers or settings.workers,
        seed=seed,
        cache=cache,
        processes=processes,
        redis_url=redis_url,
        database_url=database_url,
    )
    try:
        report = run_scale(options, settings)
    except IntakeError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(json.dumps(report, indent=1) if as_json else format_scale(report))


def format_crash(report: dict[str, Any]) -> str:
    """The kills, the reads and each check, a line each."""
    kills = ", ".join(f"{count} {what}" for what, count in report["kills"].items()) or "none"
    by_kind = "".join(
        f", {count} after {what}" for what, count in report.get("re_reads_by_kill_kind", {}).items()
    )
    lines = [
        f"{report['pages']} pages, {report['mode']}, {report['processes']} workers, "
        f"lease {report['lease_s']} s, seed {report['seed']}",
        f"kills: {kills} ({report['starts']} starts)",
        f"reads: {report['reads']} ({report['re_reads']} re-reads{by_kind}), "
        f"{report['forms']} forms",
        f"batch: {report['status']}, {report['pages_done']} of {report['pages_total']} pages "
        f"done, {report['seconds']} s",
    ]
    for check in report["checks"]:
        lines.append(f"{'ok  ' if check['ok'] else 'FAIL'} {check['name']}: {check['detail']}")
    lines.append("all checks passed" if report["ok"] else "CHECKS FAILED")
    return "\n".join(lines)


@bench.command("crash")
@click.option("--pages", default=100, show_default=True, help="Pages to generate and read.")
@click.option("--kills", default=20, show_default=True, help="SIGKILLs over the batch.")
@click.option("--seed", default=18, show_default=True, help="Seed of the pages and the kills.")
@click.option(
    "--processes",
    default=2,
    show_default=True,
    help="Worker processes of `intake worker` (worker threads with --embedded).",
)
@click.option("--embedded", is_flag=True, help="Kill `intake serve` on SQLite instead (no Redis).")
@click.option("--redis", "redis_url", default="", help="A scratch Redis database's URL.")
@click.option("--database", "database_url", default="", help="A scratch PostgreSQL URL.")
@click.option(
    "--lease-s",
    default=10,
    show_default=True,
    help="limits.batch_lease_s for the run: how soon a killed worker's pages are taken over.",
)
@click.option(
    "--cache",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder of the generated pages (default: ~/.cache/intake/bench-scale).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def crash(
    pages: int,
    kills: int,
    seed: int,
    processes: int,
    embedded: bool,
    redis_url: str,
    database_url: str,
    lease_s: int,
    cache: Path | None,
    as_json: bool,
) -> None:
    """SIGKILL the batch's workers at random moments, restart them, then check that every page
    was read once, every form made once and the originals kept; exit 1 when a check fails."""
    from intake.lab.bench.crash import CrashOptions, run_crash

    if pages < 1 or kills < 0 or processes < 1 or lease_s < 1:
        raise click.UsageError("--pages, --processes and --lease-s must be at least 1")
    if not embedded and not (redis_url and database_url):
        raise click.UsageError("give --redis URL and --database URL (scratch ones), or --embedded")
    options = CrashOptions(
        pages=pages,
        kills=kills,
        seed=seed,
        processes=processes,
        embedded=embedded,
        redis_url=redis_url,
        database_url=database_url,
        lease_s=lease_s,
        cache=cache,
    )
    try:
        report = run_crash(options, load_settings())
    except IntakeError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(json.dumps(report, indent=1) if as_json else format_crash(report))
    if not report["ok"]:
        raise click.exceptions.Exit(1)
