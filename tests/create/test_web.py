"""The studio: "Create a derivative" on the work page, the attempt page, versions side by side, the API."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from culturebridge.jobs import run_one
from culturebridge.pipeline import job_handlers
from culturebridge.web import create_app
from tests.create.conftest import World
from tests.web.conftest import csrf_of


@pytest.fixture
def client(world: World) -> Iterator[TestClient]:
    with TestClient(create_app(world.platform), headers={"accept": "text/html"}) as c:
        page = c.get("/login")
        c.post("/login", data={"username": "mei", "password": "password-for-tests", "csrf": csrf_of(page.text),
                               "next": "/studio"})
        yield c


def _drain(world: World) -> None:
    handlers = job_handlers(world.platform)
    while run_one(world.platform.db, handlers) is not None:
        pass


def test_create_a_derivative_from_the_work_page_and_see_its_versions(world: World, client: TestClient) -> None:
    page = client.get(f"/studio/works/{world.source_id}")
    assert page.status_code == 200 and 'id="create"' in page.text
    response = client.post(f"/studio/works/{world.source_id}/create",
                           data={"kind": "image", "brief": "灯笼设计", "csrf": csrf_of(page.text)})
    assert response.status_code == 200  # followed to the attempt page
    attempt_id = re.search(r"/studio/create/attempts/([\w-]+)", str(response.url)).group(1)  # type: ignore[union-attr]
    assert 'http-equiv="refresh"' in response.text and "queued" in response.text
    _drain(world)
    done = client.get(f"/studio/create/attempts/{attempt_id}")
    assert 'data-state="done"' in done.text and 'http-equiv="refresh"' not in done.text
    draft_url = re.search(r'href="(/studio/create/drafts/[\w-]+)"', done.text).group(1)  # type: ignore[union-attr]
    response = client.post(f"{draft_url}/versions", data={"action": "regenerated", "brief": "兔子灯笼",
                                                          "csrf": csrf_of(done.text)})
    assert response.status_code == 200
    _drain(world)
    draft = client.get(draft_url)
    assert draft.text.count('class="card version"') == 2
    assert "/raw" in draft.text and "<img" in draft.text


def test_the_json_api_starts_polls_and_lists_drafts(world: World, client: TestClient) -> None:
    page = client.get(f"/studio/works/{world.source_id}")
    headers = {"x-csrf-token": csrf_of(page.text), "accept": "application/json"}
    started = client.post(f"/api/v1/works/{world.source_id}/drafts", json={"kind": "story", "brief": "火焰山"},
                          headers=headers)
    assert started.status_code == 202, started.text
    attempt = started.json()
    assert attempt["state"] == "queued" and attempt["job_id"]
    _drain(world)
    polled = client.get(f"/api/v1/create/attempts/{attempt['id']}", headers=headers).json()
    assert polled["state"] == "done"
    [draft] = client.get(f"/api/v1/works/{world.source_id}/drafts", headers=headers).json()
    assert draft["versions"][0]["review"]["decision"] in ("pass", "review", "reject")
    refused = client.post(f"/api/v1/works/{world.source_id}/drafts",
                          json={"kind": "story", "endpoint": "http://169.254.169.254/v1"}, headers=headers)
    assert refused.status_code == 422 and "configured" in refused.text
