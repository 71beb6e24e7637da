"""``intake read FILE... [--json] [--engine charnet|tesseract]``: read returned forms, print them.

Exit codes: 0 when every page of every file was read (blank backs count as read), 1 when some
page or file could not be read or is not a page of the form, 2 on a usage or configuration error.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict
from pathlib import Path

import click

from intake.bidi import escape_json
from intake.config import Settings, load_settings
from intake.engines.base import CharEngine
from intake.errors import ConfigError, IntakeError
from intake.reading.pipeline import ReadContext, read_files
from intake.reading.result import BatchRead, FieldRead, FormRead, PageRead
from intake.template.load import load_template
from intake.template.model import FormTemplate

log = logging.getLogger(__name__)

ENGINES = ("charnet", "tesseract")
#: page statuses that mean "could not be read as a page of the form"
FAILED_STATUSES = ("unreadable", "not_form")


def make_engine(name: str | None) -> CharEngine:
    """The named engine; ``None`` picks the shipped model when present, else Tesseract."""
    from intake.engines.charnet import DEFAULT_MODEL, CharNetEngine
    from intake.engines.tesseract import TesseractEngine

    if name is None:
        name = "charnet" if DEFAULT_MODEL.is_file() else "tesseract"
    if name == "charnet":
        if not DEFAULT_MODEL.is_file():
            raise ConfigError(
                f"the character model {DEFAULT_MODEL} is missing; use --engine tesseract"
            )
        return CharNetEngine()
    if name == "tesseract":
        return TesseractEngine()
    raise ConfigError(f"unknown engine {name!r}; choose one of {', '.join(ENGINES)}")


def load_templates(settings: Settings) -> dict[str, FormTemplate]:
    """Every form template in the configured folder, by key (the configured one at least)."""
    templates = {}
    directory = settings.form_templates_dir
    for path in sorted(directory.glob("*.json")) if directory.is_dir() else []:
        template = load_template(path)
        templates[template.key] = template
    if not templates:
        template = load_template(settings.form_template)
        templates[template.key] = template
    return templates


def make_context(settings: Settings, engine: str | None) -> ReadContext:
    """The reading context for a command-line run."""
    return ReadContext(
        templates=load_templates(settings),
        engine=make_engine(engine),
        thresholds=settings.thresholds,
        limits=settings.limits,
        school=settings.school,
    )


def _flags(read: FieldRead, auto_accept: float) -> str:
    flags: list[str] = list(read.problems)
    if not flags and read.value and read.confidence >= auto_accept:
        flags.append("auto")
    return ", ".join(flags)


def _page_line(page: PageRead) -> str:
    where = f"{page.source} page {page.index_in_file + 1}"
    text = f"  {where}: {page.status}"
    if page.page_number:
        text += f" (form page {page.page_number}, turned {page.rotation}°)"
    return text + (f" - {page.reason}" if page.reason else "")


def format_form(number: int, form: FormRead, auto_accept: float) -> str:
    """A readable summary of one form: pages, problems, then each field."""
    serial = form.serial or "not personalised"
    lines = [f"Form {number}: {form.form_type} v{form.version}, serial {serial}"]
    lines += [_page_line(p) for p in form.pages]
    verdict = ", ".join(form.problems) if form.problems else "none"
    lines.append(f"  problems: {verdict}; needs review: {'yes' if form.needs_review else 'no'}")
    for read in form.fields.values():
        if not read.value and not read.problems:
            continue
        lines.append(
            f"    {read.field_id:<24} {read.value:<32} {read.confidence:5.2f}  "
            f"{_flags(read, auto_accept)}"
        )
    return "\n".join(lines)


def format_batch(batch: BatchRead, auto_accept: float) -> str:
    parts = [format_form(i, form, auto_accept) for i, form in enumerate(batch.forms, 1)]
    if batch.unassigned_pages:
        parts.append("Pages not part of any form:")
        parts += [_page_line(p) for p in batch.unassigned_pages]
    if not parts:
        parts.append("No pages were found.")
    return "\n".join(parts)


def batch_failed(batch: BatchRead) -> bool:
    pages = list(batch.unassigned_pages) + [p for f in batch.forms for p in f.pages]
    return any(p.status in FAILED_STATUSES for p in pages)


@click.command("read")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.option(
    "--engine",
    type=click.Choice(ENGINES),
    default=None,
    help="Character engine (default: the shipped model if present, else tesseract).",
)
def read(files: tuple[Path, ...], as_json: bool, engine: str | None) -> None:
    """Read returned forms from FILE... (PDF, TIFF, PNG or JPEG); exit 1 if a page failed."""
    for path in files:
        if not path.is_file():
            raise click.UsageError(f"{path} is not a file")
    try:
        settings = load_settings()
        ctx = make_context(settings, engine)
    except IntakeError as exc:
        raise click.ClickException(str(exc)) from exc
    batch = read_files(list(files), ctx)
    if as_json:
        click.echo(escape_json(json.dumps(asdict(batch), indent=1, ensure_ascii=False)))
    else:
        click.echo(format_batch(batch, settings.thresholds.auto_accept_confidence))
    if batch_failed(batch):
        raise click.exceptions.Exit(1)
