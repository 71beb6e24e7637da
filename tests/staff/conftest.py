"""Fixtures of the staff tests: the web tests' database, app and staff users, and the app with
the product's default ``mfa_required_roles`` (the generic fixtures turn MFA off)."""

from dataclasses import replace

import pytest
from flask import Flask
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

from intake.config import Settings
from intake.web import create_app


@pytest.fixture
def mfa_app(app: Flask, settings: Settings) -> Flask:  # noqa: F811 - the imported fixtures
    """The app as shipped: approvers and admins sign in with a second factor."""
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key-for-the-mfa-tests",
            "INTAKE_SETTINGS": replace(settings, mfa_required_roles=Settings().mfa_required_roles),
            "INTAKE_QUEUE": app.extensions["intake_queue"],
            "INTAKE_STORAGE": app.extensions["intake_storage"],
            "RATELIMIT_ENABLED": False,
        }
    )
