"""``intake portal``: send the open pushes to the portal, list them, retry failed ones, make a key.

``intake portal push`` is what a timer (cron, systemd) or the job queue runs; each push is
tried when due, so running it often never hammers a portal that is down.
"""

from __future__ import annotations

import time

import click

from intake.config import load_settings
from intake.db.base import make_engine, make_session_factory, transaction

CLI_ACTOR = "cli"


@click.group()
def portal() -> None:
    """Provisioning of accounts to the school's portal over SCIM 2.0."""


@portal.command("push")
@click.option(
    "--watch", type=float, default=0.0, help="Keep going, every SECONDS (0: one run, then stop)."
)
def push_command(watch: float) -> None:
    """Send the pushes that are due; the rest wait for their time."""
    from intake.portal.push import push_due
    from intake.portal.scim import check_portal_settings

    settings = load_settings()
    check_portal_settings(settings.portal)
    if not settings.portal.enabled:
        click.echo("portal provisioning is off (portal.scim_url is not set): nothing to push")
        return
    factory = make_session_factory(make_engine(settings.sqlalchemy_url))
    while True:
        with factory() as session:
            report = push_due(session, settings)
        outcomes = ", ".join(f"{n} {what}" for what, n in sorted(report.outcomes.items()))
        click.echo(f"pushed: {outcomes or 'nothing due'}; failed: {report.failed}")
        if watch <= 0:
            return
        time.sleep(watch)


@portal.command("status")
def status_command() -> None:
    """List the pending and failed pushes with their last error."""
    from intake.portal.outbox import open_pushes

    settings = load_settings()
    if not settings.portal.enabled:
        click.echo("portal provisioning is off (portal.scim_url is not set)")
    with make_session_factory(make_engine(settings.sqlalchemy_url))() as session:
        views = open_pushes(session)
    for view in views:
        click.echo(
            f"{view.push_id}  {view.status:<7}  account {view.account_id}  tries {view.attempts}"
            f"  next {view.next_attempt_at:%Y-%m-%d %H:%M}  {view.last_error or ''}"
        )
    click.echo(f"{len(views)} open push(es)")


@portal.command("retry")
@click.argument("push_ids", nargs=-1)
@click.option("--all-failed", is_flag=True, help="Retry every failed push.")
def retry_command(push_ids: tuple[str, ...], all_failed: bool) -> None:
    """Make PUSH_IDS (or every failed push) due now, with a fresh series of tries."""
    from intake.db.portal import PUSH_FAILED
    from intake.portal.outbox import open_pushes, retry

    settings = load_settings()
    with transaction(make_session_factory(make_engine(settings.sqlalchemy_url))) as session:
        ids = list(push_ids)
        if all_failed:
            ids += [
                v.push_id for v in open_pushes(session, limit=10_000) if v.status == PUSH_FAILED
            ]
        count = retry(session, ids, CLI_ACTOR) if ids else 0
    click.echo(f"{count} push(es) due now; run `intake portal push`")


@portal.command("new-key")
def new_key_command() -> None:
    """Print a new key for portal.password_key (keep it with the other secrets)."""
    from intake.portal.sealing import new_key

    click.echo(new_key())
