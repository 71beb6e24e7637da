"""The append-only audit log: who did what to which object, when. Ids only, never personal data.

There is deliberately no update or delete here; the table refuses both at the ORM level too
(``intake.db.workflow.AuditEntry``), and on PostgreSQL a trigger refuses them in the database.
Values written in ``detail`` must look like ids or codes (letters, digits and ``_.:-``, at most
80 characters) or be numbers, so a name or an email address cannot slip into the log by accident.

The log is a hash chain (``intake.audit_chain``). ``record`` keeps the entry with the session
and the session's commit chains and writes it (a ``before_commit`` listener): the chain's lock
is taken last in the transaction and held for the shortest time, and an entry of a transaction
that rolls back is never written. Entries are therefore visible only after the commit.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session, SessionTransaction

from intake.audit_chain import PendingEntry, append
from intake.db.accounts import utcnow
from intake.db.workflow import AuditEntry
from intake.errors import IntakeError

log = logging.getLogger(__name__)

_ID_LIKE = re.compile(r"^[A-Za-z0-9_.:\-]{0,80}$")
#: ``Session.info`` key of the entries waiting for the commit
_PENDING = "intake_audit_pending"


def _check_value(key: str, value: Any) -> None:
    if value is None or isinstance(value, bool | int | float):
        return
    if isinstance(value, str):
        if not _ID_LIKE.match(value):
            raise IntakeError(f"audit detail {key!r} must be an id or a code, not free text")
        return
    if isinstance(value, list | tuple):
        for item in value:
            _check_value(key, item)
        return
    raise IntakeError(f"audit detail {key!r} has an unsupported type {type(value).__name__}")


def record(
    session: Session,
    *,
    actor_id: str | None,
    action: str,
    object_type: str,
    object_id: str,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one entry to the audit log in the caller's transaction.

    ``detail`` holds ids, codes and counts only (checked); ``actor_id`` is None for the system.
    """
    clean = dict(detail or {})
    for key, value in clean.items():
        if not _ID_LIKE.match(str(key)):
            raise IntakeError(f"audit detail key {key!r} must be a code")
        _check_value(key, list(value) if isinstance(value, tuple) else value)
    entry = PendingEntry(
        at=utcnow(),
        actor_id=actor_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        detail={k: list(v) if isinstance(v, tuple) else v for k, v in clean.items()},
    )
    if not session.in_transaction():
        session.begin()  # as session.add would: the entry belongs to this transaction
    session.info.setdefault(_PENDING, []).append(entry)
    log.info("audit %s %s %s by %s", action, object_type, object_id, actor_id or "system")


def recent(
    session: Session,
    *,
    limit: int = 200,
    action: str | None = None,
    object_id: str | None = None,
    actor_id: str | None = None,
) -> Sequence[AuditEntry]:
    """The newest entries first, optionally filtered (read-only)."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if action:
        query = query.where(AuditEntry.action == action)
    if object_id:
        query = query.where(AuditEntry.object_id == object_id)
    if actor_id:
        query = query.where(AuditEntry.actor_id == actor_id)
    return session.scalars(query).all()


def _write_pending(session: Session) -> None:
    """Before the outermost commit: chain and insert the entries the transaction recorded."""
    if session.in_nested_transaction():
        return  # a savepoint is released: the entries wait for the real commit
    pending: list[PendingEntry] = session.info.pop(_PENDING, [])
    if pending:
        append(session, pending)


def _drop_pending(session: Session, transaction: SessionTransaction) -> None:
    """When the outermost transaction ends without writing them (a rollback, or a session
    closed uncommitted), the entries it recorded are dropped with it."""
    if transaction.parent is None and not transaction.nested:
        session.info.pop(_PENDING, None)


event.listen(Session, "before_commit", _write_pending)
event.listen(Session, "after_transaction_end", _drop_pending)
