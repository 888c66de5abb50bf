"""The labels panel on the work page, the publication form and the JSON endpoints."""

from __future__ import annotations

import io

from fastapi.testclient import TestClient
from PIL import Image, PngImagePlugin

from culturebridge.accounts.users import get_user_by_name
from culturebridge.catalog import Work, list_assets
from culturebridge.platform import Platform
from tests.factories import make_work, png_bytes
from tests.labels.conftest import run_jobs
from tests.web.conftest import client, csrf_of, login, platform  # noqa: F401  (fixtures)


def _ai_work(platform: Platform, ai: bool = True) -> Work:
    with platform.db.write() as conn:
        return make_work(conn, get_user_by_name(conn, "mei"), ai_generated=ai, kind="image")


def _upload(client: TestClient, work: Work, data: bytes, name: str, csrf: str) -> None:
    response = client.post(
        f"/studio/works/{work.id}/assets",
        data={"csrf": csrf},
        files={"file": (name, data, "image/png")},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def test_work_page_shows_verdict_tier_and_rendition(client: TestClient, platform: Platform) -> None:
    work = _ai_work(platform)
    csrf = login(client, "mei")
    _upload(client, work, png_bytes(64, 48), "gen.png", csrf)
    queued = client.get(f"/studio/works/{work.id}").text
    assert "AI-content labels" in queued and "Label check queued." in queued
    run_jobs(platform)
    page = client.get(f"/studio/works/{work.id}").text
    assert "「可能为AI生成」" in page and "Show: possibly AI-generated" in page
    assert "No AI label" in page and "Labelled, compliant" in page
    assert "gen.ai-labelled.png" in page and "C2PA Trusted" in page
    client.cookies.set("lang", "zh")
    assert "AI 生成内容标识" in client.get(f"/studio/works/{work.id}").text


def test_reasons_are_listed_when_non_compliant(client: TestClient, platform: Platform) -> None:
    work = _ai_work(platform)
    csrf = login(client, "mei")
    info = PngImagePlugin.PngInfo()
    info.add_text("AIGC", "{broken")
    out = io.BytesIO()
    Image.open(io.BytesIO(png_bytes())).save(out, "PNG", pnginfo=info)
    _upload(client, work, out.getvalue(), "broken.png", csrf)
    run_jobs(platform)
    page = client.get(f"/studio/works/{work.id}").text
    assert "Not compliant" in page and "unreadable AIGC value" in page


def test_publication_form_needs_csrf_and_makes_a_labelled_copy(client: TestClient, platform: Platform) -> None:
    work = _ai_work(platform)
    csrf = login(client, "mei")
    _upload(client, work, png_bytes(64, 48), "gen.png", csrf)
    run_jobs(platform)
    with platform.db.read() as conn:
        original = list_assets(conn, work.id)[0]
    url = f"/studio/assets/{original.id}/labels/publication"
    assert client.post(url, data={"lang": "en", "csrf": "wrong"}, follow_redirects=False).status_code == 403
    response = client.post(url, data={"lang": "en", "csrf": csrf}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].endswith("#labels")
    with platform.db.read() as conn:
        names = [a.original_name for a in list_assets(conn, work.id)]
    assert names == ["gen.png", "gen.ai-labelled.png", "gen.ai-labelled-en.png"]


def test_json_endpoints_and_visibility(client: TestClient, platform: Platform) -> None:
    work = _ai_work(platform)
    csrf = login(client, "mei")
    _upload(client, work, png_bytes(64, 48), "gen.png", csrf)
    run_jobs(platform)
    rows = client.get(f"/api/v1/works/{work.id}/labels", headers={"accept": "application/json"}).json()
    assert [(r["verdict"], r["purpose"]) for r in rows] == [("no label", None), ("compliant", "implicit")]
    assert rows[0]["rendition"] == rows[1]["asset_id"]
    one = client.get(f"/api/v1/assets/{rows[1]['asset_id']}/labels").json()
    assert one["report"]["label"]["ContentPropagator"] == "culturebridge"
    assert one["rendition_of"] == rows[0]["asset_id"] and one["log"][0]["action"] == "check"
    made = client.post(
        f"/api/v1/assets/{rows[0]['asset_id']}/labels/publication?lang=zh", headers={"x-csrf-token": csrf}
    )
    assert made.status_code == 201 and made.json()["labelled"] is True
    client.post("/logout", data={"csrf": csrf})
    client.cookies.clear()
    login(client, "bo")
    assert client.get(f"/api/v1/works/{work.id}/labels").status_code == 404
    assert "AI-content labels" not in client.get("/studio").text
