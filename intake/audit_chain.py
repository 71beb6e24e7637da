"""The audit log as a hash chain: each entry's hash covers its content and the previous hash.

An entry's ``row_hash`` is SHA-256 over ``prev_hash``, a newline and the canonical encoding of
its content (id, time in UTC, actor, action, object and detail as sorted, compact ASCII JSON).
Entries are chained in the order they are written, which is id order: a writer takes the one
row of ``audit_chain_head`` (an ``UPDATE``, so a row lock on PostgreSQL and the database's
write lock on SQLite), gives its entries the ids after the head's and moves the head on, all
in the writer's own transaction. Two writers therefore never chain to the same entry.

``verify`` walks the log in id order and names, one finding a line, every entry that was
edited (its content no longer gives its hash), inserted (no hash, or a later entry chains past
it) or deleted (a later entry chains to a hash no remaining entry has, or the head names an
entry that is gone). The chain is not keyed: somebody able to rewrite every hash from the
damage onwards, and the head, is not caught by it; on PostgreSQL the migrations' trigger
refuses ``UPDATE`` and ``DELETE`` of audit rows, and a copy of ``verify``'s last line (the
head) kept elsewhere pins the chain.

The hash function and the encoding are part of the stored data: changing them breaks every
existing chain, so they are versioned (``"v": 1`` inside the encoding).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from intake.db.workflow import AuditChainHead, AuditEntry
from intake.errors import IntakeError

#: the ``prev_hash`` of the first entry
GENESIS = "0" * 64
#: the id of the only row of ``audit_chain_head``
HEAD_ID = 1
ENCODING_VERSION = 1


@dataclass(frozen=True)
class PendingEntry:
    """An audit entry waiting for its transaction's commit to be chained and written."""

    at: datetime
    actor_id: str | None
    action: str
    object_type: str
    object_id: str
    detail: dict[str, Any]


def utc_text(at: datetime) -> str:
    """``at`` as UTC text with microseconds; a naive time (SQLite gives those back) is UTC."""
    aware = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    return aware.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(
    entry_id: int,
    at: datetime,
    actor_id: str | None,
    action: str,
    object_type: str,
    object_id: str,
    detail: Mapping[str, Any] | None,
) -> bytes:
    """The bytes an entry's hash covers: the same on SQLite and PostgreSQL."""
    content = {
        "v": ENCODING_VERSION,
        "id": entry_id,
        "at": utc_text(at),
        "actor_id": actor_id,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "detail": dict(detail or {}),
    }
    return json.dumps(
        content, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False
    ).encode("ascii")


def link(prev_hash: str, content: bytes) -> str:
    """The hash of an entry with ``content`` that follows the entry hashed ``prev_hash``."""
    return hashlib.sha256(prev_hash.encode("ascii") + b"\n" + content).hexdigest()


def entry_hash(entry: AuditEntry, prev_hash: str) -> str:
    """What ``entry.row_hash`` must be when it follows ``prev_hash``."""
    content = canonical(
        entry.id,
        entry.at,
        entry.actor_id,
        entry.action,
        entry.object_type,
        entry.object_id,
        entry.detail,
    )
    return link(prev_hash, content)


def _take_head(session: Session) -> bool:
    """``UPDATE`` the head row onto itself: its lock until the commit. False: no head row."""
    taken = session.execute(
        update(AuditChainHead)
        .where(AuditChainHead.id == HEAD_ID)
        .values(last_id=AuditChainHead.last_id)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(taken, "rowcount", 0))


def _make_head(session: Session) -> None:
    """Put back a head row (a database emptied by hand: tests truncate tables), starting
    after what is there; a concurrent maker's row wins the clash."""
    last = session.execute(
        select(AuditEntry.id, AuditEntry.row_hash).order_by(AuditEntry.id.desc()).limit(1)
    ).first()
    last_id, last_hash = (last[0], last[1] or GENESIS) if last else (0, GENESIS)
    values = {"id": HEAD_ID, "last_id": last_id, "last_hash": last_hash}
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(pg_insert(AuditChainHead).values(values).on_conflict_do_nothing())
    elif dialect == "sqlite":
        session.execute(sqlite_insert(AuditChainHead).values(values).on_conflict_do_nothing())
    else:
        session.execute(insert(AuditChainHead).values(values))


def _lock_head(session: Session) -> tuple[int, str]:
    """Take the chain head's lock and return its last id and hash."""
    if not _take_head(session):
        _make_head(session)
        if not _take_head(session):
            raise IntakeError("the audit chain head cannot be written")
    head = session.execute(
        select(AuditChainHead.last_id, AuditChainHead.last_hash).where(AuditChainHead.id == HEAD_ID)
    ).one()
    return int(head[0]), str(head[1])


def append(session: Session, entries: Iterable[PendingEntry]) -> int:
    """Chain and insert ``entries`` in the caller's transaction; the number written.

    Call it as late in the transaction as possible (``intake.audit`` calls it just before the
    commit): the head's lock is held until the commit, and taken last it cannot deadlock with
    the rows a transaction locks for its own work."""
    pending = list(entries)
    if not pending:
        return 0
    last_id, last_hash = _lock_head(session)
    rows = []
    for entry in pending:
        last_id += 1
        content = canonical(
            last_id,
            entry.at,
            entry.actor_id,
            entry.action,
            entry.object_type,
            entry.object_id,
            entry.detail,
        )
        row_hash = link(last_hash, content)
        rows.append(
            {
                "id": last_id,
                "at": entry.at,
                "actor_id": entry.actor_id,
                "action": entry.action,
                "object_type": entry.object_type,
                "object_id": entry.object_id,
                "detail": entry.detail,
                "prev_hash": last_hash,
                "row_hash": row_hash,
            }
        )
        last_hash = row_hash
    session.execute(insert(AuditEntry), rows)
    session.execute(
        update(AuditChainHead)
        .where(AuditChainHead.id == HEAD_ID)
        .values(last_id=last_id, last_hash=last_hash)
        .execution_options(synchronize_session=False)
    )
    return len(rows)


@dataclass(frozen=True)
class Finding:
    """One break in the chain: the entry it is found at and a line saying what happened."""

    entry_id: int | None
    kind: str  # "edited", "inserted", "deleted"
    message: str


@dataclass(frozen=True)
class ChainReport:
    entries: int
    head_id: int | None
    head_hash: str | None
    findings: tuple[Finding, ...]

    @property
    def intact(self) -> bool:
        return not self.findings


def _entries(session: Session) -> Iterator[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.id).execution_options(yield_per=500)
    yield from session.scalars(query)


def verify(session: Session) -> ChainReport:
    """Walk the whole log in id order and report every break (read-only)."""
    findings: list[Finding] = []
    expected = GENESIS
    previous_id: int | None = None
    known: dict[str, int] = {GENESIS: 0}  # hash -> id of the chained entry that has it
    chained: list[int] = []  # ids of the entries in the chain so far, in order
    count = 0
    for entry in _entries(session):
        count += 1
        if entry.row_hash is None or entry.prev_hash is None:
            findings.append(
                Finding(
                    entry.id,
                    "inserted",
                    f"entry {entry.id} has no hash: it was inserted outside the application",
                )
            )
            continue
        content_ok = entry_hash(entry, entry.prev_hash) == entry.row_hash
        if not content_ok:
            findings.append(
                Finding(
                    entry.id,
                    "edited",
                    f"entry {entry.id} was edited: its content no longer matches its hash",
                )
            )
        if entry.prev_hash != expected:
            findings.append(_broken_link(entry, previous_id, known, chained))
        expected = entry.row_hash
        previous_id = entry.id
        known[entry.row_hash] = entry.id
        chained.append(entry.id)
    head = session.get(AuditChainHead, HEAD_ID)
    if head is None and count:
        findings.append(
            Finding(None, "deleted", "the chain head is missing: it was deleted by hand")
        )
    if head is not None and (head.last_id, head.last_hash) != (previous_id or 0, expected):
        findings.append(_head_mismatch(head, previous_id, known))
    return ChainReport(
        count,
        head.last_id if head else None,
        head.last_hash if head else None,
        tuple(findings),
    )


def _broken_link(
    entry: AuditEntry, previous_id: int | None, known: dict[str, int], chained: list[int]
) -> Finding:
    """``entry`` does not follow the entry before it: say what was inserted or deleted."""
    assert entry.prev_hash is not None
    follows = known.get(entry.prev_hash)
    if follows is not None:
        # it chains to an older entry: those written after that one were slipped in
        start = chained.index(follows) + 1 if follows else 0
        slipped = chained[start:]
        after = f"entry {follows}" if follows else "the start of the log"
        ids = ", ".join(str(i) for i in slipped)
        return Finding(
            slipped[0] if slipped else entry.id,
            "inserted",
            f"entry {ids} was inserted: entry {entry.id} follows {after}",
        )
    before = f"entry {previous_id}" if previous_id is not None else "the start of the log"
    return Finding(
        entry.id,
        "deleted",
        f"an entry between {before} and entry {entry.id} was deleted "
        f"(or {before} was rewritten with a new hash)",
    )


def _head_mismatch(head: AuditChainHead, last_id: int | None, known: dict[str, int]) -> Finding:
    if last_id is None or head.last_id > last_id or head.last_hash not in known:
        return Finding(
            head.last_id,
            "deleted",
            f"the log ends at entry {last_id or 0} but the chain head names entry "
            f"{head.last_id}: entries at the end were deleted",
        )
    return Finding(
        known[head.last_hash] + 1,
        "inserted",
        f"entries after {known[head.last_hash]} were inserted after the chain head "
        f"(entry {head.last_id})",
    )
