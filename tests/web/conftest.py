"""Fixtures for the web tests: a migrated-or-created database (SQLite, or PostgreSQL when
``INTAKE_TEST_DATABASE_URL`` is set), an app with an immediate job queue and a fake reader,
staff users of every role, and a logged-in client per role."""

from __future__ import annotations

import contextlib
import os
import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from batch.fakes import FakeReader, fake_matcher, sample_values
from flask import Flask
from flask.testing import FlaskClient
from huey import MemoryHuey
from sqlalchemy import text

from intake.batch.context import BatchContext
from intake.batch.jobs import JobQueue, build_queue
from intake.config import Settings, load_settings
from intake.db.base import Base, make_engine, make_session_factory
from intake.staff import directory, passwords
from intake.storage import LocalStorage
from intake.web import create_app

PASSWORD = "correct horse battery staple"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(autouse=True)
def fast_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2 with small costs in tests (the real parameters are tested on their own)."""
    monkeypatch.setattr(
        passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """SQLite in tmp_path, or a fresh schema of the PostgreSQL at INTAKE_TEST_DATABASE_URL."""
    base = os.environ.get("INTAKE_TEST_DATABASE_URL", "")
    if not base:
        yield f"sqlite:///{tmp_path / 'test.sqlite3'}"
        return
    schema = f"web_test_{uuid.uuid4().hex[:10]}"
    admin = make_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    joiner = "&" if "?" in base else "?"
    yield f"{base}{joiner}options=-csearch_path%3D{schema}"
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    # MFA off in the generic fixtures: tests/staff/test_mfa*.py sign in with the default;
    # straight-through off, so that fake forms wait for a reviewer
    # (tests/batch/test_straight_through.py turns it on)
    return load_settings(
        environ={"INTAKE_DATA_DIR": str(data_dir)},
        database_url=database_url,
        mfa_required_roles=(),
        straight_through=False,
    )


@pytest.fixture
def db_factory(settings: Settings) -> Iterator:
    import intake.db.workflow  # noqa: F401 - registers the tables

    for module in ("intake.db.roster", "intake.db.accounts", "intake.db.records"):
        with contextlib.suppress(ImportError):
            __import__(module)
    engine = make_engine(settings.sqlalchemy_url)
    Base.metadata.create_all(engine)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def reader() -> FakeReader:
    return FakeReader(values={n: sample_values(n, doubtful=n % 2 == 1) for n in range(1, 20)})


@pytest.fixture
def batch_ctx(settings: Settings, db_factory, reader: FakeReader) -> BatchContext:
    return BatchContext(
        settings=settings,
        sessions=db_factory,
        storage=LocalStorage(settings.data_dir / "files"),
        reader=reader,
        matcher=fake_matcher,
    )


@pytest.fixture
def queue(settings: Settings, batch_ctx: BatchContext) -> JobQueue:
    queue = build_queue(
        settings, huey=MemoryHuey("test", immediate=True), context=lambda: batch_ctx
    )
    # immediate mode keeps a task's exception in its result: raise it, so no bug hides there
    return JobQueue(
        huey=queue.huey,
        enqueue_batch=lambda batch_id: queue.enqueue_batch(batch_id).get(),
        enqueue_page=lambda page_id: queue.enqueue_page(page_id).get(),
    )


@pytest.fixture
def app(settings: Settings, batch_ctx: BatchContext, queue: JobQueue) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key-for-the-web-tests",
            "INTAKE_SETTINGS": settings,
            "INTAKE_QUEUE": queue,
            "INTAKE_STORAGE": batch_ctx.storage,
            "RATELIMIT_ENABLED": True,
        }
    )


@pytest.fixture
def users(db_factory) -> dict[str, str]:
    """One active user per role, password ``PASSWORD``; returns role -> user id."""
    ids = {}
    with db_factory() as session:
        for role in ("office", "approver", "admin"):
            user, _ = directory.create_staff(session, f"{role}1", role)
            user.password_hash = passwords.hash_password(PASSWORD)
            user.must_change_password = False
            ids[role] = user.id
        session.commit()
    return ids


def csrf_from(client: FlaskClient, path: str) -> str:
    page = client.get(path)
    match = CSRF_RE.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {path} ({page.status_code})"
    return match.group(1)


def login(client: FlaskClient, username: str, password: str = PASSWORD):
    token = csrf_from(client, "/login")
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )


@pytest.fixture
def client_as(app: Flask, users: dict[str, str]) -> Callable[[str], FlaskClient]:
    """A fresh client logged in with the given role ("office", "approver", "admin")."""

    def make(role: str) -> FlaskClient:
        client = app.test_client()
        response = login(client, f"{role}1")
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return make
