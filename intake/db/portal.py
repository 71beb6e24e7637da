"""The outbox of pushes to the school's portal (SCIM 2.0): one row per account change to send.

A row is written in the same transaction as the change it carries, so a change that commits is
never lost and a change that rolls back is never sent. While a row is open (pending or failed)
``open_key`` holds its account id; the unique constraint on it keeps at most one open row per
account, and later changes of that account fold into it (the push always sends the account's
state at the time of the push, so only the sealed password and the revocation need carrying).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from intake.db.accounts import new_id, utcnow
from intake.db.base import Base

PUSH_PENDING = "pending"
PUSH_FAILED = "failed"
PUSH_DONE = "done"


class PortalPush(Base):
    """One push of an account's state to the portal: pending, failed (a person must retry) or
    done (kept as the history of what was sent, ids and outcomes only)."""

    __tablename__ = "portal_pushes"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    account_id: Mapped[str] = mapped_column(
        String(36),
        ForeignKey("portal_accounts.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    )
    #: the account id while the row is open, NULL once done: one open row per account
    open_key: Mapped[str | None] = mapped_column(String(36), unique=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=PUSH_PENDING)
    #: what changed, space-separated codes (``created linked revoked password`` ...)
    changes: Mapped[str] = mapped_column(Text, nullable=False, default="")
    #: the initial password of the letter just printed, sealed with ``portal.password_key``;
    #: wiped when the push succeeds, the account is revoked, or the password expires
    sealed_password: Mapped[bytes | None] = mapped_column(LargeBinary)
    password_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: the account was revoked: the portal's copy of the password must stop working too
    revoke_password: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: the portal's or the network's answer at the last failure (never a password or token)
    last_error: Mapped[str | None] = mapped_column(Text)
    #: what the successful push did: created, updated, unchanged, waiting_for_letter ...
    outcome: Mapped[str | None] = mapped_column(String(32))
    #: the portal's id of the user, once known
    portal_user_id: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
