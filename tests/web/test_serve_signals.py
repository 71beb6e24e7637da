"""``intake serve`` and ``intake worker`` as real processes: SIGTERM stops everything serve
started (its worker processes included); an unreachable Redis is one line and an exit code."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTAKE_")}
    env.update(INTAKE_DATA_DIR=str(tmp_path / "data"), **extra)
    return env


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (from /proc: no extra dependency)."""
    found: set[int] = set()
    todo = [pid]
    while todo:
        parent = todo.pop()
        for task in Path(f"/proc/{parent}/task").glob("*/children"):
            for child in task.read_text().split():
                if int(child) not in found:
                    found.add(int(child))
                    todo.append(int(child))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ")[-1][0]
    except FileNotFoundError:
        return False
    return state != "Z"


def _intake(*args: str) -> list[str]:
    return [sys.executable, "-c", "from intake.cli import main; main()", *args]


@pytest.mark.redis
@pytest.mark.slow
def test_sigterm_to_serve_stops_its_worker_processes(tmp_path: Path, redis_url: str) -> None:
    env = _env(tmp_path, INTAKE_REDIS_URL=redis_url)
    serve = subprocess.Popen(
        _intake("serve", "--port", str(_free_port()), "--workers", "2"),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines = []
    assert serve.stdout is not None
    for line in serve.stdout:
        lines.append(line)
        if line.startswith("Serving on"):
            break
    deadline = time.monotonic() + 60
    workers: set[int] = set()
    while time.monotonic() < deadline and len(workers) < 3:  # the consumer and its two workers
        time.sleep(0.3)
        workers = _descendants(serve.pid)
    assert len(workers) >= 3, lines
    serve.send_signal(signal.SIGTERM)
    out, _ = serve.communicate(timeout=60)
    assert serve.returncode == 0, out
    assert "Stopped." in out
    deadline = time.monotonic() + 10
    while [pid for pid in workers if _alive(pid)] and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in workers if _alive(pid)]


def test_worker_without_a_reachable_redis_is_one_line(tmp_path: Path) -> None:
    from intake.db.migrate import upgrade

    (tmp_path / "data").mkdir()
    upgrade(f"sqlite:///{(tmp_path / 'data' / 'intake.sqlite3').resolve()}")
    done = subprocess.run(
        _intake("worker"),
        env=_env(tmp_path, INTAKE_REDIS_URL="redis://127.0.0.1:1/0"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("error: the job queue cannot be reached: ConnectionError")
    assert len(done.stderr.strip().splitlines()) == 1


def test_worker_needs_a_shared_queue(tmp_path: Path) -> None:
    done = subprocess.run(
        _intake("worker"), env=_env(tmp_path), capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2 and "needs a shared Redis queue" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.slow
@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_stopping_serve_mid_batch_leaves_no_native_thread_running(
    tmp_path: Path, stop: signal.Signals
) -> None:
    """Stopped while its worker threads read pages (onnxruntime, OpenCV), serve waits for them
    to finish their page: a daemon thread still inside C++ when the interpreter exits is ended
    by ``pthread_exit``, which C++ answers with "terminate called without an active exception"
    and an abort."""
    env = _env(tmp_path)
    setup = subprocess.run(
        _intake("demo", "--no-serve"), env=env, capture_output=True, text=True, timeout=300
    )
    assert setup.returncode == 0, setup.stdout[-2000:] + setup.stderr[-2000:]
    serve = subprocess.Popen(
        _intake("-v", "serve", "--port", str(_free_port()), "--workers", "2"),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert serve.stderr is not None
    lines = []
    for line in serve.stderr:  # the log: stop once a page has been read and the next is begun
        lines.append(line)
        if re.search(r"batch \S+ upload \S+ page 1: ", line):
            break
    assert lines and "page 1: " in lines[-1], "".join(lines[-20:])
    time.sleep(0.3)  # inside the next page's reading: before the fix 1 run in 2 aborted here
    serve.send_signal(stop)
    out, err = serve.communicate(timeout=120)
    assert "terminate called" not in err, err[-3000:]
    assert serve.returncode == 0, err[-3000:]
    assert "Stopped." in out
