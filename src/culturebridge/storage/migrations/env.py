"""Alembic environment: runs against the connection `Database.migrate` hands over.

Migrations are plain `op` scripts and need no table objects. A caller comparing the schema
with the code (the migration test) hands the complete `metadata` in as `target_metadata`.
"""

from __future__ import annotations

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reached by a bare `alembic` CLI call
    raise RuntimeError("run migrations through culturebridge (Database.migrate)")

context.configure(
    connection=connection,
    target_metadata=context.config.attributes.get("target_metadata"),
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
