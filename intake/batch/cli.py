"""``intake batch``: the web upload's path from the command line, and the batches it made.

``import`` stores the files as the web upload does (``intake.batch.uploading``: originals kept,
duplicates named, audited), then queues the batch for ``intake serve`` or ``intake worker``; with
``--wait`` (or ``--json``) this process reads it itself, under the same lease as any worker, and
ends with a summary (or the JSON of every form).
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from intake.batch.report import batch_report, batch_summary
from intake.config import Settings, load_settings
from intake.db.workflow import Batch, BatchStatus
from intake.errors import IntakeError
from intake.stopping import sigterm_interrupts

if TYPE_CHECKING:
    from intake.batch.jobs import JobQueue

#: seconds between two looks at the batch's progress while waiting
POLL_S = 0.5


def _database(settings: Settings) -> sessionmaker[Session]:
    from intake.db.base import make_engine, make_session_factory
    from intake.db.migrate import upgrade

    upgrade(settings.sqlalchemy_url)  # as intake serve does: a first run just works
    return make_session_factory(make_engine(settings.sqlalchemy_url, pool_pre_ping=True))


def _find(session: Session, batch_id: str) -> Batch:
    """The batch of ``batch_id`` or of a unique prefix of it (the 8 characters ``list`` shows)."""
    batch = session.get(Batch, batch_id)
    if batch is not None:
        return batch
    found = session.scalars(select(Batch).where(Batch.id.like(f"{batch_id}%")).limit(2)).all()
    if len(found) != 1 or len(batch_id) < 4:
        raise IntakeError(f"no batch {batch_id!r}: intake batch list shows them")
    return found[0]


@click.group()
def batch() -> None:
    """Batches of scans: import files, list, show and retry batches."""


@batch.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--label", default="", help="The batch's name (default: the first file's).")
@click.option("--wait", is_flag=True, help="Read it here, with a progress bar and a summary.")
@click.option("--json", "as_json", is_flag=True, help="Read it here, then print every form.")
@click.option("--again", is_flag=True, help="Read a file again that was uploaded before.")
def import_files(
    files: tuple[Path, ...], label: str, wait: bool, as_json: bool, again: bool
) -> None:
    """Upload FILE... as one batch (PDF, TIFF, PNG, JPEG), as the web upload does."""
    from intake.batch.uploading import IncomingFile, create_batch
    from intake.storage import local_storage

    settings = load_settings()
    sessions = _database(settings)
    here = wait or as_json
    queue = None if here else _reachable_queue(settings)  # before anything is stored
    incoming = [IncomingFile.from_path(path) for path in files]
    with sessions() as session:
        new = create_batch(
            session,
            local_storage(settings),
            settings,
            incoming,
            label=label,
            again=again,
            source="cli",
        )
        session.commit()
        batch_id, pages = new.id, new.pages_total
    click.echo(f"Batch {batch_id}: {len(files)} file(s), {pages} page(s).", err=True)
    if queue is None:
        _read_here(settings, sessions, batch_id, show_progress=wait)
        _report(sessions, settings, batch_id, as_json)
    else:
        _queue(queue, batch_id)


def _reachable_queue(settings: Settings) -> JobQueue:
    from intake.batch.jobs import build_queue, check_queue

    queue = build_queue(settings)
    check_queue(queue)
    return queue


def _queue(queue: JobQueue, batch_id: str) -> None:
    queue.enqueue_batch(batch_id)
    click.echo(
        "Queued: intake serve (or intake worker) reads it; intake batch show "
        f"{batch_id[:8]} tells how far it is.",
        err=True,
    )


def _read_here(
    settings: Settings, sessions: sessionmaker[Session], batch_id: str, *, show_progress: bool
) -> None:
    """Read the batch in this process (its ranges in ``settings.workers`` threads) while
    showing its progress; a worker elsewhere that holds it, or a range of it, is waited for."""
    from intake.batch.driver import process_batch
    from intake.batch.jobs import batch_context
    from intake.batch.lease import next_generation

    generation = next_generation(sessions, batch_id, settings.limits.batch_lease_s)
    failure: list[BaseException] = []

    def work() -> None:
        try:
            ctx = batch_context(settings)
            process_batch(ctx, batch_id, generation=generation, workers=settings.workers)
        except BaseException as exc:  # shown by the waiting thread
            failure.append(exc)

    reader = threading.Thread(target=work, name=f"batch-{batch_id[:8]}", daemon=True)
    reader.start()
    bar: Any = None
    shown = 0
    try:
        while True:
            with sessions() as session:
                current = session.get(Batch, batch_id)
                if current is None:
                    raise IntakeError(f"batch {batch_id} is gone")
                total, done, status = current.pages_total, current.pages_done, current.status
            if show_progress and bar is None and total:
                bar = click.progressbar(length=total, label="Reading pages", file=None)
                bar.__enter__()
            if bar is not None and done > shown:
                bar.update(done - shown)
                shown = done
            finished = status in (BatchStatus.DONE.value, BatchStatus.FAILED.value)
            if finished or (not reader.is_alive() and failure):
                break
            if not reader.is_alive() and status != BatchStatus.PROCESSING.value:
                break
            time.sleep(POLL_S)
    except KeyboardInterrupt:
        raise click.ClickException(
            f"stopped; pages read so far are kept: intake batch retry {batch_id[:8]} reads on"
        ) from None
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    reader.join(timeout=5)
    if failure and not isinstance(failure[0], IntakeError):
        raise IntakeError(
            f"reading stopped ({type(failure[0]).__name__}): intake batch retry {batch_id[:8]}"
        )
    if failure:
        raise failure[0]


def _report(
    sessions: sessionmaker[Session], settings: Settings, batch_id: str, as_json: bool
) -> None:
    with sessions() as session:
        found = _find(session, batch_id)
        if as_json:
            click.echo(json.dumps(batch_report(session, found, settings.thresholds), indent=2))
        else:
            _echo_summary(batch_summary(session, found))


def _echo_summary(summary: dict[str, Any]) -> None:
    read = summary["pages_done"] - summary["pages_failed"]
    click.echo(f"Batch {summary['id']} ({summary['label']}): {summary['status']}")
    click.echo(
        f"  pages: {read} read, {summary['pages_failed']} not read, of {summary['pages_total']}"
    )
    for status, count in sorted(summary["pages_not_read"].items()):
        click.echo(f"    {status}: {count}")
    states = ", ".join(
        f"{count} {state}" for state, count in sorted(summary["forms_by_state"].items())
    )
    click.echo(f"  forms: {summary['forms_found']}" + (f" ({states})" if states else ""))
    if summary["error"]:
        click.echo(f"  error: {summary['error']}")


@batch.command("list")
@click.option("--limit", default=30, show_default=True, type=int)
@click.option("--json", "as_json", is_flag=True)
def list_batches(limit: int, as_json: bool) -> None:
    """The newest batches: id, when, status, pages and forms."""
    settings = load_settings()
    with _database(settings)() as session:
        batches = session.scalars(
            select(Batch).order_by(Batch.created_at.desc()).limit(max(1, limit))
        ).all()
        if as_json:
            click.echo(json.dumps([batch_summary(session, b) for b in batches], indent=2))
            return
        if not batches:
            click.echo("No batches yet.")
            return
        click.echo(f"{'ID':8}  {'UPLOADED':16}  {'STATUS':10}  {'PAGES':>9}  {'FORMS':>5}  LABEL")
        for b in batches:
            pages = f"{b.pages_done}/{b.pages_total}"
            click.echo(
                f"{b.id[:8]}  {b.created_at:%Y-%m-%d %H:%M}  {b.status:10}  {pages:>9}  "
                f"{b.forms_found:>5}  {b.label}"
            )


@batch.command("show")
@click.argument("batch_id")
@click.option("--json", "as_json", is_flag=True, help="Every form: fields, links, problems.")
def show(batch_id: str, as_json: bool) -> None:
    """One batch: its counts (and with --json every form)."""
    settings = load_settings()
    _report(_database(settings), settings, batch_id, as_json)


@batch.command("retry")
@click.argument("batch_id")
@click.option("--wait", is_flag=True, help="Read it here instead of queueing it.")
def retry(batch_id: str, wait: bool) -> None:
    """Read a failed or stopped batch on from its first unread page (no page read twice)."""
    settings = load_settings()
    sessions = _database(settings)
    with sessions() as session:
        found = _find(session, batch_id)
        full_id = found.id
        if found.status == BatchStatus.FAILED.value:
            found.status, found.error = BatchStatus.QUEUED.value, ""
            session.commit()
    if wait:
        _read_here(settings, sessions, full_id, show_progress=True)
        _report(sessions, settings, full_id, as_json=False)
    else:
        _queue(_reachable_queue(settings), full_id)


@click.command()
@click.argument(
    "folder", type=click.Path(file_okay=False, path_type=Path, exists=True, writable=True)
)
@click.option("--poll", is_flag=True, help="Look every --interval seconds (network shares).")
@click.option("--interval", default=5.0, show_default=True, type=float, help="Seconds.")
@click.option(
    "--settle", default=3.0, show_default=True, type=float, help="Seconds a file must not change."
)
def watch(folder: Path, poll: bool, interval: float, settle: float) -> None:
    """A hot folder: every complete file put in FOLDER (or its sub-folders) becomes a queued
    batch and moves to FOLDER/processed/, or to FOLDER/rejected/ with a reason file (a file
    the antivirus scanner flags: only the reason file; the file is kept in quarantine)."""
    from intake.batch.hotfolder import HotFolder, Outcome, watch_forever
    from intake.storage import local_storage

    settings = load_settings()
    sessions = _database(settings)
    queue = _reachable_queue(settings)
    hot = HotFolder(
        folder, settings, sessions, local_storage(settings), queue.enqueue_batch, settle_s=settle
    )

    def show(outcome: Outcome) -> None:
        name = outcome.source.relative_to(hot.root)
        if outcome.batch_id:
            click.echo(f"{name}: batch {outcome.batch_id[:8]} queued")
        elif outcome.waiting:
            click.echo(f"{name}: waiting ({outcome.reason})")
        else:
            click.echo(f"{name}: rejected ({outcome.reason})")

    mode = f"polling every {interval:g} s" if poll else "inotify"
    click.echo(f"Watching {hot.root} ({mode}); Ctrl+C to stop.", err=True)
    try:
        with sigterm_interrupts():  # a service manager stops it as Ctrl+C does
            watch_forever(hot, poll=poll, interval_s=interval, on_outcome=show)
    except KeyboardInterrupt:
        click.echo("Stopped.", err=True)
