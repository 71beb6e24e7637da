"""Fixtures of the accounts tests (defined in ``helpers``)."""

from .helpers import clock, ctx, engine, factory, pg_engine, settings

__all__ = ["clock", "ctx", "engine", "factory", "pg_engine", "settings"]
