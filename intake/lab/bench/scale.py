"""``intake bench scale``: the batch path end to end on generated pages, beside ``intake read``.

The pages are generated once per (pages, seed) into a cache folder. They are uploaded as one
batch through the real upload path into a fresh data folder (SQLite, the queue in a SQLite
file, worker threads in this process: the embedded default of ``intake serve``) and read by
its range tasks; while they run, the resident memory of this process and of every process it
starts (Tesseract, pdftoppm) is sampled from /proc. Then the same pages are read by
``intake read``'s pipeline in this process, so that the CPU a page of both is measured in the
same run on the same machine.
"""

from __future__ import annotations

import logging
import math
import os
import resource
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from intake.config import Settings

log = logging.getLogger(__name__)

#: seconds between two samples of the processes' memory and the batch's progress
SAMPLE_S = 0.25
#: seconds a batch may take before the bench gives up on it
BATCH_TIMEOUT_S = 3600
#: pages of one generated form
PAGES_PER_FORM = 2
#: written last into a cached sample folder: a folder without it was cut short
COMPLETE = ".complete"


@dataclass(frozen=True)
class ScaleOptions:
    pages: int
    workers: int
    seed: int = 18
    cache: Path | None = None  # default: $XDG_CACHE_HOME/intake/bench-scale
    #: read by an ``intake worker`` of this many processes on ``redis_url`` and
    #: ``database_url`` (scratch ones) instead of the embedded default's threads
    processes: int = 0
    redis_url: str = ""
    database_url: str = ""


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "intake" / "bench-scale"


def sample_pages(options: ScaleOptions) -> list[Path]:
    """``options.pages`` page scans (two a form), generated the first time, then cached."""
    from intake.lab.samples.generate import SampleOptions, generate_samples
    from intake.lab.samples.truth import load_truths

    forms = math.ceil(options.pages / PAGES_PER_FORM)
    folder = (options.cache or cache_root()) / f"forms-{forms}-seed-{options.seed}"
    if not (folder / COMPLETE).is_file():
        folder.mkdir(parents=True, exist_ok=True)
        generate_samples(SampleOptions(out=folder, count=forms, seed=options.seed))
        (folder / COMPLETE).write_text("")
    paths = [folder / p.file for t in load_truths(folder) for p in t.pages if "#" not in p.file]
    return paths[: options.pages]


def _cpu() -> float:
    """CPU seconds of this process (every thread) and of its children that have ended."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _status(pid: int) -> dict[str, str]:
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return {}
    return dict(line.split(":", 1) for line in lines if ":" in line)


def _rss_mb(status: dict[str, str], key: str = "VmRSS") -> float:
    value = status.get(key, "0 kB").split()
    return round(int(value[0]) / 1024, 1) if value else 0.0


def _descendants(root: int) -> list[int]:
    """Every process under ``root`` (from /proc: its children, theirs, ...)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (name) state ppid ...": the name may hold spaces and brackets
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = [], [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent]
        found += children
        frontier += children
    return found


class MemorySampler(threading.Thread):
    """Samples the resident memory of this process and of its descendants, and the batch's
    pages done, until stopped."""

    def __init__(self, progress: Callable[[], int], label: str = "worker") -> None:
        super().__init__(name="bench-memory", daemon=True)
        self.progress = progress
        #: this process's name among the peaks: the worker (embedded) or the uploading bench
        self.label = label
        self.stopped = threading.Event()
        #: (pages done, this process's RSS in MB)
        self.samples: list[tuple[int, float]] = []
        #: peak RSS in MB by process name ("worker" is this process)
        self.peaks: dict[str, float] = {}
        self.processes = 0

    def sample(self) -> None:
        worker = _rss_mb(_status(os.getpid()))
        self.peaks[self.label] = max(self.peaks.get(self.label, 0.0), worker)
        seen = 0
        for pid in _descendants(os.getpid()):
            status = _status(pid)
            if status:
                name = status.get("Name", "?").strip()
                self.peaks[name] = max(self.peaks.get(name, 0.0), _rss_mb(status))
                seen += 1
        self.processes = max(self.processes, seen + 1)
        self.samples.append((self.progress(), worker))

    def run(self) -> None:
        while not self.stopped.wait(SAMPLE_S):
            try:
                self.sample()
            except Exception as exc:  # the batch's database busy for a moment
                log.debug("memory sample skipped: %s", exc)

    def stop(self) -> None:
        self.stopped.set()
        self.join()
        self.sample()

    def over_the_batch(self, pages: int) -> dict[str, float]:
        """This process's RSS when the first page was read, at half the batch, at the end."""
        read = [s for s in self.samples if s[0] >= 1] or self.samples
        middle = next((rss for done, rss in read if done >= pages / 2), read[-1][1])
        return {"start": read[0][1], "middle": middle, "end": self.samples[-1][1]}

    def peak_at_page(self) -> int:
        """The batch's pages done at the sample of this process's highest RSS (0: none)."""
        return max(self.samples, key=lambda s: s[1])[0] if self.samples else 0


def _embedded(settings: Settings, data_dir: Path) -> Settings:
    """The school's settings (engine, thresholds, limits) on a fresh embedded data folder."""
    return replace(
        settings,
        data_dir=data_dir,
        database_url="",
        redis_url="",
        storage_key="",
        storage_key_file="",
    )


def run_batch_path(settings: Settings, paths: list[Path], workers: int) -> dict[str, Any]:
    """Upload ``paths`` as one batch and read it with ``workers`` worker threads; figures."""
    from intake.batch.jobs import (
        batch_context,
        build_queue,
        make_huey,
        start_consumer_in_process,
    )
    from intake.db.base import make_engine, make_session_factory
    from intake.db.migrate import upgrade
    from intake.storage import local_storage

    upgrade(settings.sqlalchemy_url)
    sessions = make_session_factory(make_engine(settings.sqlalchemy_url))
    storage = local_storage(settings)
    # built before the clock starts, as intake read's context is: loading the reader is not
    # a cost a page
    ctx = batch_context(settings)
    queue = build_queue(settings, huey=make_huey(settings), context=lambda: ctx)

    _reset_peak()
    consumer = start_consumer_in_process(queue, workers=workers)
    try:
        return upload_and_read(sessions, storage, settings, queue, paths, label="bench scale")
    finally:
        consumer.stop(graceful=True)


def upload_and_read(
    sessions: Any,
    storage: Any,
    settings: Settings,
    queue: Any,
    paths: list[Path],
    *,
    label: str,
    sampler_label: str = "worker",
    other_cpu: Callable[[], float] = lambda: 0.0,
) -> dict[str, Any]:
    """Upload ``paths`` as one batch, queue it for the workers already running and wait until
    it is read; its figures. ``other_cpu``: CPU seconds of processes not this one's children
    (the worker processes of another command), read before the upload and at the end."""
    from sqlalchemy import select

    from intake.batch.uploading import IncomingFile, create_batch
    from intake.db.workflow import Batch

    batch_id = ""

    def done() -> int:
        with sessions() as session:
            return int(session.scalar(select(Batch.pages_done).where(Batch.id == batch_id)) or 0)

    sampler = MemorySampler(done, label=sampler_label)
    others_started = other_cpu()
    cpu_started, started = _cpu(), time.perf_counter()
    with sessions() as session:
        batch = create_batch(
            session,
            storage,
            settings,
            [IncomingFile.from_path(p) for p in paths],
            label=label,
            again=True,
            source="cli",
        )
        session.commit()
        batch_id = batch.id
    upload_cpu, upload_seconds = _cpu() - cpu_started, time.perf_counter() - started
    sampler.sample()
    sampler.start()
    queue.enqueue_batch(batch_id)
    deadline = time.monotonic() + BATCH_TIMEOUT_S
    status = ""
    while status not in ("done", "failed") and time.monotonic() < deadline:
        time.sleep(SAMPLE_S)
        with sessions() as session:
            status = session.scalar(select(Batch.status).where(Batch.id == batch_id)) or ""
    seconds = time.perf_counter() - started
    cpu = _cpu() - cpu_started + other_cpu() - others_started
    sampler.stop()
    return batch_figures(
        sessions,
        storage,
        batch_id,
        status=status,
        seconds=seconds,
        cpu=cpu,
        upload=(upload_cpu, upload_seconds),
        sampler=sampler,
    )


def batch_figures(
    sessions: Any,
    storage: Any,
    batch_id: str,
    *,
    status: str,
    seconds: float,
    cpu: float,
    upload: tuple[float, float],
    sampler: MemorySampler,
) -> dict[str, Any]:
    """The figures of a batch read end to end: counts, speed, CPU, memory, bytes stored."""
    from sqlalchemy import func, select

    from intake.db.workflow import Batch, BatchRange, Page

    upload_cpu, upload_seconds = upload
    with sessions() as session:
        finished = session.get(Batch, batch_id)
        pages = session.scalars(select(Page).where(Page.batch_id == batch_id)).all()
        spans = session.scalar(
            select(func.count()).select_from(BatchRange).where(BatchRange.batch_id == batch_id)
        )
        review = [storage.path(p.image_key).stat().st_size for p in pages if p.image_key]
        scans = [storage.path(p.scan_key).stat().st_size for p in pages if p.scan_key]
        read = len(pages)
        return {
            "status": status,
            "pages_read": read,
            "pages_failed": finished.pages_failed if finished else 0,
            "forms": finished.forms_found if finished else 0,
            "ranges": int(spans or 0),
            "seconds": round(seconds, 2),
            "pages_per_sec": round(read / seconds, 3) if seconds > 0 else 0.0,
            "cpu_sec_per_page": round(cpu / max(1, read), 3),
            # of which the upload (stored, sealed, counted) before the batch is queued
            "upload_cpu_sec_per_page": round(upload_cpu / max(1, read), 3),
            "upload_seconds": round(upload_seconds, 2),
            "rss_mb": sampler.over_the_batch(read),
            # when in the batch the sampled peak came: a peak that grows with the batch is late
            "peak_at_page": sampler.peak_at_page(),
            "peak_rss_mb_per_process": dict(sorted(sampler.peaks.items())),
            "worker_peak_rss_mb": _rss_mb(_status(os.getpid()), "VmHWM"),
            "processes_seen": sampler.processes,
            "review_image_mb_per_page": round(sum(review) / max(1, len(review)) / 2**20, 4),
            "stored_mb_per_page": round((sum(review) + sum(scans)) / max(1, read) / 2**20, 4),
        }


def _reset_peak() -> None:
    """Start this process's VmHWM afresh (Linux allows it to its own process)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        log.debug("VmHWM cannot be reset here: the peak covers the whole run")


def read_cpu_per_page(settings: Settings, paths: list[Path]) -> tuple[float, int]:
    """CPU seconds a page of ``intake read``'s pipeline on ``paths``, and the forms it found."""
    from intake.reading.cli import make_context
    from intake.reading.pipeline import read_files

    ctx = make_context(settings, None)
    started = _cpu()
    read = read_files(paths, ctx)
    pages = sum(len(f.pages) for f in read.forms) + len(read.unassigned_pages)
    return round((_cpu() - started) / max(1, pages), 3), len(read.forms)


def run_scale(options: ScaleOptions, settings: Settings) -> dict[str, Any]:
    """Everything ``intake bench scale`` reports, as one dictionary."""
    paths = sample_pages(options)
    if options.processes:
        from intake.lab.bench.scale_processes import run_batch_with_processes

        batch = run_batch_with_processes(
            settings, paths, options.processes, options.redis_url, options.database_url
        )
    else:
        with tempfile.TemporaryDirectory(prefix="intake-bench-scale-") as tmp:
            data_dir = Path(tmp) / "data"
            data_dir.mkdir(mode=0o700)
            batch = run_batch_path(_embedded(settings, data_dir), paths, options.workers)
    read_cpu, read_forms = read_cpu_per_page(settings, paths)
    ratio = round(batch["cpu_sec_per_page"] / read_cpu, 2) if read_cpu > 0 else None
    return {
        "pages": len(paths),
        "workers": options.processes or options.workers,
        "mode": "worker processes (Redis, PostgreSQL)" if options.processes else "embedded",
        "cores": len(os.sched_getaffinity(0)),
        "batch": batch,
        "read": {"cpu_sec_per_page": read_cpu, "forms": read_forms},
        "cpu_ratio_batch_to_read": ratio,
    }
