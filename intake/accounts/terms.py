"""When a leaver's links to accounts end: the grace period (``Settings.leaver_grace``).

``term_end`` (the default) ends them at the end of the day of the first of the school's term
ends (``Settings.term_end_dates``, month-day) on or after the day the import marked the child as
left; ``"<N>d"`` ends them N days after that import (``"0d"``: at once). Days are UTC days.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from intake.config import Settings
from intake.errors import ConfigError

TERM_END = "term_end"
_DAYS = re.compile(r"^\s*(\d{1,3})\s*(d|days?)\s*$")
_MONTH_DAY = re.compile(r"^(\d{2})-(\d{2})$")


@dataclass(frozen=True)
class LeaverGrace:
    """The grace period, checked: either the next term end or a number of days."""

    days: int | None  # None: until the end of the term
    term_ends: tuple[tuple[int, int], ...]  # (month, day), sorted

    def ends_at(self, left_at: datetime) -> datetime:
        """When the links of a child marked as left at ``left_at`` end."""
        left_at = left_at if left_at.tzinfo else left_at.replace(tzinfo=UTC)
        if self.days is not None:
            return left_at + timedelta(days=self.days)
        return datetime.combine(next_term_end(left_at.date(), self.term_ends), time(), UTC) + (
            timedelta(days=1)
        )


def next_term_end(day: date, term_ends: tuple[tuple[int, int], ...]) -> date:
    """The first term end on or after ``day``."""
    for year in (day.year, day.year + 1):
        for month, dom in term_ends:
            end = date(year, month, dom)
            if end >= day:
                return end
    raise ConfigError("term_end_dates is empty")  # pragma: no cover - checked at load


def leaver_grace(settings: Settings) -> LeaverGrace:
    """``Settings.leaver_grace`` and ``term_end_dates`` checked, or ``ConfigError`` naming them."""
    ends: list[tuple[int, int]] = []
    for text in settings.term_end_dates:
        found = _MONTH_DAY.match(text.strip())
        try:
            if found is None:
                raise ValueError(text)
            month, dom = int(found.group(1)), int(found.group(2))
            date(2024, month, dom)  # a leap year: 02-29 is allowed
        except ValueError as exc:
            raise ConfigError(f"term_end_dates: {text!r} is not a month-day such as 07-31") from exc
        if (month, dom) == (2, 29):
            raise ConfigError("term_end_dates: 02-29 is not in every year")
        ends.append((month, dom))
    if not ends:
        raise ConfigError("term_end_dates needs at least one month-day, e.g. 07-31")
    grace = settings.leaver_grace.strip().lower()
    if grace == TERM_END:
        return LeaverGrace(None, tuple(sorted(set(ends))))
    days = _DAYS.match(grace)
    if days is None:
        raise ConfigError(
            f"leaver_grace must be {TERM_END!r} or a number of days such as '14d', "
            f"not {settings.leaver_grace!r}"
        )
    return LeaverGrace(int(days.group(1)), tuple(sorted(set(ends))))
