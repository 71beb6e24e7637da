"""Run the product's Alembic migrations from code: the CLI, the web app and tests call these.

The Alembic configuration is built here (no ``alembic.ini`` to find): the scripts live inside the
package (``intake/db/migrations``), so migrations work from an installed wheel too.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from intake.db.base import make_engine
from intake.errors import ConfigError
from intake.paths import package_path

log = logging.getLogger(__name__)

MIGRATIONS_DIR = package_path("intake.db", "migrations")


def alembic_config(url: str = "") -> Config:
    """An Alembic ``Config`` for ``url`` with the package's script location."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # configparser interpolation: a literal % is written %%
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    config.attributes["url"] = url
    return config


def ensure_data_dir(url: str) -> None:
    """Create the folder of a SQLite database file (0700) and the file itself (0600), so a
    first run just works and SQLite never creates the file with a looser mode."""
    from intake.data_folder import create_sqlite_file, sqlite_path

    path = sqlite_path(url)
    if path is not None:
        create_sqlite_file(path)


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision`` (creating a SQLite file if needed)."""
    ensure_data_dir(url)
    try:
        command.upgrade(alembic_config(url), revision)
    except SQLAlchemyError as exc:
        raise ConfigError(
            f"cannot migrate the database: {exc.__class__.__name__}: {str(exc).splitlines()[0]}"
        ) from exc
    log.info("database migrated to %s", revision)


def current_revisions(url: str) -> tuple[str, ...]:
    """The revisions the database is at (empty: never migrated, or no SQLite file yet)."""
    parsed = make_url(url)
    if (
        parsed.get_backend_name() == "sqlite"
        and parsed.database not in (None, "", ":memory:")
        and not Path(parsed.database).expanduser().exists()
    ):
        return ()
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return tuple(MigrationContext.configure(connection).get_current_heads())
    finally:
        engine.dispose()


def head_revisions() -> tuple[str, ...]:
    """The newest revision(s) in the scripts; more than one means branches to merge."""
    return tuple(ScriptDirectory.from_config(alembic_config()).get_heads())


def new_revision(message: str, autogenerate: bool = True) -> Path:
    """Write a new revision after the current head (for developers adding tables).

    With ``autogenerate`` the difference between the models and a scratch SQLite database
    migrated to head is written into it: review it before committing.
    """
    heads = head_revisions()
    if len(heads) > 1:
        raise ConfigError(
            f"several heads ({', '.join(heads)}): merge them first "
            "(alembic merge) before adding a revision"
        )
    script = ScriptDirectory.from_config(alembic_config())
    # after the highest number, not the count: branches merged later may leave gaps
    numbers = [int(r.revision) for r in script.walk_revisions() if r.revision.isdigit()]
    number = max(numbers, default=0) + 1
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{Path(scratch) / 'scratch.sqlite3'}"
        upgrade(url)
        config = alembic_config(url)
        made = command.revision(
            config, message=message, autogenerate=autogenerate, rev_id=f"{number:04d}"
        )
    if made is None or isinstance(made, list):
        raise ConfigError("alembic wrote no single revision")
    return Path(made.path)


def check_database(url: str) -> None:
    """Reach the database and find it migrated to the head, or one clear ``ConfigError``
    (a worker never migrates: ``intake serve`` or ``intake db upgrade`` does)."""
    try:
        current = set(current_revisions(url))
    except SQLAlchemyError as exc:
        raise ConfigError(
            f"cannot reach the database: {exc.__class__.__name__}: {str(exc).splitlines()[0]}"
        ) from None
    except ValueError as exc:  # a URL SQLAlchemy cannot parse
        raise ConfigError(f"the database URL is not valid: {exc}") from None
    if current != set(head_revisions()):
        raise ConfigError(
            "the database is not migrated to this version: run intake db upgrade (or intake serve)"
        )
