"""The studio conflicts queue, the work-page panel and the JSON endpoints, through the web app."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from PIL import ImageOps

from culturebridge.accounts.users import get_user_by_name
from culturebridge.catalog import Work
from culturebridge.fingerprint import JOB_KIND, job_handler, list_conflicts, shared_library
from culturebridge.jobs import ingest, run_one
from culturebridge.platform import Platform
from tests.factories import fan_out, make_work
from tests.web.conftest import client, csrf_of, login, platform  # noqa: F401  (fixtures)

from .conftest import encode, photo


@pytest.fixture
def copied(platform: Platform) -> Iterator[tuple[Work, Work]]:
    """mei's work holds a photo; bo's work holds a mirrored, shrunk JPEG of it; jobs ran."""
    with platform.db.write() as conn:
        original = make_work(conn, get_user_by_name(conn, "mei"), "原作", kind="image")
        other = make_work(conn, get_user_by_name(conn, "bo"), "拷贝", kind="image")
        img = photo("astronaut")
        ingest(conn, platform, get_user_by_name(conn, "mei"), original.id, io.BytesIO(encode(img)), "a.png")
        copy = encode(ImageOps.mirror(img).resize((256, 256)), "JPEG", quality=50)
        ingest(conn, platform, get_user_by_name(conn, "bo"), other.id, io.BytesIO(copy), "b.jpg")
    fan_out(platform)
    handlers = {JOB_KIND: job_handler(platform)}
    while run_one(platform.db, handlers) is not None:
        pass
    yield original, other
    shared_library._loaded.clear()


def test_rights_holder_marks_a_conflict_from_the_queue(client: TestClient, platform: Platform, copied: tuple[Work, Work]) -> None:
    csrf = login(client, "mei")
    page = client.get("/studio/conflicts")
    assert page.status_code == 200 and "拷贝" in page.text and 'value="infringing"' in page.text
    conflict_id = re.search(r'data-conflict="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    refused = client.post(f"/studio/conflicts/{conflict_id}", data={"decision": "licensed", "csrf": "wrong"})
    assert refused.status_code == 403
    done = client.post(f"/studio/conflicts/{conflict_id}", data={"decision": "licensed", "csrf": csrf}, follow_redirects=False)
    assert done.status_code == 303
    with platform.db.read() as conn:
        assert [c.state for c in list_conflicts(conn)] == ["licensed"]
    assert "拷贝" in client.get("/studio/conflicts?state=licensed").text
    assert 'data-conflict' not in client.get("/studio/conflicts").text  # nothing open now


def test_copier_sees_the_conflict_but_cannot_decide(client: TestClient, copied: tuple[Work, Work]) -> None:
    original = copied[0]
    csrf = login(client, "bo")
    page = client.get("/studio/conflicts")
    assert "data-conflict" in page.text and 'value="infringing"' not in page.text
    conflict_id = re.search(r'data-conflict="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    assert f'href="/studio/works/{original.id}"' not in page.text  # not his work: no link
    response = client.post(f"/studio/conflicts/{conflict_id}", data={"decision": "licensed", "csrf": csrf})
    assert response.status_code == 403


def test_work_page_panel_and_json(client: TestClient, copied: tuple[Work, Work]) -> None:
    original, other = copied
    login(client, "bo")
    page = client.get(f"/studio/works/{other.id}")
    assert page.status_code == 200
    panel = page.text[page.text.index('id="fingerprint"'):]
    assert "b.jpg" in panel and "Fingerprinted" in panel and "Open conflicts" in panel
    api = client.get(f"/api/v1/works/{other.id}/fingerprints").json()
    assert [(r["kind"], r["status"]) for r in api] == [("image", "ok")]
    assert client.get(f"/api/v1/works/{original.id}/fingerprints").status_code == 404  # mei's work
    listed = client.get("/api/v1/conflicts").json()
    assert [(c["work_id"], c["matched_work_id"], c["state"]) for c in listed] == [(other.id, original.id, "open")]
    zh = client.get(f"/studio/works/{other.id}", headers={"accept-language": "zh"}).text
    assert "指纹与复制检测" in zh


def test_decide_through_the_api(client: TestClient, copied: tuple[Work, Work]) -> None:
    csrf = login(client, "mei")
    (conflict,) = client.get("/api/v1/conflicts?state=open").json()
    headers = {"x-csrf-token": csrf}
    bad = client.post(f"/api/v1/conflicts/{conflict['id']}?decision=perhaps", headers=headers)
    assert bad.status_code == 422
    ok = client.post(f"/api/v1/conflicts/{conflict['id']}?decision=false-match", headers=headers)
    assert ok.status_code == 200 and ok.json()["state"] == "false-match"
