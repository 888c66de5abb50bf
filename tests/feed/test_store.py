"""Feed storage on SQLite and PostgreSQL: publications, idempotent events, explorer arms."""

from __future__ import annotations

import pytest

from culturebridge.errors import InvalidFeedRequest, NotFound
from culturebridge.feed.store import (
    Event,
    add_arm_result,
    count_events,
    get_publication,
    interaction_rows,
    list_publications,
    load_arms,
    parse_event,
    published_markets,
    record_event,
    save_publication,
    unpublish,
)
from culturebridge.storage import Database
from tests.factories import make_user, make_work


def test_publications_events_and_arms(database: Database) -> None:
    with database.write() as conn:
        mei = make_user(conn, "mei")
        work = make_work(conn, mei)
        pub = save_publication(conn, work.id, "US/en", work.id, "", mei.id, [])
        assert pub.language == "en" and pub.assets == ()
        again = save_publication(conn, work.id, "US/en", work.id, "AI-generated", mei.id, [])
        assert again.id == pub.id and again.label == "AI-generated"
        assert published_markets(conn) == ("US/en",)
        like = Event("evt-like-000001", "v-1", work.id, "US/en", "like")
        assert record_event(conn, like) is True
        assert record_event(conn, like) is False  # a retried POST is stored once
        record_event(conn, Event("evt-view-000001", "v-1", work.id, "US/en", "view", 0.2))
        record_event(conn, Event("evt-view-000002", "v-2", work.id, "US/en", "view", 0.9))
        record_event(conn, Event("evt-skip-000001", "v-3", work.id, "US/en", "skip"))
        add_arm_result(conn, "US/en", work.id, True)
        add_arm_result(conn, "US/en", work.id, False)
    with database.read() as conn:
        assert count_events(conn) == 4
        rows = interaction_rows(conn, "US/en")
        assert sorted((r[0], r[2]) for r in rows) == [("v-1", 3.0), ("v-2", 1.0)]  # short view and skip are not engagement
        assert load_arms(conn, "US/en", [work.id]) == {work.id: (1.0, 2.0)}
        assert [p.market for p in list_publications(conn, work_id=work.id)] == ["US/en"]
    with database.write() as conn:
        unpublish(conn, work.id, "US/en")
        with pytest.raises(NotFound):
            get_publication(conn, work.id, "US/en")


@pytest.mark.parametrize(
    "raw",
    [
        [],
        {"event_id": "short", "viewer": "v", "work_id": "w", "market": "US/en", "type": "like"},
        {"event_id": "evt-00000001", "viewer": "v", "work_id": "w", "market": "USA", "type": "like"},
        {"event_id": "evt-00000001", "viewer": "v", "work_id": "w", "market": "US/en", "type": "boo"},
        {"event_id": "evt-00000001", "viewer": "v", "work_id": "w", "market": "US/en", "type": "view",
         "watch_fraction": "half"},
        {"event_id": "evt-00000001", "viewer": "v w", "work_id": "w", "market": "US/en", "type": "like"},
    ],
)
def test_bad_events_are_refused(raw: object) -> None:
    with pytest.raises(InvalidFeedRequest):
        parse_event(raw)
