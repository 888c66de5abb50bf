"""Reviewing stored works: key frames from assets, the generic policy, the job's failure path."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

from culturebridge import catalog
from culturebridge.accounts import get_user_by_name
from culturebridge.catalog import NewWork
from culturebridge.jobs import enqueue, list_jobs, run_one
from culturebridge.pipeline import job_handlers, statuses
from culturebridge.platform import Platform
from culturebridge.review import Models
from culturebridge.review.work_review import key_frames, review_work, reviewed_fields, texts_of
from tests.factories import png_bytes
from tests.web.conftest import platform  # noqa: F401  (fixture)


def _mp4(tmp_path: Path) -> bytes:
    out = tmp_path / "clip.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10:duration=2",
                    "-pix_fmt", "yuv420p", str(out)], check=True, capture_output=True, timeout=60)
    return out.read_bytes()


def test_key_frames_come_from_images_and_videos(platform: Platform, tmp_path: Path) -> None:
    with platform.db.write() as conn:
        mei = get_user_by_name(conn, "mei")
        work = catalog.create_work(conn, mei, NewWork("video", "zh", {"zh": "灯会"}, {"zh": "元宵灯会的一夜。"}))
        catalog.add_asset(conn, platform.media, mei, work.id, io.BytesIO(png_bytes()), "still.png", platform.limits)
        catalog.add_asset(conn, platform.media, mei, work.id, io.BytesIO(_mp4(tmp_path)), "clip.mp4", platform.limits)
    with platform.db.read() as conn:
        frames = key_frames(conn, platform.media, work)
    assert len(frames) == 4
    assert sorted(f.time_s for f in frames) == [0.0, 0.2, 1.0, 1.8]
    assert all(f.image.startswith(b"\x89PNG") for f in frames)


def test_a_work_without_ip_gets_generic_safety_and_all_languages(platform: Platform) -> None:
    with platform.db.write() as conn:
        bo = get_user_by_name(conn, "bo")
        work = catalog.create_work(conn, bo, NewWork(
            "story", "zh", {"zh": "茶山来信", "en": "Letters"}, {"en": "The hero is dismembered and his entrails spill across the floor in a gory close-up."}))
        item = review_work(conn, platform.media, work.id, models=Models.none())
    assert item.policy == "generic-safety" and item.ip is None
    assert [t["lang"] for t in item.texts] == ["en", "zh"]
    assert reviewed_fields(item.texts[1]) == ("", "茶山来信")  # a title alone is reviewed as the text
    assert item.decision in ("review", "reject") and {f["lang"] for f in item.findings} == {"en"}


def test_a_failing_job_marks_the_stage_failed(platform: Platform) -> None:
    with platform.db.write() as conn:
        work = catalog.create_work(conn, get_user_by_name(conn, "bo"), NewWork("image", "zh", {"zh": "剪纸"}, {}))
        assert texts_of(work) == [{"lang": "zh", "title": "剪纸", "text": ""}]
        enqueue(conn, "review-work", {"work_id": work.id, "policy": "no-such-policy"})
        enqueue(conn, "review-work", {"work_id": "w-missing", "policy": None})
    for _ in range(2):
        job = run_one(platform.db, job_handlers(platform))
        assert job is not None
    with platform.db.read() as conn:
        status = {s.stage: s for s in statuses(conn, work.id)}["review"]
        jobs = {j.params["work_id"]: j for j in list_jobs(conn)}
    assert status.state == "failed" and "no-such-policy" in (status.detail or "")
    assert jobs["w-missing"].state == "failed" and "w-missing" in (jobs["w-missing"].error or "")
