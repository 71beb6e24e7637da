"""``intake demo``: one command from nothing to a working review screen on this computer.

It creates the data dir, migrates the database, imports the committed demo roster, queues the
committed sample batch (``samples/roster.csv`` and ``samples/batch.pdf``, which the wheel carries
inside the package), creates a demo admin with a one-time password (printed here only), and
serves the app, which reads the batch as it starts. Run it again and it reuses all of it. It needs
no development tool: the samples were made once with ``intake samples`` (see samples/README.md).
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import click
from sqlalchemy import select

from intake.config import Settings, load_settings
from intake.db.base import make_engine, make_session_factory, transaction
from intake.errors import ConfigError
from intake.paths import product_folder

log = logging.getLogger(__name__)

DEMO_ADMIN = "demo-admin"
DEMO_BATCH_LABEL = "Demo batch (10 sample forms)"
#: the committed sample files the demo loads, in ``samples/``
DEMO_FILES = ("roster.csv", "batch.pdf")


def demo_samples() -> Path:
    """The folder holding the demo's roster and batch (the wheel's copy or the checkout's)."""
    folder = product_folder("samples")
    missing = [name for name in DEMO_FILES if not (folder / name).is_file()]
    if missing:
        raise ConfigError(
            f"the demo's sample files {', '.join(missing)} are missing from {folder}: "
            "reinstall the package (the wheel carries them)"
        )
    return folder


def _import_roster(settings: Settings, roster_csv: Path) -> None:
    from intake.roster.importing import roster_overview
    from intake.web.roster_import import import_roster_bytes

    factory = make_session_factory(make_engine(settings.sqlalchemy_url))
    with transaction(factory) as session:
        if roster_overview(session).imports:
            return
        counts = import_roster_bytes(session, roster_csv, settings)
    click.echo(
        f"Imported the demo roster: {counts['students_added']} students, "
        f"{counts['contacts_added']} contacts."
    )


def _queue_batch(settings: Settings, batch_pdf: Path) -> str | None:
    """Store the sample batch PDF as an upload of a new batch, unless it is there already."""
    from intake import audit
    from intake.db.workflow import Batch, Upload
    from intake.storage import local_storage

    factory = make_session_factory(make_engine(settings.sqlalchemy_url))
    with transaction(factory) as session:
        if session.scalar(select(Batch.id).where(Batch.label == DEMO_BATCH_LABEL)):
            return None
        data = batch_pdf.read_bytes()
        stored = local_storage(settings).put_original(data)
        batch = Batch(label=DEMO_BATCH_LABEL)
        session.add(batch)
        session.flush()
        session.add(
            Upload(
                batch_id=batch.id,
                storage_key=stored.key,
                size=stored.size,
                sha256=hashlib.sha256(data).hexdigest(),
                display_name="batch.pdf",
                kind="pdf",
            )
        )
        audit.record(
            session,
            actor_id=None,
            action="batch.upload",
            object_type="batch",
            object_id=batch.id,
            detail={"files": 1, "demo": True},
        )
        return batch.id


def _demo_admin(settings: Settings) -> str | None:
    """Create the demo admin (or give it a new one-time password while it has never signed in);
    returns the one-time password to print, or None when the admin has chosen their own."""
    from intake.staff.directory import create_staff, find_by_username, reset_password

    factory = make_session_factory(make_engine(settings.sqlalchemy_url))
    with transaction(factory) as session:
        user = find_by_username(session, DEMO_ADMIN)
        if user is None:
            names = settings.school.names
            _user, password = create_staff(session, DEMO_ADMIN, "admin", school_names=names)
            return password
        if user.must_change_password:
            return reset_password(
                session, user, actor_id=user.id, school_names=settings.school.names
            )
        return None


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--no-serve",
    is_flag=True,
    help="Set up the demo school, then exit; `intake serve` later reads the batch and serves.",
)
def demo(host: str, port: int, no_serve: bool) -> None:
    """Set up a demo school (roster, sample scans, an admin) and serve the app."""
    from intake.db.migrate import upgrade
    from intake.web import ensure_secret_key, read_secret_key

    settings = load_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    click.echo(f"Data folder: {settings.data_dir.resolve()}")
    upgrade(settings.sqlalchemy_url)
    if not read_secret_key(settings):
        ensure_secret_key(settings)
    samples = demo_samples()
    _import_roster(settings, samples / "roster.csv")
    batch_id = _queue_batch(settings, samples / "batch.pdf")
    if batch_id:
        when = "when `intake serve` starts" if no_serve else "as the app starts"
        click.echo(f"The sample batch will be read {when} (watch it under Batches).")
    password = _demo_admin(settings)
    click.echo("")
    if password:
        click.echo(f"  Sign in as {DEMO_ADMIN!r} with this one-time password: {password}")
        click.echo("  (shown only here; you will choose your own password at first sign-in)")
    else:
        click.echo(f"  Sign in as {DEMO_ADMIN!r} with the password you chose.")
    if no_serve:
        click.echo(f"  Serve it with: intake serve --host {host} --port {port}")
        click.echo("")
        return
    click.echo(f"  Open http://{host}:{port}/ in a browser.")
    click.echo("")
    from intake.web.cli import run_server

    run_server(settings, host, port, settings.workers)
