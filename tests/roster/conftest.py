"""Fixtures for the roster tests: a small demo roster, migrated SQLite and PostgreSQL databases."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from intake.db.base import make_engine, make_session_factory
from intake.db.migrate import upgrade
from intake.lab.roster.demo import make_demo_roster
from intake.roster.model import Roster
from intake.testing.databases import scratch_postgres

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def demo_roster() -> Roster:
    return make_demo_roster(students=600, seed=11)


@pytest.fixture(scope="session")
def small_roster() -> Roster:
    """Small enough for database round trips to stay quick on a loaded machine."""
    return make_demo_roster(students=150, seed=4)


@pytest.fixture()
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'data' / 'intake.sqlite3'}"
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def pg_database(postgres_url: str) -> Iterator[str]:
    """A fresh database on the test server for this run (others' tests run beside ours)."""
    with scratch_postgres(postgres_url, "roster_test") as url:
        upgrade(url)
        yield url


@pytest.fixture()
def pg_url(pg_database: str) -> str:
    """The run's PostgreSQL database, emptied of roster rows."""
    engine = make_engine(pg_database)
    with engine.begin() as connection:
        connection.execute(
            text(
                "TRUNCATE student_contacts, students, contacts, roster_import_files, "
                "roster_imports RESTART IDENTITY CASCADE"
            )
        )
    engine.dispose()
    return pg_database


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture()
def session_factory(db_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(db_url)
    yield make_session_factory(engine)
    engine.dispose()
