"""The hot folder: a file is taken only once its size has stopped changing, then moved to
processed/ (a batch queued) or rejected/ with a reason file; duplicates by SHA-256, sub-folders,
the copier's temporary and reused names, files left from before a restart; inotify wakes it."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from sqlalchemy import func, select

from intake.batch.context import BatchContext
from intake.batch.hotfolder import HotFolder, watch_forever
from intake.db.workflow import Batch, Upload

from .fakes import scan_png


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _folder(tmp_path: Path, batch_ctx: BatchContext, queued: list[str]) -> tuple[HotFolder, Clock]:
    clock = Clock()
    root = tmp_path / "hot"
    root.mkdir(exist_ok=True)
    hot = HotFolder(
        root,
        batch_ctx.settings,
        batch_ctx.sessions,
        batch_ctx.storage,
        queued.append,
        settle_s=2.0,
        clock=clock,
    )
    return hot, clock


def _settled(hot: HotFolder, clock: Clock) -> list:
    """Two looks, the settling time apart: what the second one took."""
    assert hot.scan() == []
    clock.now += 3
    return hot.scan()


def _batches(batch_ctx: BatchContext) -> list[str]:
    with batch_ctx.sessions() as session:
        return list(session.scalars(select(Batch.label).order_by(Batch.created_at)))


def test_a_growing_file_waits_then_becomes_a_queued_batch(tmp_path, batch_ctx) -> None:
    queued: list[str] = []
    hot, clock = _folder(tmp_path, batch_ctx, queued)
    data = scan_png(1, 1)
    scan = hot.root / "SCAN_0001.png"
    scan.write_bytes(data[: len(data) // 2])  # the copier is still writing
    assert hot.scan() == []
    clock.now += 5
    scan.write_bytes(data)  # grew since the last look
    assert hot.scan() == []
    clock.now += 1
    assert hot.scan() == []  # unchanged, but not for long enough
    clock.now += 2
    (outcome,) = hot.scan()
    assert outcome.moved_to == hot.root / "processed" / "SCAN_0001.png"
    assert not scan.exists() and outcome.moved_to.read_bytes() == data
    assert queued == [outcome.batch_id]
    with batch_ctx.sessions() as session:
        upload = session.scalar(select(Upload))
        assert upload.batch_id == outcome.batch_id
        assert batch_ctx.storage.get(upload.storage_key) == data  # the original kept


def test_duplicates_and_bad_files_go_to_rejected_with_a_reason(tmp_path, batch_ctx) -> None:
    queued: list[str] = []
    hot, clock = _folder(tmp_path, batch_ctx, queued)
    (hot.root / "a.png").write_bytes(scan_png(1, 1))
    (hot.root / "notes.png").write_bytes(b"this is not an image at all")
    assert len(_settled(hot, clock)) == 2
    (hot.root / "copy of a.png").write_bytes(scan_png(1, 1))
    outcomes = _settled(hot, clock)
    assert [o.moved_to.name for o in outcomes] == ["copy of a.png"]
    rejected = hot.root / "rejected"
    reason = (rejected / "copy of a.png.reason.txt").read_text()
    assert "Already uploaded" in reason and "copy of a.png: the same file was uploaded on" in reason
    assert "not a PDF, TIFF, PNG or JPEG" in (rejected / "notes.png.reason.txt").read_text()
    assert len(queued) == 1 and _batches(batch_ctx) == ["a.png"]


def test_sub_folders_temporary_and_reused_names(tmp_path, batch_ctx) -> None:
    queued: list[str] = []
    hot, clock = _folder(tmp_path, batch_ctx, queued)
    office = hot.root / "Office-Copier" / "jsmith"
    office.mkdir(parents=True)
    (office / "scan0001.png").write_bytes(scan_png(1, 1))
    (office / "scan0002.png.tmp").write_bytes(scan_png(2, 1))  # still being written
    (office / "~$scan.png").write_bytes(scan_png(3, 1))
    (hot.root / "processed" / "Office-Copier" / "jsmith").mkdir(parents=True)
    (hot.root / "processed" / "Office-Copier" / "jsmith" / "scan0001.png").write_bytes(b"old")
    (outcome,) = _settled(hot, clock)
    assert (
        outcome.moved_to == hot.root / "processed" / "Office-Copier" / "jsmith" / "scan0001-1.png"
    )
    assert _batches(batch_ctx) == ["Office-Copier / jsmith / scan0001.png"]
    assert (office / "scan0002.png.tmp").exists() and (office / "~$scan.png").exists()


def test_files_left_from_before_a_restart_are_taken(tmp_path, batch_ctx) -> None:
    root = tmp_path / "hot"
    root.mkdir()
    (root / "left.png").write_bytes(scan_png(1, 1))
    queued: list[str] = []
    hot, clock = _folder(tmp_path, batch_ctx, queued)  # a watcher starting afresh
    assert [o.moved_to.parent.name for o in _settled(hot, clock)] == ["processed"]
    # a watcher stopped between storing a file and moving it: the file is its own batch
    (root / "again.png").write_bytes(scan_png(2, 1))
    first = hot.take(root / "again.png")
    (root / "again.png").write_bytes(scan_png(2, 1))
    second = hot.take(root / "again.png")
    assert second.batch_id == first.batch_id and second.moved_to.parent.name == "processed"
    with batch_ctx.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Batch)) == 2


def test_inotify_wakes_the_watcher(tmp_path, batch_ctx) -> None:
    root = tmp_path / "hot"
    root.mkdir()
    queued: list[str] = []
    hot = HotFolder(
        root, batch_ctx.settings, batch_ctx.sessions, batch_ctx.storage, queued.append, settle_s=0.3
    )
    outcomes = []
    stop = threading.Event()
    watcher = threading.Thread(
        target=watch_forever,
        kwargs={
            "folder": hot,
            "poll": False,
            "interval_s": 60.0,  # without inotify nothing would be looked at in this test
            "on_outcome": outcomes.append,
            "should_stop": stop.is_set,
        },
        daemon=True,
    )
    watcher.start()
    time.sleep(0.5)
    (root / "arrived.png").write_bytes(scan_png(1, 1))
    deadline = time.monotonic() + 20
    while not outcomes and time.monotonic() < deadline:
        time.sleep(0.1)
    stop.set()
    (root / "wake").mkdir()  # one more event so that the loop sees the stop
    watcher.join(timeout=10)
    assert [o.moved_to.name for o in outcomes] == ["arrived.png"]
    assert len(queued) == 1
