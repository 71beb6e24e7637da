"""Fixtures for the batch tests: the web tests' database (SQLite, or the PostgreSQL of
``INTAKE_TEST_DATABASE_URL``) and settings."""

from __future__ import annotations

from web.conftest import (  # noqa: F401 - fixtures re-used
    batch_ctx,
    database_url,
    db_factory,
    reader,
    settings,
)
