"""Retention of files: originals cut down or removed, loose page images, subject-access exports.

Run after ``intake.accounts.retention.apply_retention`` in the same transaction:

- **Loose pages** (blank, not a form, unreadable: any page in no form) lose their page images
  (as scanned and aligned) ``retention_loose_pages_days`` after they were read.
- **Originals**: a page of an original upload *has gone* when its form's scans were purged
  (retention or erasure, ``purged_forms``) or it is a loose page past its time. An original whose
  every page has gone is removed; one where only some have gone is rewritten without them
  (``intake.records.originals``). An upload whose batch was not fully read is not cut down.
- **Originals past their time**: ``retention_originals_days`` after the upload the whole
  original goes, whatever became of its pages, unless a page of it is in a form still being
  read, reviewed or held. Once read, the product works from its own re-encoded page images (a
  signed form of an account keeps those, as the audit copy); the file as sent, with every
  family's pages and its metadata, is only needed to read it again.
- **Exports**: subject-access exports made in the web app go ``retention_exports_days`` after
  they were made.
- **Abandoned roster previews**: the sealed copy of a roster file an admin previewed and never
  confirmed or cancelled goes once the preview is past ``ROSTER_PREVIEW_LIFETIME`` (each
  preview names its copies in its ``roster.previewed`` audit entry).

``dry_run`` lists every file that would be removed or rewritten and changes nothing. The run is
audited with ids and counts only. Files are deleted only after the commit (``delete_files``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import ColumnElement, delete, or_, select
from sqlalchemy.orm import Session

from intake.accounts.collection import as_aware
from intake.accounts.ports import AuditRecorder
from intake.config import Settings
from intake.db.records import PurgedForm, SubjectExport
from intake.db.workflow import AuditEntry, Form, Page, PageStatus, Upload
from intake.records.originals import OriginalPlan, apply_plan, page_positions, plan_for
from intake.review.states import FormState
from intake.storage import Storage

log = logging.getLogger(__name__)

LOOSE_STATUSES = tuple(s.value for s in PageStatus)  # a page in no form is loose whatever it is
#: forms that may still need their original read again
OPEN_FORM_STATES = (FormState.PROCESSING, FormState.REVIEW, FormState.CHECKED, FormState.HELD)
EXPORTS_DIR = "exports"
#: a roster import preview not confirmed within this is abandoned (the web app refuses it)
ROSTER_PREVIEW_LIFETIME = timedelta(hours=1)
ROSTER_PREVIEWED = "roster.previewed"


@dataclass(frozen=True)
class FileAction:
    """One file that retention removes or rewrites, and why."""

    action: str  # "remove" or "rewrite"
    key: str  # a storage key (orig/..., page/...) or exports/<file name>
    what: str  # "page image", "original", "export"
    object_id: str  # the page, upload or export it belongs to
    detail: str = ""


@dataclass(frozen=True)
class FileRetentionReport:
    dry_run: bool
    actions: tuple[FileAction, ...]
    loose_pages: int
    originals_removed: int
    originals_rewritten: int
    exports: int
    roster_previews: int = 0


def exports_dir(settings: Settings) -> Path:
    return settings.data_dir / EXPORTS_DIR


def export_name(file_name: str) -> str:
    """An export's name among the sealed files (what its encryption is bound to)."""
    return f"{EXPORTS_DIR}/{file_name}"


def page_image_actions(pages: Iterable[Page], why: str) -> list[FileAction]:
    """The image files of ``pages`` as removals (``why``: what the page is)."""
    out = []
    for page in pages:
        for key in sorted({page.scan_key, page.image_key} - {""}):
            out.append(FileAction("remove", key, "page image", page.id, why))
    return out


def form_file_actions(session: Session, form_ids: Iterable[str]) -> list[FileAction]:
    """The page images of ``form_ids`` (what purging them removes), for a dry run's list."""
    ids = list(form_ids)
    pages = session.scalars(select(Page).where(Page.form_id.in_(ids)).order_by(Page.form_id))
    return page_image_actions(pages, "page of a rejected form past its time")


def _loose_pages(session: Session, cutoff: datetime) -> list[Page]:
    return list(
        session.scalars(
            select(Page)
            .where(
                Page.form_id.is_(None),
                Page.status.in_(LOOSE_STATUSES),
                Page.created_at < cutoff,
                or_(Page.scan_key != "", Page.image_key != ""),
            )
            .order_by(Page.created_at, Page.id)
        )
    )


def _page_gone(page: Page, purged: set[str], cutoff: datetime | None) -> bool:
    """The page may go from its original: its form was purged, or it is a loose page older
    than ``cutoff`` (None: loose pages stay)."""
    if page.form_id is not None:
        return page.form_id in purged
    if cutoff is None or page.status not in LOOSE_STATUSES:
        return False
    return as_aware(page.created_at) < cutoff


def plan_originals(
    session: Session, purged: set[str], loose_cutoff: datetime | None
) -> list[OriginalPlan]:
    """Originals that lose pages: those of ``purged`` forms and loose pages older than
    ``loose_cutoff`` (None: only the forms' pages)."""
    touched: ColumnElement[bool] = Page.form_id.in_(sorted(purged))
    if loose_cutoff is not None:
        touched = or_(touched, Page.form_id.is_(None))
    upload_ids = sorted(
        set(session.scalars(select(Page.upload_id).where(Page.index >= 0, touched)))
    )
    plans = []
    for upload in session.scalars(select(Upload).where(Upload.id.in_(upload_ids))):
        positions = page_positions(session, upload)
        if positions is None:
            continue
        gone = {i for i, page in positions.items() if _page_gone(page, purged, loose_cutoff)}
        if gone:
            plans.append(plan_for(upload, positions, gone))
    return sorted(plans, key=lambda p: p.upload_id)


def stale_originals(
    session: Session, cutoff: datetime, planned: list[OriginalPlan]
) -> list[OriginalPlan]:
    """Whole removals of the originals uploaded before ``cutoff`` that no open form needs, in
    place of any cut-down already planned for them; returns every plan."""
    open_uploads = select(Page.upload_id).join(Form, Form.id == Page.form_id)
    open_uploads = open_uploads.where(Form.state.in_([s.value for s in OPEN_FORM_STATES]))
    stale = session.scalars(
        select(Upload)
        .where(
            Upload.storage_key != "",
            Upload.created_at < cutoff,
            Upload.id.not_in(open_uploads),
        )
        .order_by(Upload.id)
    )
    by_upload = {p.upload_id: p for p in planned}
    for upload in stale:
        positions = sorted(
            session.scalars(select(Page.index).where(Page.upload_id == upload.id, Page.index >= 0))
        )
        by_upload[upload.id] = OriginalPlan(
            upload.id, upload.storage_key, tuple(positions), (), past_time=True
        )
    return sorted(by_upload.values(), key=lambda p: p.upload_id)


def original_actions(plan: OriginalPlan) -> FileAction:
    if plan.past_time:
        return FileAction(
            "remove", plan.storage_key, "original", plan.upload_id, "original past its time"
        )
    if plan.whole:
        return FileAction("remove", plan.storage_key, "original", plan.upload_id, "every page gone")
    removed = ", ".join(str(i + 1) for i in plan.remove)
    return FileAction(
        "rewrite",
        plan.storage_key,
        "original",
        plan.upload_id,
        f"without page(s) {removed} of {len(plan.remove) + len(plan.keep)}",
    )


def abandoned_previews(session: Session, storage: Storage, now: datetime) -> list[FileAction]:
    """The sealed copies, still on disk, of roster previews made before the lifetime ended.
    A confirmed or cancelled preview deleted its own copies, so only abandoned ones are left."""
    details = session.scalars(
        select(AuditEntry.detail).where(
            AuditEntry.action == ROSTER_PREVIEWED,
            AuditEntry.at < now - ROSTER_PREVIEW_LIFETIME,
        )
    )
    names = {n for d in details for n in (d.get("file"), d.get("shown")) if isinstance(n, str)}
    return [
        FileAction("remove", key, "roster preview", "roster", "abandoned, never confirmed")
        for key in sorted(f"orig/{name}" for name in names)
        if storage.path(key).exists()
    ]


def apply_file_retention(
    session: Session,
    settings: Settings,
    storage: Storage,
    audit: AuditRecorder,
    actor_id: str | None,
    now: datetime,
    dry_run: bool = False,
    purging: Iterable[str] = (),
) -> FileRetentionReport:
    """Apply the file retention periods in the caller's transaction. ``purging``: forms this run
    purges (on a dry run they are not in ``purged_forms`` yet)."""
    loose_cutoff = now - timedelta(days=settings.retention_loose_pages_days)
    purged = set(session.scalars(select(PurgedForm.form_id))) | set(purging)
    loose = _loose_pages(session, loose_cutoff)
    actions = page_image_actions(loose, "loose page past its time")
    plans = plan_originals(session, purged, loose_cutoff)
    plans = stale_originals(session, now - timedelta(days=settings.retention_originals_days), plans)
    actions += [original_actions(plan) for plan in plans]
    old_exports = list(
        session.scalars(
            select(SubjectExport).where(
                SubjectExport.created_at < now - timedelta(days=settings.retention_exports_days)
            )
        )
    )
    actions += [
        FileAction("remove", f"{EXPORTS_DIR}/{e.file_name}", "export", e.id, "export past its time")
        for e in old_exports
    ]
    previews = abandoned_previews(session, storage, now)
    actions += previews
    if not dry_run:
        for page in loose:
            page.scan_key = page.image_key = ""
            page.fields = {}
        for plan in plans:
            apply_plan(session, storage, plan, "retention", now)
        if old_exports:
            session.execute(
                delete(SubjectExport).where(SubjectExport.id.in_([e.id for e in old_exports]))
            )
        audit(
            session,
            actor_id=actor_id or "system",
            action="retention.files_applied",
            object_type="retention",
            object_id=now.date().isoformat(),
            detail={
                "loose_pages": len(loose),
                "originals_removed": [p.upload_id for p in plans if p.whole],
                "originals_rewritten": [p.upload_id for p in plans if not p.whole],
                "originals_past_time": [p.upload_id for p in plans if p.past_time],
                "exports": len(old_exports),
                "roster_previews": len(previews),
                "files": len(actions),
            },
        )
    log.info(
        "file retention%s: %d loose pages, %d originals, %d exports",
        " (dry run)" if dry_run else "",
        len(loose),
        len(plans),
        len(old_exports),
    )
    return FileRetentionReport(
        dry_run,
        tuple(actions),
        len(loose),
        sum(p.whole for p in plans),
        sum(not p.whole for p in plans),
        len(old_exports),
        len(previews),
    )


def delete_files(storage: Storage, settings: Settings, actions: Iterable[FileAction]) -> int:
    """After the commit: delete the files removed, and the old copies of rewritten originals."""
    count = 0
    for action in actions:
        if action.key.startswith(f"{EXPORTS_DIR}/"):
            (settings.data_dir / action.key).unlink(missing_ok=True)
        else:
            storage.delete(action.key)
        count += 1
    return count
