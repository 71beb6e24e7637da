"""``intake bench scale --processes N``: the batch path on Redis and PostgreSQL, read by an
``intake worker`` of N worker processes started the real way (as another machine would run it).

The database and the Redis database given must be scratch ones: the migrations run on the
database, and the Redis database is emptied of the job queue's tasks before the batch, so that
the workers read this batch alone. Files go to a fresh data folder that the worker is pointed
at. The CPU a page is that of the whole worker tree (read from /proc while it runs, so that
loading the models before the batch is not counted) and of this process (the upload).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from intake.config import Settings
from intake.errors import IntakeError
from intake.lab.bench.scale import SAMPLE_S, _descendants, upload_and_read

#: seconds the worker may take to start its processes and load the reader
READY_TIMEOUT_S = 120
#: seconds the worker is given to stop after SIGTERM before it is killed
STOP_WAIT_S = 30


def _tree_cpu(root: int) -> float:
    """CPU seconds of ``root`` and every process under it (with their ended children)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in [root, *_descendants(root)]:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
    return total / ticks


def _start_worker(settings: Settings, processes: int, log_path: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "INTAKE_DATA_DIR": str(settings.data_dir),
        "INTAKE_DATABASE_URL": settings.database_url,
        "INTAKE_REDIS_URL": settings.redis_url,
    }
    with log_path.open("wb") as log_file:
        worker = subprocess.Popen(  # noqa: S603 - this interpreter, fixed arguments
            [sys.executable, "-m", "intake", "worker", "--workers", str(processes)],
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + READY_TIMEOUT_S
    while len(_descendants(worker.pid)) < processes:
        if worker.poll() is not None or time.monotonic() > deadline:
            _stop(worker)
            tail = log_path.read_text(errors="replace")[-2000:]
            raise IntakeError(f"intake worker did not start its {processes} processes:\n{tail}")
        time.sleep(SAMPLE_S)
    return worker


def _settled(worker: subprocess.Popen[bytes]) -> None:
    """Wait until the worker tree's CPU stops climbing (its processes are up and idle)."""
    before = _tree_cpu(worker.pid)
    while True:
        time.sleep(1.0)
        now = _tree_cpu(worker.pid)
        if now - before < 0.05:
            return
        before = now


def _stop(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(STOP_WAIT_S)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def run_batch_with_processes(
    settings: Settings, paths: list[Path], processes: int, redis_url: str, database_url: str
) -> dict[str, Any]:
    """Upload ``paths`` as one batch on ``database_url`` and ``redis_url`` and have an
    ``intake worker`` of ``processes`` processes read it; the figures of ``run_batch_path``."""
    from intake.batch.jobs import build_queue, make_huey
    from intake.db.base import make_engine, make_session_factory
    from intake.db.migrate import upgrade
    from intake.storage import local_storage

    with tempfile.TemporaryDirectory(prefix="intake-bench-workers-") as tmp:
        data_dir = Path(tmp) / "data"
        data_dir.mkdir(mode=0o700)
        shared = replace(
            settings,
            data_dir=data_dir,
            database_url=database_url,
            redis_url=redis_url,
            storage_key="",
            storage_key_file="",
        )
        upgrade(shared.sqlalchemy_url)
        sessions = make_session_factory(make_engine(shared.sqlalchemy_url))
        storage = local_storage(shared)
        queue = build_queue(shared, huey=make_huey(shared))
        queue.huey.flush()  # a scratch Redis database: this batch's tasks alone
        worker = _start_worker(shared, processes, Path(tmp) / "worker.log")
        try:
            _settled(worker)
            figures = upload_and_read(
                sessions,
                storage,
                shared,
                queue,
                paths,
                label="bench scale (worker processes)",
                sampler_label="bench",
                other_cpu=lambda: _tree_cpu(worker.pid),
            )
        finally:
            _stop(worker)
        # this process only uploads: the workers' memory is in the peaks, by process name
        figures.pop("rss_mb")
        figures.pop("worker_peak_rss_mb")
        return {**figures, "worker_processes": processes}
