"""Original uploads cut down to the pages that may still be kept (the only module that talks to
pikepdf).

An original upload (one copier PDF, say) holds many families' forms. When some of its pages must
go (their form is past retention or erased, or a loose page is past its time) the original is
rewritten without them; when every page must go, it is removed. The pages that stay are
renumbered to their positions in the rewritten file, so that re-reading a page from the original
still finds it; the pages that went keep a negative index (no position in the file) and are
recorded in ``original_rewrites`` with the positions kept and removed.

Files are never deleted inside the transaction: the new file is written first, the row points at
it, and the old file's key is returned for deletion once the transaction has committed (a
rollback leaves the old file in place, and at worst an orphaned new one).
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import pikepdf
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.db.records import OriginalRewrite
from intake.db.workflow import Page, Upload
from intake.errors import InputFileError
from intake.storage import Storage


@dataclass(frozen=True)
class OriginalPlan:
    """What happens to one original: the positions (0-based) that go and that stay."""

    upload_id: str
    storage_key: str
    remove: tuple[int, ...]
    keep: tuple[int, ...]
    past_time: bool = False  # the whole original goes for its age, not for its pages

    @property
    def whole(self) -> bool:
        return not self.keep


def drop_pages(data: bytes, kind: str, remove: Iterable[int]) -> bytes:
    """``data`` without the pages at the positions in ``remove`` (PDF and multi-page TIFF)."""
    gone = set(remove)
    if kind == "pdf":
        try:
            with pikepdf.open(io.BytesIO(data)) as pdf:
                for position in sorted(gone, reverse=True):
                    del pdf.pages[position]
                out = io.BytesIO()
                pdf.save(out)
                return out.getvalue()
        except pikepdf.PdfError as exc:
            raise InputFileError("the stored original PDF cannot be rewritten") from exc
    if kind == "tiff":
        with Image.open(io.BytesIO(data)) as image:
            frames = []
            for position in range(getattr(image, "n_frames", 1)):
                image.seek(position)
                if position not in gone:
                    frames.append(image.copy())
        out = io.BytesIO()
        frames[0].save(out, format="TIFF", save_all=True, append_images=frames[1:])
        return out.getvalue()
    raise InputFileError(f"a {kind} original holds one page: remove it whole")


def page_positions(session: Session, upload: Upload) -> dict[int, Page] | None:
    """The upload's pages by position in the stored file; None when some position has no page
    row (the batch is not fully read: nothing may be cut from it)."""
    pages = session.scalars(select(Page).where(Page.upload_id == upload.id, Page.index >= 0))
    by_position = {p.index: p for p in pages}
    if not upload.storage_key or upload.page_count < 1:
        return None
    if set(by_position) != set(range(upload.page_count)):
        return None
    return by_position


def plan_for(upload: Upload, positions: dict[int, Page], remove: set[int]) -> OriginalPlan:
    keep = tuple(p for p in sorted(positions) if p not in remove)
    return OriginalPlan(upload.id, upload.storage_key, tuple(sorted(remove)), keep)


def apply_plan(
    session: Session, storage: Storage, plan: OriginalPlan, cause: str, now: datetime
) -> list[str]:
    """Rewrite or remove the original in the caller's transaction; return the keys to delete
    after the commit."""
    upload = session.get(Upload, plan.upload_id)
    if upload is None or upload.storage_key != plan.storage_key:
        return []
    pages = list(session.scalars(select(Page).where(Page.upload_id == upload.id)))
    free = min((p.index for p in pages), default=0)
    by_position = {p.index: p for p in pages if p.index >= 0}
    # two steps, so that the unique (upload, index) never sees two rows at one index
    for page in by_position.values():
        page.index = -1_000_000 - page.index
    session.flush()
    for position in plan.remove:
        free = min(free, 0) - 1
        by_position[position].index = free
    for new_position, position in enumerate(plan.keep):
        by_position[position].index = new_position
    old_key = upload.storage_key
    data = storage.get(old_key)
    new_sha = ""
    if plan.whole:
        upload.storage_key = ""
    else:
        stored = storage.put_original(drop_pages(data, upload.kind, plan.remove))
        upload.storage_key, upload.size, new_sha = stored.key, stored.size, stored.sha256
    upload.page_count = len(plan.keep)
    session.add(
        OriginalRewrite(
            upload_id=upload.id,
            at=now,
            cause=cause,
            removed_whole=plan.whole,
            removed_indices=list(plan.remove),
            kept_indices=list(plan.keep),
            old_sha256=hashlib.sha256(data).hexdigest(),
            new_sha256=new_sha,
        )
    )
    return [old_key]
