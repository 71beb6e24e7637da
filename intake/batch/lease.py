"""Who plans or finishes a batch now: a lease on the batch row, taken over when it runs out.

A worker claims a batch with one conditional UPDATE (the database decides, whatever the number of
workers or machines) to count its pages and cut them into ranges, or to put its forms together
once every range is read, and releases it then. The ranges' own leases are in
``intake.batch.ranges``. A worker killed with SIGKILL stops renewing: once its lease has run out
the reaper (``reap_expired``, run by ``intake serve`` and ``intake worker``) queues the batch
again under a new generation, so that any task of the dead one's generation still queued does
nothing, and the new task reads on from the first page without a row. Pages are keyed by
(upload, index) and forms by (batch, identity), so nothing is read or made twice.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from intake.db.workflow import Batch, BatchRange, BatchStatus, RangeStatus

log = logging.getLogger(__name__)

#: a batch queued (or released between slices) must be claimed within this many leases, or
#: the reaper takes the task for lost and queues the batch again
QUEUED_LEASES = 10


class LeaseLost(Exception):
    """Another worker took the batch over (this one was too slow to renew): stop at once."""


def new_owner() -> str:
    """A name for one claim: host, process and a random part (threads share a process)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _now() -> datetime:
    return datetime.now(UTC)


def claim(
    sessions: sessionmaker[Session],
    batch_id: str,
    owner: str,
    lease_s: int,
    generation: int | None = None,
) -> bool:
    """Take the batch for ``owner`` when nobody holds it (or the holder's lease ran out) and,
    when ``generation`` is given, when it is still the batch's current generation. A finished
    batch may be claimed too: running it again adds nothing twice."""
    now = _now()
    condition = [
        Batch.id == batch_id,
        or_(Batch.lease_owner == "", Batch.lease_until.is_(None), Batch.lease_until < now),
    ]
    if generation is not None:
        condition.append(Batch.generation == generation)
    with sessions() as session:
        result = session.execute(
            update(Batch)
            .where(*condition)
            .values(
                lease_owner=owner,
                lease_until=now + timedelta(seconds=lease_s),
                status=BatchStatus.PROCESSING.value,
            )
            .execution_options(synchronize_session=False)
        )
        session.commit()
        return bool(getattr(result, "rowcount", 0))


def renew(sessions: sessionmaker[Session], batch_id: str, owner: str, lease_s: int) -> None:
    """The heartbeat: extend the claim, or ``LeaseLost`` when it is no longer ours."""
    with sessions() as session:
        result = session.execute(
            update(Batch)
            .where(Batch.id == batch_id, Batch.lease_owner == owner)
            .values(lease_until=_now() + timedelta(seconds=lease_s))
            .execution_options(synchronize_session=False)
        )
        session.commit()
    if not getattr(result, "rowcount", 0):
        raise LeaseLost(batch_id)


def release(sessions: sessionmaker[Session], batch_id: str, owner: str, lease_s: int) -> None:
    """Give the claim up (the batch is done, failed, or queued for its next slice)."""
    with sessions() as session:
        session.execute(
            update(Batch)
            .where(Batch.id == batch_id, Batch.lease_owner == owner)
            .values(lease_owner="", lease_until=_now() + timedelta(seconds=lease_s * QUEUED_LEASES))
            .execution_options(synchronize_session=False)
        )
        session.commit()


def next_generation(sessions: sessionmaker[Session], batch_id: str, lease_s: int) -> int | None:
    """Mark the batch queued under a new generation (None: no such batch); any older task of
    it in the queue will do nothing."""
    with sessions() as session:
        batch = session.get(Batch, batch_id)
        if batch is None:
            return None
        batch.generation = (batch.generation or 0) + 1
        batch.lease_owner = ""
        batch.lease_until = _now() + timedelta(seconds=lease_s * QUEUED_LEASES)
        if batch.status not in (BatchStatus.PROCESSING.value,):
            batch.status = BatchStatus.QUEUED.value
            batch.error = ""
        session.commit()
        return batch.generation


def expired(sessions: sessionmaker[Session]) -> list[tuple[str, int]]:
    """Unfinished batches whose lease ran out and none of whose page ranges is queued or being
    read (those have leases of their own): (id, generation)."""
    in_flight = (
        select(BatchRange.id)
        .where(
            BatchRange.batch_id == Batch.id,
            BatchRange.status.in_([RangeStatus.QUEUED.value, RangeStatus.READING.value]),
        )
        .exists()
    )
    with sessions() as session:
        rows = session.execute(
            select(Batch.id, Batch.generation).where(
                Batch.status.in_([BatchStatus.QUEUED.value, BatchStatus.PROCESSING.value]),
                or_(Batch.lease_until.is_(None), Batch.lease_until < _now()),
                ~in_flight,
            )
        ).all()
    return [(row.id, row.generation) for row in rows]


def take_over(
    sessions: sessionmaker[Session], batch_id: str, generation: int, lease_s: int
) -> int | None:
    """Move an expired batch to the next generation, if no other reaper did first."""
    with sessions() as session:
        result = session.execute(
            update(Batch)
            .where(
                Batch.id == batch_id,
                Batch.generation == generation,
                or_(Batch.lease_until.is_(None), Batch.lease_until < _now()),
            )
            .values(
                generation=generation + 1,
                lease_owner="",
                lease_until=_now() + timedelta(seconds=lease_s * QUEUED_LEASES),
            )
            .execution_options(synchronize_session=False)
        )
        session.commit()
    return generation + 1 if getattr(result, "rowcount", 0) else None
