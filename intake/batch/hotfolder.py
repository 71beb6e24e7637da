"""A hot folder for the copier's scan-to-folder: each complete file becomes a batch.

A file is taken only once it is complete: its size and modification time unchanged across two
looks at least ``settle_s`` apart (a copier writing over SMB grows the file for a while). Then it
goes the web upload's way (``intake.batch.uploading``: duplicates by SHA-256, originals kept,
audited) and is moved to ``processed/``, or to ``rejected/`` with ``NAME.reason.txt`` beside it
saying why. Sub-folders (a copier's folder per user) keep their place under both. Files already
there when the watcher starts are taken too, so it survives restarts; the copier's temporary
names are left alone until renamed.

With antivirus scanning on (``antivirus.clamd``), a file the scanner flags leaves the share: its
sealed copy is in the store's quarantine, and only ``NAME.reason.txt`` is put in ``rejected/``,
naming the signature and the quarantine id. Office staff open ``rejected/`` to see what went
wrong, so an infected file left there would be handed back to anyone who can reach the share
(and the file server's own antivirus would flag it there again); an IT admin expects it gone
from the share and the details in the audit log, as mail gateways do. When clamd cannot be
reached, files are not rejected: they wait in the folder, unread, and are tried again after
``SCANNER_RETRY_S``, so a scanner restart overnight costs nobody a re-scan of their forms.
"""

from __future__ import annotations

import logging
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from time import monotonic

from sqlalchemy.orm import Session, sessionmaker

from intake.batch.antivirus import ScannerUnavailable
from intake.batch.quarantine import MalwareFoundError
from intake.batch.uploading import DuplicateUploadError, IncomingFile, create_batch
from intake.config import Settings
from intake.errors import InputFileError
from intake.storage import Storage

log = logging.getLogger(__name__)

PROCESSED = "processed"
REJECTED = "rejected"
REASON_SUFFIX = ".reason.txt"
#: seconds files wait after clamd could not be reached, before the next try
SCANNER_RETRY_S = 60.0
#: names of files still being written: dot files, Office/SMB temporaries, partial downloads
_IN_PROGRESS = re.compile(r"^(\.|~\$|~)|\.(tmp|part|partial|crdownload|filepart|!sync)$", re.I)


@dataclass(frozen=True)
class Outcome:
    """What became of one file: the batch it made, or why it was refused. ``moved_to`` is the
    reason file of a quarantined file, and ``source`` itself for a file left to wait."""

    source: Path
    moved_to: Path
    batch_id: str = ""
    reason: str = ""

    @property
    def waiting(self) -> bool:
        return self.moved_to == self.source


@dataclass
class _Seen:
    size: int
    mtime_ns: int
    since: float


class HotFolder:
    """The folder's state between looks; ``scan`` takes every file that is complete."""

    def __init__(
        self,
        root: Path,
        settings: Settings,
        sessions: sessionmaker[Session],
        storage: Storage,
        queue_batch: Callable[[str], object],
        *,
        settle_s: float = 2.0,
        clock: Callable[[], float] = monotonic,
    ) -> None:
        self.root = root.resolve()
        self.settings, self.sessions, self.storage = settings, sessions, storage
        self.queue_batch = queue_batch
        self.settle_s, self.clock = settle_s, clock
        self.seen: dict[Path, _Seen] = {}
        #: no file is taken before this (clock time): the scanner could not be reached
        self.scanner_back_at = float("-inf")
        for sub in (PROCESSED, REJECTED):
            (self.root / sub).mkdir(parents=True, exist_ok=True)

    def candidates(self) -> list[Path]:
        """Files waiting in the folder and its sub-folders (not in processed/ or rejected/)."""
        found = []
        for path in sorted(self.root.rglob("*")):
            relative = path.relative_to(self.root)
            if relative.parts[0] in (PROCESSED, REJECTED) or not path.is_file():
                continue
            if any(_IN_PROGRESS.search(part) for part in relative.parts):
                continue
            found.append(path)
        return found

    def scan(self) -> list[Outcome]:
        """Look once: note every file, take those unchanged since the look before, and at
        least ``settle_s`` ago."""
        now = self.clock()
        outcomes = []
        present = set()
        for path in self.candidates():
            present.add(path)
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            seen = self.seen.get(path)
            if seen is None or (seen.size, seen.mtime_ns) != (stat.st_size, stat.st_mtime_ns):
                self.seen[path] = _Seen(stat.st_size, stat.st_mtime_ns, now)  # still growing
                continue
            if now - seen.since < self.settle_s or stat.st_size == 0:
                continue
            if now < self.scanner_back_at:
                continue
            outcomes.append(self.take(path))
            self.seen.pop(path, None)
        for gone in set(self.seen) - present:
            del self.seen[gone]
        return outcomes

    def take(self, path: Path) -> Outcome:
        """One complete file into a batch (queued), then out of the way."""
        relative = path.relative_to(self.root)
        label = " / ".join(relative.parts)[:120]
        try:
            incoming = IncomingFile.from_path(path)
            with self.sessions() as session:
                batch = create_batch(
                    session,
                    self.storage,
                    self.settings,
                    [incoming],
                    label=label,
                    source="watch",
                )
                session.commit()
                batch_id = batch.id
        except DuplicateUploadError as exc:
            if all(copy.batch_label == label for copy in exc.copies):
                # taken before a restart, stopped before the move: it is this file's batch
                moved = _move(path, self.root / PROCESSED / relative)
                return Outcome(path, moved, batch_id=exc.copies[0].batch_id)
            return self._reject(path, relative, exc)
        except MalwareFoundError as exc:
            return self._quarantined(path, relative, exc)
        except ScannerUnavailable as exc:
            self.scanner_back_at = self.clock() + SCANNER_RETRY_S
            log.warning("hot folder: files wait, the antivirus scanner cannot be reached")
            return Outcome(path, path, reason=str(exc))
        except InputFileError as exc:
            return self._reject(path, relative, exc)
        self.queue_batch(batch_id)
        moved = _move(path, self.root / PROCESSED / relative)
        log.info("hot folder: batch %s queued", batch_id)
        return Outcome(path, moved, batch_id=batch_id)

    def _reject(self, path: Path, relative: Path, exc: InputFileError) -> Outcome:
        moved = _move(path, self.root / REJECTED / relative)
        moved.with_name(moved.name + REASON_SUFFIX).write_text(f"{exc}\n", encoding="utf-8")
        log.warning("hot folder: a file was rejected (%s)", type(exc).__name__)
        return Outcome(path, moved, reason=str(exc))

    def _quarantined(self, path: Path, relative: Path, exc: MalwareFoundError) -> Outcome:
        """The flagged file off the share (kept sealed in quarantine), its reason file in
        ``rejected/``."""
        reason = _free_name(self.root / REJECTED / relative)
        reason = reason.with_name(reason.name + REASON_SUFFIX)
        reason.write_text(f"{exc}\n", encoding="utf-8")
        path.unlink()
        log.warning("hot folder: a file was quarantined")
        return Outcome(path, reason, reason=str(exc))


def _free_name(target: Path) -> Path:
    """``target``, or ``NAME-n.ext`` when it or its reason file is there: copiers reuse names
    (``scan0001.pdf`` every morning)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    final, n = target, 1
    while final.exists() or final.with_name(final.name + REASON_SUFFIX).exists():
        final = target.with_name(f"{target.stem}-{n}{target.suffix}")
        n += 1
    return final


def _move(path: Path, target: Path) -> Path:
    """Move without overwriting."""
    final = _free_name(target)
    shutil.move(str(path), final)
    return final


def watch_forever(
    folder: HotFolder,
    *,
    poll: bool,
    interval_s: float,
    on_outcome: Callable[[Outcome], None],
    should_stop: Callable[[], bool] = lambda: False,
) -> None:
    """Look at the folder when inotify says something changed (or every ``interval_s`` with
    ``poll``, for network shares, where inotify sees nothing), and while files settle."""
    import threading

    wake = threading.Event()
    observer = None
    if not poll:
        from watchdog.events import FileSystemEvent, FileSystemEventHandler
        from watchdog.observers import Observer

        class Waker(FileSystemEventHandler):
            def on_any_event(self, event: FileSystemEvent) -> None:
                wake.set()

        observer = Observer()
        observer.schedule(Waker(), str(folder.root), recursive=True)
        observer.start()
    try:
        while not should_stop():
            for outcome in folder.scan():
                on_outcome(outcome)
            # files seen but not yet settled need another look soon, events or not
            wait = min(interval_s, folder.settle_s) if folder.seen else interval_s
            wake.wait(wait)
            wake.clear()
    finally:
        if observer is not None:
            observer.stop()
            observer.join(timeout=5)
