"""fingerprint: the number of `ok` rows, kept by triggers, so the library's catch-up does not count

Each process's fingerprint library catches up on every job (fingerprint/shared_library.py).
It compares the number of `ok` fingerprint rows with the rows it holds plus those written since
its last look, to notice a row removed (an asset deleted: ON DELETE CASCADE) or one its window
missed. `SELECT count(*)` reads the whole index, linear in the library. The triggers here keep
the number in a one-row table as rows are inserted, change status or are deleted, however they
are changed (our upserts, a cascade from `assets`, a hand-run statement), so reading it is
O(1). The row is locked only for the rest of the writing transaction, and writes of
fingerprints are short.

Revision ID: 0020_fingerprint_ok_rows
Revises: 0019_scale_constraints
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020_fingerprint_ok_rows"
down_revision = "0019_scale_constraints"
branch_labels = None
depends_on = None

_SQLITE_TRIGGERS = {
    "fingerprints_ok_insert": "AFTER INSERT ON fingerprints WHEN NEW.status = 'ok' "
    "BEGIN UPDATE fingerprint_library SET ok_rows = ok_rows + 1; END",
    "fingerprints_ok_delete": "AFTER DELETE ON fingerprints WHEN OLD.status = 'ok' "
    "BEGIN UPDATE fingerprint_library SET ok_rows = ok_rows - 1; END",
    "fingerprints_ok_update": "AFTER UPDATE OF status ON fingerprints "
    "WHEN (OLD.status = 'ok') <> (NEW.status = 'ok') "
    "BEGIN UPDATE fingerprint_library SET ok_rows = ok_rows + (CASE WHEN NEW.status = 'ok' THEN 1 ELSE -1 END); END",
}


def upgrade() -> None:
    op.create_table(
        "fingerprint_library",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ok_rows", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_fingerprint_library_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fingerprint_library")),
    )
    op.execute("INSERT INTO fingerprint_library (id, ok_rows) "
               "SELECT 1, count(*) FROM fingerprints WHERE status = 'ok'")
    if op.get_bind().dialect.name == "sqlite":
        for name, body in _SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")
        return
    op.execute(
        "CREATE FUNCTION fingerprints_ok_rows() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "DECLARE delta integer := 0; "
        "BEGIN "
        "IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status = 'ok' THEN delta := delta + 1; END IF; "
        "IF TG_OP IN ('DELETE', 'UPDATE') AND OLD.status = 'ok' THEN delta := delta - 1; END IF; "
        "IF delta <> 0 THEN UPDATE fingerprint_library SET ok_rows = ok_rows + delta; END IF; "
        "RETURN NULL; "
        "END $$"
    )
    op.execute(
        "CREATE TRIGGER fingerprints_ok_rows AFTER INSERT OR UPDATE OF status OR DELETE ON fingerprints "
        "FOR EACH ROW EXECUTE FUNCTION fingerprints_ok_rows()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in _SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    else:
        op.execute("DROP TRIGGER IF EXISTS fingerprints_ok_rows ON fingerprints")
        op.execute("DROP FUNCTION IF EXISTS fingerprints_ok_rows()")
    op.drop_table("fingerprint_library")
