"""Files into a new batch: the one path the web upload, ``intake batch import`` and the hot
folder share.

Each file's size is checked, then it is scanned for malware (``intake.batch.quarantine``: a hit
is quarantined and audited, and the upload refused), then checked by content, compared by
SHA-256 with every original already stored (the same file uploaded twice is named as a
duplicate and not read again unless asked), counted against the uploader's daily page quota,
then stored unchanged before anything else happens, and audited. The caller commits and queues
the batch.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from intake import audit
from intake.batch.pages import count_pages
from intake.batch.quarantine import screen_uploads
from intake.batch.upload_checks import check_kind, check_size, display_name
from intake.config import Settings
from intake.db.workflow import Batch, Upload
from intake.errors import InputFileError
from intake.storage import Storage


@dataclass(frozen=True)
class IncomingFile:
    """One file as it arrived: the name its sender gave and its bytes."""

    name: str
    data: bytes

    @classmethod
    def from_path(cls, path: Path) -> IncomingFile:
        try:
            return cls(path.name, path.read_bytes())
        except OSError as exc:
            raise InputFileError(f"{path}: cannot be read ({exc.strerror or exc})") from exc


@dataclass(frozen=True)
class EarlierCopy:
    """An upload already stored with the same SHA-256 as a file that arrived now."""

    name: str
    upload_id: str
    batch_id: str
    batch_label: str
    at: datetime

    def describe(self) -> str:
        return (
            f"{self.name}: the same file was uploaded on {self.at:%d %b %Y %H:%M} "
            f"(batch {self.batch_label or self.batch_id}, {self.batch_id})"
        )


class DuplicateUploadError(InputFileError):
    """Every copy named; the caller may ask to read them again."""

    def __init__(self, copies: list[EarlierCopy]) -> None:
        lines = "; ".join(c.describe() for c in copies)
        super().__init__(f"Already uploaded, not read again unless asked: {lines}")
        self.copies = copies


class QuotaError(InputFileError):
    """The uploader's daily page quota would be passed."""


@dataclass(frozen=True)
class _Checked:
    name: str
    data: bytes
    kind: str
    sha256: str


def earlier_copies(session: Session, files: list[IncomingFile]) -> list[EarlierCopy]:
    """Each file whose SHA-256 an upload already stored has (the earliest such upload)."""
    found: list[EarlierCopy] = []
    for item in files:
        digest = hashlib.sha256(item.data).hexdigest()
        row = session.execute(
            select(Upload.id, Upload.batch_id, Upload.created_at, Batch.label)
            .join(Batch, Batch.id == Upload.batch_id)
            .where(Upload.sha256 == digest)
            .order_by(Upload.created_at)
            .limit(1)
        ).first()
        if row is not None:
            at = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)
            found.append(EarlierCopy(display_name(item.name), row.id, row.batch_id, row.label, at))
    return found


def quota_resets_at(now: datetime) -> datetime:
    """The quota day ends at midnight UTC."""
    return datetime.combine(now.date() + timedelta(days=1), time(), tzinfo=UTC)


def pages_today(session: Session, user_id: str, now: datetime) -> int:
    """Pages the user uploaded since midnight UTC."""
    since = datetime.combine(now.date(), time(), tzinfo=UTC)
    total = session.scalar(
        select(func.coalesce(func.sum(Upload.page_count), 0)).where(
            Upload.uploaded_by == user_id, Upload.created_at >= since
        )
    )
    return int(total or 0)


def create_batch(
    session: Session,
    storage: Storage,
    settings: Settings,
    files: list[IncomingFile],
    *,
    label: str = "",
    user_id: str | None = None,
    again: bool = False,
    source: str = "web",
) -> Batch:
    """A new batch with every file's original stored and counted; ``InputFileError`` (a
    ``DuplicateUploadError``, ``QuotaError`` or ``MalwareFoundError`` among them) when a file
    is refused, and then nothing is kept but a flagged file in quarantine, whose security
    event is committed already. The caller commits, then queues the batch."""
    max_bytes = settings.limits.max_upload_mb * 1024 * 1024
    named = [(display_name(item.name), item.data) for item in files]
    for name, data in named:
        with _naming(name):
            check_size(data, max_bytes)
    screen_uploads(session, storage, settings, named, user_id=user_id, source=source)
    checked: list[_Checked] = []
    for name, data in named:
        with _naming(name):
            kind = check_kind(data)
        checked.append(_Checked(name, data, kind, hashlib.sha256(data).hexdigest()))
    if not checked:
        raise InputFileError("choose at least one file to upload")
    if not again:
        copies = earlier_copies(session, files)
        if copies:
            raise DuplicateUploadError(copies)
    batch = Batch(label=label.strip()[:120] or checked[0].name, created_by=user_id)
    session.add(batch)
    session.flush()
    stored_keys: list[str] = []
    pages = 0
    try:
        for one in checked:
            stored = storage.put_original(one.data)  # the original, unchanged, first
            stored_keys.append(stored.key)
            # counted from the plain bytes: the stored file is sealed
            with storage.plain_copy(stored.key) as plain:
                count = count_pages(plain, one.kind, settings)
            pages += count
            session.add(
                Upload(
                    batch_id=batch.id,
                    storage_key=stored.key,
                    sha256=stored.sha256,
                    size=stored.size,
                    display_name=one.name,
                    kind=one.kind,
                    uploaded_by=user_id,
                    page_count=count,
                )
            )
            session.flush()  # uploads keep their order
        _check_quota(session, settings, user_id, pages)
    except Exception:
        for key in stored_keys:
            storage.delete(key)
        raise
    batch.pages_total = pages
    audit.record(
        session,
        actor_id=user_id,
        action="batch.upload",
        object_type="batch",
        object_id=batch.id,
        detail={"files": len(checked), "pages": pages, "source": source, "again": again},
    )
    return batch


@contextlib.contextmanager
def _naming(name: str) -> Iterator[None]:
    """A file's refusal (``InputFileError``) with the file's name in front."""
    try:
        yield
    except InputFileError as exc:
        raise InputFileError(f"{name}: {exc}") from None


def _check_quota(session: Session, settings: Settings, user_id: str | None, pages: int) -> None:
    """Refuse when this upload takes the user past ``limits.daily_pages_per_user`` (0: none).
    Called after the new uploads are flushed, so they count too."""
    limit = settings.limits.daily_pages_per_user
    if not limit or user_id is None:
        return
    now = datetime.now(UTC)
    used = pages_today(session, user_id, now)
    if used > limit:
        before = used - pages
        raise QuotaError(
            f"This upload has {pages} page(s) and you have uploaded {before} of your "
            f"{limit} pages today; the quota resets at {quota_resets_at(now):%H:%M} UTC "
            f"({quota_resets_at(now):%d %b})"
        )
