"""Fixtures of the portal tests: a real SCIM server (scim2-server, in memory, served over HTTP on
a free localhost port by a thread), a database with every table and the synthetic roster, and
settings that point provisioning at the server.

Without scim2-server (the dev extra) the tests that need it skip; under CI=true they fail.
"""

from __future__ import annotations

import secrets
import threading
import uuid
from collections.abc import Iterator
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest
from accounts.helpers import Clock, FakeBase, FakeFormStore, make_roster
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from intake.accounts.adapters import audit_recorder
from intake.accounts.ports import AccountsContext, RosterInMemory
from intake.config import Portal, Settings
from intake.db.base import Base, make_engine, make_session_factory
from intake.portal.sealing import new_key
from intake.roster.csv_io import RosterFile
from intake.roster.importing import SourceFile, import_roster

TOKEN = "scim-test-token-" + "x" * 16


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class ScimServer:
    """scim2-server's bearer-token application over one in-memory storage, stoppable and
    restartable on the same port (the storage survives, as a real portal's would)."""

    def __init__(self) -> None:
        try:
            from scim2_models import ResourceType, ScimProvider, User
            from scim2_server.memory import InMemoryStorage
            from scim2_server.service import ScimService
            from scim2_server.testserver.application import BearerTokenApplication
            from scim2_server.testserver.cli import ThreadingWSGIServer
            from scim2_server.utils import load_default_service_provider_config
        except ImportError as exc:
            from conftest import service_missing  # type: ignore[import-not-found]

            service_missing(f"scim2-server is not installed (pip install -e '.[dev]'): {exc}")
        from intake.portal.schema import ParentPortalUser, PortalUser

        provider = ScimProvider(
            models=[User, ParentPortalUser],
            resource_types=[ResourceType.from_resource(PortalUser)],
            config=load_default_service_provider_config(),
        )
        self.storage = InMemoryStorage()
        self._app = BearerTokenApplication(
            self.storage,
            provider,
            service=ScimService(provider, secret=secrets.token_urlsafe(32)),
            bearer_tokens=[TOKEN],
        )
        self._server_class = ThreadingWSGIServer
        self.port = 0
        self._server: Any = None
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v2"

    def start(self) -> None:
        self._server = make_server(
            "127.0.0.1",
            self.port,
            self._app,
            server_class=self._server_class,
            handler_class=_Quiet,
        )
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def users(self) -> list[dict[str, Any]]:
        """What the portal holds, as JSON (the password included: the storage keeps it)."""
        return [r.model_dump() for r in self.storage.resources]

    def user(self, external_id: str) -> dict[str, Any]:
        (found,) = [u for u in self.users() if u.get("externalId") == external_id]
        return found


@pytest.fixture
def scim_server() -> Iterator[ScimServer]:
    server = ScimServer()
    yield server
    server.stop()


@pytest.fixture
def portal_settings(tmp_path: Any, scim_server: ScimServer) -> Settings:
    return Settings(
        data_dir=tmp_path,
        portal=Portal(
            scim_url=scim_server.url,
            scim_token=TOKEN,
            password_key=new_key(),
            timeout_s=5,
            retry_base_s=60,
            max_attempts=3,
        ),
    )


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[Engine]:
    """Every table and the synthetic roster, on SQLite or in a fresh PostgreSQL schema."""
    import intake.db.accounts
    import intake.db.portal
    import intake.db.roster
    import intake.db.workflow  # noqa: F401 - every table joins the metadata

    if request.param == "postgres":
        url = request.getfixturevalue("postgres_url")
        schema = f"portal_test_{uuid.uuid4().hex[:10]}"
        admin = make_engine(url)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        request.addfinalizer(admin.dispose)
        request.addfinalizer(lambda: _drop(admin, schema))
        eng = make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    else:
        eng = make_engine(f"sqlite:///{tmp_path / 'portal.sqlite3'}")
    Base.metadata.create_all(eng)
    FakeBase.metadata.create_all(eng)
    with make_session_factory(eng)() as session, session.begin():
        import_roster(
            session, [SourceFile("roster.csv", "0" * 64, RosterFile(make_roster()))], full=True
        )
    yield eng
    eng.dispose()


def _drop(admin: Engine, schema: str) -> None:
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def ctx(portal_settings: Settings, clock: Clock) -> AccountsContext:
    return AccountsContext(
        settings=portal_settings,
        roster=RosterInMemory(make_roster()),
        forms=FakeFormStore(),
        audit=audit_recorder,
        clock=clock,
    )


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id with small costs (the real parameters are tested in tests/accounts)."""
    from argon2 import PasswordHasher

    from intake.accounts import passwords

    monkeypatch.setattr(
        passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
