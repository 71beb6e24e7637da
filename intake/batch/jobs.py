"""The job queue (Huey): batch processing off the request, with ids-only payloads.

By default the queue lives in a SQLite file under the data dir and is consumed by worker threads
inside ``intake serve``; with ``Settings.redis_url`` it lives in Redis and ``intake serve`` starts
a consumer process with several worker processes. The task code is the same in both modes.
Nothing here imports Flask.
"""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey
from huey.consumer import Consumer

from intake.batch.context import BatchContext, Matcher, PageReader
from intake.batch.driver import process_batch, reprocess_page
from intake.config import Settings, load_settings
from intake.data_folder import create_sqlite_file, secure_data_folder
from intake.db.base import make_engine, make_session_factory
from intake.portal.tasks import register_portal_tasks
from intake.storage import local_storage

log = logging.getLogger(__name__)


@dataclass
class JobQueue:
    """A Huey instance with the product's tasks registered on it."""

    huey: Huey
    #: queue a batch for processing (returns at once)
    enqueue_batch: Callable[[str], Any]
    #: queue one page to be read again (after a manual rotation)
    enqueue_page: Callable[[str], Any]
    #: queue a run of the portal's due pushes (it schedules itself again while any wait)
    enqueue_portal_push: Callable[[], Any] = lambda: None


def make_huey(settings: Settings, *, memory: bool = False) -> Huey:
    """Redis when configured, else a SQLite file in the data dir (``memory`` for tests)."""
    if memory:
        return MemoryHuey("intake", immediate=False)
    if settings.redis_url:
        return RedisHuey("intake", url=settings.redis_url)
    settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    jobs = settings.data_dir / "jobs.sqlite3"
    create_sqlite_file(jobs)  # 0600 before SQLite would make it with the umask
    return SqliteHuey("intake", filename=str(jobs))


def batch_context(
    settings: Settings, reader: PageReader | None = None, matcher: Matcher | None = None
) -> BatchContext:
    """Build the worker's context from configuration (engine, storage, reader, matcher)."""
    from intake.batch.wiring import default_matcher, default_reader

    secure_data_folder(settings)
    engine = make_engine(settings.sqlalchemy_url, pool_pre_ping=True)
    return BatchContext(
        settings=settings,
        sessions=make_session_factory(engine),
        storage=local_storage(settings),
        reader=reader or default_reader(settings),
        matcher=matcher or default_matcher(settings),
    )


def build_queue(
    settings: Settings,
    *,
    huey: Huey | None = None,
    context: Callable[[], BatchContext] | None = None,
) -> JobQueue:
    """Register the tasks on ``huey``; the context is built lazily in the worker."""
    queue_huey = huey or make_huey(settings)
    cache: dict[str, BatchContext] = {}

    def current() -> BatchContext:
        if "ctx" not in cache:
            cache["ctx"] = context() if context else batch_context(settings)
        return cache["ctx"]

    @queue_huey.task(retries=1, retry_delay=5, name="process_batch")
    def process_batch_task(batch_id: str) -> None:
        log.info("job: batch %s", batch_id)
        process_batch(current(), batch_id)

    @queue_huey.task(retries=1, retry_delay=5, name="reprocess_page")
    def reprocess_page_task(page_id: str) -> None:
        log.info("job: page %s", page_id)
        reprocess_page(current(), page_id)

    portal_push_task = register_portal_tasks(queue_huey, settings)
    return JobQueue(
        huey=queue_huey,
        enqueue_batch=process_batch_task,
        enqueue_page=reprocess_page_task,
        enqueue_portal_push=portal_push_task,
    )


def requeue_unfinished(settings: Settings, queue: JobQueue) -> int:
    """Queue again every batch left queued or half-read (a stopped or crashed worker); the job
    is idempotent, so a batch that was still waiting in the queue is merely a no-op twice."""
    from sqlalchemy import select

    from intake.db.workflow import Batch, BatchStatus

    engine = make_engine(settings.sqlalchemy_url)
    try:
        with make_session_factory(engine)() as session:
            unfinished = list(
                session.scalars(
                    select(Batch.id).where(
                        Batch.status.in_([BatchStatus.QUEUED.value, BatchStatus.PROCESSING.value])
                    )
                )
            )
    finally:
        engine.dispose()
    for batch_id in unfinished:
        queue.enqueue_batch(batch_id)
    return len(unfinished)


def start_consumer_in_process(queue: JobQueue, workers: int = 2) -> Consumer:
    """Worker threads inside this process (the default single-school mode)."""
    consumer = queue.huey.create_consumer(workers=workers, worker_type="thread", periodic=False)
    consumer.start()
    # Huey takes over SIGINT/SIGTERM for its own loop, which we do not run: give them back
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    return consumer


def run_consumer_processes(workers: int) -> None:
    """Entry point of the separate consumer (Redis mode): several worker processes."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    settings = load_settings()
    queue = build_queue(settings)
    queue.huey.create_consumer(workers=workers, worker_type="process", periodic=False).run()
