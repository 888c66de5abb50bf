from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from culturebridge.accounts import (
    accept_invite,
    authenticate,
    create_invite,
    create_user,
    issue_reset,
    list_events,
    open_link,
    pending_invites,
    session_user,
    start_session,
    use_reset,
)
from culturebridge.accounts._tables import account_links
from culturebridge.errors import (
    AuthenticationRequired,
    Conflict,
    InvalidInput,
    LinkAlreadyUsed,
    LinkExpired,
    LinkNotValid,
    PermissionDenied,
)
from culturebridge.ids import digest, now
from culturebridge.storage import Database


def test_an_invite_works_once_and_stores_only_a_hash(database: Database) -> None:
    with database.write() as conn:
        admin = create_user(conn, "root", "long-enough", "admin")
        issued = create_invite(conn, admin, "lan@example.org", "蓝", "reviewer", days=7, client="10.0.0.1")
        stored = conn.execute(account_links.select()).one()
    assert issued.path == f"/invite/{issued.secret}" and len(issued.secret) >= 40
    assert stored.token_hash == digest(issued.secret) and issued.secret not in str(tuple(stored))
    with database.read() as conn:
        assert [i.email for i in pending_invites(conn)] == ["lan@example.org"]
    with database.write() as conn:
        lan = accept_invite(conn, issued.secret, "lan", "a-new-password", client="10.0.0.2")
    assert (lan.role, lan.display_name) == ("reviewer", "蓝")
    with database.read() as conn:
        assert authenticate(conn, "lan", "a-new-password") == lan
        assert pending_invites(conn) == []
        actions = [e.action for e in list_events(conn).events]
    assert actions == ["invite-accepted", "invite-created"]
    with database.write() as conn, pytest.raises(LinkAlreadyUsed, match="already used"):
        accept_invite(conn, issued.secret, "lan2", "a-new-password")


def test_expired_unknown_and_wrong_kind_links_are_refused_clearly(database: Database) -> None:
    with database.write() as conn:
        admin = create_user(conn, "root", "long-enough", "admin")
        issued = create_invite(conn, admin, "old@example.org", "", "creator", days=7)
        conn.execute(update(account_links).values(expires_at=now() - timedelta(seconds=1)))
    with database.write() as conn:
        with pytest.raises(LinkExpired, match="expired on"):
            accept_invite(conn, issued.secret, "old", "a-new-password")
        with pytest.raises(LinkNotValid):
            open_link(conn, "reset", issued.secret)  # an invite is no reset link
        for hostile in ("", "x" * 10_000, "' OR 1=1 --", issued.secret + "\x00"):
            with pytest.raises(LinkNotValid):
                open_link(conn, "invite", hostile)


def test_a_failed_accept_leaves_the_invite_usable(database: Database) -> None:
    with database.write() as conn:
        admin = create_user(conn, "root", "long-enough", "admin")
        issued = create_invite(conn, admin, "mei@example.org", "Mei", "creator", days=7)
    for name, password, error in (("root", "long-enough", Conflict), ("mei", "short", InvalidInput),
                                  ("mei\n", "long-enough", InvalidInput)):
        with pytest.raises(error), database.write() as conn:
            accept_invite(conn, issued.secret, name, password)
    with database.write() as conn:
        assert accept_invite(conn, issued.secret, "mei", "long-enough").username == "mei"


def test_only_admins_invite_and_input_is_checked(database: Database) -> None:
    with database.write() as conn:
        admin = create_user(conn, "root", "long-enough", "admin")
        mei = create_user(conn, "mei", "long-enough", "creator")
        with pytest.raises(PermissionDenied):
            create_invite(conn, mei, "x@example.org", "", "admin", days=7)
        with pytest.raises(PermissionDenied):
            issue_reset(conn, mei, admin, hours=1)
        for email, role in (("not-an-email", "creator"), ("a@b", "emperor"), ("a" * 300 + "@b.c", "creator"),
                            ("a b@c.d", "creator")):
            with pytest.raises(InvalidInput):
                create_invite(conn, admin, email, "", role, days=7)
        with pytest.raises(InvalidInput, match="positive"):
            create_invite(conn, admin, "x@example.org", "", "creator", days=0)


def test_a_reset_link_sets_the_password_once_and_ends_sessions(database: Database) -> None:
    with database.write() as conn:
        admin = create_user(conn, "root", "long-enough", "admin")
        mei = create_user(conn, "mei", "old-password", "creator")
        cookie = start_session(conn, mei, days=1)
        first = issue_reset(conn, admin, mei, hours=24)
        second = issue_reset(conn, admin, mei, hours=24)
    with database.write() as conn, pytest.raises(LinkAlreadyUsed):
        use_reset(conn, first.secret, "new-password")  # a newer link voids the older
    with database.write() as conn:
        use_reset(conn, second.secret, "new-password")
    with database.read() as conn:
        assert session_user(conn, cookie) is None
        assert authenticate(conn, "mei", "new-password").id == mei.id
        with pytest.raises(AuthenticationRequired):
            authenticate(conn, "mei", "old-password")
    with database.write() as conn, pytest.raises(LinkAlreadyUsed):
        use_reset(conn, second.secret, "third-password")


def test_nul_in_invites_and_lookups_is_refused_not_a_database_error(database: Database) -> None:
    from culturebridge.accounts import get_user, get_user_by_name
    from culturebridge.errors import UserNotFound

    with database.write() as conn:
        admin = create_user(conn, "root", "long-enough", "admin")
        with pytest.raises(InvalidInput):
            create_invite(conn, admin, "a\x00@example.org", "", "creator", days=7)
        with pytest.raises(InvalidInput):
            create_invite(conn, admin, "a@example.org", "N\x00", "creator", days=7)
        with pytest.raises(UserNotFound):
            get_user(conn, "u-\x00")
        with pytest.raises(UserNotFound):
            get_user_by_name(conn, "ro\x00ot")
        with pytest.raises(AuthenticationRequired):
            authenticate(conn, "ro\x00ot", "long-enough")
