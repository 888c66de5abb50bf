"""Insight in the studio: index and work pages with SVG charts, CSV downloads, access, JSON API, batched events."""

from __future__ import annotations

import csv
import io
import json

from fastapi.testclient import TestClient

from culturebridge.accounts import get_user_by_name
from culturebridge.insight import AudienceEvent, ingest
from culturebridge.platform import Platform
from tests.factories import make_work
from tests.insight.conftest import T0, FixedAnalyzer, audience
from tests.web.conftest import login


def _world(platform: Platform) -> str:
    with platform.db.write() as conn:
        work = make_work(conn, get_user_by_name(conn, "mei")).id
        ingest(conn, audience(work, "US/en", 260, 0.8, seed=4, like=0.3, share=0.1), FixedAnalyzer())
        ingest(conn, audience(work, "FR/fr", 230, 0.4, seed=5), FixedAnalyzer())
        ingest(conn, audience(work, "TH/th", 12, 0.4, seed=6), FixedAnalyzer())
        ingest(conn, [AudienceEvent("evt-formula-1", "ann", work, "US/en", "comment", T0,
                                    text="=cmd|' /C calc'!A0 nice")], FixedAnalyzer())
    return work


def test_index_page_charts_csv_and_api(platform: Platform, client: TestClient) -> None:
    _world(platform)
    login(client, "admin")
    page = client.get("/studio/insight")
    assert page.status_code == 200, page.text
    assert page.text.count("<svg") >= 3 and 'data-market="US/en"' in page.text
    assert "Not enough data" in page.text  # TH/th has 12 viewers
    client.cookies.set("lang", "zh")
    zh = client.get("/studio/insight")
    assert "市场指数" in zh.text and "数据不足" in zh.text
    client.cookies.set("lang", "en")
    heavy = client.get("/studio/insight?reach=0&resonance=0&influence=1")
    assert heavy.status_code == 200 and "re-weighted" in heavy.text
    rows = list(csv.reader(io.StringIO(client.get("/studio/insight/index.csv").text)))
    assert rows[0][:3] == ["market", "viewers", "enough_data"] and rows[1][0] == "US/en"
    api = client.get("/api/v1/insight/index?market=US/en").json()
    assert [m["market"] for m in api["markets"]] == ["US/en"] and "indicators" in api["detail"][0]
    assert client.get("/api/v1/insight/index?charm=1").status_code == 200  # unknown query keys are not weights
    assert client.get("/api/v1/insight/index?reach=lots").status_code == 422


def test_work_page_access_and_csv_neutralised(platform: Platform, client: TestClient) -> None:
    work = _world(platform)
    login(client, "bo")
    assert client.get(f"/studio/works/{work}/insight").status_code == 404  # another creator's work
    assert client.get("/api/v1/insight/index").status_code == 403
    client.cookies.clear()
    login(client, "mei")
    page = client.get(f"/studio/works/{work}/insight")
    assert page.status_code == 200 and page.text.count("<svg") >= 3
    assert "=cmd" in page.text  # shown as text on the page (escaped by the template)
    comments = client.get(f"/studio/works/{work}/insight/comments.csv").text
    assert "'=cmd" in comments and "\n=cmd" not in comments
    assert client.get(f"/studio/works/{work}/insight/retention.csv").text.startswith("market,0%,5%")
    assert client.get(f"/studio/works/{work}/insight/nope.csv").status_code == 422
    panel = client.get(f"/studio/works/{work}")
    assert f"/studio/works/{work}/insight" in panel.text
    data = client.get(f"/api/v1/insight/works/{work}").json()
    assert {m["market"] for m in data["first_party"]} == {"US/en", "FR/fr", "TH/th"} and data["external"] == []


def test_batched_events_endpoint_is_idempotent(platform: Platform, client: TestClient) -> None:
    with platform.db.write() as conn:
        work = make_work(conn, get_user_by_name(conn, "mei")).id
    csrf = login(client, "admin")
    events = [{"event_id": f"evt-batch-{i:04d}", "viewer": f"v{i % 7}", "market": "US/en", "work": work,
               "type": "view", "watch_fraction": 0.5, "at": "2026-11-02T08:00:00Z"} for i in range(50)]
    body = json.dumps({"events": events})
    first = client.post("/api/v1/insight/events", content=body, headers={"x-csrf-token": csrf})
    assert first.status_code == 200, first.text
    assert first.json() == {"received": 50, "stored": 50, "duplicates": 0, "held_comments": 0}
    again = client.post("/api/v1/insight/events", content=body, headers={"x-csrf-token": csrf}).json()
    assert again["stored"] == 0 and again["duplicates"] == 50
    bad = client.post("/api/v1/insight/events", content=json.dumps({"events": [{**events[0], "type": "poke"}]}),
                      headers={"x-csrf-token": csrf})
    assert bad.status_code == 422 and "event 0" in bad.text
    data = client.get(f"/api/v1/insight/works/{work}").json()
    assert data["first_party"][0]["funnel"]["views"] == 50


def test_viewer_comments_are_detected_moderated_and_scored(platform: Platform, client: TestClient) -> None:
    """The real analyzer: lingua, the review stage's safety check, VADER (en) and SnowNLP (zh)."""
    import io

    from culturebridge.feed.publish import publish_work
    from culturebridge.jobs import ingest as ingest_asset
    from tests.factories import png_bytes
    from tests.web.conftest import csrf_of

    with platform.db.write() as conn:
        mei = get_user_by_name(conn, "mei")
        work = make_work(conn, mei).id
        ingest_asset(conn, platform, mei, work, io.BytesIO(png_bytes()), "w.png")
    with platform.db.read() as conn:
        mei = get_user_by_name(conn, "mei")
    publish_work(platform, mei, work, "US/en")
    csrf = csrf_of(client.get("/login").text)
    client.cookies.set("cb_viewer", "v-commenter")
    texts = {"en": "I loved this story, the music is beautiful!", "es": "Qué bonita historia, me encantó la música",
             "zh": "太好看了，我非常喜欢这个故事", "rude": "This is shit, what a waste of fucking time"}
    status = {}
    for i, (key, text) in enumerate(texts.items()):
        r = client.post("/api/v1/insight/comments", headers={"x-csrf-token": csrf},
                        content=json.dumps({"event_id": f"evt-comment-{i:04d}", "work_id": work, "market": "US/en",
                                            "text": text}))
        assert r.status_code == 201, r.text
        status[key] = r.json()["status"]
    assert status == {"en": "stored", "es": "stored", "zh": "stored", "rude": "held"}
    login(client, "mei")
    comments = client.get(f"/api/v1/insight/works/{work}").json()["first_party"][0]["comments"]
    by_lang = {c["language"]: c for c in comments}
    assert set(by_lang) == {"en", "es", "zh"} and by_lang["es"]["sentiment"] is None
    assert by_lang["en"]["sentiment"] > 0.5 and by_lang["zh"]["sentiment"] > 0.5
    assert all("fucking" not in c["text"] for c in comments)


def test_experiment_result_csv(platform: Platform, client: TestClient) -> None:
    from culturebridge.insight import create

    with platform.db.write() as conn:
        mei = get_user_by_name(conn, "mei")
        work, lit, gloss = (make_work(conn, mei, title=t).id for t in ("三国", "Three Kingdoms", "Sanguo"))
        exp = create(conn, work, "US/en", lit, gloss)
        ingest(conn, [AudienceEvent(f"evt-xcsv-{i:04d}", f"x{i}", work, "US/en", "view", T0, 1.0 if i % 3 else 0.2)
                      for i in range(40)], FixedAnalyzer())
    login(client, "bo")
    assert client.get(f"/studio/insight/experiments/{exp.id}/result.csv").status_code == 404  # not bo's work
    client.cookies.clear()
    login(client, "mei")
    assert f"/studio/insight/experiments/{exp.id}/result.csv" in client.get(f"/studio/insight/experiments/{exp.id}").text
    got = client.get(f"/studio/insight/experiments/{exp.id}/result.csv")
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(got.text)))
    assert rows[0][:3] == ["arm", "version", "viewers"] and [r[0] for r in rows[1:]] == ["A", "B", "B-A"]
    assert int(rows[1][2]) + int(rows[2][2]) == 40 and {rows[1][1], rows[2][1]} == {lit, gloss}


def test_cultural_discount_has_an_interval(platform: Platform, client: TestClient) -> None:
    from culturebridge.insight import cultural_discount

    with platform.db.write() as conn:
        mei = get_user_by_name(conn, "mei")
        for k, completion in enumerate((0.8, 0.6, 0.4, 0.2)):  # an even count: no work is the median itself
            work = make_work(conn, mei, title=f"作品{k}").id
            ingest(conn, audience(work, "FR/fr", 120, completion, seed=k), FixedAnalyzer())
        rows = cultural_discount(conn)
    assert len(rows) == 4
    for r in rows:
        assert r["ci"] is not None and r["ci"][0] <= r["discount"] <= r["ci"][1] and r["ci"][0] < r["ci"][1]
    login(client, "admin")
    table = list(csv.reader(io.StringIO(client.get("/studio/insight/discount.csv").text)))
    assert table[0][-2:] == ["ci_low", "ci_high"] and len(table) == 5


def test_comments_count_against_the_shared_per_client_limit(platform: Platform) -> None:
    """Comments are limited per client like events (shared across processes, proxy-aware), not per raw peer only."""
    import dataclasses

    from culturebridge.web import create_app
    from tests.web.conftest import csrf_of

    limited = dataclasses.replace(platform, settings=platform.settings.with_overrides(client_rate_per_minute=3))
    client = TestClient(create_app(limited))
    csrf = csrf_of(client.get("/login").text)  # counts nothing: pages are not rate-limited
    client.cookies.set("cb_viewer", "v-commenter")
    codes = [client.post("/api/v1/insight/comments", headers={"x-csrf-token": csrf},
                         content=json.dumps({"event_id": f"evt-c-{i}", "work_id": "w-none", "market": "US/en",
                                             "text": "hello"})).status_code for i in range(5)]
    assert 429 in codes and codes[0] != 429, codes
