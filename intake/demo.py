"""``intake demo``: one command from nothing to a working review screen on this computer.

It creates the data dir, migrates the database, makes a demo roster and imports it, makes a
dozen sample scans from that roster and queues them as a batch, creates a demo admin with a
one-time password (printed here only), and serves the app. Run it again and it reuses all of it.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import click
from sqlalchemy import select

from intake.config import Settings, load_settings
from intake.db.base import make_engine, make_session_factory, transaction

log = logging.getLogger(__name__)

DEMO_ADMIN = "demo-admin"
DEMO_BATCH_LABEL = "Demo batch (12 sample forms)"
SAMPLE_COUNT = 12
SAMPLE_SEED = 2026


def _samples(settings: Settings) -> Path:
    """Generate the sample scans once (with their demo roster); returns their folder."""
    from intake.lab.samples.generate import SampleOptions, generate_samples

    out = settings.data_dir / "demo" / "samples"
    if (out / "batch.pdf").is_file() and (out / "roster.csv").is_file():
        return out
    click.echo(f"Making {SAMPLE_COUNT} sample scans and their demo roster in {out} ...")
    generate_samples(
        SampleOptions(out=out, count=SAMPLE_COUNT, seed=SAMPLE_SEED, batch_pdf=True, workers=1)
    )
    return out


def _import_roster(settings: Settings, roster_csv: Path) -> None:
    from intake.roster.store import roster_overview
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
    from intake.web.staff import create_staff, find_by_username, reset_password

    factory = make_session_factory(make_engine(settings.sqlalchemy_url))
    with transaction(factory) as session:
        user = find_by_username(session, DEMO_ADMIN)
        if user is None:
            _user, password = create_staff(session, DEMO_ADMIN, "admin")
            return password
        if user.must_change_password:
            return reset_password(session, user, actor_id=user.id)
        return None


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def demo(host: str, port: int) -> None:
    """Set up a demo school (roster, sample scans, an admin) and serve the app."""
    from intake.db.migrate import upgrade
    from intake.web import ensure_secret_key, read_secret_key
    from intake.web.cli import run_server

    settings = load_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    click.echo(f"Data folder: {settings.data_dir.resolve()}")
    upgrade(settings.sqlalchemy_url)
    if not read_secret_key(settings):
        ensure_secret_key(settings)
    samples = _samples(settings)
    _import_roster(settings, samples / "roster.csv")
    batch_id = _queue_batch(settings, samples / "batch.pdf")
    if batch_id:
        click.echo("The sample batch will be read as the app starts (watch it under Batches).")
    password = _demo_admin(settings)
    click.echo("")
    if password:
        click.echo(f"  Sign in as {DEMO_ADMIN!r} with this one-time password: {password}")
        click.echo("  (shown only here; you will choose your own password at first sign-in)")
    else:
        click.echo(f"  Sign in as {DEMO_ADMIN!r} with the password you chose.")
    click.echo(f"  Open http://{host}:{port}/ in a browser.")
    click.echo("")
    run_server(settings, host, port, settings.workers)
