from __future__ import annotations

import pytest

from culturebridge.accounts import (
    active_admins,
    authenticate,
    change_role,
    create_api_token,
    create_user,
    deactivate,
    get_user,
    issue_reset,
    list_events,
    reactivate,
    session_user,
    start_session,
    user_for_api_token,
)
from culturebridge.errors import AuthenticationRequired, InvalidInput, LastAdmin, PermissionDenied
from culturebridge.storage import Database


def test_deactivation_ends_sessions_and_tokens_and_keeps_the_account(database: Database) -> None:
    with database.write() as conn:
        admin = create_user(conn, "root", "long-enough", "admin")
        mei = create_user(conn, "mei", "long-enough", "creator")
        cookie = start_session(conn, mei, days=1)
        token = create_api_token(conn, mei, "script")
        deactivate(conn, admin, mei.id, client="10.0.0.1")
    with database.read() as conn:
        assert session_user(conn, cookie) is None
        with pytest.raises(AuthenticationRequired):
            user_for_api_token(conn, token)
        with pytest.raises(AuthenticationRequired, match="wrong username or password"):
            authenticate(conn, "mei", "long-enough")  # the same answer as a wrong password
        assert not get_user(conn, mei.id).active
        entry = list_events(conn, user_id=mei.id).events[0]
    assert (entry.action, entry.actor, entry.subject, entry.client) == ("user-deactivated", "root", "mei", "10.0.0.1")
    assert entry.detail == "1 sessions ended, 1 API tokens revoked"
    with database.write() as conn:
        with pytest.raises(InvalidInput, match="deactivated"):
            issue_reset(conn, admin, get_user(conn, mei.id), hours=1)
        reactivate(conn, admin, mei.id)
    with database.read() as conn:
        assert authenticate(conn, "mei", "long-enough").active
        with pytest.raises(AuthenticationRequired):
            user_for_api_token(conn, token)  # old tokens stay gone


def test_the_last_active_admin_can_be_neither_deactivated_nor_demoted(database: Database) -> None:
    with database.write() as conn:
        root = create_user(conn, "root", "long-enough", "admin")
        ada = create_user(conn, "ada", "long-enough", "admin")
        deactivate(conn, root, ada.id)
        assert active_admins(conn) == 1
        with pytest.raises(LastAdmin, match="last active admin"):
            deactivate(conn, root, root.id)
        with pytest.raises(LastAdmin):
            change_role(conn, root, root.id, "creator")
        reactivate(conn, root, ada.id)
        change_role(conn, root, root.id, "creator")  # another admin is active now
    with database.read() as conn:
        assert get_user(conn, root.id).role == "creator"
        assert active_admins(conn) == 1


def test_role_changes_apply_to_the_next_request(database: Database) -> None:
    with database.write() as conn:
        root = create_user(conn, "root", "long-enough", "admin")
        mei = create_user(conn, "mei", "long-enough", "creator")
        cookie = start_session(conn, mei, days=1)
        change_role(conn, root, mei.id, "reviewer")
        with pytest.raises(InvalidInput, match="role"):
            change_role(conn, root, mei.id, "emperor")
    with database.read() as conn:
        session = session_user(conn, cookie)
        assert session is not None and session.user.role == "reviewer"
        assert list_events(conn, action="role-changed").events[0].detail == "creator -> reviewer"


def test_non_admins_and_deactivated_admins_change_nothing(database: Database) -> None:
    with database.write() as conn:
        root = create_user(conn, "root", "long-enough", "admin")
        ada = create_user(conn, "ada", "long-enough", "admin")
        mei = create_user(conn, "mei", "long-enough", "creator")
        with pytest.raises(PermissionDenied):
            change_role(conn, mei, mei.id, "admin")
        with pytest.raises(PermissionDenied):
            deactivate(conn, mei, root.id)
        deactivate(conn, root, ada.id)
        with pytest.raises(PermissionDenied):
            reactivate(conn, get_user(conn, ada.id), ada.id)
