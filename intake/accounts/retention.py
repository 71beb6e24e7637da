"""Retention: scans of rejected forms and letters are removed when their period ends.

- Rejected forms (``Settings.retention_rejected_days`` after the rejection): the page images
  (as scanned and aligned) and what was read from them (``pages.fields``, ``forms.values``,
  ``forms.proposed``, ``forms.match``) are removed; the form row stays as a husk with its state
  and ids so that the audit trail still resolves. The batch's original upload file is shared by
  every form of the batch: it is cut down (or removed) by ``intake.records.file_retention``.
- Letters (``Settings.retention_letters_days`` after they were made): stored rejection letters
  and the records of printed credential letters (credential letters themselves are never stored),
  except a letter still waiting at the office for collection.
- Files: originals, loose page images and exports are ``intake.records.file_retention``'s;
  a purged form is recorded in ``purged_forms`` so that its pages go from the original too.
- Kept: every form that is the source of an account or a link (the signed form of a live
  account is the school's audit copy), and everything that is not past its period.

The purge is audited with ids and counts only. ``--dry-run`` reports the same plan and changes
nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from intake.accounts.ports import AuditRecorder
from intake.config import Settings
from intake.db.accounts import (
    DECISION_REJECTED,
    AccountChild,
    FormDecision,
    LetterPrint,
    PortalAccount,
    RejectionLetter,
    utcnow,
)
from intake.db.records import LetterCollection, PurgedForm
from intake.storage import Storage

log = logging.getLogger(__name__)


class ScanPurger(Protocol):
    def rejected_before(self, session: Session, cutoff: datetime) -> list[str]:
        """Forms rejected outside the accounts area (the review screen) before ``cutoff`` that
        still hold scans or read values."""
        ...

    def is_rejected(self, session: Session, form_id: str) -> bool:
        """The form is still rejected now (a reopened form is not purged)."""
        ...

    def purge_form(self, session: Session, form_id: str) -> list[str]:
        """Clear the form's read values and image keys; return the storage keys to delete
        once the transaction has committed."""
        ...


@dataclass(frozen=True)
class RetentionReport:
    dry_run: bool
    rejected_forms: tuple[str, ...]
    files_to_delete: tuple[str, ...]
    rejection_letters: int
    letter_prints: int
    kept_as_account_source: int


def _source_forms(session: Session) -> set[str]:
    forms = set(session.scalars(select(PortalAccount.source_form_id)))
    forms |= set(session.scalars(select(AccountChild.source_form_id)))
    return forms


def apply_retention(
    session: Session,
    settings: Settings,
    purger: ScanPurger,
    audit: AuditRecorder,
    actor_id: str | None,
    now: datetime,
    dry_run: bool = False,
) -> RetentionReport:
    """Apply the retention periods in the caller's transaction (nothing changes on dry run)."""
    rejected_before = now - timedelta(days=settings.retention_rejected_days)
    letters_before = now - timedelta(days=settings.retention_letters_days)
    candidates = list(
        session.scalars(
            select(FormDecision)
            .where(
                FormDecision.decision == DECISION_REJECTED,
                FormDecision.decided_at < rejected_before,
                FormDecision.scans_purged_at.is_(None),
            )
            .order_by(FormDecision.decided_at)
        )
    )
    sources = _source_forms(session)
    candidates = [d for d in candidates if purger.is_rejected(session, d.form_id)]
    due = [d.form_id for d in candidates if d.form_id not in sources]
    decided = set(session.scalars(select(FormDecision.form_id)))
    others = [f for f in purger.rejected_before(session, rejected_before) if f not in decided]
    due = list(dict.fromkeys([*due, *(f for f in others if f not in sources)]))
    kept = len(candidates) + len(others) - len(due)
    letters = list(
        session.scalars(
            select(RejectionLetter.id).where(RejectionLetter.created_at < letters_before)
        )
    )
    waiting = select(LetterCollection.letter_print_id).where(
        LetterCollection.handed_over_at.is_(None), LetterCollection.withdrawn_at.is_(None)
    )
    prints = list(
        session.scalars(
            select(LetterPrint.id).where(
                LetterPrint.printed_at < letters_before, LetterPrint.id.not_in(waiting)
            )
        )
    )
    files: list[str] = []
    if not dry_run:
        for form_id in due:
            files += purger.purge_form(session, form_id)
        for decision in candidates:
            if decision.form_id in due:
                decision.scans_purged_at = now
        if letters:
            session.execute(delete(RejectionLetter).where(RejectionLetter.id.in_(letters)))
        if prints:
            session.execute(delete(LetterPrint).where(LetterPrint.id.in_(prints)))
        audit(
            session,
            actor_id=actor_id or "system",
            action="retention.applied",
            object_type="retention",
            object_id=now.date().isoformat(),
            detail={
                "forms": due,
                "files": len(files),
                "rejection_letters": len(letters),
                "letter_prints": len(prints),
                "kept_as_account_source": kept,
            },
        )
    log.info(
        "retention%s: %d rejected forms, %d files, %d letters, %d print records",
        " (dry run)" if dry_run else "",
        len(due),
        len(files),
        len(letters),
        len(prints),
    )
    return RetentionReport(dry_run, tuple(due), tuple(files), len(letters), len(prints), kept)


def delete_files(storage: Storage, keys: tuple[str, ...]) -> int:
    """Delete purged files after the purge has committed (a rollback must not lose files)."""
    for key in keys:
        storage.delete(key)
    return len(keys)


class WorkflowScanPurger:
    """``ScanPurger`` over the web area's ``pages`` and ``forms`` tables."""

    def is_rejected(self, session: Session, form_id: str) -> bool:
        from intake.db.workflow import Form, FormState

        form = session.get(Form, form_id)
        return form is not None and form.state == FormState.REJECTED.value

    def rejected_before(self, session: Session, cutoff: datetime) -> list[str]:
        from intake.db.workflow import Form, FormState, Page

        with_scans = select(Page.form_id).where(or_(Page.scan_key != "", Page.image_key != ""))
        rows = session.scalars(
            select(Form.id)
            .where(
                Form.state == FormState.REJECTED.value,
                Form.updated_at < cutoff,
                Form.id.in_(with_scans),
            )
            .order_by(Form.updated_at)
        )
        return list(rows)

    def purge_form(self, session: Session, form_id: str) -> list[str]:
        from intake.db.workflow import Form, MisChange, Page

        keys: list[str] = []
        session.execute(delete(MisChange).where(MisChange.form_id == form_id))
        for page in session.scalars(select(Page).where(Page.form_id == form_id)):
            keys += sorted({page.scan_key, page.image_key} - {""})
            page.scan_key = page.image_key = ""
            page.fields = {}
        form = session.get(Form, form_id)
        if form is not None:
            form.values, form.proposed, form.match = {}, {}, {}
        # its pages may now go from the batch's original too (intake.records.file_retention)
        if session.get(PurgedForm, form_id) is None:
            session.add(PurgedForm(form_id=form_id, cause="retention", purged_at=utcnow()))
        return keys
