"""``intake retention`` (apply the retention periods) and ``intake accounts`` (API tokens, export,
sample letter) commands."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    from intake.accounts.retention import RetentionReport
    from intake.records.file_retention import FileAction

from intake.config import Settings, load_settings
from intake.db.base import make_engine, make_session_factory, transaction

CLI_ACTOR = "cli"


def _factory(settings: Settings) -> sessionmaker[Session]:
    return make_session_factory(make_engine(settings.sqlalchemy_url))


@click.group()
def retention() -> None:
    """Remove scans of rejected forms and old letters when their retention period ends."""


@retention.command("apply")
@click.option("--dry-run", is_flag=True, help="List every file that would go; change nothing.")
def retention_apply(dry_run: bool) -> None:
    """Apply the retention periods from the configuration (``retention_*_days``)."""
    from intake.accounts.adapters import audit_recorder, check_settings
    from intake.accounts.retention import WorkflowScanPurger, apply_retention
    from intake.records.file_retention import (
        apply_file_retention,
        delete_files,
        form_file_actions,
    )
    from intake.storage import local_storage

    settings = load_settings()
    check_settings(settings)
    storage = local_storage(settings)
    now = datetime.now(UTC)
    with transaction(_factory(settings)) as session:
        report = apply_retention(
            session, settings, WorkflowScanPurger(), audit_recorder, CLI_ACTOR, now, dry_run
        )
        # a dry run purged nothing: the forms' files are listed from their pages instead
        forms = form_file_actions(session, report.rejected_forms) if dry_run else []
        files = apply_file_retention(
            session,
            settings,
            storage,
            audit_recorder,
            CLI_ACTOR,
            now,
            dry_run,
            purging=report.rejected_forms,
        )
    actions = (*(forms or report_files(report)), *files.actions)
    for action in actions:
        detail = f" ({action.detail})" if action.detail else ""
        verb = (
            action.action if dry_run else {"remove": "removed", "rewrite": "rewrote"}[action.action]
        )
        click.echo(
            f"{'would ' if dry_run else ''}{verb} {action.key}: {action.what} "
            f"{action.object_id}{detail}".replace("  ", " ")
        )
    count = 0 if dry_run else delete_files(storage, settings, actions)
    prefix = "would remove" if dry_run else "removed"
    click.echo(
        f"{prefix}: scans and read values of {len(report.rejected_forms)} rejected "
        f"form(s) ({len(forms or report_files(report)) if dry_run else len(report.files_to_delete)}"
        f" file(s)), {report.rejection_letters} rejection letter(s), "
        f"{report.letter_prints} letter print record(s); kept "
        f"{report.kept_as_account_source} form(s) that are the source of an account"
    )
    click.echo(
        f"{prefix}: page images of {files.loose_pages} loose page(s), {files.originals_removed} "
        f"original upload(s) whole, {files.exports} export(s), {files.roster_previews} "
        "abandoned roster preview(s); "
        f"{'would rewrite' if dry_run else 'rewrote'} {files.originals_rewritten} original(s)"
        f"{'' if dry_run else f' ({count} file(s) deleted in all)'}"
    )


def report_files(report: RetentionReport) -> list[FileAction]:
    """The purged forms' files (the purge returned their keys) as removals."""
    from intake.records.file_retention import FileAction

    return [FileAction("remove", key, "page image", "", "") for key in report.files_to_delete]


@click.group()
def accounts() -> None:
    """Parent Portal accounts: export, API tokens for the JSON export, a sample letter."""


@accounts.command("expire-links")
@click.option("--dry-run", is_flag=True, help="List the links that would end; change nothing.")
def expire_links_command(dry_run: bool) -> None:
    """End leavers' links whose grace period is over, and deactivate accounts left with no
    child (every roster import does this too; run it daily, e.g. from cron)."""
    from intake.accounts.adapters import audit_recorder
    from intake.accounts.lifecycle import Lifecycle, listeners_for
    from intake.accounts.roster_sync import expire_links

    settings = load_settings()
    now = datetime.now(UTC)
    listeners = () if dry_run else listeners_for(settings)
    lc = Lifecycle(audit_recorder, CLI_ACTOR, lambda: now, listeners)
    with _factory(settings)() as session:
        ended = expire_links(session, lc, now)
        if dry_run:
            session.rollback()
        else:
            session.commit()
    click.echo(f"{'would end' if dry_run else 'ended'} {ended} link(s):")
    for change in lc.changes:
        click.echo(f"  {change.words()}")


@accounts.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
def export_command(fmt: str, out: Path) -> None:
    """Write every account to OUT (audited; no passwords or safeguarding flags)."""
    from intake.accounts.adapters import audit_recorder
    from intake.accounts.export import export_accounts

    settings = load_settings()
    with transaction(_factory(settings)) as session:
        result = export_accounts(session, audit_recorder, CLI_ACTOR, fmt, via="cli")
    out.write_bytes(result.body)
    out.chmod(0o600)
    click.echo(f"{result.rows} account(s) written to {out} (sha256 {result.sha256})")


@accounts.group("api-token")
def api_token() -> None:
    """Bearer tokens for the read-only JSON export (GET /api/accounts)."""


@api_token.command("create")
@click.argument("name")
def api_token_create(name: str) -> None:
    """Create a token for client NAME; it is shown once and stored only as a SHA-256."""
    from intake.accounts.adapters import context_from_db
    from intake.accounts.export import create_api_token

    settings = load_settings()
    with transaction(_factory(settings)) as session:
        token_id, token = create_api_token(
            session, context_from_db(session, settings), name, CLI_ACTOR
        )
    click.echo(f"token id: {token_id}")
    click.echo(f"token (shown once): {token}")


@api_token.command("revoke")
@click.argument("token_id")
def api_token_revoke(token_id: str) -> None:
    """Revoke a token at once."""
    from intake.accounts.adapters import context_from_db
    from intake.accounts.export import revoke_api_token

    settings = load_settings()
    with transaction(_factory(settings)) as session:
        revoke_api_token(session, context_from_db(session, settings), token_id, CLI_ACTOR)
    click.echo("revoked")


@accounts.command("sample-letter")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
def sample_letter(out: Path) -> None:
    """Write a credential letter for a made-up parent to OUT (.pdf) to check the layout."""
    from intake.accounts.letters import CredentialLetter, render_credential_letters
    from intake.accounts.passwords import generate_initial_password
    from intake.roster.model import Address

    settings = load_settings()
    letter = CredentialLetter(
        addressee="Mrs J Whitfield",
        salutation="Mrs Whitfield",
        address=Address(("14 Chesterfield Road", "Belper", "Derbyshire"), "DE56 1FF"),
        username="jwhitfield47",
        password=generate_initial_password(),
        expires_on=date(2026, 9, 28),
        children=("Ava", "Oliver"),
        letter_date=date(2026, 9, 7),
    )
    out.write_bytes(render_credential_letters([letter], settings.school))
    click.echo(f"sample letter written to {out}", file=sys.stderr)
