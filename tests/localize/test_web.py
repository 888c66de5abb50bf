"""The localization pages: panel, workbench with human edits (CSRF), glossary page, TBX, JSON."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from culturebridge import catalog
from culturebridge.accounts.users import get_user_by_name
from culturebridge.catalog import CanonCard, NewWork
from culturebridge.jobs import run_one
from culturebridge.localize.localizations import JOB_KIND
from culturebridge.localize.memory_store import load_memory
from culturebridge.localize.work_localization import handler
from culturebridge.platform import Platform
from tests.localize.conftest import CARD
from tests.web.conftest import client, csrf_of, login, platform  # noqa: F401  (fixtures)


def _work(platform: Platform) -> str:
    with platform.db.write() as conn:
        catalog.add_ip(conn, get_user_by_name(conn, "admin"), CanonCard.from_dict(CARD))
        work = catalog.create_work(conn, get_user_by_name(conn, "mei"), NewWork(
            kind="story", original_language="zh", titles={"zh": "大闹天宫"},
            synopses={"zh": "孙悟空驾筋斗云。猪八戒笑了。"}, ip_name="journey-to-the-west"))
    return work.id


def test_human_localization_flow(client: TestClient, platform: Platform) -> None:
    work_id = _work(platform)
    csrf = login(client, "mei")
    page = client.get(f"/studio/works/{work_id}")
    assert page.status_code == 200 and 'id="localize"' in page.text and "Not localized yet." in page.text
    # No CSRF token: refused.
    assert client.post(f"/studio/works/{work_id}/localize", data={"locale": "fr", "engine": "human"}).status_code == 403
    # No engine configured: the machine choice is a clear 422, the human one works.
    refused = client.post(f"/studio/works/{work_id}/localize", data={"locale": "fr", "engine": "machine", "csrf": csrf})
    assert refused.status_code == 422 and "mt_model_dir" in refused.text
    started = client.post(f"/studio/works/{work_id}/localize", data={"locale": "fr", "engine": "human", "csrf": csrf},
                          follow_redirects=False)
    assert started.status_code == 303 and started.headers["location"] == f"/studio/works/{work_id}/localize/fr"
    assert run_one(platform.db, {JOB_KIND: handler(platform)}) is not None
    bench = client.get(f"/studio/works/{work_id}/localize/fr")
    assert bench.status_code == 200 and "needs a translator" in bench.text
    assert bench.text.count('class="seg ') == 3 and 'href="/static/localize/localize.css"' in bench.text
    action = re.search(r'action="(/studio/works/[^"]+/segments/synopsis%3A0)"', bench.text)
    assert action, bench.text
    saved = client.post(action.group(1), data={"text": "Sun Wukong chevauche le nuage.", "csrf": csrf_of(bench.text)},
                        follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"].endswith("#seg-synopsis-0")
    bench = client.get(saved.headers["location"])
    assert "Saved, checked" in bench.text and "Sun Wukong chevauche le nuage." in bench.text
    with platform.db.read() as conn:
        assert load_memory(conn, "journey-to-the-west", "zh", "fr").exact("孙悟空驾筋斗云。") is not None
    # Title edited: the localized work now exists and is linked from the panel.
    client.post(f"/studio/works/{work_id}/localize/fr/segments/title", data={"text": "Le Roi singe", "csrf": csrf})
    panel = client.get(f"/studio/works/{work_id}")
    assert 'data-locale="fr"' in panel.text and "Localized work" in panel.text
    api = client.get(f"/api/v1/works/{work_id}/localizations/fr", headers={"accept": "application/json"}).json()
    assert api["done"] == 2 and api["derived_work"] and [s["state"] for s in api["segment_list"]][:2] == ["edited", "edited"]


def test_edits_need_the_owner_and_a_real_segment(client: TestClient, platform: Platform) -> None:
    work_id = _work(platform)
    csrf = login(client, "mei")
    client.post(f"/studio/works/{work_id}/localize", data={"locale": "en", "engine": "human", "csrf": csrf})
    run_one(platform.db, {JOB_KIND: handler(platform)})
    assert client.post(f"/studio/works/{work_id}/localize/en/segments/nope",
                       data={"text": "x", "csrf": csrf}).status_code == 404
    assert client.post(f"/studio/works/{work_id}/localize/en/segments/title",
                       data={"text": "  ", "csrf": csrf}).status_code == 422
    client.post("/logout", data={"csrf": csrf})
    rita = login(client, "rita")
    assert client.post(f"/studio/works/{work_id}/localize/en/segments/title",
                       data={"text": "Havoc", "csrf": rita}).status_code == 403
    assert client.get(f"/studio/works/{work_id}/localize/de").status_code == 404


def test_glossary_page_seed_and_tbx(client: TestClient, platform: Platform) -> None:
    _work(platform)
    csrf = login(client, "rita")
    page = client.get("/studio/ips/journey-to-the-west/glossary")
    assert page.status_code == 200 and "孙悟空" in page.text and "Sun Wukong (Monkey King)" in page.text
    assert "Not stored yet" in page.text
    seeded = client.post("/studio/ips/journey-to-the-west/glossary/seed", data={"csrf": csrf})
    assert seeded.status_code == 200 and "re-seeded" in seeded.text and "Not stored yet" not in seeded.text
    tbx = client.get("/studio/ips/journey-to-the-west/glossary.tbx")
    assert tbx.status_code == 200 and b"<martif" in tbx.content and "Sun Wukong" in tbx.text
    client.post("/logout", data={"csrf": csrf})
    mei = login(client, "mei")
    assert client.post("/studio/ips/journey-to-the-west/glossary/seed", data={"csrf": mei}).status_code == 403
    assert client.get("/studio/ips/nope/glossary").status_code == 404


def test_xliff_round_trip_and_rerun(client: TestClient, platform: Platform) -> None:
    work_id = _work(platform)
    csrf = login(client, "mei")
    client.post(f"/studio/works/{work_id}/localize", data={"locale": "en", "engine": "human", "csrf": csrf})
    run_one(platform.db, {JOB_KIND: handler(platform)})
    xlf = client.get(f"/studio/works/{work_id}/localize/en/xliff")
    assert xlf.status_code == 200 and 'srcLang="zh"' in xlf.text and 'id="synopsis:1"' in xlf.text
    # The outside translator fills two units; one unit's source was tampered with.
    filled = (xlf.text.replace("<source>大闹天宫</source>", "<source>大闹天宫</source><target>Havoc in Heaven</target>")
              .replace("<source>猪八戒笑了。</source>", "<source>猪八戒笑了。</source><target>Zhu Bajie laughed.</target>")
              .replace("<source>孙悟空驾筋斗云。</source>", "<source>别的。</source><target>Other.</target>"))
    done = client.post(f"/studio/works/{work_id}/localize/en/xliff", data={"csrf": csrf},
                       files={"file": ("job.en.xlf", filled.encode("utf-8"), "application/xliff+xml")},
                       follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].endswith("?imported=2&refused=1")
    api = client.get(f"/api/v1/works/{work_id}/localizations/en", headers={"accept": "application/json"}).json()
    states = {s["id"]: s["state"] for s in api["segment_list"]}
    assert states == {"title": "edited", "synopsis:0": "needs_human", "synopsis:1": "edited"}
    assert api["derived_work"]
    bad = client.post(f"/studio/works/{work_id}/localize/en/xliff", data={"csrf": csrf},
                      files={"file": ("x.xlf", b"<nonsense", "application/xliff+xml")})
    assert bad.status_code == 422
    rerun = client.post(f"/studio/works/{work_id}/localize/en/rerun", data={"csrf": csrf}, follow_redirects=False)
    assert rerun.status_code == 303
    run_one(platform.db, {JOB_KIND: handler(platform)})
    api = client.get(f"/api/v1/works/{work_id}/localizations/en", headers={"accept": "application/json"}).json()
    assert api["state"] == "needs_human" and api["done"] == 2
