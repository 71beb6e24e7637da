"""The job queue's portal task: send due pushes, then come back when the next one is due.

Registered by the job queue's builder (``register_portal_tasks(huey, settings)``); enqueue it
after an account change commits. Each run sends what is due and schedules itself again at the
earliest ``next_attempt_at`` left, so retries follow the backoff without a periodic task.
Runs are idempotent: two at once only find fewer rows to send (locked rows are skipped).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from huey import Huey
from sqlalchemy import func, select

from intake.config import Settings
from intake.db.accounts import utcnow
from intake.db.base import make_engine, make_session_factory
from intake.db.portal import PUSH_PENDING, PortalPush

log = logging.getLogger(__name__)

#: never sleep longer than this between runs, so a push queued by another process is found
MAX_WAIT_S = 3600


def next_due(session: Any) -> datetime | None:
    """When the earliest pending push is due (None: nothing pending)."""
    return session.scalar(
        select(func.min(PortalPush.next_attempt_at)).where(
            PortalPush.open_key.is_not(None), PortalPush.status == PUSH_PENDING
        )
    )


def register_portal_tasks(
    huey: Huey, settings: Settings, sessions_factory: Callable[[], Any] | None = None
) -> Callable[[], Any]:
    """Register the ``portal_push`` task on ``huey``; returns the function that queues it.

    ``sessions_factory`` makes sessions (default: an engine on ``settings`` built in the worker).
    """
    from intake.accounts.credentials import as_utc
    from intake.portal.push import push_due

    cache: dict[str, Any] = {"factory": sessions_factory} if sessions_factory else {}

    def sessions() -> Any:
        if "factory" not in cache:  # built in the worker, never at import
            cache["factory"] = make_session_factory(
                make_engine(settings.sqlalchemy_url, pool_pre_ping=True)
            )
        return cache["factory"]

    @huey.task(name="portal_push")
    def portal_push() -> None:
        if not settings.portal.enabled:
            return
        with sessions()() as session:
            report = push_due(session, settings)
            due = as_utc(next_due(session))
        log.info("job: portal push, %d failed, %s", report.failed, report.outcomes)
        if due is not None:
            delay = min(max((due - utcnow()).total_seconds(), 1.0), MAX_WAIT_S)
            portal_push.schedule(delay=delay)

    return portal_push
