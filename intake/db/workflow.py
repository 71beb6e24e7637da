"""Tables of the staff workflow: staff users, batches, uploads, pages, forms, history and audit.

Ids are server-generated UUID4 strings so that no URL can be guessed or walked. ``forms`` carries a
row version (SQLAlchemy ``version_id_col``) so two reviewers cannot overwrite each other.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column

from intake.db.base import Base
from intake.errors import WorkflowError

# defined with what reading yields; the pages table stores its values
from intake.reading.result import PageStatus as PageStatus
from intake.review.states import (  # noqa: F401  (re-exported: the batch job imports them here)
    ALLOWED_TRANSITIONS,
    QUEUE_STATES,
    FormState,
    check_transition,
)
from intake.staff.roles import ROLE_RANK, Role, has_role  # noqa: F401  (re-exported)


def new_id() -> str:
    """A fresh server-generated id (UUID4 text)."""
    return str(uuid.uuid4())


def utcnow() -> datetime:
    return datetime.now(UTC)


class BatchStatus(StrEnum):
    QUEUED = "queued"
    PROCESSING = "processing"
    DONE = "done"
    FAILED = "failed"


class StaffUser(Base):
    __tablename__ = "staff_users"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default=Role.OFFICE.value)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    def has_role(self, role: str) -> bool:
        """True when this user's role is ``role`` or above it."""
        return has_role(self.role, role)


class SignInFailure(Base):
    """One wrong password (sign-in, step-up or the current password on a change), counted
    against an account, a client address or a known device (``intake.staff.throttle``). In the
    database, so the limits hold across restarts and across the web processes."""

    __tablename__ = "sign_in_failures"
    __table_args__ = (Index("ix_sign_in_failures_scope_key_at", "scope", "key", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    #: "account", "ip" or "device"
    scope: Mapped[str] = mapped_column(String(8))
    #: a staff user id, a hash of an unknown username, an address, or a device cookie's nonce
    key: Mapped[str] = mapped_column(String(80))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class StaffMfa(Base):
    """A staff user's TOTP second factor, kept apart from ``staff_users`` on purpose.

    The secret lives only here (never in the session cookie, the audit log or a page after
    enrolment). ``confirmed_at`` is empty while the user has not yet typed a first code;
    ``last_step`` is the newest TOTP time step accepted, so no code can be used twice.
    """

    __tablename__ = "staff_mfa"

    user_id: Mapped[str] = mapped_column(ForeignKey("staff_users.id"), primary_key=True)
    totp_secret: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_step: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: wrong codes since the last right one (a right password does not clear it)
    failed_codes: Mapped[int] = mapped_column(Integer, default=0)


class StaffRecoveryCode(Base):
    """One single-use recovery code (argon2id hash only; the code is shown once)."""

    __tablename__ = "staff_recovery_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("staff_users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class StaffSecurityKey(Base):
    """A security key or passkey (WebAuthn) a staff user signs in with instead of a code.

    Only the public key is kept. ``sign_count`` is the authenticator's counter as last seen: a
    signature with a counter that did not move on (a cloned key) is refused, except for
    authenticators that always say 0 (passkeys synced between devices).
    """

    __tablename__ = "staff_security_keys"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("staff_users.id"), index=True)
    #: the credential id, base64url without padding
    credential_id: Mapped[str] = mapped_column(String(1400), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    sign_count: Mapped[int] = mapped_column(Integer, default=0)
    #: what the user called it ("blue key", "laptop"), shown on their own page only
    name: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Batch(Base):
    __tablename__ = "batches"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    label: Mapped[str] = mapped_column(String(120), default="")
    status: Mapped[str] = mapped_column(String(16), default=BatchStatus.QUEUED.value)
    created_by: Mapped[str | None] = mapped_column(ForeignKey("staff_users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    pages_total: Mapped[int] = mapped_column(Integer, default=0)
    pages_done: Mapped[int] = mapped_column(Integer, default=0)
    pages_failed: Mapped[int] = mapped_column(Integer, default=0)
    forms_found: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    #: bumped each time the batch is queued: a queued task of an older generation does nothing
    generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: the worker reading the batch now, and until when its claim holds without a heartbeat
    lease_owner: Mapped[str] = mapped_column(String(80), default="", server_default="")
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class RangeStatus(StrEnum):
    WAITING = "waiting"  # planned, no task queued for it yet
    QUEUED = "queued"  # a task of its generation is in the queue
    READING = "reading"  # a worker holds its lease
    DONE = "done"


class BatchRange(Base):
    """A task over pages ``start`` to ``stop`` (exclusive) of one upload of a batch: the pages
    of one batch are read in parallel, each range under a lease of its own."""

    __tablename__ = "batch_ranges"
    __table_args__ = (UniqueConstraint("upload_id", "start", name="uq_batch_ranges_upload_start"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    batch_id: Mapped[str] = mapped_column(ForeignKey("batches.id"), index=True)
    upload_id: Mapped[str] = mapped_column(ForeignKey("uploads.id"))
    start: Mapped[int] = mapped_column(Integer)
    stop: Mapped[int] = mapped_column(Integer)
    #: the upload's order in the batch, then ``start``: the order the ranges are queued in
    position: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default=RangeStatus.WAITING.value)
    #: bumped each time the range is queued: a queued task of an older generation does nothing
    generation: Mapped[int] = mapped_column(Integer, default=0)
    lease_owner: Mapped[str] = mapped_column(String(80), default="")
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Upload(Base):
    __tablename__ = "uploads"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    batch_id: Mapped[str] = mapped_column(ForeignKey("batches.id"), index=True)
    storage_key: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str] = mapped_column(String(64), index=True)  # duplicates found by it
    size: Mapped[int] = mapped_column(Integer)
    display_name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(8))  # pdf, png, jpeg, tiff (from magic bytes)
    uploaded_by: Mapped[str | None] = mapped_column(ForeignKey("staff_users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    page_count: Mapped[int] = mapped_column(Integer, default=0)  # 0 until the worker counts
    status: Mapped[str] = mapped_column(String(16), default="stored")  # stored, done, failed
    error: Mapped[str] = mapped_column(Text, default="")


class Form(Base):
    __tablename__ = "forms"
    __table_args__ = (UniqueConstraint("batch_id", "identity", name="uq_forms_batch_identity"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    batch_id: Mapped[str] = mapped_column(ForeignKey("batches.id"), index=True)
    #: what makes this form one form inside its batch: "serial:<s>" or "page:<first page id>"
    identity: Mapped[str] = mapped_column(String(80))
    serial: Mapped[str] = mapped_column(String(40), default="")
    form_type: Mapped[str] = mapped_column(String(40), default="")
    template_version: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(20), default=FormState.PROCESSING.value, index=True)
    values: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # field id -> FieldRead dict
    proposed: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # matching proposals
    match: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # confirmed links
    problems: Mapped[list[str]] = mapped_column(JSON, default=list)
    doubt: Mapped[float] = mapped_column(Float, default=0.0, index=True)
    reason: Mapped[str] = mapped_column(Text, default="")  # rejection or hold reason
    uploaded_by: Mapped[str | None] = mapped_column(ForeignKey("staff_users.id"), nullable=True)
    last_edited_by: Mapped[str | None] = mapped_column(ForeignKey("staff_users.id"), nullable=True)
    checked_by: Mapped[str | None] = mapped_column(ForeignKey("staff_users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    row_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": row_version}  # noqa: RUF012

    def move_to(self, state: FormState | str) -> None:
        """Change state, refusing a transition the state machine does not allow
        (``intake.review.states``; staff actions go through ``intake.review.service``)."""
        self.state = check_transition(self.state, state).value


class MisChange(Base):
    """A person's verdict on a new contact detail a form carries (``intake.review.changes``):
    the exact new value for the school's MIS, or "no change" (the record already says it)."""

    __tablename__ = "mis_changes"
    __table_args__ = (UniqueConstraint("form_id", "field_id", name="uq_mis_changes_form_field"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    form_id: Mapped[str] = mapped_column(ForeignKey("forms.id"), index=True)
    field_id: Mapped[str] = mapped_column(String(40))
    contact_id: Mapped[str] = mapped_column(String(64))
    #: "verified" (``value`` is the new value exactly) or "no_change"
    status: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(Text, default="")
    verified_by: Mapped[str | None] = mapped_column(ForeignKey("staff_users.id"), nullable=True)
    verified_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Page(Base):
    __tablename__ = "pages"
    __table_args__ = (UniqueConstraint("upload_id", "index", name="uq_pages_upload_index"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    upload_id: Mapped[str] = mapped_column(ForeignKey("uploads.id"), index=True)
    batch_id: Mapped[str] = mapped_column(ForeignKey("batches.id"), index=True)
    index: Mapped[int] = mapped_column(Integer)  # 0-based position in the upload
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")
    page_number: Mapped[int] = mapped_column(Integer, default=0)  # page of the form (1-based)
    serial: Mapped[str] = mapped_column(String(40), default="")
    form_type: Mapped[str] = mapped_column(String(40), default="")
    #: the version of the form's template the QR names (with ``form_type``: the template key)
    template_version: Mapped[int] = mapped_column(Integer, default=0)
    #: field id -> FieldRead dict, for the fields on this page
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: a person put this page into a form by hand: that form's identity
    assigned_identity: Mapped[str] = mapped_column(String(80), default="")
    rotation: Mapped[int] = mapped_column(Integer, default=0)
    manual_rotation: Mapped[int] = mapped_column(Integer, default=0)
    image_key: Mapped[str] = mapped_column(String(64), default="")  # aligned page PNG
    scan_key: Mapped[str] = mapped_column(String(64), default="")  # page as scanned, PNG
    form_id: Mapped[str | None] = mapped_column(ForeignKey("forms.id"), nullable=True, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class FormEdit(Base):
    """The form's own history of value changes (old and new values live here, not in the audit)."""

    __tablename__ = "form_edits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    form_id: Mapped[str] = mapped_column(ForeignKey("forms.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor_id: Mapped[str | None] = mapped_column(ForeignKey("staff_users.id"), nullable=True)
    field_id: Mapped[str] = mapped_column(String(64))
    old_value: Mapped[str] = mapped_column(Text, default="")
    new_value: Mapped[str] = mapped_column(Text, default="")


class AuditEntry(Base):
    """One line of the append-only audit log: who did what to which object. Ids only."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str] = mapped_column(String(64), index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: the previous entry's ``row_hash`` (``intake.audit_chain.GENESIS`` for the first entry)
    prev_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: SHA-256 over this entry's canonical content and ``prev_hash`` (``intake.audit_chain``)
    row_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)


class AuditChainHead(Base):
    """The newest entry of the audit chain: one row (id 1), locked by every writer of the chain.

    Holding the last id and hash here lets a writer serialise on one row (``UPDATE`` takes the
    row lock on PostgreSQL and the write lock on SQLite) and lets ``intake audit verify`` notice
    entries deleted from the end of the log, which a chain alone cannot show."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_id: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_hash: Mapped[str] = mapped_column(String(64), nullable=False)


def _refuse_change(_mapper: Any, _connection: Any, _target: Any) -> None:
    raise WorkflowError("the audit log is append-only")


event.listen(AuditEntry, "before_update", _refuse_change)
event.listen(AuditEntry, "before_delete", _refuse_change)
