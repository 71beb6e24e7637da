"""Suite-wide fixtures: services that some tests need.

On a developer's laptop a missing service skips its tests with a clear reason; in CI
(``CI=true``) the same situation fails the test, so a broken service cannot hide.
"""

from __future__ import annotations

import os

import pytest

from intake.testing.services import chromium_path, postgres_reachable, redis_reachable

IN_CI = os.environ.get("CI") == "true"


def service_missing(reason: str) -> None:
    """Skip (laptop) or fail (CI) a test whose service is not there."""
    if IN_CI:
        pytest.fail(f"CI must run this test: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_url() -> str:
    url = os.environ.get(
        "INTAKE_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )
    if not url.startswith("postgresql"):
        url = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    reason = postgres_reachable(url)
    if reason:
        service_missing(reason)
    return url


@pytest.fixture(scope="session")
def redis_url() -> str:
    url = os.environ.get("INTAKE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    reason = redis_reachable(url)
    if reason:
        service_missing(reason)
    return url


@pytest.fixture(scope="session")
def chromium() -> str:
    path = chromium_path()
    if not path:
        service_missing("Debian's chromium is not installed (bash .ci/install installs it)")
    return path
