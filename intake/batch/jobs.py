"""The job queue (Huey): batch processing off the request, with ids-only payloads.

By default the queue lives in a SQLite file under the data dir and is consumed by worker threads
inside ``intake serve``; with ``Settings.redis_url`` it lives in Redis and ``intake serve`` starts
a consumer process with several worker processes. The task code is the same in both modes.
Nothing here imports Flask.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey
from huey.consumer import Consumer
from sqlalchemy.orm import Session, sessionmaker

from intake.batch import ranges
from intake.batch.context import BatchContext, Matcher, PageReader
from intake.batch.driver import plan_batch, read_range, reprocess_page
from intake.batch.lease import expired, next_generation, take_over
from intake.config import Settings, load_settings
from intake.data_folder import create_sqlite_file, secure_data_folder
from intake.db.base import make_engine, make_session_factory
from intake.errors import ConfigError
from intake.log_lines import configure_logging
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
    #: the database, for the batches' generations and leases
    sessions: Callable[[], sessionmaker[Session]] | None = None
    #: queue a batch under a generation already set (the reaper's take-over)
    requeue: Callable[[str, int], Any] = lambda batch_id, generation: None
    #: set when the process stops: a batch task ends after the page it is reading
    stopping: threading.Event = field(default_factory=threading.Event)
    #: queue a range of pages under a generation already set (the reaper's take-over)
    requeue_range: Callable[[str, int], Any] = lambda range_id, generation: None

    def database(self) -> sessionmaker[Session]:
        if self.sessions is None:
            raise ConfigError("this job queue was built without a database")
        return self.sessions()


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
    from intake.batch.memory import keep_page_images_out_of_arenas
    from intake.batch.wiring import default_matcher, default_reader

    keep_page_images_out_of_arenas()  # this process reads pages from now on
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
    cache: dict[str, Any] = {}
    stopping = threading.Event()

    def current() -> BatchContext:
        if "ctx" not in cache:
            cache["ctx"] = context() if context else batch_context(settings)
        return cache["ctx"]

    def sessions() -> sessionmaker[Session]:
        """The database alone (the web process queues batches without building a reader)."""
        if context is not None:
            return current().sessions
        if "sessions" not in cache:
            cache["sessions"] = make_session_factory(
                make_engine(settings.sqlalchemy_url, pool_pre_ping=True)
            )
        return cache["sessions"]

    @queue_huey.task(retries=1, retry_delay=5, name="read_range")
    def read_range_task(range_id: str, generation: int) -> None:
        log.info("job: range %s (generation %s)", range_id, generation)
        _, following = read_range(current(), range_id, generation, should_stop=stopping.is_set)
        for task in following:
            # behind every range queued meanwhile: batches of different users take turns
            read_range_task(*task)

    @queue_huey.task(retries=1, retry_delay=5, name="process_batch")
    def process_batch_task(batch_id: str, generation: int | None = None) -> None:
        log.info("job: batch %s (generation %s)", batch_id, generation)
        plan = plan_batch(
            current(),
            batch_id,
            generation=generation,
            in_flight=settings.limits.batch_ranges_in_flight,
        )
        for task in plan.ranges:
            read_range_task(*task)

    def enqueue_batch(batch_id: str) -> Any:
        generation = next_generation(sessions(), batch_id, settings.limits.batch_lease_s)
        return process_batch_task(batch_id, generation)

    def requeue(batch_id: str, generation: int) -> Any:
        return process_batch_task(batch_id, generation)

    @queue_huey.task(retries=1, retry_delay=5, name="reprocess_page")
    def reprocess_page_task(page_id: str) -> None:
        log.info("job: page %s", page_id)
        reprocess_page(current(), page_id)

    portal_push_task = register_portal_tasks(queue_huey, settings)
    return JobQueue(
        huey=queue_huey,
        enqueue_batch=enqueue_batch,
        enqueue_page=reprocess_page_task,
        enqueue_portal_push=portal_push_task,
        sessions=sessions,
        requeue=requeue,
        stopping=stopping,
        requeue_range=read_range_task,
    )


def reap_expired(settings: Settings, queue: JobQueue) -> int:
    """Queue again every range of pages, and every batch being planned or finished, whose
    worker stopped renewing its lease (killed, or its task lost); returns how many. Safe to
    run on every machine at once: one reaper wins each."""
    lease_s = settings.limits.batch_lease_s
    taken = 0
    for range_id, generation in ranges.expired(queue.database()):
        new = ranges.take_over(queue.database(), range_id, generation, lease_s)
        if new is not None:
            log.warning("range %s: its worker stopped; queued again (generation %s)", range_id, new)
            queue.requeue_range(range_id, new)
            taken += 1
    for batch_id, generation in expired(queue.database()):
        new = take_over(queue.database(), batch_id, generation, lease_s)
        if new is not None:
            log.warning("batch %s: its worker stopped; queued again (generation %s)", batch_id, new)
            queue.requeue(batch_id, new)
            taken += 1
    return taken


class Reaper(threading.Thread):
    """``reap_expired`` every half lease, in the background of ``intake serve`` or a worker."""

    def __init__(self, settings: Settings, queue: JobQueue) -> None:
        super().__init__(name="intake-reaper", daemon=True)
        self.settings, self.queue = settings, queue
        self.stopped = threading.Event()

    def run(self) -> None:
        every = max(1.0, self.settings.limits.batch_lease_s / 2)
        while not self.stopped.wait(every):
            try:
                reap_expired(self.settings, self.queue)
            except Exception as exc:  # the database or Redis away for a moment: try again
                log.warning("reaper: %s", describe_outage(exc))

    def stop(self) -> None:
        self.stopped.set()


def check_queue(queue: JobQueue) -> None:
    """Reach the queue's store once, or one clear ``ConfigError`` (Redis away, a wrong URL)."""
    try:
        len(queue.huey)
    except Exception as exc:
        raise ConfigError(f"the job queue cannot be reached: {describe_outage(exc)}") from None


def describe_outage(exc: BaseException) -> str:
    """One line for an unreachable or misconfigured service, without the traceback."""
    first = (str(exc).strip().splitlines() or [""])[0]
    return f"{type(exc).__name__}: {first[:200]}" if first else type(exc).__name__


def requeue_unfinished(settings: Settings, queue: JobQueue) -> int:
    """At the start of the embedded server, the only consumer of its queue: queue again every
    batch left queued or half-read (a stopped or crashed server), each under a new generation,
    so that whatever the queue still held does nothing; their ranges left half-read are read
    on from their first page without a row."""
    from sqlalchemy import select

    from intake.db.workflow import Batch, BatchStatus

    ranges.forget_readers(queue.database())
    with queue.database()() as session:
        unfinished = list(
            session.scalars(
                select(Batch.id).where(
                    Batch.status.in_([BatchStatus.QUEUED.value, BatchStatus.PROCESSING.value])
                )
            )
        )
    for batch_id in unfinished:
        queue.enqueue_batch(batch_id)
    return len(unfinished)


def start_consumer_in_process(
    queue: JobQueue, workers: int = 2, stop_wait_s: float = 30.0
) -> Consumer:
    """Worker threads inside this process (the default single-school mode); ``stop_wait_s``:
    how long ``stop_consumer_in_process`` waits for them."""
    consumer = queue.huey.create_consumer(
        workers=workers, worker_type="thread", periodic=False, shutdown_timeout=stop_wait_s
    )
    consumer.start()
    # Huey takes over SIGINT/SIGTERM for its own loop, which we do not run: give them back
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    return consumer


def stop_consumer_in_process(queue: JobQueue, consumer: Consumer) -> None:
    """Stop the worker threads and wait for them (up to the consumer's ``shutdown_timeout``): a
    batch task ends after the page it is reading and the batch reads on at the next start.

    Waiting matters: the interpreter ends daemon threads that are still running at exit with
    ``pthread_exit``, and one inside onnxruntime or OpenCV (C++) is then unwound through code
    that may not throw: the process aborts with "terminate called without an active
    exception"."""
    queue.stopping.set()
    consumer.stop(graceful=True)
    left = [thread.name for _, thread in consumer.worker_threads if thread.is_alive()]
    if left:
        log.warning("job workers still busy after %s s: %s", consumer.shutdown_timeout, left)


def run_consumer_processes(workers: int) -> None:
    """Entry point of the separate consumer (Redis mode): several worker processes, and the
    reaper that takes over the batches of a killed worker on any machine."""
    configure_logging(logging.INFO)
    settings = load_settings()
    queue = build_queue(settings)
    reaper = Reaper(settings, queue)
    reaper.start()
    try:
        queue.huey.create_consumer(workers=workers, worker_type="process", periodic=False).run()
    finally:
        reaper.stop()
