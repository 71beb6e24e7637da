"""Tables of the records area: how credential letters reach parents (post or collection at the
office), what retention and erasure did to forms and originals, and stored subject-access exports.

Accounts, letter prints, forms and uploads belong to other table modules and are referenced by
their ids; the foreign keys to ``portal_accounts`` and ``letter_prints`` cascade, so deleting an
account (erasure) or a print record (retention) takes its delivery and collection rows with it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from intake.db.accounts import new_id, utcnow
from intake.db.base import Base

DELIVERY_POST = "post"
DELIVERY_COLLECT = "collect"
DELIVERIES = (DELIVERY_POST, DELIVERY_COLLECT)


class LetterDelivery(Base):
    """How an account's credential letters go out, when somebody chose (absent: the
    ``letter_delivery_default`` setting)."""

    __tablename__ = "letter_deliveries"

    account_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("portal_accounts.id", ondelete="CASCADE"), primary_key=True
    )
    method: Mapped[str] = mapped_column(String(8), nullable=False)
    chosen_by: Mapped[str] = mapped_column(String(64), nullable=False)
    chosen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class LetterCollection(Base):
    """One printed credential letter held at the office until the parent collects it.

    Open while neither ``handed_over_at`` nor ``withdrawn_at`` is set. Handing over records who
    gave it, when, and that photo ID was checked (always true: the service refuses otherwise).
    """

    __tablename__ = "letter_collections"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    letter_print_id: Mapped[str] = mapped_column(
        String(36),
        ForeignKey("letter_prints.id", ondelete="CASCADE"),
        unique=True,
        nullable=False,
    )
    account_id: Mapped[str] = mapped_column(
        String(36),
        ForeignKey("portal_accounts.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    )
    held_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    handed_over_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    handed_over_by: Mapped[str | None] = mapped_column(String(64))
    photo_id_checked: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    #: the letter was destroyed uncollected (or replaced by a reprint)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_by: Mapped[str | None] = mapped_column(String(64))


class PurgedForm(Base):
    """A form whose scans and read values are gone (retention or erasure): its pages may go
    from the batch's original upload too."""

    __tablename__ = "purged_forms"

    form_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    purged_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    cause: Mapped[str] = mapped_column(String(16), nullable=False)  # retention, erasure


class OriginalRewrite(Base):
    """An original upload rewritten without some pages, or removed (``removed_whole``).

    ``kept_indices`` are the kept pages' positions in the file as uploaded, in their new order:
    the page rows were renumbered to their positions in the rewritten file."""

    __tablename__ = "original_rewrites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    upload_id: Mapped[str] = mapped_column(String(36), nullable=False, index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    cause: Mapped[str] = mapped_column(String(16), nullable=False)
    removed_whole: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    removed_indices: Mapped[list[Any]] = mapped_column(JSON, default=list)
    kept_indices: Mapped[list[Any]] = mapped_column(JSON, default=list)
    old_sha256: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    new_sha256: Mapped[str] = mapped_column(String(64), nullable=False, default="")


class SubjectExport(Base):
    """A subject-access export made in the web app, kept for download until
    ``retention_exports_days`` have passed (the file lives under ``<data_dir>/exports``)."""

    __tablename__ = "subject_exports"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    subject_kind: Mapped[str] = mapped_column(String(8), nullable=False)  # contact, student
    subject_id: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64), nullable=False)
    file_name: Mapped[str] = mapped_column(String(80), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
