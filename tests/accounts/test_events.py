from __future__ import annotations

import pytest

from culturebridge.accounts import create_user, list_events, record
from culturebridge.errors import InvalidInput
from culturebridge.storage import Database


def test_keyset_pages_filter_by_user_and_action(database: Database) -> None:
    with database.write() as conn:
        root = create_user(conn, "root", "long-enough", "admin")
        mei = create_user(conn, "mei", "long-enough", "creator")
        for i in range(7):
            record(conn, "login-succeeded", actor=mei, subject=mei, client=f"10.0.0.{i}")
        record(conn, "role-changed", actor=root, subject=mei, detail="creator -> reviewer")
        record(conn, "login-failed", actor=None, subject_name="nobody" * 100, client="x" * 500)
    with database.read() as conn:
        seen: list[int] = []
        before = None
        while True:
            page = list_events(conn, user_id=mei.id, limit=3, before=before)
            seen += [e.id for e in page.events]
            if page.next_before is None:
                break
            before = page.next_before
        assert len(seen) == 8 and seen == sorted(seen, reverse=True)
        assert [e.action for e in list_events(conn, user_id=root.id).events] == ["role-changed"]
        failed = list_events(conn, action="login-failed").events[0]
        assert failed.subject_id is None and len(failed.subject or "") == 254 and len(failed.client or "") == 100
        for bad in ({"action": "drop table"}, {"limit": 0}, {"limit": 10_000}):
            with pytest.raises(InvalidInput):
                list_events(conn, **bad)


def test_nul_and_control_characters_are_stored_safely_on_both_backends(database: Database) -> None:
    with database.write() as conn:
        record(conn, "login-failed", actor=None, subject_name="ro\x00ot\n", client="10.0.0.1\x00", detail="a\tb")
    with database.read() as conn:
        entry = list_events(conn).events[0]
        assert (entry.subject, entry.client, entry.detail) == ("ro\ufffdot\ufffd", "10.0.0.1\ufffd", "a\ufffdb")
        with pytest.raises(InvalidInput):
            list_events(conn, user_id="u-\x00")


def test_the_account_log_is_a_source_of_the_who_did_what_timeline(database: Database) -> None:
    from culturebridge.accounts import account_activity
    from culturebridge.accounts.activity import ActivityQuery

    with database.write() as conn:
        root = create_user(conn, "root", "long-enough", "admin")
        mei = create_user(conn, "mei", "long-enough", "creator")
        record(conn, "role-changed", actor=root, subject=mei, client="10.0.0.1", detail="creator -> reviewer")
        record(conn, "login-failed", actor=None, subject_name="mei", client="10.0.0.2")
    with database.read() as conn:
        everyone = account_activity(conn, ActivityQuery())
        roots = account_activity(conn, ActivityQuery(actor_id=root.id))
    assert [(a.stage, a.action) for a in everyone] == [("accounts", "login-failed"), ("accounts", "role-changed")]
    assert [(a.actor_id, a.actor, a.work_id, a.detail) for a in roots] == [
        (root.id, "root", None, "mei · 10.0.0.1 · creator -> reviewer")]
