"""The grace period's dates and the merge map's format."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from intake.accounts.terms import leaver_grace, next_term_end
from intake.config import Settings, load_settings
from intake.errors import ConfigError, RosterError
from intake.roster.merges import parse_contact_merges

TERMS = ((4, 30), (7, 31), (12, 31))


@pytest.mark.parametrize(
    ("day", "end"),
    [
        (date(2026, 9, 1), date(2026, 12, 31)),
        (date(2026, 12, 31), date(2026, 12, 31)),
        (date(2027, 1, 1), date(2027, 4, 30)),
        (date(2027, 5, 1), date(2027, 7, 31)),
        (date(2027, 8, 15), date(2027, 12, 31)),
    ],
)
def test_next_term_end(day: date, end: date) -> None:
    assert next_term_end(day, TERMS) == end


def test_default_grace_is_the_end_of_the_term() -> None:
    grace = leaver_grace(Settings())
    left = datetime(2027, 3, 3, 15, 0, tzinfo=UTC)
    assert grace.ends_at(left) == datetime(2027, 5, 1, tzinfo=UTC)


def test_grace_in_days_and_from_the_environment() -> None:
    settings = load_settings(
        environ={"INTAKE_LEAVER_GRACE": "14d", "INTAKE_TERM_END_DATES": "07-31"}
    )
    grace = leaver_grace(settings)
    assert grace.days == 14 and grace.term_ends == ((7, 31),)
    assert grace.ends_at(datetime(2027, 3, 3, tzinfo=UTC)) == datetime(2027, 3, 17, tzinfo=UTC)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"leaver_grace": "two weeks"}, "leaver_grace must be 'term_end' or a number of days"),
        ({"term_end_dates": ("31-07",)}, "term_end_dates: '31-07' is not a month-day"),
        ({"term_end_dates": ()}, "term_end_dates needs at least one"),
        ({"term_end_dates": ("02-29",)}, "02-29 is not in every year"),
    ],
)
def test_bad_grace_settings_are_named(changes: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        leaver_grace(Settings(**changes))


def test_merge_map_parses_and_refuses_bad_lines() -> None:
    assert parse_contact_merges("\ufeffOld Contact ID,New Contact ID\nC1,C9\n\nC2,C9\n") == {
        "C1": "C9",
        "C2": "C9",
    }
    with pytest.raises(RosterError, match="must name the columns"):
        parse_contact_merges("A,B\nC1,C2\n")
    with pytest.raises(RosterError, match="has errors") as errors:
        parse_contact_merges("OldContactID,NewContactID\nC1,\nC2,C3\nC2,C4\nC3,C5\n")
    assert errors.value.problems == [
        "line 2: both ids are needed",
        "line 4: C2 is already merged into C3",
        "C2 -> C3 is merged again: give the final id",
    ]
