"""Alembic migrations of the server's schema; run them with :func:`civitrace.server.db.migrate`."""
