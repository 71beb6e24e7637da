"""Fixtures of the audit-chain tests: a migrated SQLite database per test, or the run's own
PostgreSQL database (made on the ``INTAKE_TEST_DATABASE_URL`` server) with the log emptied."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from intake.db.base import make_engine, make_session_factory
from intake.db.migrate import upgrade
from intake.testing.databases import scratch_postgres


@pytest.fixture(scope="session")
def pg_audit(postgres_url: str) -> Iterator[str]:
    with scratch_postgres(postgres_url, "audit_test") as url:
        upgrade(url)
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'intake.sqlite3'}"
        upgrade(url)
        return url
    url = str(request.getfixturevalue("pg_audit"))
    engine = make_engine(url)
    with engine.begin() as connection:
        # TRUNCATE is the owner's reset; the trigger refuses row deletes
        connection.execute(text("TRUNCATE audit_log, audit_chain_head"))
    engine.dispose()
    return url


@pytest.fixture()
def factory(db_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(db_url)
    yield make_session_factory(engine)
    engine.dispose()
