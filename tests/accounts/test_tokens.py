from __future__ import annotations

import pytest

from culturebridge.accounts import (
    create_token,
    create_user,
    get_token,
    list_tokens,
    needs_touch,
    revoke_token,
    token_for_secret,
    touch_token,
    user_for_api_token,
)
from culturebridge.errors import AuthenticationRequired, InvalidInput, TokenNotFound
from culturebridge.ids import now
from culturebridge.storage import Database


def test_tokens_are_listed_without_secrets_and_revoked_by_their_owner_or_an_admin(database: Database) -> None:
    with database.write() as conn:
        root = create_user(conn, "root", "long-enough", "admin")
        mei = create_user(conn, "mei", "long-enough", "creator")
        bo = create_user(conn, "bo", "long-enough", "creator")
        mine, secret = create_token(conn, mei, "upload script")
        theirs, bo_secret = create_token(conn, bo, "bo's")
        with pytest.raises(InvalidInput):
            create_token(conn, mei, " ")
    with database.read() as conn:
        listed = list_tokens(conn, mei.id)
        assert [(t.name, t.username, t.last_used_at) for t in listed] == [("upload script", "mei", None)]
        assert secret not in repr(listed)
        assert len(list_tokens(conn)) == 2
        user, token = token_for_secret(conn, secret)
        assert user.id == mei.id and needs_touch(token, now())
    with database.write() as conn:
        touch_token(conn, token.id, now())
    with database.read() as conn:
        used = get_token(conn, mei, mine.id)
        assert used.last_used_at is not None and not needs_touch(used, now())
    with database.write() as conn:
        with pytest.raises(TokenNotFound):
            revoke_token(conn, mei, theirs.id)  # someone else's: the same answer as a missing one
        revoke_token(conn, root, theirs.id)
        revoke_token(conn, mei, mine.id)
    with database.read() as conn:
        for gone in (secret, bo_secret):
            with pytest.raises(AuthenticationRequired):
                user_for_api_token(conn, gone)


def test_nul_in_names_and_ids_is_refused_not_a_database_error(database: Database) -> None:
    with database.write() as conn:
        mei = create_user(conn, "mei", "long-enough", "creator")
        with pytest.raises(InvalidInput, match="control characters"):
            create_token(conn, mei, "night\x00ly")
        with pytest.raises(TokenNotFound):
            get_token(conn, mei, "t-\x00")
