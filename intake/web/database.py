"""One SQLAlchemy session per request, committed by the view, closed at teardown."""

from __future__ import annotations

from typing import TypeVar

from flask import Flask, abort, current_app, g
from sqlalchemy.orm import Session, sessionmaker

from intake.db.base import make_engine, make_session_factory


def init_app(app: Flask, url: str) -> None:
    """Create the engine and the session factory for this app."""
    engine = make_engine(url, pool_pre_ping=True)
    app.extensions["intake_engine"] = engine
    app.extensions["intake_sessions"] = make_session_factory(engine)
    app.teardown_appcontext(_close)


def sessions() -> sessionmaker[Session]:
    """The session factory of the current app (for the worker started beside it, too)."""
    factory: sessionmaker[Session] = current_app.extensions["intake_sessions"]
    return factory


def db() -> Session:
    """The current request's session, created on first use."""
    if "db" not in g:
        g.db = sessions()()
    session: Session = g.db
    return session


T = TypeVar("T")


def get_or_404(model: type[T], key: str) -> T:
    """The row of ``model`` with primary key ``key``, or a 404."""
    row = db().get(model, key)
    if row is None:
        abort(404)
    return row


def _close(_exc: BaseException | None) -> None:
    session = g.pop("db", None)
    if session is not None:
        session.close()
