"""The append-only labelling log, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from culturebridge.errors import InvalidInput
from culturebridge.labels import list_events, log_event
from culturebridge.labels import log as log_module
from culturebridge.storage import Database


def test_events_are_listed_newest_first_and_filtered(database: Database) -> None:
    with database.write() as conn:
        first = log_event(conn, "check", work_id="w-1", asset_id="a-1", verdict="no label")
        log_event(
            conn,
            "rendition",
            actor_id="u-1",
            actor="mei",
            work_id="w-1",
            asset_id="a-1",
            result_asset_id="a-2",
            label={"Label": "2", "ContentProducer": "cb"},
            detail="C2PA Trusted",
        )
        log_event(conn, "check", work_id="w-2", asset_id="a-9", tier="AI生成")
    with database.read() as conn:
        everything = list_events(conn)
        one_asset = list_events(conn, asset_id="a-1")
        one_work = list_events(conn, work_id="w-2")
        newest = list_events(conn, limit=1)
    assert len(everything) == 3
    assert {e.id for e in one_asset} == {first.id, one_asset[0].id} and len(one_asset) == 2
    assert one_work[0].tier == "AI生成" and one_work[0].to_dict()["at"].endswith("+00:00")
    rendition = next(e for e in one_asset if e.action == "rendition")
    assert rendition.label == {"Label": "2", "ContentProducer": "cb"}
    assert rendition.actor == "mei" and rendition.result_asset_id == "a-2"
    assert len(newest) == 1 and newest[0].at >= everything[-1].at


def test_unknown_action_and_bad_limit_are_refused(database: Database) -> None:
    with database.write() as conn, pytest.raises(InvalidInput, match="not one of"):
        log_event(conn, "delete")
    with database.read() as conn, pytest.raises(InvalidInput, match="limit"):
        list_events(conn, limit=0)


def test_the_log_has_no_update_or_delete_path() -> None:
    # Retention (docs/labels.md): the module offers appending and listing, nothing else.
    public = {n for n in dir(log_module) if not n.startswith("_") and callable(getattr(log_module, n))}
    writers = {n for n in public if n.startswith(("delete", "remove", "update", "purge", "prune"))}
    assert writers == set()
