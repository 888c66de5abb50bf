"""Accounts in the JSON API: typed answers, documented errors, the same rules as the studio."""

from __future__ import annotations

from fastapi.testclient import TestClient

from culturebridge.accounts import create_api_token, get_user_by_name
from culturebridge.platform import Platform


def _bearer(platform: Platform, username: str) -> dict[str, str]:
    with platform.db.write() as conn:
        return {"authorization": "Bearer " + create_api_token(conn, get_user_by_name(conn, username), "test"),
                "accept": "application/json"}


def test_invite_accept_once_then_reset_by_api(client: TestClient, platform: Platform) -> None:
    admin = _bearer(platform, "admin")
    made = client.post("/api/v1/invites", headers=admin, json={"email": "lan@example.org", "role": "reviewer"})
    assert made.status_code == 201 and made.json()["kind"] == "invite"
    token = made.json()["url"].rsplit("/", 1)[1]
    assert [i["email"] for i in client.get("/api/v1/invites", headers=admin).json()] == ["lan@example.org"]
    body = {"token": token, "username": "lan", "password": "lan-password"}
    joined = client.post("/api/v1/invites/accept", json=body, headers={"accept": "application/json"})
    assert joined.status_code == 201 and joined.json()["role"] == "reviewer" and joined.json()["active"]
    reused = client.post("/api/v1/invites/accept", json={**body, "username": "lan2"})
    assert reused.status_code == 409 and reused.json()["error"] == "LinkAlreadyUsed"
    reset = client.post(f"/api/v1/users/{joined.json()['id']}/reset-link", headers=admin)
    assert reset.status_code == 201
    used = client.post("/api/v1/password-resets/use",
                       json={"token": reset.json()["url"].rsplit("/", 1)[1], "password": "another-password"})
    assert used.status_code == 200 and used.json()["username"] == "lan"
    unknown = client.post("/api/v1/password-resets/use", json={"token": "nope", "password": "another-password"})
    assert unknown.status_code == 404 and unknown.json()["error"] == "LinkNotValid"


def test_roles_deactivation_and_the_last_admin(client: TestClient, platform: Platform) -> None:
    admin, mei = _bearer(platform, "admin"), _bearer(platform, "mei")
    people = {u["username"]: u for u in client.get("/api/v1/users", headers=admin).json()}
    role = client.put(f"/api/v1/users/{people['mei']['id']}/role", headers=admin, json={"role": "reviewer"})
    assert role.status_code == 200 and role.json()["role"] == "reviewer"
    assert client.get("/api/v1/me", headers=mei).json()["role"] == "reviewer"  # the next request sees it
    last = client.put(f"/api/v1/users/{people['admin']['id']}/role", headers=admin, json={"role": "creator"})
    assert last.status_code == 409 and last.json()["error"] == "LastAdmin"
    off = client.post(f"/api/v1/users/{people['mei']['id']}/deactivate", headers=admin)
    assert off.status_code == 200 and off.json()["active"] is False
    assert client.get("/api/v1/me", headers=mei).status_code == 401  # the token died with the account
    back = client.post(f"/api/v1/users/{people['mei']['id']}/reactivate", headers=admin)
    assert back.json()["active"] is True
    assert client.get("/api/v1/me", headers=mei).status_code == 401  # and stays dead
    bad = client.put(f"/api/v1/users/{people['bo']['id']}/role", headers=admin, json={"role": "x" * 100})
    assert bad.status_code == 422


def test_creators_get_403_on_admin_routes_and_404_on_others_tokens(client: TestClient, platform: Platform) -> None:
    admin, bo = _bearer(platform, "admin"), _bearer(platform, "bo")
    admin_tokens = client.get("/api/v1/tokens", headers=admin).json()
    for method, path in (("GET", "/api/v1/users"), ("GET", "/api/v1/invites"), ("POST", "/api/v1/invites"),
                         ("GET", "/api/v1/account-events"), ("GET", "/api/v1/tokens?all=true"),
                         ("POST", f"/api/v1/users/{admin_tokens[0]['user_id']}/deactivate")):
        answer = client.request(method, path, headers=bo, json={"email": "x@example.org"})
        assert answer.status_code == 403, path
    assert client.delete(f"/api/v1/tokens/{admin_tokens[0]['id']}", headers=bo).status_code == 404
    made = client.post("/api/v1/tokens", headers=bo, json={"name": "nightly"})
    assert made.status_code == 201 and made.json()["secret"].startswith("cbt_")
    listed = client.get("/api/v1/tokens", headers=bo).json()
    assert {t["name"] for t in listed} == {"test", "nightly"} and all("secret" not in t for t in listed)
    assert client.delete(f"/api/v1/tokens/{made.json()['id']}", headers=bo).status_code == 204
    assert client.get("/api/v1/me", headers={"authorization": "Bearer " + made.json()["secret"]}).status_code == 401


def test_account_events_page_by_keyset(client: TestClient, platform: Platform) -> None:
    admin = _bearer(platform, "admin")
    for name in ("a", "b", "c"):
        client.post("/api/v1/tokens", headers=admin, json={"name": name})
    first = client.get("/api/v1/account-events?action=token-created&limit=2", headers=admin).json()
    assert len(first["events"]) == 2 and first["next_before"] == first["events"][-1]["id"]
    rest = client.get(f"/api/v1/account-events?action=token-created&limit=2&before={first['next_before']}",
                      headers=admin).json()
    assert len(rest["events"]) == 2 and rest["next_before"] is None  # three made here, one by the fixture helper
    assert client.get("/api/v1/account-events?action=drop", headers=admin).status_code == 422
    assert client.get("/api/v1/account-events?limit=100000", headers=admin).status_code == 422


def test_openapi_documents_models_and_errors(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    invite = spec["paths"]["/api/v1/invites"]["post"]
    assert invite["responses"]["201"]["content"]["application/json"]["schema"]["$ref"].endswith("/LinkOut")
    assert invite["responses"]["403"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorBody")
    assert "TokenCreatedOut" in spec["components"]["schemas"] and "EventPageOut" in spec["components"]["schemas"]
