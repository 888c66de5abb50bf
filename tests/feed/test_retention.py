"""Served slots past retention are rolled up into daily counts; the report still counts them."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from culturebridge.feed._tables import served, served_daily
from culturebridge.feed.report import market_report
from culturebridge.feed.store import ServedRow, log_served, roll_up_served
from culturebridge.ids import now
from culturebridge.storage import Database


def test_old_served_slots_become_daily_counts(database: Database) -> None:
    stamp = now()
    old, recent = stamp - timedelta(days=40), stamp - timedelta(hours=1)
    rows = [ServedRow(f"v-{i}", "US/en", f"w-{i % 3}", i % 10, ("popular", "exploration")[i % 2], 0.5, 1, old)
            for i in range(25)]
    rows += [ServedRow("v-new", "US/en", "w-0", 0, "popular", 0.5, 1, recent)]
    with database.write() as conn:
        log_served(conn, rows)
        conn.execute(served.update().where(served.c.viewer_id == "v-1").values(outcome="engaged"))
        before = market_report(conn, "US/en").to_dict()
    removed = 0
    while True:
        with database.write() as conn:
            done = roll_up_served(conn, stamp - timedelta(days=7), batch=10)
        removed += done
        if not done:
            break
    assert removed == 25
    with database.read() as conn:
        assert conn.execute(select(func.count()).select_from(served)).scalar_one() == 1
        daily = {(r.reason, r.served, r.engaged) for r in conn.execute(select(served_daily))}
        after = market_report(conn, "US/en").to_dict()
    assert daily == {("popular", 13, 0), ("exploration", 12, 1)}
    assert after["reasons"] == before["reasons"] and after["served"] == 26
