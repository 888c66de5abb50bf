"""Events and feeds are bound to the viewer the request proves (cookie or signed token), never a bare id."""

from __future__ import annotations

import json
import re

from fastapi.testclient import TestClient

from culturebridge.feed.content import UsemEncoder
from culturebridge.platform import Platform
from culturebridge.web.viewers import token_viewer, viewer_token
from tests.feed.test_web import _event, _setup
from tests.web.conftest import client, platform  # noqa: F401  (fixtures)


def test_a_viewer_token_proves_only_its_own_viewer(platform: Platform) -> None:
    token = viewer_token(platform, "v-0123456789abcdef")
    assert token_viewer(platform, token) == "v-0123456789abcdef"
    assert token_viewer(platform, token.replace("v-0", "v-1", 1)) is None
    assert token_viewer(platform, "v-0123456789abcdef.forged") is None


def test_events_cannot_speak_for_another_viewer(platform: Platform, client: TestClient, text_encoder: UsemEncoder) -> None:
    ids = _setup(platform, client, text_encoder, n=2)
    page = client.get("/feed/US-en")
    csrf = re.search(r'data-csrf="([^"]+)"', page.text)
    assert csrf
    mine = client.cookies["cb_viewer"]
    headers = {"X-CSRF-Token": csrf.group(1), "content-type": "application/json"}
    other = {**_event(ids[0], "like", "evt-other-0001"), "viewer": "v-someone-else"}
    assert client.post("/api/v1/events", content=json.dumps(other), headers=headers).status_code == 403
    own = {**_event(ids[0], "like", "evt-mine-0001"), "viewer": mine}
    assert client.post("/api/v1/events", content=json.dumps(own), headers=headers).status_code == 201
    client.cookies.delete("cb_viewer")
    bare = _event(ids[0], "like", "evt-bare-0001")
    assert client.post("/api/v1/events", content=json.dumps(bare), headers=headers).status_code == 403
    token = viewer_token(platform, mine)
    signed = client.post("/api/v1/events", content=json.dumps(_event(ids[1], "view", "evt-signed-01",
                                                                        watch_fraction=0.9)),
                         headers={**headers, "X-Viewer-Token": token})
    assert signed.status_code == 201


def test_a_stored_viewers_feed_is_read_only_with_its_token(
    platform: Platform, client: TestClient, text_encoder: UsemEncoder
) -> None:
    _setup(platform, client, text_encoder, n=2)
    client.get("/feed/US-en")
    mine = client.cookies["cb_viewer"]
    client.cookies.delete("cb_viewer")
    stranger = client.get("/api/v1/feed", params={"user": mine, "market": "US/en", "n": 2})
    assert stranger.status_code == 403
    owner = client.get("/api/v1/feed", params={"user": mine, "market": "US/en", "n": 2},
                       headers={"X-Viewer-Token": viewer_token(platform, mine)})
    assert owner.status_code == 200 and owner.json()["user"] == mine
    fresh = client.get("/api/v1/feed", params={"market": "US/en", "n": 2}).json()
    assert token_viewer(platform, fresh["viewer_token"]) == fresh["user"] != mine
