"""``intake db``: migrate the product's database (SQLite by default, or PostgreSQL)."""

from __future__ import annotations

import click

from intake.config import load_settings
from intake.db.migrate import current_revisions, head_revisions, new_revision, upgrade


@click.group()
def db() -> None:
    """Create or migrate the database named by the settings (``database_url``)."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Target revision.")
def upgrade_command(revision: str) -> None:
    """Apply every migration not yet applied (creates the SQLite file and its folder)."""
    from intake.data_folder import secure_data_folder

    settings = load_settings()
    secure_data_folder(settings)
    url = settings.sqlalchemy_url
    upgrade(url, revision)
    click.echo(f"database at {', '.join(current_revisions(url)) or 'base'}")


@db.command("current")
def current_command() -> None:
    """Show the revision the database is at and the newest one available."""
    url = load_settings().sqlalchemy_url
    click.echo(f"database: {', '.join(current_revisions(url)) or 'not migrated'}")
    click.echo(f"newest:   {', '.join(head_revisions())}")


@db.command("revision")
@click.option("-m", "--message", required=True, help="What the revision changes.")
@click.option("--empty", is_flag=True, help="Write an empty revision instead of autogenerating.")
def revision_command(message: str, empty: bool) -> None:
    """Developers: write a new revision after the current head (review it before committing)."""
    path = new_revision(message, autogenerate=not empty)
    click.echo(f"wrote {path}")
