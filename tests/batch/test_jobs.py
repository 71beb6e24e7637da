"""The job queue's tasks: every task the product needs is registered on one Huey."""

from __future__ import annotations

from pathlib import Path

from huey import MemoryHuey

from intake.batch.jobs import build_queue
from intake.config import Settings


def test_the_queue_carries_the_batch_page_and_portal_tasks(tmp_path: Path) -> None:
    huey = MemoryHuey("test-jobs", immediate=False)
    queue = build_queue(Settings(data_dir=tmp_path), huey=huey)
    names = {name.rsplit(".", 1)[-1] for name in huey._registry._registry}
    assert {"process_batch", "reprocess_page", "portal_push"} <= names
    queue.enqueue_portal_push()
    assert huey.pending_count() == 1  # a separate consumer process finds the same task name
