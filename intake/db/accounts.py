"""Tables of the accounts area: portal accounts, their children, approval decisions, letters.

The rules that stop duplicates live here as constraints, so that no race in the code above can
break them: one account per roster contact (``uq_portal_accounts_contact_id``), one username
regardless of case (``username_key``), one link per account and child, one decision per form.
Forms, staff and roster rows belong to other areas and are referenced by id (plain strings), so
that this module does not depend on their table modules.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from intake.db.base import Base

ACCOUNT_ACTIVE = "active"
ACCOUNT_REVOKED = "revoked"
#: every link is suspended (a roster change); the safeguarding lead decides (``lifecycle``)
ACCOUNT_SUSPENDED = "suspended"
#: no child on roll is left (leavers past their grace period), or merged into another account
ACCOUNT_DEACTIVATED = "deactivated"

LINK_ACTIVE = "active"
#: a roster change took the contact's standing for the child away; reinstating is a person's act
LINK_SUSPENDED = "suspended"
#: ended for good (a leaver past the grace period): a new application links the child again
LINK_ENDED = "ended"

DECISION_APPROVED = "approved"
DECISION_REJECTED = "rejected"


def new_id() -> str:
    """A random UUIDv4 as text: ids that cannot be guessed or counted."""
    return str(uuid.uuid4())


def utcnow() -> datetime:
    return datetime.now(UTC)


class PortalAccount(Base):
    """One Parent Portal account for one roster contact (never shared, never duplicated)."""

    __tablename__ = "portal_accounts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    contact_id: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    username: Mapped[str] = mapped_column(String(254), nullable=False)
    #: ``username.casefold()``: uniqueness regardless of case is a database rule.
    username_key: Mapped[str] = mapped_column(String(254), unique=True, nullable=False)
    #: argon2id hash of the current password; NULL until the first credential letter is printed.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    password_set_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    password_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    must_change_password: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    #: hashes of passwords used before, so that a change cannot go back to one of them
    previous_hashes: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # Snapshot of the contact's names and email at creation, for the export and the screen.
    forename: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    surname: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    email: Mapped[str] = mapped_column(String(254), nullable=False, default="")
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=ACCOUNT_ACTIVE)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64), nullable=False)
    source_form_id: Mapped[str] = mapped_column(String(36), nullable=False, index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_by: Mapped[str | None] = mapped_column(String(64))
    revoked_reason: Mapped[str | None] = mapped_column(Text)
    #: set when the revocation came from a child-protection hold; reinstating the hold lifts it
    revoked_by_hold_id: Mapped[str | None] = mapped_column(String(36))
    reinstated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reinstated_by: Mapped[str | None] = mapped_column(String(64))
    reinstated_reason: Mapped[str | None] = mapped_column(Text)
    suspended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deactivated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: bumped at every password change or revocation: portal sessions carry it and die with it
    session_epoch: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    children: Mapped[list[AccountChild]] = relationship(
        back_populates="account", cascade="all, delete-orphan", order_by="AccountChild.linked_at"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class AccountChild(Base):
    """A link from an account to one student the contact has parental responsibility for."""

    __tablename__ = "account_children"
    __table_args__ = (UniqueConstraint("account_id", "student_id", name="uq_account_children"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    account_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("portal_accounts.id", ondelete="CASCADE"), nullable=False
    )
    student_id: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    linked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    linked_by: Mapped[str] = mapped_column(String(64), nullable=False)
    source_form_id: Mapped[str] = mapped_column(String(36), nullable=False, index=True)
    #: ``LINK_ACTIVE``, ``LINK_SUSPENDED`` or ``LINK_ENDED``; changed only by ``lifecycle``
    status: Mapped[str] = mapped_column(
        String(16), nullable=False, default=LINK_ACTIVE, server_default=LINK_ACTIVE
    )
    suspended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: why, as space-separated cause codes (``lifecycle.CAUSE_WORDS``)
    suspended_cause: Mapped[str | None] = mapped_column(String(100))
    suspended_by_import_id: Mapped[int | None] = mapped_column(Integer)
    #: when the link ends because the child left (set at the import that marked the leaver)
    ends_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_cause: Mapped[str | None] = mapped_column(String(32))

    account: Mapped[PortalAccount] = relationship(back_populates="children")


class AccountChange(Base):
    """One change to an account or one of its links, written in the transaction that made it
    (``intake.accounts.lifecycle.record_change``): the safeguarding screen's history, and a
    log another system (SCIM provisioning) can follow in order. Ids and codes only."""

    __tablename__ = "account_changes"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    account_id: Mapped[str] = mapped_column(String(36), nullable=False, index=True)
    contact_id: Mapped[str] = mapped_column(String(64), nullable=False)
    student_id: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    cause: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    import_id: Mapped[int | None] = mapped_column(Integer, index=True)
    actor_id: Mapped[str] = mapped_column(String(64), nullable=False)
    #: a person's reason (reinstating); kept here, never in the audit log
    note: Mapped[str | None] = mapped_column(Text)


class FormDecision(Base):
    """An approval or rejection of a form. ``approval_key`` (the form id on an approval, NULL on
    a rejection) is unique, so a form is approved at most once: a second approver, a double
    click or a re-processed batch hits the constraint. A rejected form that the review screen
    reopens can still be approved later."""

    __tablename__ = "form_decisions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    form_id: Mapped[str] = mapped_column(String(36), nullable=False, index=True)
    approval_key: Mapped[str | None] = mapped_column(String(36), unique=True)
    decision: Mapped[str] = mapped_column(String(16), nullable=False)
    decided_by: Mapped[str] = mapped_column(String(64), nullable=False)
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: the approver's reason when issues were overridden (the parts not allowed were dropped)
    override_reason: Mapped[str | None] = mapped_column(Text)
    #: issue codes that were overridden, space-separated (ids and codes only)
    overridden: Mapped[str] = mapped_column(Text, nullable=False, default="")
    rejection_code: Mapped[str | None] = mapped_column(String(32))
    rejection_note: Mapped[str | None] = mapped_column(Text)
    #: set when retention removed the scans of a rejected form
    scans_purged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ChildHold(Base):
    """A child-protection hold: every account linked to the child was revoked pending an
    investigation. While it is open no account can be linked to the child."""

    __tablename__ = "child_holds"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    student_id: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    opened_by: Mapped[str] = mapped_column(String(64), nullable=False)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    closed_by: Mapped[str | None] = mapped_column(String(64))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_note: Mapped[str | None] = mapped_column(Text)


class LetterPrint(Base):
    """One credential letter printed (ids only: the letter itself is streamed, never stored)."""

    __tablename__ = "letter_prints"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    print_run_id: Mapped[str] = mapped_column(String(36), nullable=False, index=True)
    account_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("portal_accounts.id", ondelete="CASCADE"), nullable=False
    )
    printed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    printed_by: Mapped[str] = mapped_column(String(64), nullable=False)


class RejectionLetter(Base):
    """The letter that tells an applicant why a form was rejected (it holds no secret, so it
    is kept for reprinting until the letters' retention period ends)."""

    __tablename__ = "rejection_letters"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    form_id: Mapped[str] = mapped_column(String(36), nullable=False, index=True)
    slot: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    #: "file" (the roster's address for a known contact) or "form" (as written, unverified)
    addressed_to: Mapped[str] = mapped_column(String(8), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    pdf: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)


class ApiToken(Base):
    """A bearer token of one machine client of the JSON export (only its SHA-256 is kept)."""

    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64), nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
