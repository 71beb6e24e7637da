"""``intake staff create``, ``intake staff reset-mfa`` and ``intake serve``."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys

import click

from intake.config import Settings, load_settings
from intake.stopping import sigterm_interrupts

log = logging.getLogger(__name__)

#: seconds the job workers have to stop after SIGTERM before they are killed
WORKER_STOP_S = 30

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

    from intake.batch.jobs import (
        Reaper,
        build_queue,
        check_queue,
        reap_expired,
        requeue_unfinished,
        start_consumer_in_process,
        stop_consumer_in_process,
    )
    from intake.data_folder import secure_data_folder
    from intake.db.migrate import upgrade
    from intake.web import create_app, ensure_secret_key, read_secret_key

    secure_data_folder(settings)  # before anything reads or writes the data
    upgrade(settings.sqlalchemy_url)
    if not read_secret_key(settings):
        path = ensure_secret_key(settings)
        click.echo(f"Created a secret key in {path} (mode 0600).")
    queue = build_queue(settings)
    check_queue(queue)
    if settings.redis_url:
        # other machines' workers may share this queue: only batches whose lease ran out
        again = reap_expired(settings, queue)
    else:
        # the only consumer of its queue: every unfinished batch queued once, as it stands
        queue.huey.storage.flush_queue()
        again = requeue_unfinished(settings, queue)
    if again:
        click.echo(f"Reading {again} unfinished batch(es) again where they stopped.")
    if settings.portal.enabled:
        queue.enqueue_portal_push()  # pushes left pending or waiting to retry are sent again
    app = create_app({"INTAKE_SETTINGS": settings, "INTAKE_QUEUE": queue})
    consumer = None
    worker_process = None
    reaper = Reaper(settings, queue)
    if settings.redis_url:
        # several worker processes consume the Redis queue, the same task code
        worker_process = subprocess.Popen(  # noqa: S603 - our own module, no shell
            # imported, not run as __main__, so the task names match the web process's
            [sys.executable, "-c", CONSUMER_COMMAND.format(workers=int(workers))],
            env=dict(os.environ),
            # a process group of its own: stopping serve stops the consumer and every worker
            start_new_session=True,
        )
        click.echo(f"Job queue on Redis with {workers} worker processes.")
    else:
        consumer = start_consumer_in_process(queue, workers=workers, stop_wait_s=WORKER_STOP_S)
        reaper.start()
        click.echo(f"Job queue in this process ({workers} worker threads).")
    scheme = "https" if settings.public_https else "http"
    click.echo(f"Serving on {scheme}://{host}:{port}/  (Ctrl+C to stop)")
    try:
        # SIGTERM (a service manager, ``kill``) stops the server as Ctrl+C does, so that the
        # ``finally`` below stops the workers it started
        with sigterm_interrupts():
            waitress_serve(app, host=host, port=port, threads=8, ident="intake")
    except KeyboardInterrupt:
        pass
    finally:
        reaper.stop()
        if consumer is not None:
            # each worker ends after its page; a half-read batch resumes at the next start
            stop_consumer_in_process(queue, consumer)
        if worker_process is not None:
            _stop_process(worker_process)
        click.echo("Stopped.")


def _stop_process(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the consumer's process group (huey stops its worker processes), then SIGKILL
    to whatever of the group is left after ``WORKER_STOP_S``; a half-read batch is taken over
    from its lease by the next worker."""
    group = process.pid  # start_new_session: the group's id is the consumer's pid
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, signal.SIGTERM)
    try:
        process.wait(timeout=WORKER_STOP_S)
    except subprocess.TimeoutExpired:
        log.warning("the job workers did not stop in %s s: killed", WORKER_STOP_S)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, signal.SIGKILL)  # workers the consumer left behind
    process.wait()


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=None, type=int, help="Job workers (default: settings.workers).")
def serve(host: str, port: int, workers: int | None) -> None:
    """Run migrations, then the web app (waitress) and its job workers."""
    settings = load_settings()
    run_server(settings, host, port, workers or settings.workers)


@click.command()
@click.option(
    "--workers", default=None, type=int, help="Worker processes (default: settings.workers)."
)
def worker(workers: int | None) -> None:
    """Run job workers only, as their own processes: on this or another machine sharing the
    Redis queue, the database and the file storage with ``intake serve``."""
    from intake.batch.jobs import build_queue, check_queue, run_consumer_processes
    from intake.db.migrate import check_database

    settings = load_settings()
    if not settings.redis_url:
        raise click.UsageError(
            "intake worker needs a shared Redis queue (INTAKE_REDIS_URL); "
            "without one, intake serve runs the workers itself"
        )
    check_database(settings.sqlalchemy_url)
    check_queue(build_queue(settings))
    count = workers or settings.workers
    click.echo(f"Job workers: {count} processes on {_redacted(settings.redis_url)}.")
    run_consumer_processes(count)


def _redacted(url: str) -> str:
    """The URL without its password, for a line on the terminal."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "the configured Redis"
