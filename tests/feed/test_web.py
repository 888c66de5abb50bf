"""The audience feed through the web app: publish panel, feed page, media, events, JSON API."""

from __future__ import annotations

import io
import json
import re
from concurrent.futures import Future
from typing import Any

from fastapi.testclient import TestClient

from culturebridge.accounts import get_user_by_name
from culturebridge.feed.content import UsemEncoder
from culturebridge.feed.live import LiveFeed, RateLimiter
from culturebridge.feed.publish import publish_work
from culturebridge.jobs import ingest
from culturebridge.platform import Platform
from tests.factories import make_work, png_bytes
from tests.web.conftest import client, csrf_of, login, platform  # noqa: F401  (fixtures)


def _setup(platform: Platform, client: TestClient, encoder: UsemEncoder, n: int = 4) -> list[str]:
    """n published works of mei in US/en, each with one PNG; the app's feed uses the shared encoder."""
    client.app.state.feed = LiveFeed(platform, encoder=encoder, poll_seconds=0.0)  # type: ignore[attr-defined]
    ids = []
    with platform.db.write() as conn:
        mei = get_user_by_name(conn, "mei")
        for i in range(n):
            work = make_work(conn, mei, title=f"剪纸 {i}", kind=("heritage", "story")[i % 2])
            ingest(conn, platform, mei, work.id, io.BytesIO(png_bytes(seed=i)), f"w{i}.png")
            ids.append(work.id)
    with platform.db.read() as conn:
        mei = get_user_by_name(conn, "mei")
    for work_id in ids:
        publish_work(platform, mei, work_id, "US/en")
    return ids


def _event(work: str, kind: str, eid: str, **extra: object) -> dict[str, object]:
    return {"event_id": eid, "work_id": work, "market": "US/en", "type": kind, **extra}


def test_feed_page_serves_published_works_with_playable_media(
    platform: Platform, client: TestClient, text_encoder: UsemEncoder
) -> None:
    ids = _setup(platform, client, text_encoder)
    page = client.get("/feed/US-en")
    assert page.status_code == 200, page.text
    served = re.findall(r'data-work="([^"]+)"', page.text)
    assert served and set(served) <= set(ids)
    assert "剪纸" in page.text and "(en)" in page.text  # English title in the US/en market
    assert '<script src="/static/feed/feed.js"></script>' in page.text
    assert "cb_viewer" in page.headers.get("set-cookie", "")
    from sqlalchemy import select

    from culturebridge.feed._tables import viewers

    with platform.db.read() as conn:
        assert [tuple(r) for r in conn.execute(select(viewers.c.market, viewers.c.language))] == [("US/en", "en")]
    media = re.findall(r'src="(/feed/media/[^"]+)"', page.text)
    assert media
    got = client.get(media[0])
    assert got.status_code == 200 and got.headers["content-type"] == "image/png"


def test_unpublished_assets_are_not_served(platform: Platform, client: TestClient) -> None:
    with platform.db.write() as conn:
        mei = get_user_by_name(conn, "mei")
        work = make_work(conn, mei)
        asset = ingest(conn, platform, mei, work.id, io.BytesIO(png_bytes()), "a.png")
    assert client.get(f"/feed/media/{asset.id}").status_code == 404


def test_feed_api_reasons_and_bad_requests(platform: Platform, client: TestClient, text_encoder: UsemEncoder) -> None:
    ids = _setup(platform, client, text_encoder)
    body = client.get("/api/v1/feed", params={"user": "tester", "market": "US/en", "n": 3}).json()
    assert 1 <= len(body["slots"]) <= 3
    for slot in body["slots"]:
        assert slot["work_id"] in ids
        assert slot["reason"] in ("personal", "popular", "similar", "exploration")
    cases: tuple[tuple[dict[str, str | int], int], ...] = (
        ({"market": "ZZ/xx", "n": 3}, 404),
        ({"market": "nonsense", "n": 3}, 422),
        ({"market": "US/en", "n": 0}, 422),
        ({"market": "US/en", "n": 101}, 422),
        ({"market": "US/en", "n": "many"}, 422),
    )
    for params, status in cases:
        response = client.get("/api/v1/feed", params=params)
        assert response.status_code == status, (params, response.text)
        assert response.json()["message"]


def test_events_are_idempotent_and_need_csrf(platform: Platform, client: TestClient, text_encoder: UsemEncoder) -> None:
    ids = _setup(platform, client, text_encoder, n=2)
    page = client.get("/feed/US-en")
    csrf = re.search(r'data-csrf="([^"]+)"', page.text)
    assert csrf
    headers = {"X-CSRF-Token": csrf.group(1), "content-type": "application/json"}
    event = _event(ids[0], "like", "evt-0001-abcdef")
    first = client.post("/api/v1/events", content=json.dumps(event), headers=headers)
    again = client.post("/api/v1/events", content=json.dumps(event), headers=headers)
    assert first.status_code == 201 and first.json()["stored"] is True
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert client.post("/api/v1/events", content=json.dumps(_event(ids[0], "like", "evt-0002-abcdef")),
                       headers={"content-type": "application/json"}).status_code == 403
    for bad, status in (
        ("{not json", 422),
        (json.dumps(_event(ids[0], "explode", "evt-0003-abcdef")), 422),
        (json.dumps(_event(ids[0], "view", "evt-0004-abcdef", watch_fraction=2.0)), 422),
        (json.dumps(_event("w-unknown", "like", "evt-0005-abcdef")), 404),
    ):
        assert client.post("/api/v1/events", content=bad, headers=headers).status_code == status
    from culturebridge.feed.store import count_events

    with platform.db.read() as conn:
        assert count_events(conn, "US/en") == 1
    # The liked work is not served again to this viewer.
    after = re.findall(r'data-work="([^"]+)"', client.get("/feed/US-en").text)
    assert ids[0] not in after


def test_event_floods_get_429(platform: Platform, client: TestClient, text_encoder: UsemEncoder) -> None:
    ids = _setup(platform, client, text_encoder, n=1)
    live = client.app.state.feed  # type: ignore[attr-defined]
    live.limiter = RateLimiter(rate=1.0, burst=5.0)
    page = client.get("/feed/US-en")
    csrf = re.search(r'data-csrf="([^"]+)"', page.text)
    assert csrf
    headers = {"X-CSRF-Token": csrf.group(1), "content-type": "application/json"}
    codes = [client.post("/api/v1/events", content=json.dumps(_event(ids[0], "impression", f"evt-flood-{i:04d}")),
                         headers=headers).status_code for i in range(12)]
    assert codes[:5] == [201] * 5
    assert 429 in codes[5:]


def test_publish_panel_and_ai_label(platform: Platform, client: TestClient, text_encoder: UsemEncoder) -> None:
    client.app.state.feed = LiveFeed(platform, encoder=text_encoder)  # type: ignore[attr-defined]
    with platform.db.write() as conn:
        mei = get_user_by_name(conn, "mei")
        work = make_work(conn, mei, title="AI 山水", ai_generated=True)
        ingest(conn, platform, mei, work.id, io.BytesIO(png_bytes()), "ai.png")
    csrf = login(client, "mei")
    page = client.get(f"/studio/works/{work.id}")
    assert 'id="feed-publish"' in page.text
    done = client.post(f"/studio/works/{work.id}/feed/publish", data={"market": "US/en", "csrf": csrf})
    assert done.status_code == 200
    assert "AI-generated" in done.text and 'data-market="US/en"' in done.text
    bad = client.post(f"/studio/works/{work.id}/feed/publish", data={"market": "US/en", "csrf": "wrong"})
    assert bad.status_code == 403
    client.post("/logout", data={"csrf": csrf})
    feed = client.get("/feed/US-en")
    assert "ai-badge" in feed.text and "AI-generated" in feed.text
    src = re.findall(r'src="/feed/media/([^"]+)"', feed.text)
    from culturebridge.catalog import get_asset, list_assets

    with platform.db.read() as conn:
        served = get_asset(conn, src[0])
        originals = [a.id for a in list_assets(conn, work.id) if a.original_name == "ai.png"]
    assert served.id not in originals  # the labelled rendition, not the unlabelled original


def test_report_page_and_json_show_what_each_reason_converted(
    platform: Platform, client: TestClient, text_encoder: UsemEncoder
) -> None:
    ids = _setup(platform, client, text_encoder, n=3)
    page = client.get("/feed/US-en")
    shown = re.findall(r'data-work="([^"]+)"', page.text)
    csrf = re.search(r'data-csrf="([^"]+)"', page.text)
    assert shown and csrf and set(shown) <= set(ids)
    headers = {"X-CSRF-Token": csrf.group(1), "content-type": "application/json"}
    assert client.post("/api/v1/events", content=json.dumps(_event(shown[0], "like", "evt-report-0001")),
                       headers=headers).status_code == 201
    assert client.get("/studio/feed", follow_redirects=False).status_code in (401, 303)  # accounts only
    login(client, "mei")
    assert client.get("/studio/feed").status_code == 403  # creators see their works, not the markets
    client.post("/logout", data={"csrf": csrf_of(client.get("/studio").text)})
    login(client, "admin")
    html = client.get("/studio/feed")
    assert html.status_code == 200 and "US/en" in html.text and 'id="market-US-en"' in html.text
    (us,) = client.get("/api/v1/feed/report", params={"market": "US/en"}).json()
    assert us["served"] == len(shown) and us["events"] == {"like": 1}
    assert sum(r["engaged"] for r in us["reasons"].values()) == 1


def test_an_event_waiting_for_the_write_lock_does_not_stall_other_requests(
    platform: Platform, client: TestClient, text_encoder: UsemEncoder
) -> None:
    """The event's write waits in the thread pool, not on the event loop: while another writer
    holds the lock, a read-only request still answers (ordering, not timing: the writer lets
    go only once that answer came, or after a generous safety limit)."""
    from tests.lock_order import order_while_locked

    ids = _setup(platform, client, text_encoder, n=2)
    page = client.get("/feed/US-en")
    csrf = re.search(r'data-csrf="([^"]+)"', page.text)
    assert csrf
    headers = {"X-CSRF-Token": csrf.group(1), "content-type": "application/json"}
    order = order_while_locked(platform, client, "event", lambda: client.post(
        "/api/v1/events", content=json.dumps(_event(ids[0], "like", "evt-lock-0001")), headers=headers).status_code)
    assert order.index("other request answered") < order.index("writer let go"), order
    assert "event 201" in order


def test_answers_from_memory_run_on_the_event_loop_and_the_rest_on_serving_threads(
    platform: Platform, client: TestClient, text_encoder: UsemEncoder
) -> None:
    """A known viewer's answer is served on the event loop (no thread hand-over); anything that
    may wait on the database — a new viewer, another viewer's id, a signed-in caller, a rate
    limiter due to sync, a catalogue check due — goes to the live feed's serving threads. No
    database connection is ever taken on the event loop's thread."""
    import asyncio
    import traceback

    from sqlalchemy import event

    _setup(platform, client, text_encoder, n=3)
    live = LiveFeed(platform, encoder=text_encoder, poll_seconds=3600.0)
    client.app.state.feed = live  # type: ignore[attr-defined]
    limiter = client.app.state.rate_limiter  # type: ignore[attr-defined]
    on_loop: list[str] = []
    handed: list[int] = []

    def checkout(*_: object) -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return  # a serving or writer thread
        on_loop.append("".join(traceback.format_stack(limit=16)))

    submit = live.serving.submit

    def counted(*args: Any, **kwargs: Any) -> Future[Any]:
        handed.append(1)
        return submit(*args, **kwargs)

    live.serving.submit = counted  # type: ignore[method-assign]
    event.listen(platform.db.engine, "checkout", checkout)
    try:
        assert client.get("/feed/US-en").status_code == 200  # first use and a new viewer: threads
        first = len(handed)
        limiter.sync_seconds = 3600.0  # synced above; not due again during the test
        for _ in range(4):  # the cookie's viewer, answered from memory
            assert client.get("/feed/US-en").status_code == 200
        token = client.get("/api/v1/feed", params={"market": "US/en", "n": 3}).json()["viewer_token"]
        for _ in range(4):
            assert client.get("/api/v1/feed", params={"market": "US/en", "n": 3},
                              headers={"x-viewer-token": token}).status_code == 200
        assert len(handed) == first, "a known viewer's answer went to a thread"

        fresh = TestClient(client.app)  # no cookie, no token: a new viewer is looked up (stored by the page)
        assert fresh.get("/api/v1/feed", params={"market": "US/en"}).status_code == 200
        assert fresh.get("/api/v1/feed", params={"market": "US/en", "user": "v-someone"}).status_code == 200
        assert fresh.get("/feed/US-en").status_code == 200
        limiter.sync_seconds = 0.0
        assert client.get("/feed/US-en").status_code == 200  # counts due to be synced
        limiter.sync_seconds = 3600.0
        live.poll_seconds = 0.0
        assert client.get("/feed/US-en").status_code == 200  # catalogue check due
        live.poll_seconds = 3600.0
        assert len(handed) == first + 5
        login(client, "mei")
        assert client.get("/feed/US-en").status_code == 200  # a signed-in caller's session is looked up
        assert len(handed) == first + 6
    finally:
        event.remove(platform.db.engine, "checkout", checkout)
    assert not on_loop, on_loop[0]
