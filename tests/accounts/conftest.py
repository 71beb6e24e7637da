"""Fixtures of the accounts tests (most are defined in ``helpers``)."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from intake.accounts import passwords

from .helpers import clock, ctx, engine, factory, pg_engine, settings

__all__ = ["clock", "ctx", "engine", "factory", "pg_engine", "settings"]


@pytest.fixture
def real_hasher() -> PasswordHasher:
    """Ask for this to keep the product's argon2id parameters in a test."""
    return passwords._hasher


@pytest.fixture(autouse=True)
def cheap_hashes(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id with small costs (the real parameters are tested on their own)."""
    if "real_hasher" not in request.fixturenames:
        monkeypatch.setattr(
            passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
        )
