"""Bulk statements: exact-key look-ups, insert-if-new, additive upserts, on SQLite and
PostgreSQL; and the plans of the look-ups the roll-ups make per batch use the primary key."""

from __future__ import annotations

from sqlalchemy import select

from culturebridge.insight._tables import retention, viewer_markets
from culturebridge.storage import Database
from culturebridge.storage.bulk import (
    existing_keys,
    fetch_rows,
    insert_new,
    insert_rows,
    upsert_add,
)


def test_insert_new_returns_only_the_keys_it_inserted(database: Database) -> None:
    cols = ("viewer_id", "market", "first_day", "last_day", "days")
    with database.write() as conn:
        first = insert_new(conn, viewer_markets, cols, 2, [("ann", "US/en", "2026-01-01", "2026-01-01", 1)])
        again = insert_new(conn, viewer_markets, cols, 2, [("ann", "US/en", "2026-01-09", "2026-01-09", 1),
                                                           ("ann", "FR/fr", "2026-01-09", "2026-01-09", 1)])
        rows = fetch_rows(conn, viewer_markets, ("viewer_id", "market"), [("ann", "US/en"), ("bo", "US/en")],
                          ("first_day",))
    assert first == {("ann", "US/en")} and again == {("ann", "FR/fr")}
    assert rows == [("ann", "US/en", "2026-01-01")]  # the stored row kept its first day; bo is not stored


def test_fetch_rows_matches_whole_keys_not_prefixes(database: Database) -> None:
    cols = ("viewer_id", "market", "first_day", "last_day", "days")
    with database.write() as conn:
        insert_rows(conn, viewer_markets, cols, [("ann", m, "2026-01-01", "2026-01-01", 1)
                                                 for m in ("US/en", "FR/fr", "JP/ja")])
        found = existing_keys(conn, viewer_markets, ("viewer_id", "market"), [("ann", "FR/fr"), ("ann", "DE/de")])
    assert found == {("ann", "FR/fr")}


def test_upsert_add_adds_to_stored_counters(database: Database) -> None:
    keys, counters = ("work_id", "market", "bin"), ("views",)
    with database.write() as conn:
        upsert_add(conn, retention, keys, counters, [("w1", "US/en", 3, 2), ("w1", "US/en", 4, 1)])
        upsert_add(conn, retention, keys, counters, [("w1", "US/en", 3, 5)])
        got = {(r.bin, r.views) for r in conn.execute(select(retention.c.bin, retention.c.views))}
    assert got == {(3, 7), (4, 1)}


def test_many_rows_span_several_statements(database: Database) -> None:
    cols = ("viewer_id", "market", "first_day", "last_day", "days")
    rows = [(f"v{i:06d}", "US/en", "2026-01-01", "2026-01-01", 1) for i in range(7_000)]  # > one SQLite chunk
    with database.write() as conn:
        assert len(insert_new(conn, viewer_markets, cols, 2, rows)) == 7_000
        assert len(insert_new(conn, viewer_markets, cols, 2, rows)) == 0
        assert len(existing_keys(conn, viewer_markets, ("viewer_id", "market"), [r[:2] for r in rows])) == 7_000


def _plan(database: Database, sql: str, params: tuple[object, ...]) -> str:
    with database.read() as conn:
        prefix = "EXPLAIN QUERY PLAN " if conn.dialect.name == "sqlite" else "EXPLAIN "
        return "\n".join(" ".join(str(c) for c in r) for r in conn.exec_driver_sql(prefix + sql, params))


def test_per_batch_look_ups_search_the_primary_key(database: Database) -> None:
    """The look-ups every ingested batch makes (stored event ids, a viewer's market row) are
    index searches, so their cost grows with the log's depth, not its size."""
    with database.write() as conn:
        insert_rows(conn, viewer_markets, ("viewer_id", "market", "first_day", "last_day", "days"),
                    [(f"v{i}", "US/en", "2026-01-01", "2026-01-01", 1) for i in range(50)])
    if database.engine.dialect.name == "sqlite":
        pairs = "SELECT viewer_id, market FROM insight_viewer_markets WHERE (viewer_id, market) IN (VALUES (?, ?))"
        ids = "SELECT event_id FROM feed_events WHERE (event_id) IN (VALUES (?))"
        for sql, params in ((pairs, ("v1", "US/en")), (ids, ("e1",))):
            plan = _plan(database, sql, params)
            assert "SEARCH" in plan and ("PRIMARY KEY" in plan or "sqlite_autoindex" in plan), plan
            assert "SCAN insight_viewer_markets" not in plan and "SCAN feed_events" not in plan, plan
    else:
        with database.write() as conn:
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")  # as the planner does once the table is large
            plan = "\n".join(str(r[0]) for r in conn.exec_driver_sql(
                "EXPLAIN SELECT viewer_id, market FROM insight_viewer_markets WHERE (viewer_id, market) IN "
                "(SELECT * FROM unnest(%s::VARCHAR(40)[], %s::VARCHAR(16)[]))", (["v1"], ["US/en"])))
        assert "Index Only Scan using pk_insight_viewer_markets" in plan, plan
