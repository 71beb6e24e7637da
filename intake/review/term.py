"""Where the term's intake stands: families that have returned a form and those that have
not, forms by state, pages, batches still being read, forms and accounts per day, letters
printed and collected, accounts active, and each reviewer's pace.

A family (``intake.roster.families``, the serial its pack carries) has returned a form when a
form that is not rejected carries its serial, or links one of its children.

The reviewers' pace comes from the audit log's ``form.accept`` entries alone (who accepted a
form, and when). For one person, the time between two accepts in a row is the time the second
form took, unless it is longer than ``IDLE_GAP_SECONDS``: then the person was doing something
else, and neither that gap nor the form after it counts as work. Forms an hour is the forms so
timed over the seconds they took. Staff are named by username: staff data, not families'.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import pairwise
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from intake.db.accounts import PortalAccount
from intake.db.workflow import (
    AuditEntry,
    Batch,
    BatchStatus,
    Form,
    FormEdit,
    Page,
    PageStatus,
    StaffUser,
)
from intake.review.states import FormState

#: a pause longer than this between two accepts is a break, not work on the second form
IDLE_GAP_SECONDS = 600.0
ACCEPT_ACTION = "form.accept"
#: history rows of a roster choice (``intake.review.service``), not of a value typed
CHOICE_PREFIX = "match:"
#: forms looked at to say which checked ones are ready to approve
MAX_READY_CHECKS = 1000
#: families listed by name among those that have not returned a form
MAX_LISTED = 50

#: the rows of the term view, in the order a form goes through them
STATE_WORDS: tuple[tuple[FormState, str], ...] = (
    (FormState.PROCESSING, "still being read"),
    (FormState.REVIEW, "waiting for review"),
    (FormState.HELD, "held for research"),
    (FormState.CHECKED, "checked, waiting for an approver"),
    (FormState.ACCOUNTS_CREATED, "approved, accounts created"),
    (FormState.REJECTED, "rejected"),
)


@dataclass(frozen=True)
class StateCount:
    state: str
    words: str
    count: int


@dataclass(frozen=True)
class DayCount:
    day: date
    forms: int
    accounts: int


@dataclass(frozen=True)
class ReviewerPace:
    """One reviewer's accepts: how many, and how fast when at work."""

    username: str
    accepted: int
    corrected: int  # field values this person changed (the form's history; choices aside)
    timed: int  # accepts that followed another within IDLE_GAP_SECONDS
    active_seconds: float
    per_hour: float | None  # None when no accept could be timed
    median_seconds: float | None


@dataclass(frozen=True)
class BatchInProgress:
    batch_id: str
    label: str
    status: str
    pages_done: int
    pages_total: int


@dataclass(frozen=True)
class Returns:
    """Families of the roster that have returned a form, and the first of those that have not."""

    families: int
    returned: int
    missing: tuple[str, ...]  # salutations of families with no form yet, at most MAX_LISTED

    @property
    def not_returned(self) -> int:
        return self.families - self.returned


@dataclass(frozen=True)
class Letters:
    accounts_active: int
    printed: int  # accounts whose credential letter was printed
    held: int  # letters waiting at the office to be collected
    collected: int


@dataclass(frozen=True)
class TermSummary:
    received: int
    states: tuple[StateCount, ...]
    ready: int  # checked forms an approver could approve as they stand
    pages: dict[str, int]  # read, blank, unread
    batches: tuple[BatchInProgress, ...]
    days: tuple[DayCount, ...]
    reviewers: tuple[ReviewerPace, ...]
    returns: Returns | None = None
    letters: Letters | None = None


def _since(column: Any, since: datetime | None) -> list[ColumnElement[bool]]:
    return [column >= since] if since is not None else []


def form_states(session: Session, since: datetime | None = None) -> dict[str, int]:
    rows = session.execute(
        select(Form.state, func.count()).where(*_since(Form.created_at, since)).group_by(Form.state)
    )
    return {state: n for state, n in rows}


def page_counts(session: Session, since: datetime | None = None) -> dict[str, int]:
    """Pages read, blank (backs of sheets) and not read, as the batch pages count them."""
    out = {"read": 0, "blank": 0, "unread": 0}
    rows = session.execute(
        select(Page.status, func.count())
        .where(*_since(Page.created_at, since))
        .group_by(Page.status)
    )
    for status, n in rows:
        key = {PageStatus.READ.value: "read", PageStatus.BLANK.value: "blank"}.get(status, "unread")
        out[key] += n
    return out


def batches_in_progress(session: Session) -> tuple[BatchInProgress, ...]:
    batches = session.scalars(
        select(Batch)
        .where(Batch.status.in_([BatchStatus.QUEUED.value, BatchStatus.PROCESSING.value]))
        .order_by(Batch.created_at)
    )
    return tuple(
        BatchInProgress(b.id, b.label, b.status, b.pages_done, b.pages_total) for b in batches
    )


def _day(moment: datetime) -> date:
    if moment.tzinfo is None:  # SQLite gives naive UTC times back
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).date()


def per_day(session: Session, since: datetime | None = None) -> tuple[DayCount, ...]:
    """Forms received and accounts created per day (UTC), oldest first."""
    forms = Counter(
        _day(t)
        for t in session.scalars(select(Form.created_at).where(*_since(Form.created_at, since)))
    )
    accounts = Counter(
        _day(t)
        for t in session.scalars(
            select(PortalAccount.created_at).where(*_since(PortalAccount.created_at, since))
        )
    )
    return tuple(DayCount(d, forms[d], accounts[d]) for d in sorted(set(forms) | set(accounts)))


def pace(username: str, times: Iterable[datetime], corrected: int = 0) -> ReviewerPace:
    """One reviewer's pace from the times of their accepts (any order)."""
    moments = sorted(t if t.tzinfo else t.replace(tzinfo=UTC) for t in times)
    gaps = [(later - earlier).total_seconds() for earlier, later in pairwise(moments)]
    worked = [g for g in gaps if g <= IDLE_GAP_SECONDS]
    active = sum(worked)
    return ReviewerPace(
        username=username,
        accepted=len(moments),
        corrected=corrected,
        timed=len(worked),
        active_seconds=round(active, 1),
        per_hour=round(len(worked) * 3600 / active, 1) if active > 0 else None,
        median_seconds=round(statistics.median(worked), 1) if worked else None,
    )


def reviewer_paces(session: Session, since: datetime | None = None) -> tuple[ReviewerPace, ...]:
    """Every member of staff who accepted a form, busiest first."""
    rows = session.execute(
        select(AuditEntry.actor_id, AuditEntry.at).where(
            AuditEntry.action == ACCEPT_ACTION, *_since(AuditEntry.at, since)
        )
    )
    times: dict[str, list[datetime]] = defaultdict(list)
    for actor_id, at in rows:
        if actor_id:
            times[actor_id].append(at)
    edits = dict(
        session.execute(
            select(FormEdit.actor_id, func.count())
            .where(
                FormEdit.actor_id.in_(list(times)),
                FormEdit.field_id.not_like(f"{CHOICE_PREFIX}%"),
                *_since(FormEdit.at, since),
            )
            .group_by(FormEdit.actor_id)
        ).all()
    )
    names = dict(
        session.execute(
            select(StaffUser.id, StaffUser.username).where(StaffUser.id.in_(list(times)))
        ).all()
    )
    paces = [
        pace(names.get(actor, actor[:8]), moments, edits.get(actor, 0))
        for actor, moments in times.items()
    ]
    return tuple(sorted(paces, key=lambda p: (-p.accepted, p.username)))


def returns(session: Session) -> Returns:
    """The roster's families against the forms that count (all that are not rejected)."""
    from intake.roster.families import families
    from intake.roster.queries import load_roster_from_db

    roster = load_roster_from_db(session)
    forms = session.execute(
        select(Form.serial, Form.proposed, Form.match).where(Form.state != FormState.REJECTED.value)
    ).all()
    serials = {serial for serial, _, _ in forms if serial}
    students: set[str] = set()
    for _, proposed, match in forms:
        for data in (proposed or {}, match or {}):
            for child in data.get("children", []) or []:
                if isinstance(child, dict) and child.get("student_id"):
                    students.add(str(child["student_id"]))
    all_families = families(roster)
    missing = [
        f
        for f in all_families
        if f.serial not in serials and not students.intersection(f.student_ids)
    ]
    return Returns(
        families=len(all_families),
        returned=len(all_families) - len(missing),
        missing=tuple(f.salutation for f in missing[:MAX_LISTED]),
    )


def letters(session: Session) -> Letters:
    from intake.db.accounts import ACCOUNT_ACTIVE, LetterPrint
    from intake.db.records import LetterCollection

    held = session.scalar(
        select(func.count())
        .select_from(LetterCollection)
        .where(LetterCollection.handed_over_at.is_(None), LetterCollection.withdrawn_at.is_(None))
    )
    collected = session.scalar(
        select(func.count())
        .select_from(LetterCollection)
        .where(LetterCollection.handed_over_at.is_not(None))
    )
    return Letters(
        accounts_active=session.scalar(
            select(func.count())
            .select_from(PortalAccount)
            .where(PortalAccount.status == ACCOUNT_ACTIVE)
        )
        or 0,
        printed=session.scalar(select(func.count(func.distinct(LetterPrint.account_id)))) or 0,
        held=held or 0,
        collected=collected or 0,
    )


def summary(
    session: Session,
    is_ready: Callable[[Form], bool],
    since: datetime | None = None,
) -> TermSummary:
    """The whole term view. ``is_ready`` says whether a checked form could be approved as it
    stands (the accounts area's plan; the four-eyes rule is the approver's, not counted here)."""
    states = form_states(session, since)
    checked = session.scalars(
        select(Form)
        .where(Form.state == FormState.CHECKED.value, *_since(Form.created_at, since))
        .limit(MAX_READY_CHECKS)
    )
    return TermSummary(
        received=sum(states.values()),
        states=tuple(
            StateCount(s.value, words, states.get(s.value, 0)) for s, words in STATE_WORDS
        ),
        ready=sum(1 for form in checked if is_ready(form)),
        pages=page_counts(session, since),
        batches=batches_in_progress(session),
        days=per_day(session, since),
        reviewers=reviewer_paces(session, since),
        returns=returns(session),
        letters=letters(session),
    )
