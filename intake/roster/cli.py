"""``intake roster import|show``."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import click
from sqlalchemy.exc import IntegrityError

from intake.config import Settings, load_settings
from intake.db.base import make_engine, make_session_factory
from intake.db.migrate import upgrade
from intake.errors import RosterError
from intake.roster.csv_io import DEFAULT_MAX_BYTES, load_csv, read_bytes
from intake.roster.ctf import looks_like_xml, read_ctf_file
from intake.roster.importing import ImportSummary, SourceFile, import_roster, roster_overview
from intake.roster.merges import load_contact_merges

_MAX_WARNINGS_SHOWN = 20


@click.group()
def roster() -> None:
    """Load the school roster (CSV or DfE CTF) into the database, and summarise it."""


def _source(path: Path, tutor_groups: Path | None) -> SourceFile:
    data = read_bytes(path, DEFAULT_MAX_BYTES)
    content = read_ctf_file(path, tutor_groups) if looks_like_xml(data) else load_csv(path)
    return SourceFile(path.name, hashlib.sha256(data).hexdigest(), content)


def _print_summary(summary: ImportSummary, dry_run: bool) -> None:
    verb = "would change" if dry_run else "changed"
    click.echo(f"{'full' if summary.full else 'partial'} import {verb}:")
    click.echo(
        f"  students: {summary.students_added} added, {summary.students_updated} updated "
        f"({summary.tutor_groups_changed} tutor groups), {summary.students_left} marked "
        f"leavers, {summary.students_returned} back on roll"
    )
    click.echo(
        f"  contacts: {summary.contacts_added} added, {summary.contacts_updated} updated, "
        f"{summary.contacts_not_current} no longer current"
    )
    click.echo(
        f"  links: {summary.links_added} added, {summary.links_updated} updated, "
        f"{summary.links_ended} ended"
    )
    if summary.flag_changes:
        click.secho(
            f"  {len(summary.flag_changes)} parental responsibility / court order / "
            "no contact change(s), check accounts:",
            fg="yellow",
            bold=True,
        )
        for change in summary.flag_changes:
            click.secho(
                f"    student {change.student_id}, contact {change.contact_id}: {change.change}",
                fg="yellow",
            )
    _print_account_changes(summary, dry_run)
    if summary.warnings:
        click.echo(f"  {len(summary.warnings)} warning(s):")
        for warning in summary.warnings[:_MAX_WARNINGS_SHOWN]:
            click.echo(f"    {warning}")
        if len(summary.warnings) > _MAX_WARNINGS_SHOWN:
            click.echo(f"    ... and {len(summary.warnings) - _MAX_WARNINGS_SHOWN} more")


def _print_account_changes(summary: ImportSummary, dry_run: bool) -> None:
    """Every change the import made (or would make) to portal accounts, one line each."""
    verb = "would change" if dry_run else "changed"
    changes = summary.account_changes
    click.secho(
        f"  accounts: {len(changes)} change(s) {'would be made' if dry_run else 'made'}",
        fg="yellow" if changes else None,
        bold=bool(changes),
    )
    for change in changes:
        click.secho(f"    {change.words()}", fg="yellow")
    for warning in summary.account_warnings:
        click.secho(f"    check: {warning}", fg="yellow")
    if any(c.kind == "link_suspended" for c in changes):
        click.echo(f"    the import {verb} access: the safeguarding screen lists suspended links")


@roster.command("import")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--tutor-groups",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV of UPN/StudentID and RegGroup for the pupils of a CTF.",
)
@click.option(
    "--full/--partial",
    default=None,
    help="Full: students missing from the files are leavers. Default: full for CSV "
    "files, partial when any file is a CTF or a CTF says partial.",
)
@click.option(
    "--allow-mass-leavers",
    is_flag=True,
    help="Allow a full import to mark more than 30% of students as leavers.",
)
@click.option(
    "--contact-merges",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV of OldContactID,NewContactID: contacts the MIS merged or gave a new id "
    "(their account follows; one account per person).",
)
@click.option(
    "--dry-run", is_flag=True, help="Show what would change, accounts too; change nothing."
)
@click.option(
    "--yes",
    is_flag=True,
    help="Confirm parental responsibility, court order and no-contact changes without "
    "being asked (they are shown first either way).",
)
def import_command(
    files: tuple[Path, ...],
    tutor_groups: Path | None,
    full: bool | None,
    allow_mass_leavers: bool,
    contact_merges: Path | None,
    dry_run: bool,
    yes: bool,
) -> None:
    """Load roster FILES (CSV or CTF, told apart by content) in one transaction, with what
    the changes do to portal accounts.

    A change of parental responsibility, a court order or a no-contact flag decides who sees
    a child, so such an import is first run as a dry run and shown, and is made only when
    confirmed (at the prompt, or with --yes). The changes made must be the very ones shown:
    if the roster changed in between, nothing is imported."""
    settings = load_settings()
    _screen(settings, [*files, *([tutor_groups] if tutor_groups else [])])
    sources = [_source(path, tutor_groups) for path in files]
    if full is None:
        full = all(s.content.kind == "csv" and s.content.full for s in sources)
    merges = load_contact_merges(contact_merges) if contact_merges else {}
    upgrade(settings.sqlalchemy_url)
    run = ImportRun(settings, sources, full, allow_mass_leavers, merges)
    expected = None
    if not dry_run and not yes:  # with --yes the summary below lists them
        preview = run.once(dry_run=True)
        if preview.flag_changes:
            _print_summary(preview, dry_run=True)
            expected = _flag_lines(preview)
            click.echo("Nothing is imported until you confirm (--yes confirms in a script).")
            click.confirm(f"Import these {len(expected)} change(s)?", abort=True)
    summary = run.once(dry_run=dry_run, expected=expected)
    _print_summary(summary, dry_run)


def _screen(settings: Settings, paths: list[Path]) -> None:
    """The antivirus scan every upload gets (``intake.batch.quarantine``), before any reading."""
    if not settings.antivirus.clamd:
        return
    from intake.batch.quarantine import screen_uploads
    from intake.storage import local_storage

    upgrade(settings.sqlalchemy_url)  # the audit log a hit is written to
    files = [(path.name, read_bytes(path, DEFAULT_MAX_BYTES)) for path in paths]
    engine = make_engine(settings.sqlalchemy_url)
    try:
        with make_session_factory(engine)() as session:
            screen_uploads(
                session, local_storage(settings), settings, files, user_id=None, source="roster-cli"
            )
    finally:
        engine.dispose()


def _flag_lines(summary: ImportSummary) -> list[tuple[str, str, str]]:
    return sorted((c.student_id, c.contact_id, c.change) for c in summary.flag_changes)


@dataclass(frozen=True)
class ImportRun:
    """One roster import's inputs, run as a dry run or for real, each in its own transaction."""

    settings: Settings
    sources: list[SourceFile]
    full: bool
    allow_mass_leavers: bool
    merges: dict[str, str]

    def once(
        self, *, dry_run: bool, expected: list[tuple[str, str, str]] | None = None
    ) -> ImportSummary:
        """Import (or, dry, import and roll back). With ``expected``, the import is kept only
        if its PR, court order and no-contact changes are exactly those."""
        from intake.accounts.roster_sync import rules_from_settings

        rules = rules_from_settings(self.settings, "cli", self.merges, dry_run=dry_run)
        engine = make_engine(self.settings.sqlalchemy_url)
        try:
            with make_session_factory(engine)() as session:
                try:
                    summary = import_roster(
                        session, self.sources, self.full, self.allow_mass_leavers, accounts=rules
                    )
                except IntegrityError as exc:
                    session.rollback()
                    raise RosterError(
                        "the database refused the import (was another import running "
                        "at the same time?); nothing was imported"
                    ) from exc
                except BaseException:
                    session.rollback()
                    raise
                if dry_run:
                    session.rollback()
                elif expected is not None and _flag_lines(summary) != expected:
                    session.rollback()
                    raise RosterError(
                        "the roster changed since the changes were shown: nothing was "
                        "imported; run the import again to see them"
                    )
                else:
                    session.commit()
        finally:
            engine.dispose()
        return summary


@roster.command("show")
def show() -> None:
    """Summarise the roster in the database (counts only, no personal data)."""
    settings = load_settings()
    upgrade(settings.sqlalchemy_url)
    engine = make_engine(settings.sqlalchemy_url)
    try:
        with make_session_factory(engine)() as session:
            overview = roster_overview(session)
    finally:
        engine.dispose()
    if overview.imports == 0:
        raise RosterError("no roster loaded yet: run intake roster import FILE")
    total = sum(overview.students_by_year.values())
    click.echo(f"students on roll: {total} ({overview.leavers} leavers kept)")
    for year, count in overview.students_by_year.items():
        click.echo(f"  year {year:>2}: {count}")
    click.echo(
        f"tutor groups: {overview.tutor_groups} ({overview.without_tutor_group} students "
        "without one)"
    )
    click.echo(
        f"contacts: {overview.contacts}, links: {overview.links} "
        f"({overview.links_with_pr} with parental responsibility)"
    )
    click.echo(
        f"students with no contact holding parental responsibility: "
        f"{overview.students_without_pr_contact}"
    )
    click.echo(f"flags: {overview.court_orders} court order(s), {overview.no_contacts} no contact")
    last = overview.last_import_at.isoformat(timespec="seconds") if overview.last_import_at else "-"
    click.echo(f"imports: {overview.imports}, last {last}")
