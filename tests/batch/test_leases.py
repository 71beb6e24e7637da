"""Leases on batches: one worker plans a batch at a time, a killed worker's batch is taken over
once its lease runs out, and a superseded task does nothing (ranges: ``test_ranges``).
The crash test SIGKILLs a worker process at random moments: every page read once, every form
once (at most the page in flight when killed is read again)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from huey import MemoryHuey
from sqlalchemy import func, select

from intake.batch import lease
from intake.batch.context import BatchContext
from intake.batch.driver import BatchRun, process_batch
from intake.batch.jobs import build_queue, reap_expired
from intake.batch.uploading import IncomingFile, create_batch
from intake.db.workflow import Batch, Form, Page

from .fakes import scan_png

HERE = Path(__file__).resolve().parent


def _batch(batch_ctx: BatchContext, forms: int, label: str = "b", user: str | None = None) -> str:
    files = [
        IncomingFile(f"f{n}-p{p}.png", scan_png(n, p)) for n in range(1, forms + 1) for p in (1, 2)
    ]
    with batch_ctx.sessions() as session:
        batch = create_batch(
            session, batch_ctx.storage, batch_ctx.settings, files, label=label, again=True
        )
        session.commit()
        return batch.id


def _counts(batch_ctx: BatchContext, batch_id: str) -> tuple[int, int]:
    with batch_ctx.sessions() as session:
        pages = session.scalar(select(func.count()).where(Page.batch_id == batch_id))
        forms = session.scalar(select(func.count()).where(Form.batch_id == batch_id))
        return pages, forms


def test_a_held_batch_is_not_read_by_a_second_worker(batch_ctx: BatchContext) -> None:
    batch_id = _batch(batch_ctx, 1)
    assert lease.claim(batch_ctx.sessions, batch_id, "worker-a", 60)
    assert process_batch(batch_ctx, batch_id) is BatchRun.SKIPPED
    assert _counts(batch_ctx, batch_id) == (0, 0)
    lease.release(batch_ctx.sessions, batch_id, "worker-a", 60)
    assert process_batch(batch_ctx, batch_id) is BatchRun.DONE
    assert _counts(batch_ctx, batch_id) == (2, 1)


def test_an_expired_lease_is_taken_over_and_the_old_task_does_nothing(
    batch_ctx: BatchContext, settings
) -> None:
    batch_id = _batch(batch_ctx, 2)
    huey = MemoryHuey("lease-test", immediate=False)
    queue = build_queue(settings, huey=huey, context=lambda: batch_ctx)
    queue.enqueue_batch(batch_id)
    stale = huey.dequeue()  # the task a worker took, then died with
    assert lease.claim(batch_ctx.sessions, batch_id, "dead-worker", 60, generation=1)
    assert reap_expired(settings, queue) == 0  # its lease still holds
    with batch_ctx.sessions() as session:
        session.get(Batch, batch_id).lease_until = datetime.now(UTC) - timedelta(seconds=1)
        session.commit()
    assert reap_expired(settings, queue) == 1
    assert reap_expired(settings, queue) == 0  # one take-over, not one per look
    huey.execute(stale)  # the dead worker's generation: superseded
    assert _counts(batch_ctx, batch_id) == (0, 0)
    task = huey.dequeue()
    assert task.args == (batch_id, 2)
    huey.execute(task)
    while (task := huey.dequeue()) is not None:  # its further slices
        huey.execute(task)
    assert _counts(batch_ctx, batch_id) == (4, 2)
    with batch_ctx.sessions() as session:
        assert session.get(Batch, batch_id).status == "done"


@pytest.mark.slow
def test_a_worker_killed_at_random_moments_reads_every_page_once(
    batch_ctx: BatchContext, settings, tmp_path: Path
) -> None:
    forms = 4
    batch_id = _batch(batch_ctx, forms)
    reads_log = tmp_path / "reads.log"
    command = [
        sys.executable,
        str(HERE / "crash_worker.py"),
        str(settings.data_dir),
        settings.sqlalchemy_url,
        batch_id,
        str(reads_log),
    ]
    chance = random.Random(18)
    kills = 0
    for _ in range(5):
        worker = subprocess.Popen(command)
        time.sleep(chance.uniform(0.6, 1.6))  # start-up is about half a second
        if worker.poll() is None:
            os.kill(worker.pid, signal.SIGKILL)
            kills += 1
        worker.wait()
    finished = subprocess.run(command, timeout=120, check=False)
    assert finished.returncode == 0
    assert kills >= 3
    assert _counts(batch_ctx, batch_id) == (2 * forms, forms)
    reads = Counter(reads_log.read_text().split())
    assert len(reads) == 2 * forms  # every page read
    # a kill loses at most the page it was reading; no page is read by two workers at once
    assert sum(reads.values()) <= 2 * forms + kills
    with batch_ctx.sessions() as session:
        batch = session.get(Batch, batch_id)
        assert (batch.status, batch.pages_done, batch.pages_total) == ("done", 8, 8)
        identities = session.scalars(select(Form.identity).where(Form.batch_id == batch_id)).all()
        assert len(set(identities)) == forms


def test_a_family_form_in_two_batches_is_flagged_in_both(batch_ctx: BatchContext) -> None:
    first = _batch(batch_ctx, 1, "week 1")
    assert process_batch(batch_ctx, first) is BatchRun.DONE
    second = _batch(batch_ctx, 1, "week 2")  # the same family serial, a new copy
    assert process_batch(batch_ctx, second) is BatchRun.DONE
    with batch_ctx.sessions() as session:
        forms = session.scalars(select(Form).order_by(Form.created_at)).all()
        assert [f.batch_id for f in forms] == [first, second]
        assert all("duplicate_batch" in f.problems for f in forms)
        assert all("duplicate" not in f.problems for f in forms)  # not two in one batch
