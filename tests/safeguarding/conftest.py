"""Fixtures of the safeguarding tests: a migrated SQLite database per test, or a PostgreSQL
database of the run's own (made on the ``INTAKE_TEST_DATABASE_URL`` server) emptied before
each test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from intake.db.base import Base, make_engine, make_session_factory
from intake.db.migrate import upgrade
from intake.testing.databases import scratch_postgres


@pytest.fixture(scope="session")
def pg_migrated(postgres_url: str) -> Iterator[str]:
    """A database of this run's own on the test server (emptied freely, dropped at the end)."""
    with scratch_postgres(postgres_url, "safeguard_test") as url:
        upgrade(url)
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'intake.sqlite3'}"
        upgrade(url)
        return url
    url = str(request.getfixturevalue("pg_migrated"))
    engine = make_engine(url)
    tables = ", ".join(f'"{t}"' for t in Base.metadata.tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return url


@pytest.fixture()
def factory(db_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(db_url)
    yield make_session_factory(engine)
    engine.dispose()
