"""The pages of one batch as tasks over page ranges, each read under a lease of its own.

The planner cuts every upload of a batch into ranges of ``Limits.batch_slice_pages`` pages (one
``batch_ranges`` row each, keyed by (upload, start)) and queues the first few of them; each
range task, as it ends, queues the next waiting range of its batch behind whatever other batches
queued meanwhile, so every worker reads a page of some batch and batches take turns. A range is
claimed with one conditional UPDATE, renewed at every page (the heartbeat) and marked done at
the end; a range whose lease runs out (a killed worker) is queued again under a new generation,
and the new task reads on from the first page of the range without a row.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from intake.batch.lease import QUEUED_LEASES, LeaseLost
from intake.db.workflow import Batch, BatchRange, BatchStatus, Page, RangeStatus, Upload

log = logging.getLogger(__name__)

#: a range being read or queued: the batch is in hand, the batch's reaper leaves it alone
IN_FLIGHT = (RangeStatus.QUEUED.value, RangeStatus.READING.value)


@dataclass(frozen=True)
class PageRange:
    """One claimed range: pages ``start`` to ``stop`` (exclusive) of ``upload_id``."""

    id: str
    batch_id: str
    upload_id: str
    start: int
    stop: int


#: (range id, generation): what a range task is queued with
RangeTask = tuple[str, int]


def _now() -> datetime:
    return datetime.now(UTC)


def plan_upload(session: Session, upload: Upload, position: int, slice_pages: int) -> int:
    """The ranges of one counted upload, made the first time (0 ``slice_pages``: one range);
    returns how many it has. Ranges already made are kept as they are."""
    existing = session.scalar(
        select(func.count()).select_from(BatchRange).where(BatchRange.upload_id == upload.id)
    )
    if existing:
        return int(existing)
    total = max(1, upload.page_count)
    step = slice_pages if slice_pages > 0 else total
    for start in range(0, total, step):
        session.add(
            BatchRange(
                batch_id=upload.batch_id,
                upload_id=upload.id,
                start=start,
                stop=min(total, start + step),
                position=position,
                status=RangeStatus.WAITING.value,
                generation=0,
                lease_owner="",
            )
        )
    return len(range(0, total, step))


def reopen_incomplete(session: Session, batch_id: str) -> int:
    """Ranges marked done that lack a page row (a page deleted, a worker that died between
    its last page and its end): waiting again, to read what is missing. An upload that failed
    as a whole has its one row; its ranges stay done."""
    done = session.scalars(
        select(BatchRange)
        .join(Upload, Upload.id == BatchRange.upload_id)
        .where(
            BatchRange.batch_id == batch_id,
            BatchRange.status == RangeStatus.DONE.value,
            Upload.status != "failed",
        )
    ).all()
    if not done:
        return 0
    stored: dict[str, set[int]] = {}
    for upload_id, index in session.execute(
        select(Page.upload_id, Page.index).where(Page.batch_id == batch_id)
    ):
        stored.setdefault(upload_id, set()).add(index)
    reopened = 0
    for span in done:
        if not set(range(span.start, span.stop)) <= stored.get(span.upload_id, set()):
            span.status = RangeStatus.WAITING.value
            reopened += 1
    return reopened


def in_flight(sessions: sessionmaker[Session], batch_id: str) -> int:
    """Ranges of the batch queued or being read."""
    with sessions() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(BatchRange)
                .where(BatchRange.batch_id == batch_id, BatchRange.status.in_(IN_FLIGHT))
            )
            or 0
        )


def unfinished(sessions: sessionmaker[Session], batch_id: str) -> int:
    """Ranges of the batch not yet done."""
    with sessions() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(BatchRange)
                .where(BatchRange.batch_id == batch_id, BatchRange.status != RangeStatus.DONE.value)
            )
            or 0
        )


def queue_waiting(
    sessions: sessionmaker[Session], batch_id: str, lease_s: int, count: int | None
) -> list[RangeTask]:
    """Mark up to ``count`` (None: all) of the batch's waiting ranges queued, each under a new
    generation, in page order; the tasks to queue for them. A range another worker marked
    first is left to it."""
    with sessions() as session:
        waiting = session.execute(
            select(BatchRange.id, BatchRange.generation)
            .where(BatchRange.batch_id == batch_id, BatchRange.status == RangeStatus.WAITING.value)
            .order_by(BatchRange.position, BatchRange.start)
        ).all()
        queued: list[RangeTask] = []
        for row in waiting:
            if count is not None and len(queued) >= count:
                break
            result = session.execute(
                update(BatchRange)
                .where(
                    BatchRange.id == row.id,
                    BatchRange.generation == row.generation,
                    BatchRange.status == RangeStatus.WAITING.value,
                )
                .values(
                    status=RangeStatus.QUEUED.value,
                    generation=row.generation + 1,
                    lease_owner="",
                    lease_until=_now() + timedelta(seconds=lease_s * QUEUED_LEASES),
                )
                .execution_options(synchronize_session=False)
            )
            session.commit()
            if getattr(result, "rowcount", 0):
                queued.append((row.id, row.generation + 1))
        return queued


def claim(
    sessions: sessionmaker[Session], range_id: str, owner: str, lease_s: int, generation: int
) -> PageRange | None:
    """Take the range for ``owner`` when its task is the current generation and nobody holds
    it (or the holder's lease ran out); None when it is not to be read by this task."""
    now = _now()
    with sessions() as session:
        result = session.execute(
            update(BatchRange)
            .where(
                BatchRange.id == range_id,
                BatchRange.generation == generation,
                BatchRange.status.in_(IN_FLIGHT),
                or_(
                    BatchRange.lease_owner == "",
                    BatchRange.lease_until.is_(None),
                    BatchRange.lease_until < now,
                ),
            )
            .values(
                status=RangeStatus.READING.value,
                lease_owner=owner,
                lease_until=now + timedelta(seconds=lease_s),
            )
            .execution_options(synchronize_session=False)
        )
        session.commit()
        if not getattr(result, "rowcount", 0):
            return None
        row = session.get(BatchRange, range_id)
        if row is None:
            return None
        return PageRange(row.id, row.batch_id, row.upload_id, row.start, row.stop)


def renew(sessions: sessionmaker[Session], range_id: str, owner: str, lease_s: int) -> None:
    """The heartbeat: extend the claim, or ``LeaseLost`` when the range is no longer ours."""
    with sessions() as session:
        result = session.execute(
            update(BatchRange)
            .where(BatchRange.id == range_id, BatchRange.lease_owner == owner)
            .values(lease_until=_now() + timedelta(seconds=lease_s))
            .execution_options(synchronize_session=False)
        )
        session.commit()
    if not getattr(result, "rowcount", 0):
        raise LeaseLost(range_id)


def _settle(
    sessions: sessionmaker[Session], range_id: str, owner: str, status: RangeStatus
) -> bool:
    with sessions() as session:
        result = session.execute(
            update(BatchRange)
            .where(BatchRange.id == range_id, BatchRange.lease_owner == owner)
            .values(status=status.value, lease_owner="", lease_until=None)
            .execution_options(synchronize_session=False)
        )
        session.commit()
    return bool(getattr(result, "rowcount", 0))


def finish(sessions: sessionmaker[Session], range_id: str, owner: str) -> bool:
    """Mark the range read (False: it was taken over meanwhile)."""
    return _settle(sessions, range_id, owner, RangeStatus.DONE)


def give_back(sessions: sessionmaker[Session], range_id: str, owner: str) -> None:
    """Leave the range waiting (it failed): ``intake batch retry`` queues it again."""
    _settle(sessions, range_id, owner, RangeStatus.WAITING)


def expired(sessions: sessionmaker[Session]) -> list[RangeTask]:
    """Ranges queued or being read whose lease ran out: (id, generation)."""
    with sessions() as session:
        rows = session.execute(
            select(BatchRange.id, BatchRange.generation).where(
                BatchRange.status.in_(IN_FLIGHT),
                or_(BatchRange.lease_until.is_(None), BatchRange.lease_until < _now()),
            )
        ).all()
    return [(row.id, row.generation) for row in rows]


def take_over(
    sessions: sessionmaker[Session], range_id: str, generation: int, lease_s: int
) -> int | None:
    """Move an expired range to the next generation, queued, if no other reaper did first."""
    with sessions() as session:
        result = session.execute(
            update(BatchRange)
            .where(
                BatchRange.id == range_id,
                BatchRange.generation == generation,
                BatchRange.status.in_(IN_FLIGHT),
                or_(BatchRange.lease_until.is_(None), BatchRange.lease_until < _now()),
            )
            .values(
                status=RangeStatus.QUEUED.value,
                generation=generation + 1,
                lease_owner="",
                lease_until=_now() + timedelta(seconds=lease_s * QUEUED_LEASES),
            )
            .execution_options(synchronize_session=False)
        )
        session.commit()
    return generation + 1 if getattr(result, "rowcount", 0) else None


def forget_readers(sessions: sessionmaker[Session]) -> int:
    """At the start of the embedded server, the only reader of its data: the ranges of
    unfinished batches left queued or being read by the stopped server wait again."""
    unfinished_batches = select(Batch.id).where(
        Batch.status.in_([BatchStatus.QUEUED.value, BatchStatus.PROCESSING.value])
    )
    with sessions() as session:
        result = session.execute(
            update(BatchRange)
            .where(BatchRange.batch_id.in_(unfinished_batches), BatchRange.status.in_(IN_FLIGHT))
            .values(status=RangeStatus.WAITING.value, lease_owner="", lease_until=None)
            .execution_options(synchronize_session=False)
        )
        session.commit()
    return int(getattr(result, "rowcount", 0) or 0)
