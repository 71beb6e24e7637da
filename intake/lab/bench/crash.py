"""``intake bench crash``: a batch read by real workers that are SIGKILLed at random moments.

The pages of ``intake bench scale`` are uploaded as one batch. ``intake worker`` (Redis and
PostgreSQL, scratch ones) or ``intake serve`` (``embedded``: SQLite and worker threads) reads
it, started the real way with JSON log lines, and at each of the seeded moments (spread over
the batch: once a drawn number of pages is done, then a drawn fraction of a second) this
SIGKILLs the whole process tree and starts it again, or (worker mode) one worker process, which
the consumer restarts by itself. Recovery is the product's own: the reaper re-queues expired
leases (``limits.batch_lease_s`` lowered for the run), a restarted embedded server reads its
unfinished batches on. Once the batch is done the checks of ``crash_checks`` are run.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from intake.batch.upload_checks import display_name
from intake.config import Settings
from intake.errors import IntakeError
from intake.lab.bench import crash_checks
from intake.lab.bench.scale import (
    PAGES_PER_FORM,
    SAMPLE_S,
    ScaleOptions,
    _descendants,
    sample_pages,
)

#: seconds a started worker or server may take to be up
READY_TIMEOUT_S = 120
#: seconds the batch may take once the last kill is done
FINISH_TIMEOUT_S = 900
#: at most this many seconds between a kill's page count being reached and the kill
KILL_DELAY_S = 2.0


@dataclass(frozen=True)
class CrashOptions:
    pages: int
    kills: int = 20
    seed: int = 18
    #: worker processes of ``intake worker``, or worker threads of ``intake serve``
    processes: int = 2
    embedded: bool = False
    redis_url: str = ""
    database_url: str = ""
    lease_s: int = 10
    cache: Path | None = None


@dataclass(frozen=True)
class Kill:
    """One planned kill: once ``after_pages`` are done and ``delay_s`` more, of ``what``:
    ``tree`` (everything the command runs), ``one`` (a worker process), ``server``."""

    after_pages: int
    delay_s: float
    what: str


def plan_kills(options: CrashOptions) -> list[Kill]:
    """The seeded kills, one drawn in each equal share of the batch's pages; the two kinds of
    worker kill in equal numbers, shuffled."""
    chance = random.Random(options.seed)
    if options.embedded:
        kinds = ["server"] * options.kills
    else:
        kinds = ["tree", "one"] * (options.kills // 2) + ["tree"] * (options.kills % 2)
        chance.shuffle(kinds)
    share = options.pages / max(1, options.kills)
    return [
        Kill(int((n + chance.random()) * share), round(chance.uniform(0, KILL_DELAY_S), 2), what)
        for n, what in enumerate(kinds)
    ]


class Readers:
    """The command under test (``intake worker`` or ``intake serve``), started and killed."""

    def __init__(self, settings: Settings, options: CrashOptions, logs: Path) -> None:
        self.settings, self.options, self.logs = settings, options, logs
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def command(self) -> list[str]:
        base = [sys.executable, "-m", "intake", "-v", "--log-format", "json"]
        workers = str(self.options.processes)
        if self.options.embedded:
            return [*base, "serve", "--workers", workers, "--port", str(_free_port())]
        return [*base, "worker", "--workers", workers]

    def environment(self) -> dict[str, str]:
        """The school's environment on the run's data folder, database, queue and lease (an
        empty URL: the embedded SQLite file and queue, whatever a configuration file says)."""
        return {
            **os.environ,
            "INTAKE_DATA_DIR": str(self.settings.data_dir),
            "INTAKE_DATABASE_URL": self.settings.database_url,
            "INTAKE_REDIS_URL": self.settings.redis_url,
            "INTAKE_STORAGE_KEY": "",
            "INTAKE_LIMITS__BATCH_LEASE_S": str(self.options.lease_s),
            "INTAKE_LOG_FORMAT": "json",
        }

    def start(self) -> None:
        """Start the command (a process group of its own) and wait until it is up: its worker
        processes started, or the server serving."""
        self.starts += 1
        log_path = self.log_path()
        with log_path.open("wb") as log_file:
            self.process = subprocess.Popen(  # noqa: S603 - this interpreter, fixed arguments
                self.command(),
                env=self.environment(),
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + READY_TIMEOUT_S
        while not self.ready():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                tail = log_path.read_text(errors="replace")[-2000:]
                raise IntakeError(f"{' '.join(self.command()[3:5])} did not start:\n{tail}")
            time.sleep(SAMPLE_S)

    def log_path(self) -> Path:
        return self.logs / f"run-{self.starts:02d}.log"

    def workers(self) -> list[int]:
        """The worker processes: the consumer's children but the first it started (Huey's
        scheduler), oldest first."""
        return _children(self.process.pid)[1:] if self.process else []

    def last_reader(self) -> int | None:
        """The worker process that began reading a page last (by its log lines), if alive."""
        workers = self.workers()
        for line in reversed(self.log_path().read_text(errors="replace").splitlines()):
            if '"page read: ' in line:
                with contextlib.suppress(ValueError, KeyError, TypeError):
                    pid = int(json.loads(line)["process"])
                    if pid in workers:
                        return pid
        return None

    def ready(self) -> bool:
        if self.options.embedded:
            return "Serving on" in self.log_path().read_text(errors="replace")
        return len(self.workers()) >= self.options.processes

    def kill(self, what: str, chance: random.Random) -> tuple[int, ...]:
        """SIGKILL the whole group and start again, or one worker process (left to the
        consumer to replace, waited for); the pids killed."""
        if self.process is None:
            return ()
        if what == "one":
            workers = self.workers()
            victim = self.last_reader() or (chance.choice(workers) if workers else None)
            if victim is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(victim, signal.SIGKILL)
            deadline = time.monotonic() + READY_TIMEOUT_S
            while victim in self.workers() and time.monotonic() < deadline:
                time.sleep(SAMPLE_S)
            while not self.ready() and time.monotonic() < deadline:
                time.sleep(SAMPLE_S)  # the consumer's health check starts another
            return () if victim is None else (victim,)
        tree = (self.process.pid, *_descendants(self.process.pid))
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.start()
        return tree

    def stop(self) -> None:
        """SIGTERM to the group, then SIGKILL to whatever is left."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(30)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


def _children(parent: int) -> list[int]:
    """Live processes whose parent is ``parent`` (zombies are not workers), oldest first."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent and fields[0] != "Z":
            found.append((int(fields[19]), int(entry.name)))  # start time, in clock ticks
    return [pid for _, pid in sorted(found)]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run_settings(settings: Settings, options: CrashOptions, data_dir: Path) -> Settings:
    """The school's settings on a fresh data folder and the run's database, queue and lease."""
    return replace(
        settings,
        data_dir=data_dir,
        database_url="" if options.embedded else options.database_url,
        redis_url="" if options.embedded else options.redis_url,
        storage_key="",
        storage_key_file="",
        limits=replace(settings.limits, batch_lease_s=options.lease_s),
    )


def run_crash(options: CrashOptions, settings: Settings) -> dict[str, Any]:
    """Everything ``intake bench crash`` reports: the kills, the reads and every check."""
    paths = sample_pages(
        ScaleOptions(pages=options.pages, workers=1, seed=options.seed, cache=options.cache)
    )
    with tempfile.TemporaryDirectory(prefix="intake-bench-crash-") as tmp:
        data_dir, logs = Path(tmp) / "data", Path(tmp) / "logs"
        data_dir.mkdir(mode=0o700)
        logs.mkdir()
        return _run(run_settings(settings, options, data_dir), options, paths, logs)


def _run(
    settings: Settings, options: CrashOptions, paths: list[Path], logs: Path
) -> dict[str, Any]:
    from intake.batch.jobs import build_queue, make_huey
    from intake.batch.uploading import IncomingFile, create_batch
    from intake.db.base import make_engine, make_session_factory
    from intake.db.migrate import upgrade
    from intake.storage import local_storage

    upgrade(settings.sqlalchemy_url)
    sessions = make_session_factory(make_engine(settings.sqlalchemy_url))
    storage = local_storage(settings)
    queue = build_queue(settings, huey=make_huey(settings))
    if not options.embedded:
        queue.huey.flush()  # a scratch Redis database: this batch's tasks alone
    started = time.monotonic()
    with sessions() as session:
        created = create_batch(
            session,
            storage,
            settings,
            [IncomingFile.from_path(p) for p in paths],
            label="bench crash",
            again=True,
            source="cli",
        )
        session.commit()
        batch_id = created.id
    readers = Readers(settings, options, logs)
    readers.start()
    try:
        queue.enqueue_batch(batch_id)
        kills = _kill_through(readers, options, lambda: _progress(sessions, batch_id))
        deadline = time.monotonic() + FINISH_TIMEOUT_S
        while _progress(sessions, batch_id)[0] not in ENDED and time.monotonic() < deadline:
            time.sleep(SAMPLE_S)
        seconds = time.monotonic() - started
    finally:
        readers.stop()
    sent = {display_name(p.name): hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}
    facts = crash_checks.gather_facts(sessions, storage, batch_id, sent)
    reads = crash_checks.read_logs(sorted(logs.glob("*.log")), batch_id)
    checks = crash_checks.all_checks(
        facts,
        reads,
        expected_pages=len(paths),
        expected_forms=-(-len(paths) // PAGES_PER_FORM),
        killed=frozenset(pid for k in kills for pid in k.pids),
        # the embedded server's worker threads share its pid: a page each in flight
        pages_a_process=options.processes if options.embedded else 1,
    )
    made = crash_checks.Check(
        "kills made",
        len(kills) == options.kills,
        f"{len(kills)} of {options.kills}"
        + ("" if len(kills) == options.kills else " (the batch ended before the rest)"),
    )
    kinds = [k.what for k in kills]
    return {
        "mode": "embedded (intake serve, SQLite)" if options.embedded else "intake worker (Redis)",
        "pages": len(paths),
        "processes": options.processes,
        "lease_s": options.lease_s,
        "seed": options.seed,
        "kills": {what: kinds.count(what) for what in sorted(set(kinds))},
        "kill_moments": [asdict(k) for k in kills],
        "starts": readers.starts,
        "reads": sum(reads.started.values()),
        "re_reads": crash_checks.re_reads(reads),
        "re_reads_by_kill_kind": _re_reads_by_kind(reads, kills),
        "forms": len(facts.identities),
        "status": facts.status,
        "pages_done": facts.pages_done,
        "pages_total": facts.pages_total,
        "seconds": round(seconds, 1),
        "checks": [asdict(c) for c in [*checks, made]],
        "ok": all(c.ok for c in [*checks, made]),
    }


#: a batch's statuses once nothing more will happen to it
ENDED = ("done", "failed")


@dataclass(frozen=True)
class KillMade:
    """A kill as it happened: of ``what``, with ``pages_done`` pages of the batch done."""

    what: str
    pages_done: int
    batch_status: str
    after_s: float
    pids: tuple[int, ...]


def _progress(sessions: Any, batch_id: str) -> tuple[str, int]:
    from sqlalchemy import select

    from intake.db.workflow import Batch

    with sessions() as session:
        row = session.execute(
            select(Batch.status, Batch.pages_done).where(Batch.id == batch_id)
        ).one()
        return str(row.status), int(row.pages_done)


def _kill_through(
    readers: Readers, options: CrashOptions, progress: Callable[[], tuple[str, int]]
) -> list[KillMade]:
    """Make the planned kills as the batch reaches them; those the batch outran are not."""
    chance, started, made = random.Random(options.seed + 1), time.monotonic(), []
    for kill in plan_kills(options):
        status, pages_done = progress()
        while pages_done < kill.after_pages and status not in ENDED:
            time.sleep(SAMPLE_S)
            status, pages_done = progress()
        time.sleep(kill.delay_s)
        status, pages_done = progress()
        if status in ENDED:
            break
        pids = readers.kill(kill.what, chance)
        after_s = round(time.monotonic() - started, 1)
        made.append(KillMade(kill.what, pages_done, status, after_s, pids))
    return made


def _re_reads_by_kind(reads: crash_checks.Reads, kills: list[KillMade]) -> dict[str, int]:
    """The re-reads, by the kind of kill that stopped the first read (``none``: no kill)."""
    kind = {pid: k.what for k in kills for pid in k.pids}
    counts: dict[str, int] = {}
    for _, pid in crash_checks.interrupted(reads):
        counts[kind.get(pid, "none")] = counts.get(kind.get(pid, "none"), 0) + 1
    return dict(sorted(counts.items()))
