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
