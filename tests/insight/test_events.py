"""Ingesting first-party events: stored once, roll-ups exact, comments moderated."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from culturebridge.accounts import create_user
from culturebridge.errors import InvalidInput, NotFound
from culturebridge.insight import AudienceEvent, ingest, market_index, parse, rebuild, work_report
from culturebridge.insight._tables import buckets, comments
from culturebridge.insight.comments import CommentAnalyzer
from culturebridge.insight.rollup import ALL
from culturebridge.storage import Database
from tests.factories import make_work
from tests.insight.conftest import T0, audience


def _work(db: Database) -> str:
    with db.write() as conn:
        mei = create_user(conn, "mei", "password-for-tests", "creator")
        return make_work(conn, mei).id


def _totals(db: Database, work_id: str = ALL) -> dict[str, float]:
    with db.read() as conn:
        row = conn.execute(select(func.sum(buckets.c.views), func.sum(buckets.c.completed),
                                  func.sum(buckets.c.viewers), func.sum(buckets.c.likes))
                           .where(buckets.c.work_id == work_id)).one()
    return {"views": row[0] or 0, "completed": row[1] or 0, "viewers": row[2] or 0, "likes": row[3] or 0}


def test_batch_is_stored_once_and_rolled_up_exactly(database: Database, fixed_analyzer: CommentAnalyzer) -> None:
    work = _work(database)
    batch = audience(work, "US/en", 50, 0.6)
    with database.write() as conn:
        first = ingest(conn, batch, fixed_analyzer)
    with database.write() as conn:
        again = ingest(conn, batch, fixed_analyzer)
    assert first.stored == len(batch) and first.duplicates == 0
    assert again.stored == 0 and again.duplicates == len(batch)
    views = sum(e.type == "view" for e in batch)
    completed = sum(e.type == "view" and (e.watch_fraction or 0) >= 0.9 for e in batch)
    assert _totals(database) == {"views": views, "completed": completed, "viewers": 50,
                                 "likes": sum(e.type == "like" for e in batch)}
    assert _totals(database, work)["views"] == views
    with database.write() as conn:
        assert rebuild(conn) == len(batch)
    assert _totals(database)["views"] == views and _totals(database)["viewers"] == 50


def test_returning_viewers_count_once(database: Database, fixed_analyzer: CommentAnalyzer) -> None:
    work = _work(database)
    day1 = AudienceEvent("ev-ret-0001", "ann", work, "US/en", "view", T0, 1.0)
    day1b = AudienceEvent("ev-ret-0002", "ann", work, "US/en", "view", T0 + timedelta(hours=1), 1.0)
    day2 = AudienceEvent("ev-ret-0003", "ann", work, "US/en", "like", T0 + timedelta(days=1))
    day3 = AudienceEvent("ev-ret-0004", "ann", work, "US/en", "like", T0 + timedelta(days=2))
    for e in (day1, day1b, day2, day3):
        with database.write() as conn:
            ingest(conn, [e], fixed_analyzer)
    with database.read() as conn:
        row = conn.execute(select(func.sum(buckets.c.viewers), func.sum(buckets.c.returners))
                           .where(buckets.c.work_id == ALL)).one()
    assert tuple(row) == (1, 1)


def test_comments_are_moderated_and_scored(database: Database, fixed_analyzer: CommentAnalyzer) -> None:
    work = _work(database)
    good = AudienceEvent("ev-com-0001", "ann", work, "US/en", "comment", T0, text="lovely")
    bad = AudienceEvent("ev-com-0002", "bob", work, "US/en", "comment", T0, text="BAD words")
    with database.write() as conn:
        result = ingest(conn, [good, bad, good], fixed_analyzer)
    assert (result.stored, result.duplicates, result.held_comments) == (2, 1, 1)
    with database.read() as conn:
        status = {r[0]: r[1] for r in conn.execute(select(comments.c.event_id, comments.c.status))}
        report = work_report(conn, work)
    assert status == {"ev-com-0001": "visible", "ev-com-0002": "rejected"}
    market = report.markets[0]
    assert [c["text"] for c in market.comments] == ["lovely"] and market.held_comments == 1
    rates = market.rates["comment_sentiment"]
    assert rates is not None and rates.value == pytest.approx(0.5)  # the rejected comment's score is not counted


def test_unknown_work_stores_nothing(database: Database, fixed_analyzer: CommentAnalyzer) -> None:
    work = _work(database)
    batch = [*audience(work, "US/en", 3, 0.5), AudienceEvent("ev-x-00000001", "ann", "w-missing", "US/en", "like", T0)]
    with pytest.raises(NotFound), database.write() as conn:
        ingest(conn, batch, fixed_analyzer)
    assert _totals(database)["views"] == 0


def test_parse_names_what_is_wrong() -> None:
    ok = parse({"event_id": "evt-000001", "viewer": "ann", "market": "US/en", "work": "w-1", "type": "view",
                "watch_fraction": "0.5", "at": "2026-11-02T08:00:00Z"})
    assert ok.watch_fraction == 0.5 and ok.at == T0
    cases: list[tuple[dict[str, object], str]] = [({"type": "poke"}, "unknown"), ({"at": "yesterday"}, "ISO 8601"),
                       ({"watch_fraction": "lots"}, "not a number"), ({"type": "comment"}, "text"),
                       ({"market": "usa"}, "COUNTRY/language"), ({"watch_fraction": None}, "watch_fraction")]
    for bad, words in cases:
        raw = {"event_id": "evt-000001", "viewer": "ann", "market": "US/en", "work": "w-1", "type": "view",
               "watch_fraction": 0.5, "at": "2026-11-02T08:00:00Z", **bad}
        with pytest.raises(InvalidInput, match=words):
            parse(raw)


def test_index_ranks_markets_and_marks_thin_ones(database: Database, fixed_analyzer: CommentAnalyzer) -> None:
    work = _work(database)
    with database.write() as conn:
        ingest(conn, audience(work, "US/en", 400, 0.8, seed=1, like=0.4, share=0.15), fixed_analyzer)
        ingest(conn, audience(work, "FR/fr", 300, 0.3, seed=2, like=0.1, share=0.02), fixed_analyzer)
        ingest(conn, audience(work, "JP/ja", 20, 0.9, seed=3), fixed_analyzer)
    with database.read() as conn:
        result = market_index(conn)
    out = result.to_dict()
    assert set(out) == {"methodology", "markets"} and out["methodology"]["version"] == "1.1"
    by = {m["market"]: m for m in out["markets"]}
    assert set(by["US/en"]) == {"market", "reach", "resonance", "influence", "index", "ci", "rank",
                                "rank_interval", "viewers", "enough_data"}
    assert by["US/en"]["rank"] == 1 and by["FR/fr"]["rank"] == 2
    assert by["US/en"]["ci"][0] <= by["US/en"]["index"] <= by["US/en"]["ci"][1]
    assert by["JP/ja"]["enough_data"] is False and by["JP/ja"]["rank"] is None and by["JP/ja"]["index"] is None
    assert by["JP/ja"]["viewers"] == 20
