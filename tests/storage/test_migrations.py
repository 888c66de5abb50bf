from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from culturebridge.pipeline import metadata
from culturebridge.storage import Database, alembic_config


def test_empty_database_migrates_to_head_and_matches_the_schema(database_url: str) -> None:
    db = Database.open(database_url)
    try:
        assert db.current_heads() == ()
        db.migrate()
        script = ScriptDirectory.from_config(alembic_config())
        assert db.current_heads() == tuple(sorted(script.get_heads()))
        with db.read() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), metadata)
            tables = set(inspect(conn).get_table_names())
        assert diff == [], f"schema and migrations disagree: {diff}"
        assert set(metadata.tables) <= tables
        db.migrate()  # idempotent: a second run changes nothing
    finally:
        db.close()
