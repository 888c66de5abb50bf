"""Roll-ups: distinct viewers per work, returning viewers counted once even when two
PostgreSQL writers record the second active day at the same moment."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from culturebridge.accounts import create_user
from culturebridge.insight import AudienceEvent, ingest, rebuild, work_report
from culturebridge.insight._tables import buckets, returners
from culturebridge.insight.comments import CommentAnalyzer
from culturebridge.insight.rollup import ALL
from culturebridge.storage import Database
from tests.factories import make_work
from tests.insight.conftest import T0


def _work(db: Database) -> str:
    with db.write() as conn:
        mei = create_user(conn, "mei", "password-for-tests", "creator")
        return make_work(conn, mei).id


def _sum(db: Database, column: str, work_id: str = ALL) -> int:
    with db.read() as conn:
        return int(conn.execute(select(func.coalesce(func.sum(buckets.c[column]), 0))
                                .where(buckets.c.work_id == work_id)).scalar_one())


def test_work_counts_distinct_viewers_not_views(database: Database, fixed_analyzer: CommentAnalyzer) -> None:
    work = _work(database)
    views = [AudienceEvent(f"ev-dv-{i:04d}", viewer, work, "US/en", "view", T0 + timedelta(days=i), 0.5)
             for i, viewer in enumerate(["ann", "ann", "ann", "bo"])]
    with database.write() as conn:
        ingest(conn, views[:2], fixed_analyzer)
    with database.write() as conn:
        ingest(conn, views, fixed_analyzer)  # two already stored, two new: ann again, and bo
    assert _sum(database, "views", work) == 4 and _sum(database, "viewers", work) == 2
    assert _sum(database, "viewers") == 2 and _sum(database, "returners") == 1
    with database.read() as conn:
        market = work_report(conn, work).markets[0]
    assert market.viewers == 2 and market.funnel["views"] == 4 and not market.enough_data
    with database.write() as conn:
        rebuild(conn)
    assert _sum(database, "viewers", work) == 2 and _sum(database, "returners") == 1


def test_returning_viewer_counts_once_when_two_writers_race(database: Database,
                                                            fixed_analyzer: CommentAnalyzer) -> None:
    if database.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers (BEGIN IMMEDIATE): two cannot record at the same moment")
    work = _work(database)
    with database.write() as conn:
        ingest(conn, [AudienceEvent("ev-race-0001", "ann", work, "US/en", "view", T0, 1.0)], fixed_analyzer)
    day2 = AudienceEvent("ev-race-0002", "ann", work, "US/en", "like", T0 + timedelta(days=1))
    day3 = AudienceEvent("ev-race-0003", "ann", work, "US/en", "like", T0 + timedelta(days=2))
    first = database.engine.connect()
    second = database.engine.connect()
    errors: list[BaseException] = []

    def other_writer() -> None:
        try:
            with second.begin():
                ingest(second, [day3], fixed_analyzer)  # read ann's single day, then wait on the first writer
        except Exception as exc:  # noqa: BLE001  (any failure of the other writer is reported by the main thread)
            errors.append(exc)

    try:
        tx = first.begin()
        ingest(first, [day2], fixed_analyzer)  # both writers read ann with one active day
        pid = second.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
        second.commit()
        racer = threading.Thread(target=other_writer)
        racer.start()
        with database.engine.connect() as watch:  # until the second writer waits on the first one's row lock
            waiting = False
            for _ in range(600):
                waiting = bool(watch.execute(text("SELECT wait_event_type = 'Lock' FROM pg_stat_activity "
                                                  "WHERE pid = :pid"), {"pid": pid}).scalar())
                if waiting or not racer.is_alive():
                    break
                watch.rollback()
                threading.Event().wait(0.05)
        tx.commit()
        racer.join()
    finally:
        first.close()
        second.close()
    assert not errors, errors
    assert waiting, "the second writer never waited on the first: no race was exercised"
    assert _sum(database, "returners") == 1
    with database.read() as conn:
        assert conn.execute(select(func.count()).select_from(returners)).scalar_one() == 1
