"""Fixtures of the staff tests: the web tests' database, app and staff users."""

from web.conftest import (  # noqa: F401 - fixtures re-used by the staff tests
    app,
    batch_ctx,
    database_url,
    db_factory,
    fast_hashes,
    queue,
    reader,
    settings,
    users,
)
