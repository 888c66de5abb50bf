"""Per-market feed figures from the served-slot log and the events, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from culturebridge.errors import InvalidFeedRequest
from culturebridge.feed.report import feed_report, market_report
from culturebridge.feed.store import (
    Event,
    ServedRow,
    log_served,
    record_event,
    save_publication,
    settle_served,
)
from culturebridge.storage import Database
from tests.factories import make_user, make_work

AT = datetime(2026, 11, 23, tzinfo=UTC)


def _slot(viewer: str, work: str, reason: str, position: int = 0, market: str = "US/en") -> ServedRow:
    return ServedRow(viewer, market, work, position, reason, 0.5, 1, AT)


def _event(conn: object, event: Event) -> None:
    assert record_event(conn, event)  # type: ignore[arg-type]
    settle_served(conn, event)  # type: ignore[arg-type]


def test_reasons_outcomes_and_breakout_reach(database: Database) -> None:
    with database.write() as conn:
        mei = make_user(conn, "mei")
        a, b, c = (make_work(conn, mei, title=t) for t in ("剪纸", "昆曲", "茶艺"))
        for w in (a, b, c):
            save_publication(conn, w.id, "US/en", w.id, "", mei.id, [])
        log_served(conn, [
            _slot("v1", a.id, "personal", 0), _slot("v1", b.id, "exploration", 1),
            _slot("v2", b.id, "exploration", 0), _slot("v2", c.id, "popular", 1),
            _slot("v3", c.id, "exploration", 0), _slot("v9", a.id, "personal", 0, market="FR/fr"),
        ])
        _event(conn, Event("evt-like-v1-b", "v1", b.id, "US/en", "like"))
        _event(conn, Event("evt-foll-v1-b", "v1", b.id, "US/en", "follow"))  # the slot is already settled
        _event(conn, Event("evt-skip-v2-b", "v2", b.id, "US/en", "skip"))
        _event(conn, Event("evt-view-v2-c", "v2", c.id, "US/en", "view", 0.9))
        _event(conn, Event("evt-impr-v3-c", "v3", c.id, "US/en", "impression"))  # decides nothing
    with database.read() as conn:
        us = market_report(conn, "US/en")
        everything = feed_report(conn)
    assert (us.publications, us.viewers, us.served) == (3, 3, 5)
    by = {r.reason: r for r in us.reasons}
    assert (by["exploration"].served, by["exploration"].engaged, by["exploration"].skipped) == (3, 1, 1)
    assert (by["popular"].served, by["popular"].engaged) == (1, 1)
    assert (by["personal"].served, by["personal"].engaged, by["similar"].served) == (1, 0, 0)
    assert us.exploration_share == pytest.approx(3 / 5)
    assert (us.breakout_viewers, us.breakout_converted_viewers, us.breakout_follows) == (3, 1, 1)
    assert us.events == {"like": 1, "follow": 1, "skip": 1, "view": 1, "impression": 1}
    assert [r.market for r in everything] == ["FR/fr", "US/en"]  # FR/fr was served, not published
    d = us.to_dict()
    assert d["reasons"]["exploration"]["conversion"] == pytest.approx(1 / 3, abs=1e-4)  # type: ignore[index]


def test_an_empty_market_and_a_malformed_one(database: Database) -> None:
    with database.read() as conn:
        empty = market_report(conn, "JP/ja")
        assert empty.served == 0 and empty.exploration_share == 0.0 and feed_report(conn) == []
        with pytest.raises(InvalidFeedRequest):
            market_report(conn, "not a market")
