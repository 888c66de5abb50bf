"""API tokens in the studio: own tokens for everyone, everyone's for admins, secrets shown once."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from culturebridge.accounts import create_api_token, get_user_by_name, list_tokens
from culturebridge.platform import Platform
from tests.web.conftest import login


def test_a_creator_makes_sees_and_revokes_only_their_own_tokens(client: TestClient, platform: Platform) -> None:
    with platform.db.write() as conn:
        bo_secret = create_api_token(conn, get_user_by_name(conn, "bo"), "bo's script")
    csrf = login(client, "mei")
    made = client.post("/studio/tokens", data={"name": "upload <script>", "csrf": csrf})
    assert made.status_code == 201
    secret = re.search(r'id="new-token" class="secret" value="(cbt_[^"]+)"', made.text)
    assert secret and "upload &lt;script&gt;" in made.text
    page = client.get("/studio/tokens").text
    assert "upload &lt;script&gt;" in page and secret.group(1) not in page  # never shown again
    assert "bo&#39;s script" not in page and "bo's script" not in page
    bearer = {"authorization": f"Bearer {secret.group(1)}", "accept": "application/json"}
    assert client.get("/api/v1/me", headers=bearer).json()["username"] == "mei"
    with platform.db.read() as conn:
        mine = list_tokens(conn, get_user_by_name(conn, "mei").id)
        bos = list_tokens(conn, get_user_by_name(conn, "bo").id)
    assert mine[0].last_used_at is not None
    assert client.post(f"/studio/tokens/{bos[0].id}/revoke", data={"csrf": csrf}).status_code == 404
    assert client.get("/api/v1/me", headers={"authorization": f"Bearer {bo_secret}"}).status_code == 200
    assert client.post(f"/studio/tokens/{mine[0].id}/revoke", data={"csrf": csrf},
                       follow_redirects=False).status_code == 303
    assert client.get("/api/v1/me", headers=bearer).status_code == 401


def test_an_admin_sees_and_revokes_anyones_token(client: TestClient, platform: Platform) -> None:
    with platform.db.write() as conn:
        secret = create_api_token(conn, get_user_by_name(conn, "bo"), "bo's script")
        token_id = list_tokens(conn)[0].id
    csrf = login(client, "admin")
    assert f'data-token="{token_id}"' in client.get("/studio/tokens").text
    assert client.post(f"/studio/tokens/{token_id}/revoke", data={"csrf": csrf},
                       follow_redirects=False).status_code == 303
    assert client.get("/api/v1/me", headers={"authorization": f"Bearer {secret}"}).status_code == 401


def test_token_forms_refuse_bad_names_and_missing_csrf(client: TestClient) -> None:
    csrf = login(client, "mei")
    assert client.post("/studio/tokens", data={"name": " ", "csrf": csrf}).status_code == 422
    assert client.post("/studio/tokens", data={"name": "x" * 3000, "csrf": csrf}).status_code == 422
    assert client.post("/studio/tokens", data={"name": "ok", "csrf": "stale"}).status_code == 403
