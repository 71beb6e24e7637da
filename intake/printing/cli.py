"""``intake form``: print the blank form, or the whole pack a school posts to families."""

from __future__ import annotations

import logging
from datetime import date, datetime
from pathlib import Path

import click

from intake.config import Settings, load_settings
from intake.errors import InputFileError
from intake.progress import TerminalProgress
from intake.template.model import FormTemplate

log = logging.getLogger(__name__)


def _template(settings: Settings, name: str) -> FormTemplate:
    from intake.template import load_template

    path = Path(name) if name.endswith(".json") else settings.form_templates_dir / f"{name}.json"
    return load_template(path)


@click.command("form")
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="PDF to write (default: form.pdf, or pack.pdf with --pack).",
)
@click.option(
    "--pack",
    is_flag=True,
    help="Write the whole pack: letter, usage policy, acceptable use policy, form.",
)
@click.option(
    "--roster",
    "roster_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Roster CSV: one personalised pack per family (implies --pack).",
)
@click.option(
    "--out-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="With --pack: one PDF per family in this folder instead of one PDF.",
)
@click.option(
    "--template",
    "template_name",
    default=None,
    help="Form template name or .json path (default: the configured one).",
)
@click.option(
    "--png",
    "png_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Also write PNG pictures of the blank form's pages into this folder.",
)
@click.option(
    "--letter-date",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Date printed on the pack's letter, YYYY-MM-DD (default: today).",
)
@click.option(
    "--dpi",
    default=100,
    show_default=True,
    type=click.IntRange(50, 600),
    help="Resolution of the --png pictures.",
)
def form(
    out: Path | None,
    pack: bool,
    roster_file: Path | None,
    out_dir: Path | None,
    template_name: str | None,
    png_dir: Path | None,
    letter_date: datetime | None,
    dpi: int,
) -> None:
    """Write the blank A4 application form as PDF, or the pack a school posts (--pack)."""
    from intake.printing.layout import layout_problems

    settings = load_settings()
    template = _template(settings, template_name or settings.form_template)
    school = settings.school
    for problem in layout_problems(template, school):
        click.echo(f"warning: {problem}", err=True)
    pack = pack or roster_file is not None
    if out_dir is not None and not pack:
        raise click.UsageError("--out-dir goes with --pack or --roster")
    if pack:
        when = letter_date.date() if letter_date else None
        _write_pack(template, settings, out, out_dir, roster_file, when)
    else:
        from intake.printing.render import render_form_pdf

        target = out or Path("form.pdf")
        pages = render_form_pdf(template, school, target)
        click.echo(f"wrote {target} ({template.key}, {pages} pages)")
    if png_dir is not None:
        from intake.printing.images import write_page_pngs

        for path in write_page_pngs(template, school, png_dir, dpi=dpi):
            click.echo(f"wrote {path}")


def _write_pack(
    template: FormTemplate,
    settings: Settings,
    out: Path | None,
    out_dir: Path | None,
    roster_file: Path | None,
    letter_date: date | None,
) -> None:
    from intake.printing.pack import (
        PackRecipient,
        recipients_from_roster,
        render_pack_pdf,
        render_packs_to_dir,
    )

    recipients = [PackRecipient()]
    if roster_file is not None:
        from intake.roster.csv_io import read_roster

        if not roster_file.is_file():
            raise InputFileError(f"roster file {roster_file} does not exist")
        recipients = recipients_from_roster(read_roster(roster_file))
        if not recipients:
            raise InputFileError(f"roster {roster_file} has no family to send a pack to")
        log.info("personalised packs for %d families", len(recipients))
    progress = TerminalProgress() if len(recipients) > 1 else None
    if out_dir is not None:
        written = render_packs_to_dir(
            template, settings.school, out_dir, recipients, letter_date, progress=progress
        )
        click.echo(f"wrote {len(written)} pack(s) into {out_dir}")
        return
    target = out or Path("pack.pdf")
    pages = render_pack_pdf(
        template, settings.school, target, recipients, letter_date, progress=progress
    )
    click.echo(f"wrote {target} ({len(recipients)} pack(s), {pages} pages)")
