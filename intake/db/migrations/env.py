"""Alembic environment for the whole product, driven from code by ``intake.db.migrate``.

The target metadata is ``intake.db.base.Base.metadata`` with every table module that exists
imported. The database URL or an open connection comes in ``config.attributes`` (never through
the ini file's interpolation, which would mangle ``%`` in passwords).
"""

from __future__ import annotations

import importlib
from typing import Any

from alembic import context
from sqlalchemy.engine import Connection

from intake.db.base import Base, make_engine

TABLE_MODULES = (
    "intake.db.roster",
    "intake.db.workflow",
    "intake.db.accounts",
    "intake.db.portal",
    "intake.db.records",
)

for _name in TABLE_MODULES:
    try:
        importlib.import_module(_name)
    except ModuleNotFoundError as exc:  # a module not written yet; anything else is a bug
        if exc.name != _name:
            raise

config = context.config
target_metadata = Base.metadata


def _configure(**kwargs: Any) -> None:
    context.configure(target_metadata=target_metadata, compare_type=True, **kwargs)


def run_offline() -> None:
    _configure(
        url=config.attributes["url"],
        literal_binds=True,
        render_as_batch=str(config.attributes["url"]).startswith("sqlite"),
    )
    with context.begin_transaction():
        context.run_migrations()


def _run(connection: Connection) -> None:
    # SQLite cannot ALTER most things: batch mode copies the table instead.
    _configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.attributes["url"])
    try:
        with engine.connect() as connection:
            _run(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
