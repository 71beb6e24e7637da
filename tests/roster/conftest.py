"""Fixtures for the roster tests: a small demo roster, migrated SQLite and PostgreSQL databases."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from intake.db.base import make_engine, make_session_factory
from intake.db.migrate import upgrade
from intake.lab.roster.demo import make_demo_roster
from intake.roster.model import Roster

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
    name = f"roster_test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


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
