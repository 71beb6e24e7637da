"""``intake audit verify``: walk the audit chain and say where it was broken, if anywhere."""

from __future__ import annotations

import click

from intake.config import load_settings


@click.group()
def audit() -> None:
    """The audit log: check that no entry was deleted, inserted or edited."""


@audit.command("verify")
@click.pass_context
def verify_command(ctx: click.Context) -> None:
    """Check the hash chain of the whole log: one line per break, exit code 1 if any.

    On success the last line names the chain head; keep a copy of it elsewhere (a ticket, the
    backup log): a later run that shows the same head proves the log up to there unchanged."""
    from intake.accounts.cli import _factory
    from intake.audit_chain import verify

    settings = load_settings()
    with _factory(settings)() as session:
        report = verify(session)
    for finding in report.findings:
        click.echo(f"audit chain broken: {finding.message}")
    if report.findings:
        click.echo(f"{len(report.findings)} break(s) in {report.entries} entries", err=True)
        ctx.exit(1)
    click.echo(
        f"audit log intact: {report.entries} entries; head entry {report.head_id or 0} "
        f"{report.head_hash or '-'}"
    )
