"""Alembic migrations, run in-process when a store opens."""
