from __future__ import annotations

import re

from fastapi.testclient import TestClient

from culturebridge.platform import Platform
from tests.factories import png_bytes
from tests.web.conftest import csrf_of, login


def _create_work(client: TestClient, csrf: str, **fields: str) -> str:
    data = {"csrf": csrf, "kind": "heritage", "original_language": "zh", "title_zh": "剪纸", "title_en": "Paper cutting",
            "markets": "US/en FR/fr", **fields}
    response = client.post("/studio/works", data=data, follow_redirects=False)
    assert response.status_code == 303, response.text
    return response.headers["location"].rsplit("/", 1)[1]


def test_anonymous_visitors_are_sent_to_login(client: TestClient) -> None:
    for path in ("/studio", "/studio/works/new", "/studio/ips", "/studio/jobs"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login?next=")
    assert client.get("/api/v1/works", headers={"accept": "application/json"}).status_code == 401


def test_login_create_upload_lineage_logout(client: TestClient) -> None:
    csrf = login(client, "mei")
    work_id = _create_work(client, csrf)
    page = client.get(f"/studio/works/{work_id}")
    assert "剪纸" in page.text and "US/en, FR/fr" in page.text
    upload = client.post(
        f"/studio/works/{work_id}/assets",
        data={"csrf": csrf},
        files={"file": ("cut.png", png_bytes(), "image/png")},
        follow_redirects=False,
    )
    assert upload.status_code == 303
    page = client.get(f"/studio/works/{work_id}")
    asset_id = re.search(r'data-asset="([^"]+)"', page.text)
    assert asset_id and client.get(f"/studio/assets/{asset_id.group(1)}/raw").content == png_bytes()
    child = _create_work(client, csrf, title_zh="", title_en="AI paper cut", derived_from=work_id, ai_generated="true")
    lineage = client.get(f"/studio/works/{child}/lineage")
    assert f'data-work="{work_id}"' in lineage.text and f'data-work="{child}"' in lineage.text
    assert client.post("/logout", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    assert client.get("/studio", follow_redirects=False).status_code == 303


def test_forms_without_the_csrf_token_are_refused(client: TestClient) -> None:
    login(client, "mei")
    response = client.post("/studio/works", data={"kind": "story", "title_zh": "x"})
    assert response.status_code == 403 and "CSRF" in response.text
    assert client.post("/login", data={"username": "mei", "password": "x", "csrf": "forged"}).status_code == 403


def test_wrong_password_and_open_redirects(client: TestClient) -> None:
    page = client.get("/login?next=https://evil.example/")
    assert 'value="/studio"' in page.text
    failed = client.post("/login", data={"username": "mei", "password": "nope-nope", "csrf": csrf_of(page.text)})
    assert failed.status_code == 401 and "Wrong username or password" in failed.text


def test_creators_cannot_see_or_touch_each_others_works(client: TestClient) -> None:
    work_id = _create_work(client, login(client, "mei"))
    client.cookies.clear()
    csrf = login(client, "bo")
    assert client.get(f"/studio/works/{work_id}").status_code == 404
    upload = client.post(f"/studio/works/{work_id}/assets", data={"csrf": csrf},
                         files={"file": ("x.png", png_bytes(), "image/png")})
    assert upload.status_code == 404
    assert "剪纸" not in client.get("/studio").text


def test_bad_uploads_get_a_message_and_store_nothing(client: TestClient, platform: Platform) -> None:
    csrf = login(client, "mei")
    work_id = _create_work(client, csrf)
    for name, data, status, message in (
        ("song.mp3", png_bytes(), 422, "named as audio"),
        ("broken.png", png_bytes(200, 200)[:300], 422, "cannot be decoded"),
        ("big.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 2_500_000, 413, "larger than"),
    ):
        response = client.post(f"/studio/works/{work_id}/assets", data={"csrf": csrf},
                               files={"file": (name, data, "application/octet-stream")})
        assert response.status_code == status and message in response.text
    assert list(platform.media.keys()) == []


def test_interface_speaks_chinese_and_english(client: TestClient) -> None:
    assert "Log in" in client.get("/login").text
    assert "登录" in client.get("/login", headers={"accept-language": "zh-CN,zh;q=0.9"}).text
    client.get("/lang/zh", follow_redirects=False)
    assert "用户名" in client.get("/login").text
    assert client.get("/lang/xx").status_code == 422


def test_canon_card_editing_validates(client: TestClient) -> None:
    csrf = login(client, "admin")
    card = "name: ne-zha\ntitles: {zh: 哪吒, en: Nezha}\nprotection: childrens\n"
    import yaml

    from culturebridge.accounts import get_user_by_name
    from culturebridge.catalog import CanonCard, add_ip

    platform: Platform = client.app.state.platform  # type: ignore[attr-defined]
    with platform.db.write() as conn:
        add_ip(conn, get_user_by_name(conn, "admin"), CanonCard.from_dict(yaml.safe_load(card)))
    bad = client.post("/studio/ips/ne-zha", data={"csrf": csrf, "card_yaml": "name: ne-zha\nprotection: sacred\n"})
    assert bad.status_code == 422 and "protection" in bad.text
    good = client.post("/studio/ips/ne-zha", data={"csrf": csrf, "card_yaml": card.replace("childrens", "modern")})
    assert good.status_code == 200 and "modern" in good.text


def test_api_docs_are_served_without_a_cdn(client: TestClient) -> None:
    page = client.get("/api/docs")
    assert page.status_code == 200 and "/api/v1/works" in page.text and "cdn" not in page.text.lower()


def test_every_response_carries_the_security_headers(client: TestClient) -> None:
    for path in ("/", "/login", "/static/style.css", "/no/such/page", "/api/v1/openapi.json"):
        headers = client.get(path).headers
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["x-frame-options"] == "DENY", path
        assert headers["referrer-policy"] == "same-origin", path
        assert headers["content-security-policy"].startswith("default-src 'self'"), path


def test_an_anonymous_visitor_gets_one_csrf_cookie_and_oversized_bodies_are_refused(client: TestClient) -> None:
    first = client.get("/login")
    assert "cb_csrf=" in first.headers.get("set-cookie", "") and "HttpOnly" in first.headers["set-cookie"]
    assert "cb_csrf=" not in client.get("/login").headers.get("set-cookie", "")  # the client sends it back now
    refused = client.post("/login", content=b"x", headers={"content-length": str(10**12)})
    assert refused.status_code == 413 and "larger than" in refused.json()["message"]
    assert client.post("/login", content=b"x", headers={"content-length": "12abc"}).status_code == 413
