"""The studio's works list, bulk actions, thumbnails and the home page of what needs me."""

from __future__ import annotations

import dataclasses
import io
import shutil
import subprocess
from pathlib import Path

from fastapi.testclient import TestClient
from PIL import Image

from culturebridge import catalog
from culturebridge.accounts import get_user_by_name
from culturebridge.catalog import NewWork
from culturebridge.ids import now
from culturebridge.insight import AudienceEvent
from culturebridge.insight import ingest as ingest_events
from culturebridge.insight.comments import CommentAnalyzer, CommentVerdict
from culturebridge.jobs import claim_next, enqueue, finish, ingest, report_progress
from culturebridge.platform import Platform
from culturebridge.review import Models
from culturebridge.review.work_review import review_work
from tests.factories import make_work, png_bytes
from tests.review.desk_helpers import REVIEW, adaptation, add_demo_ip
from tests.web.conftest import login


def _works(platform: Platform, owner: str, *titles: str) -> list[str]:
    with platform.db.write() as conn:
        user = get_user_by_name(conn, owner)
        return [make_work(conn, user, title).id for title in titles]


def test_works_list_filters_searches_and_pages(client: TestClient, platform: Platform) -> None:
    mine = _works(platform, "mei", *(f"剪纸{i:02d}" for i in range(55)))
    with platform.db.write() as conn:
        catalog.create_work(conn, get_user_by_name(conn, "mei"), NewWork(
            "video", "zh", {"zh": "三打白骨精", "en": "White Bone Demon"}, {"zh": "孙悟空识破白骨精"}, ai_generated=True))
    _works(platform, "bo", "京剧脸谱")
    login(client, "mei")
    first = client.get("/studio")
    assert first.status_code == 200 and first.text.count('class="work-row"') == 50
    assert "京剧脸谱" not in first.text  # another creator's work
    assert 'id="next-page"' in first.text
    nxt = client.get("/studio", params={"after": _cursor(first.text)})
    assert nxt.text.count('class="work-row"') == 6 and 'id="next-page"' not in nxt.text
    found = client.get("/studio", params={"q": "悟空"})
    assert found.text.count('class="work-row"') == 1 and "三打白骨精" in found.text
    assert client.get("/studio", params={"ai": "yes"}).text.count('class="work-row"') == 1
    assert client.get("/studio", params={"kind": "heritage", "sort": "title"}).text.index("剪纸00") > 0
    assert len(mine) == 55


def _cursor(html: str) -> str:
    start = html.index('id="next-page"')
    link = html[html.rindex("<a ", 0, start):start]
    return link.split("after=", 1)[1].split('"', 1)[0].replace("&amp;", "&")


def test_hostile_filters_answer_results_or_a_clear_message(client: TestClient, platform: Platform) -> None:
    _works(platform, "mei", "蔚县剪纸")
    login(client, "mei")
    for query in ("' OR 1=1 --", "%_\\", "剪纸'; DROP TABLE works; --", "\x00\x01", "😀" * 50):
        response = client.get("/studio", params={"q": query})
        assert response.status_code == 200, query
    assert client.get("/studio?q=%FF%FE%C0").status_code == 200  # invalid UTF-8 percent-escapes
    huge = client.get("/studio", params={"q": "x" * 20_000})
    assert huge.status_code == 422 and "longer than 200" in huge.text
    for params, message in (({"kind": "poem"}, "kind"), ({"market": "<script>"}, "COUNTRY/language"),
                            ({"after": "not-a-cursor"}, "page link"), ({"sort": "x"}, "sort"),
                            ({"stage": "review"}, "together"), ({"owner": "a' OR 1=1"}, "not a name")):
        response = client.get("/studio", params=params)
        assert response.status_code == 422 and message in response.text, params
        assert "<script>" not in response.text
    assert client.get("/studio").status_code == 200  # the table is still there


def test_bulk_actions_are_refused_item_by_item_with_the_reason(client: TestClient, platform: Platform) -> None:
    mine = _works(platform, "mei", "蔚县剪纸", "皮影戏")
    theirs = _works(platform, "bo", "京剧脸谱")
    csrf = login(client, "mei")
    response = client.post("/studio/works/bulk", data={
        "csrf": csrf, "action": "publish", "market": "US/en", "work": [*mine, *theirs, "w-missing"]})
    assert response.status_code == 200
    assert 'id="bulk-summary"' in response.text and "Done: 2" in response.text and "Refused: 2" in response.text
    assert response.text.count('class="applied"') == 2 and response.text.count('class="refused"') == 2
    assert "No such work." in response.text  # bo's work is not confirmed to exist for mei
    client.post("/logout", data={"csrf": csrf})
    csrf = login(client, "rita")  # a reviewer may see every work but change none
    refused = client.post("/studio/works/bulk", data={"csrf": csrf, "action": "review", "work": mine})
    assert refused.text.count('class="refused"') == 2 and "Only the work&#39;s owner or an admin" in refused.text
    bad = client.post("/studio/works/bulk", data={"csrf": csrf, "action": "delete", "work": mine})
    assert bad.status_code == 422
    assert client.post("/studio/works/bulk", data={"action": "review", "work": mine}).status_code == 403


def test_a_bulk_action_waiting_for_the_write_lock_does_not_stall_other_requests(
    client: TestClient, platform: Platform
) -> None:
    """Bulk actions write (and publishing draws labelled renditions) in the thread pool, not on
    the event loop: while another writer holds the lock, a read-only request still answers
    (ordering, not timing: the writer lets go only once that answer came, or after a limit)."""
    from tests.lock_order import order_while_locked

    mine = _works(platform, "mei", "蔚县剪纸")
    csrf = login(client, "mei")
    order = order_while_locked(platform, client, "bulk", lambda: client.post(
        "/studio/works/bulk", data={"csrf": csrf, "action": "review", "work": mine}).status_code)
    assert order.index("other request answered") < order.index("writer let go"), order
    assert order.index("other request answered") < order.index("bulk 200"), order  # it waited, without the loop


def test_thumbnails_are_made_once_for_images_and_videos(client: TestClient, platform: Platform, tmp_path: Path) -> None:
    [work_id] = _works(platform, "mei", "蔚县剪纸")
    video = tmp_path / "clip.mp4"
    subprocess.run([shutil.which("ffmpeg") or "ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i",
                    "testsrc=size=320x240:rate=10:duration=2", "-pix_fmt", "yuv420p", str(video)], check=True)
    with platform.db.write() as conn:
        mei = get_user_by_name(conn, "mei")
        image = ingest(conn, platform, mei, work_id, io.BytesIO(png_bytes(800, 600)), "cut.png")
        clip = ingest(conn, platform, mei, work_id, io.BytesIO(video.read_bytes()), "clip.mp4")
    login(client, "mei")
    page = client.get("/studio")
    assert f"/studio/assets/{image.id}/thumb" in page.text  # the first picture is the cover
    for asset in (image, clip):
        thumb = client.get(f"/studio/assets/{asset.id}/thumb")
        assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
        assert thumb.content[:2] == b"\xff\xd8"
        cached = platform.settings.data_dir / "cache" / "thumbs" / f"{asset.sha256}.jpg"
        assert cached.read_bytes() == thumb.content
    client.post("/logout", data={"csrf": login(client, "mei")})
    login(client, "bo")
    assert client.get(f"/studio/assets/{image.id}/thumb").status_code == 404


def test_a_thumbnail_keeps_to_the_decode_budget_and_a_refused_picture_is_not_a_413(
    client: TestClient, platform: Platform
) -> None:
    [work_id] = _works(platform, "mei", "蔚县剪纸")
    image = Image.new("RGB", (400, 300), (9, 90, 200))
    gif = io.BytesIO()
    image.save(gif, "GIF")  # GIF decodes whole: 120,000 pixels
    with platform.db.write() as conn:
        asset = ingest(conn, platform, get_user_by_name(conn, "mei"), work_id, io.BytesIO(gif.getvalue()), "a.gif")
    # The operator lowers the budget afterwards: the thumbnail keeps to it too.
    platform.settings = dataclasses.replace(platform.settings, max_whole_decode_pixels=100_000)
    login(client, "mei")
    refused = client.get(f"/studio/assets/{asset.id}/thumb")
    assert refused.status_code == 404 and "too large to decode whole" in refused.text
    assert not (platform.settings.data_dir / "cache" / "thumbs" / f"{asset.sha256}.jpg").exists()
    platform.settings = dataclasses.replace(platform.settings, max_whole_decode_pixels=200_000)
    shown = client.get(f"/studio/assets/{asset.id}/thumb")
    assert shown.status_code == 200 and shown.content[:2] == b"\xff\xd8"


def test_home_lists_what_needs_me_per_role(client: TestClient, platform: Platform) -> None:
    with platform.db.write() as conn:
        admin, mei = get_user_by_name(conn, "admin"), get_user_by_name(conn, "mei")
        add_demo_ip(conn, admin)
        flagged = adaptation(conn, mei, REVIEW, ai=True)
        review_work(conn, platform.media, flagged.id, models=Models.none())
        failed = enqueue(conn, "no-such-kind", {})
        enqueue(conn, "waits", {})
    finish(platform.db, failed.id, error="it broke")
    login(client, "admin")
    home = client.get("/")
    assert 'data-need="home.reviews"' in home.text and "oldest waits" in home.text
    assert 'data-need="home.failed"' in home.text and 'href="/studio/jobs?state=failed"' in home.text
    assert 'data-need="home.unregistered"' in home.text
    assert "it broke" in client.get("/studio/jobs", params={"state": "failed"}).text
    assert client.get("/studio/jobs", params={"state": "x"}).status_code == 422
    live = client.get("/api/v1/jobs/running", headers={"accept": "application/json"}).json()
    assert live == {"running": [], "queued": 1, "queued_capped": False}
    client.post("/logout", data={"csrf": login(client, "admin")})
    login(client, "bo")
    mine = client.get("/")
    assert 'data-need="home.reviews"' not in mine.text and 'data-need="home.failed"' not in mine.text
    assert 'id="nothing-waits"' in mine.text
    client.post("/logout", data={"csrf": login(client, "bo")})
    zh = client.get("/", headers={"accept-language": "zh"})
    assert "让文化作品可信地跨越语言" in zh.text  # anonymous visitors get the welcome page
    job = claim_next(platform.db, "worker-1", ["waits"])
    assert job is not None
    report_progress(platform.db, job.id, 3, 4, "frame 3 of 4")
    login(client, "bo")
    assert client.get("/api/v1/jobs/running").json()["running"] == []  # not bo's job: creators see their own
    client.post("/logout", data={"csrf": login(client, "bo")})
    login(client, "admin")
    [running] = client.get("/api/v1/jobs/running").json()["running"]
    assert (running["id"], running["percent"], running["message"]) == (job.id, 75, "frame 3 of 4")
    assert f'data-job="{job.id}"' in client.get("/").text and 'src="/static/studio.js"' in client.get("/").text


def test_home_shows_the_audience_headline_scoped_to_the_caller(client: TestClient, platform: Platform) -> None:

    class Neutral(CommentAnalyzer):
        def analyze(self, text: str) -> CommentVerdict:
            return CommentVerdict("en", 0.0, "visible", "")

    [meis] = _works(platform, "mei", "剪纸")
    at = now()
    events = [AudienceEvent(f"e{i}", f"viewer{i}", meis, "FR/fr", "view", at, 1.0 if i % 2 else 0.3) for i in range(6)]
    with platform.db.write() as conn:
        ingest_events(conn, events, Neutral())
    login(client, "admin")
    home = client.get("/")
    audience = home.text.split('id="audience"')[1].split("</section>")[0]
    assert "FR/fr 6" in audience and "<dd>50%</dd>" in audience  # half the views watched to the end
    client.post("/logout", data={"csrf": login(client, "admin")})
    login(client, "mei")
    assert "FR/fr 6" in client.get("/").text
    client.post("/logout", data={"csrf": login(client, "mei")})
    login(client, "bo")
    assert 'id="audience"' not in client.get("/").text  # bo's works had no audience
