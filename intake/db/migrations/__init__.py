"""Alembic migrations for the whole product (run them with ``intake db upgrade``)."""
