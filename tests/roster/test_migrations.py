"""Alembic for the whole product: one head, models and migrations agree, up and down work."""

from __future__ import annotations

import importlib

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from intake.db.base import Base, make_engine
from intake.db.migrate import MIGRATIONS_DIR, current_revisions, head_revisions, upgrade

ROSTER_TABLES = {
    "students",
    "contacts",
    "student_contacts",
    "roster_imports",
    "roster_import_files",
}


def _import_table_modules() -> None:
    """What env.py does: every table module that exists joins ``Base.metadata``."""
    for name in (
        "intake.db.roster",
        "intake.db.workflow",
        "intake.db.accounts",
        "intake.db.portal",
        "intake.db.records",
    ):
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise


def _differences(url: str) -> list:
    _import_table_modules()
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()


def test_one_head_and_scripts_inside_the_package() -> None:
    assert len(head_revisions()) == 1, "two revisions share a parent: re-point one of them"
    assert MIGRATIONS_DIR.parent.name == "db" and (MIGRATIONS_DIR / "env.py").is_file()


def test_upgrade_creates_every_table_the_models_declare(db_url: str) -> None:
    assert set(current_revisions(db_url)) == set(head_revisions())
    engine = make_engine(db_url)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert tables >= ROSTER_TABLES
    _import_table_modules()
    assert set(Base.metadata.tables) <= tables, "a table module has no migration yet"
    assert _differences(db_url) == []


@pytest.mark.postgres
def test_a_bare_postgresql_url_uses_the_installed_driver(pg_database: str) -> None:
    bare = "postgresql://" + pg_database.split("://", 1)[1]
    assert set(current_revisions(bare)) == set(head_revisions())


def test_downgrade_to_base_and_up_again(sqlite_url: str) -> None:
    from alembic import command

    from intake.db.migrate import alembic_config

    command.downgrade(alembic_config(sqlite_url), "base")
    engine = make_engine(sqlite_url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    upgrade(sqlite_url)
    assert set(current_revisions(sqlite_url)) == set(head_revisions())


def test_revision_helper_chains_after_the_head(tmp_path, monkeypatch) -> None:
    import shutil

    from intake.db import migrate

    scripts = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, scripts, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(migrate, "MIGRATIONS_DIR", scripts)
    (head,) = migrate.head_revisions()
    # revision ids are handed out per branch, so they may have gaps until merged: the helper
    # numbers a new one after the highest number, not the count of revisions
    script = migrate.ScriptDirectory.from_config(migrate.alembic_config())
    highest = max(int(r.revision) for r in script.walk_revisions() if r.revision.isdigit())
    path = migrate.new_revision("nothing new")
    text = path.read_text("utf-8")
    assert path.parent == scripts / "versions"
    assert f"down_revision: str | Sequence[str] | None = '{head}'" in text
    upgrade_body = text.split("def upgrade() -> None:")[1].split("def downgrade")[0]
    assert "op." not in upgrade_body  # the models and the migrations agree
    assert migrate.head_revisions() == (f"{highest + 1:04d}",)
