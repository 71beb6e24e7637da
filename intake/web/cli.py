"""``intake staff create``, ``intake staff reset-mfa`` and ``intake serve``."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import click

from intake.config import Settings, load_settings

log = logging.getLogger(__name__)

CONSUMER_COMMAND = (
    "from intake.batch.jobs import run_consumer_processes; run_consumer_processes({workers})"
)


@click.group()
def staff() -> None:
    """Staff accounts of the web app."""


@staff.command("create")
@click.argument("username")
@click.option(
    "--role",
    type=click.Choice(["office", "approver", "admin"]),
    default="office",
    show_default=True,
)
def create(username: str, role: str) -> None:
    """Create a staff user and print a one-time password (changed at first sign-in)."""
    from intake.db.base import make_engine, make_session_factory, transaction
    from intake.db.migrate import upgrade
    from intake.staff.directory import create_staff

    settings = load_settings()
    upgrade(settings.sqlalchemy_url)
    factory = make_session_factory(make_engine(settings.sqlalchemy_url))
    with transaction(factory) as session:
        user, password = create_staff(session, username, role, school_names=settings.school.names)
        name = user.username
    click.echo(f"Created {role} {name!r}.")
    click.echo(f"One-time password (shown once; must be changed at first sign-in): {password}")


@staff.command("reset-mfa")
@click.argument("username")
def reset_mfa(username: str) -> None:
    """Remove a user's two-step sign-in (lost phone, no admin left who can); audited."""
    from intake.db.base import make_engine, make_session_factory, transaction
    from intake.db.migrate import upgrade
    from intake.errors import IntakeError
    from intake.staff import mfa
    from intake.staff.directory import find_by_username

    settings = load_settings()
    upgrade(settings.sqlalchemy_url)
    factory = make_session_factory(make_engine(settings.sqlalchemy_url))
    with transaction(factory) as session:
        user = find_by_username(session, username)
        if user is None:
            raise IntakeError(f"no staff user called {username!r}")
        mfa.reset(session, user, actor_id=None)
        name = user.username
    click.echo(f"Two-step sign-in removed for {name!r}: they set it up at their next sign-in.")


def run_server(settings: Settings, host: str, port: int, workers: int) -> None:
    """Migrate, then serve the web app on waitress with the job consumer beside it."""
    from waitress import serve as waitress_serve

    from intake.batch.jobs import build_queue, requeue_unfinished, start_consumer_in_process
    from intake.data_folder import secure_data_folder
    from intake.db.migrate import upgrade
    from intake.web import create_app, ensure_secret_key, read_secret_key

    secure_data_folder(settings)  # before anything reads or writes the data
    upgrade(settings.sqlalchemy_url)
    if not read_secret_key(settings):
        path = ensure_secret_key(settings)
        click.echo(f"Created a secret key in {path} (mode 0600).")
    queue = build_queue(settings)
    # every unfinished batch is in the database: queue each once, whatever the queue held
    queue.huey.storage.flush_queue()
    again = requeue_unfinished(settings, queue)
    if again:
        click.echo(f"Reading {again} unfinished batch(es) again where they stopped.")
    if settings.portal.enabled:
        queue.enqueue_portal_push()  # pushes left pending or waiting to retry are sent again
    app = create_app({"INTAKE_SETTINGS": settings, "INTAKE_QUEUE": queue})
    consumer = None
    worker_process = None
    if settings.redis_url:
        # several worker processes consume the Redis queue, the same task code
        worker_process = subprocess.Popen(  # noqa: S603 - our own module, no shell
            # imported, not run as __main__, so the task names match the web process's
            [sys.executable, "-c", CONSUMER_COMMAND.format(workers=int(workers))],
            env=dict(os.environ),
        )
        click.echo(f"Job queue on Redis with {workers} worker processes.")
    else:
        consumer = start_consumer_in_process(queue, workers=workers)
        click.echo(f"Job queue in this process ({workers} worker threads).")
    scheme = "https" if settings.public_https else "http"
    click.echo(f"Serving on {scheme}://{host}:{port}/  (Ctrl+C to stop)")
    try:
        waitress_serve(app, host=host, port=port, threads=8, ident="intake")
    except KeyboardInterrupt:
        pass
    finally:
        if consumer is not None:
            consumer.stop(graceful=False)  # a half-read batch resumes at the next start
        if worker_process is not None:
            worker_process.terminate()
            worker_process.wait(timeout=30)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=None, type=int, help="Job workers (default: settings.workers).")
def serve(host: str, port: int, workers: int | None) -> None:
    """Run migrations, then the web app (waitress) and its job workers."""
    settings = load_settings()
    run_server(settings, host, port, workers or settings.workers)
