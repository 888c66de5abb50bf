from __future__ import annotations

from fastapi.testclient import TestClient

from culturebridge.accounts import create_api_token, get_user_by_name
from culturebridge.platform import Platform
from tests.factories import png_bytes


def _token(platform: Platform, username: str) -> dict[str, str]:
    with platform.db.write() as conn:
        return {"authorization": "Bearer " + create_api_token(conn, get_user_by_name(conn, username), "test"),
                "accept": "application/json"}


def test_scripts_create_works_upload_and_read_lineage(client: TestClient, platform: Platform) -> None:
    mei = _token(platform, "mei")
    source = client.post("/api/v1/works", headers=mei, json={"kind": "story", "original_language": "zh",
                                                            "titles": {"zh": "三打白骨精"}})
    assert source.status_code == 201, source.text
    derived = client.post("/api/v1/works", headers=mei, json={
        "kind": "video", "original_language": "en", "titles": {"en": "Three Battles (AI)"}, "ai_generated": True,
        "derived_from": source.json()["id"], "derivation": "ai-adaptation", "tool": "video-model"})
    assert derived.status_code == 201
    upload = client.post(f"/api/v1/works/{derived.json()['id']}/assets", headers=mei,
                         files={"file": ("still.png", png_bytes(), "image/png")})
    assert upload.status_code == 201 and upload.json()["media_type"] == "image/png"
    lineage = client.get(f"/api/v1/works/{source.json()['id']}/lineage", headers=mei).json()
    assert lineage["descendants"] == [derived.json()["id"]]
    assert client.get("/api/v1/me", headers=mei).json()["username"] == "mei"
    one = client.get(f"/api/v1/works/{derived.json()['id']}", headers=mei).json()
    assert one["assets"][0]["id"] == upload.json()["id"] and one["stages"]["rights"]["state"] == "pending"


def test_api_errors_are_json_with_a_message(client: TestClient, platform: Platform) -> None:
    mei, bo = _token(platform, "mei"), _token(platform, "bo")
    assert client.get("/api/v1/works/w-missing", headers=mei).json()["error"] == "WorkNotFound"
    bad = client.post("/api/v1/works", headers=mei, json={"kind": "poem", "original_language": "zh", "titles": {"zh": "x"}})
    assert bad.status_code == 422 and "kind 'poem'" in bad.json()["message"]
    malformed = client.post("/api/v1/works", headers={**mei, "content-type": "application/json"}, content=b"{not json")
    assert malformed.status_code == 422
    work = client.post("/api/v1/works", headers=mei, json={"kind": "story", "original_language": "zh", "titles": {"zh": "x"}})
    assert client.get(f"/api/v1/works/{work.json()['id']}", headers=bo).status_code == 404
    put = client.put(f"/api/v1/works/{work.json()['id']}", headers=bo,
                     json={"kind": "story", "original_language": "zh", "titles": {"zh": "mine now"}})
    assert put.status_code == 404
    assert client.get("/api/v1/works", headers={"authorization": "Bearer cbt_forged"}).status_code == 401


def test_cookie_sessions_need_the_csrf_header_for_api_writes(client: TestClient) -> None:
    from tests.web.conftest import login

    csrf = login(client, "mei")
    body = {"kind": "story", "original_language": "zh", "titles": {"zh": "x"}}
    headers = {"accept": "application/json"}
    assert client.post("/api/v1/works", json=body, headers=headers).status_code == 403
    assert client.post("/api/v1/works", json=body, headers={**headers, "x-csrf-token": csrf}).status_code == 201


def test_openapi_lists_the_catalog(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    assert {"/api/v1/works", "/api/v1/works/{work_id}/assets", "/api/v1/ips/{name}"} <= set(spec["paths"])
