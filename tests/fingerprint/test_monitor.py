"""The `fingerprint-asset` job on a real platform (SQLite and PostgreSQL): rows, conflicts, library."""

from __future__ import annotations

import dataclasses
import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image, ImageOps
from sqlalchemy import delete, func, select, update

from culturebridge import catalog
from culturebridge.accounts.users import create_user, get_user_by_name
from culturebridge.catalog import Asset, Work
from culturebridge.catalog._tables import assets
from culturebridge.errors import ConflictNotFound, InvalidInput, PermissionDenied
from culturebridge.fingerprint import (
    JOB_KIND,
    claim_fingerprints,
    decide_conflict,
    job_handler,
    list_conflicts,
    platform_library,
    shared_library,
    stored_fingerprints,
)
from culturebridge.fingerprint._tables import fingerprint_library, fingerprints
from culturebridge.fingerprint.monitor import fingerprint_asset
from culturebridge.jobs import ingest, list_jobs, run_one
from culturebridge.pipeline import init_platform, statuses
from culturebridge.platform import Platform
from culturebridge.settings import Settings
from tests.factories import fan_out, make_work

from .conftest import encode, pan, photo, procedural, run_ffmpeg, smooth_art, write_video

PASSWORD = "password-for-tests"


@pytest.fixture
def fp_platform(database_url: str, tmp_path: Path) -> Iterator[Platform]:
    settings = Settings(data_dir=tmp_path / "data", database_url=database_url, max_image_pixels=4_000_000)
    platform, _ = init_platform(settings, "admin", PASSWORD)
    with platform.db.write() as conn:
        for name in ("mei", "bo"):
            create_user(conn, name, PASSWORD, "creator")
    yield platform
    shared_library._loaded.clear()
    platform.close()


def _work(platform: Platform, owner: str, title: str) -> Work:
    with platform.db.write() as conn:
        return make_work(conn, get_user_by_name(conn, owner), title, kind="image")


def _upload(platform: Platform, work: Work, data: bytes, name: str, owner: str) -> Asset:
    with platform.db.write() as conn:
        asset = ingest(conn, platform, get_user_by_name(conn, owner), work.id, io.BytesIO(data), name)
    fan_out(platform)
    return asset


def _run(platform: Platform) -> list[str]:
    """Run the queued fingerprint jobs; return their messages."""
    handlers = {JOB_KIND: job_handler(platform)}
    ran = []
    while (job := run_one(platform.db, handlers)) is not None:
        ran.append(job.id)
    with platform.db.read() as conn:
        done = {j.id: j for j in list_jobs(conn)}
    return [done[i].message or done[i].error or "" for i in ran]


def _status(platform: Platform, work: Work) -> tuple[str, str | None]:
    with platform.db.read() as conn:
        s = {x.stage: x for x in statuses(conn, work.id)}["fingerprint"]
    return s.state, s.detail


def _copy(img: Image.Image) -> bytes:
    small = ImageOps.mirror(img).resize((img.width // 2, img.height // 2))
    return encode(small, "JPEG", quality=40)


def test_a_copy_in_another_work_raises_an_open_conflict(fp_platform: Platform) -> None:
    original = _work(fp_platform, "mei", "剪纸原作")
    other = _work(fp_platform, "bo", "别人的作品")
    src = _upload(fp_platform, original, encode(photo("astronaut")), "astronaut.png", "mei")
    unrelated = _upload(fp_platform, other, encode(procedural(3)), "shapes.png", "bo")
    copy = _upload(fp_platform, other, _copy(photo("astronaut")), "copy.jpg", "bo")
    with fp_platform.db.read() as conn:
        assert [j.kind for j in list_jobs(conn)].count(JOB_KIND) == 3  # queued by ingest
    messages = _run(fp_platform)
    assert any("matches" in m for m in messages), messages
    with fp_platform.db.read() as conn:
        found = list_conflicts(conn)
        rows = {s.asset_id: s for s in stored_fingerprints(conn, other.id)}
    assert [(c.asset_id, c.matched_asset_id, c.matched_work_id, c.state) for c in found] == [
        (copy.id, src.id, original.id, "open")
    ]
    assert found[0].kind == "image" and found[0].score >= 0.5
    assert rows[copy.id].status == "ok" and rows[unrelated.id].status == "ok"
    state, detail = _status(fp_platform, other)
    assert state == "done" and detail is not None and "1 open conflict" in detail


def test_the_rights_holder_of_the_matched_work_decides(fp_platform: Platform) -> None:
    original = _work(fp_platform, "mei", "原作")
    other = _work(fp_platform, "bo", "复制")
    _upload(fp_platform, original, encode(photo("coffee")), "coffee.png", "mei")
    _upload(fp_platform, other, _copy(photo("coffee")), "coffee-copy.jpg", "bo")
    _run(fp_platform)
    with fp_platform.db.write() as conn:
        (conflict,) = list_conflicts(conn, state="open")
        mei, bo = get_user_by_name(conn, "mei"), get_user_by_name(conn, "bo")
        with pytest.raises(PermissionDenied):
            decide_conflict(conn, bo, conflict.id, "licensed")  # the copier cannot clear himself
        with pytest.raises(InvalidInput):
            decide_conflict(conn, mei, conflict.id, "maybe")
        with pytest.raises(ConflictNotFound):
            decide_conflict(conn, mei, "fpc-missing", "licensed")
        decided = decide_conflict(conn, mei, conflict.id, "infringing")
        assert list_conflicts(conn, viewer=bo)[0].state == "infringing"
    assert decided.state == "infringing" and decided.decided_by == mei.id and decided.decided_at is not None


def test_bad_and_flat_files_are_recorded_not_fatal(fp_platform: Platform) -> None:
    work = _work(fp_platform, "mei", "坏文件")
    tiny = _upload(fp_platform, work, encode(Image.new("RGB", (4, 4), (1, 2, 3))), "tiny.png", "mei")
    lost = _upload(fp_platform, work, encode(photo("camera")), "lost.png", "mei")
    fp_platform.media.delete(lost.storage_key)  # the store lost the blob
    flat = _upload(fp_platform, work, encode(Image.new("RGB", (300, 200), (90, 120, 200))), "flat.png", "mei")
    text = _upload(fp_platform, work, "山不在高，有仙则名。水不在深，有龙则灵。".encode() * 3, "poem.txt", "mei")
    _run(fp_platform)
    with fp_platform.db.read() as conn:
        rows = {s.asset_id: s for s in stored_fingerprints(conn, work.id)}
        assert [a.id for a in catalog.list_assets(conn, work.id)]  # the assets stay stored
    assert rows[tiny.id].status == "failed" and "too small" in (rows[tiny.id].reason or "")
    assert rows[lost.id].status == "failed" and "cannot read" in (rows[lost.id].reason or "")
    assert rows[flat.id].status == "unmatchable" and "featureless" in (rows[flat.id].reason or "")
    assert rows[text.id].status == "ok" and rows[text.id].kind == "text"
    state, detail = _status(fp_platform, work)
    assert state == "failed" and detail is not None and "2 failed" in detail


def test_the_fingerprint_job_keeps_to_the_operators_whole_decode_budget(fp_platform: Platform) -> None:
    work = _work(fp_platform, "mei", "动图")
    gif = _upload(fp_platform, work, encode(photo("camera"), "GIF"), "camera.gif", "mei")  # 512 x 512
    # Lowered after the upload: the job decodes within the budget the operator set now.
    fp_platform.settings = dataclasses.replace(fp_platform.settings, max_whole_decode_pixels=200_000)
    _run(fp_platform)
    with fp_platform.db.read() as conn:
        [row] = stored_fingerprints(conn, work.id)
    assert row.asset_id == gif.id and row.status == "failed"
    assert "max_whole_decode_pixels = 200,000" in (row.reason or "")


def test_the_number_of_ok_rows_is_kept_by_the_database_however_rows_change(fp_platform: Platform) -> None:
    def ok_rows() -> int:
        with fp_platform.db.read() as conn:
            kept = conn.execute(select(fingerprint_library.c.ok_rows)).scalar_one()
            counted = conn.execute(select(func.count()).select_from(fingerprints)
                                   .where(fingerprints.c.status == "ok")).scalar_one()  # fmt: skip
        assert kept == counted
        return int(kept)

    work = _work(fp_platform, "mei", "计数")
    camera = _upload(fp_platform, work, encode(photo("camera")), "camera.png", "mei")
    shapes = _upload(fp_platform, work, encode(procedural(3)), "shapes.png", "mei")
    _upload(fp_platform, work, encode(Image.new("RGB", (300, 200), (90, 120, 200))), "flat.png", "mei")
    _run(fp_platform)
    assert ok_rows() == 2  # the flat picture is unmatchable, not ok
    with fp_platform.db.write() as conn:  # a status change by hand
        conn.execute(update(fingerprints).where(fingerprints.c.asset_id == camera.id).values(status="failed"))
    assert ok_rows() == 1
    fingerprint_asset(fp_platform, camera.id)  # the job's upsert turns it back to ok
    fingerprint_asset(fp_platform, camera.id)  # and replaces an ok row with an ok row
    assert ok_rows() == 2
    with fp_platform.db.write() as conn:  # an asset deleted: its row goes by ON DELETE CASCADE
        conn.execute(delete(assets).where(assets.c.id == shapes.id))
    assert ok_rows() == 1
    with fp_platform.db.write() as conn:
        conn.execute(delete(fingerprints))
    assert ok_rows() == 0


def test_same_work_and_declared_derivations_are_not_open_conflicts(fp_platform: Platform) -> None:
    source = _work(fp_platform, "mei", "源")
    derived = _work(fp_platform, "mei", "衍生")  # one owner's own lineage (across owners: test_lineage_laundering)
    with fp_platform.db.write() as conn:
        catalog.add_derivation(conn, get_user_by_name(conn, "mei"), source.id, derived.id, "remix")
    _upload(fp_platform, source, encode(photo("chelsea")), "cat.png", "mei")
    _upload(fp_platform, source, _copy(photo("chelsea")), "cat-small.jpg", "mei")  # same work: no conflict
    _upload(fp_platform, derived, _copy(photo("chelsea")), "cat-derived.jpg", "mei")
    _run(fp_platform)
    with fp_platform.db.read() as conn:
        found = list_conflicts(conn)
    assert found and all(c.work_id == derived.id for c in found)
    assert {c.state for c in found} == {"licensed"} and {c.decided_by for c in found} == {"lineage"}


def test_library_is_saved_reloaded_and_rebuilt_when_stale(fp_platform: Platform) -> None:
    work = _work(fp_platform, "mei", "库")
    a = _upload(fp_platform, work, encode(photo("rocket")), "rocket.png", "mei")
    b = _upload(fp_platform, work, encode(procedural(11)), "shapes.png", "mei")
    _run(fp_platform)
    assert len(platform_library(fp_platform)) == 2
    saved = [p for p in shared_library.index_dir(fp_platform).iterdir() if not p.name.startswith(".")]
    assert len(saved) == 1 and (saved[0] / "fingerprints.jsonl").is_file()
    shared_library._loaded.clear()  # a new process: loads the saved copy
    assert sorted(asset for _, asset, _, _ in platform_library(fp_platform).rows()) == sorted([a.id, b.id])
    with fp_platform.db.write() as conn:
        conn.execute(assets.delete().where(assets.c.id == b.id))  # cascades to its fingerprint row
    assert [asset for _, asset, _, _ in platform_library(fp_platform).rows()] == [a.id]  # stale: rebuilt
    shutil.rmtree(shared_library.index_dir(fp_platform))
    shared_library._loaded.clear()
    assert len(platform_library(fp_platform)) == 1  # missing: rebuilt from the database
    with fp_platform.db.read() as conn:
        prints = claim_fingerprints(conn, [a])
    assert len(prints[a.sha256]["pdq"]) == 64 and "image-fingerprint-sha256" in prints[a.sha256]


def test_job_without_asset_id_is_refused(fp_platform: Platform) -> None:
    with pytest.raises(InvalidInput):
        job_handler(fp_platform)({}, None)  # type: ignore[arg-type]


def test_a_derivation_declared_across_owners_opens_a_conflict_with_a_note(fp_platform: Platform) -> None:
    """Issue #19 finding 1: naming someone else's work as the source does not license a copy of it."""
    source = _work(fp_platform, "mei", "源")
    derived = _work(fp_platform, "bo", "拷贝")
    with fp_platform.db.write() as conn:  # declared by an admin: bo alone cannot name mei's work
        catalog.add_derivation(conn, get_user_by_name(conn, "admin"), source.id, derived.id, "remix")
    _upload(fp_platform, source, encode(photo("chelsea")), "cat.png", "mei")
    _upload(fp_platform, derived, _copy(photo("chelsea")), "cat-reencoded.jpg", "bo")
    _run(fp_platform)
    with fp_platform.db.read() as conn:
        found = list_conflicts(conn)
    assert found and {c.state for c in found} == {"open"} and {c.decided_by for c in found} == {None}
    assert all(c.matched_work_id == source.id and "declared derivation" in (c.note or "") for c in found)
    with fp_platform.db.write() as conn:  # mei, the rights holder, may accept it
        done = decide_conflict(conn, get_user_by_name(conn, "mei"), found[0].id, "licensed")
    assert done.state == "licensed"


def test_a_conflict_keeps_why_it_matched(fp_platform: Platform) -> None:
    original = _work(fp_platform, "mei", "剪纸原作")
    other = _work(fp_platform, "bo", "别人的作品")
    _upload(fp_platform, original, encode(photo("astronaut")), "astronaut.png", "mei")
    w, h = photo("astronaut").size
    cropped = ImageOps.mirror(photo("astronaut").crop((w // 10, h // 10, w, h)))
    _upload(fp_platform, other, encode(cropped, "JPEG", quality=70), "crop.jpg", "bo")
    _run(fp_platform)
    with fp_platform.db.read() as conn:
        (conflict,) = list_conflicts(conn)
    evidence = conflict.evidence
    assert evidence is not None and evidence["method"] == "keypoints", evidence
    assert evidence["mirrored"] is True and evidence["inliers"] >= 10
    x0, y0, x1, y1 = evidence["region"]
    assert x1 - x0 < 0.95 and y1 - y0 < 0.95  # the copy shows part of the original
    assert conflict.to_dict()["evidence"] == evidence


def test_a_cropped_captioned_copy_of_an_animated_film_raises_a_conflict(fp_platform: Platform, tmp_path: Path) -> None:
    # Smooth animation: no frame has a usable PDQ hash or keypoints. Such a film used to be
    # recorded as unmatchable and left out of the library, so not even an exact copy was found.
    film = write_video(tmp_path / "film.mp4", pan(smooth_art(3), width=0.6), repeat=10)  # 1 s a frame
    copy = tmp_path / "copy.mp4"
    run_ffmpeg("-i", str(film), "-vf", "crop=iw*0.9:ih*0.9:iw*0.05:ih*0.02,"
               "drawbox=x=0:y=ih*0.84:w=iw:h=ih*0.16:color=black@0.85:t=fill", str(copy))  # fmt: skip
    original = _work(fp_platform, "mei", "动画原作")
    other = _work(fp_platform, "bo", "搬运")
    src = _upload(fp_platform, original, film.read_bytes(), "film.mp4", "mei")
    cut = _upload(fp_platform, other, copy.read_bytes(), "copy.mp4", "bo")
    _run(fp_platform)
    with fp_platform.db.read() as conn:
        rows = {s.asset_id: s for w in (original, other) for s in stored_fingerprints(conn, w.id)}
        (conflict,) = list_conflicts(conn)
    assert rows[src.id].status == "ok" and rows[cut.id].status == "ok"
    assert (conflict.asset_id, conflict.matched_asset_id, conflict.kind) == (cut.id, src.id, "video")
    evidence = conflict.evidence
    assert evidence is not None and evidence["method"] == "frames"
    assert evidence["frames_by"][2] > 0, evidence  # found by the frames' colour layouts


def test_another_processs_copy_catches_up_without_the_every_row_check(
    fp_platform: Platform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second process (its own index folder) holding a loaded copy adds the rows the first
    wrote since, from a count and a window of recent rows; a replaced or removed row still
    makes it check every row and rebuild."""
    from culturebridge.platform import open_media_store
    from culturebridge.storage import Database

    settings = Settings(data_dir=tmp_path / "other", database_url=fp_platform.settings.database_url)
    other = Platform(settings, Database.open(settings.resolved_database_url), open_media_store(settings))
    try:
        work = _work(fp_platform, "mei", "追")
        a = _upload(fp_platform, work, encode(photo("rocket")), "rocket.png", "mei")
        _run(fp_platform)
        assert [x for _, x, _, _ in platform_library(other).rows()] == [a.id]  # first load: every row
        b = _upload(fp_platform, work, encode(procedural(11)), "shapes.png", "mei")
        _run(fp_platform)
        full = shared_library._db_stamps
        monkeypatch.setattr(shared_library, "_db_stamps", lambda conn: pytest.fail("every-row check"))
        assert sorted(x for _, x, _, _ in platform_library(other).rows()) == sorted([a.id, b.id])
        assert len(platform_library(other)) == 2  # nothing new: still no every-row check
        loaded = shared_library._loaded[str(shared_library.index_dir(other).resolve())]
        assert loaded.signature == shared_library._signature(loaded.stamps)  # kept by XOR, as a rebuild would
        monkeypatch.setattr(shared_library, "_db_stamps", full)
        fingerprint_asset(fp_platform, a.id)  # re-fingerprinted: its row is replaced
        assert sorted(x for _, x, _, _ in platform_library(other).rows()) == sorted([a.id, b.id])
        with fp_platform.db.write() as conn:
            conn.execute(assets.delete().where(assets.c.id == b.id))
        assert [x for _, x, _, _ in platform_library(other).rows()] == [a.id]
    finally:
        other.close()


def test_a_copy_and_its_original_fingerprinted_at_the_same_moment_still_find_each_other(
    fp_platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two workers each search a library without the other's row, then both store: the one
    that commits second checks the rows stored meanwhile and records the conflict."""
    import threading

    from culturebridge.fingerprint import monitor

    original = _work(fp_platform, "mei", "剪纸原作")
    other = _work(fp_platform, "bo", "别人的作品")
    src = _upload(fp_platform, original, encode(photo("astronaut")), "astronaut.png", "mei")
    copy = _upload(fp_platform, other, _copy(photo("astronaut")), "copy.jpg", "bo")
    both_searched = threading.Barrier(2, timeout=60)
    first_call = threading.local()
    real = monitor._best_per_asset

    def after_search(found: object) -> object:
        if not getattr(first_call, "done", False):  # each worker's own search, not its late check
            first_call.done = True
            both_searched.wait()  # neither has stored its row yet
        return real(found)  # type: ignore[arg-type]

    monkeypatch.setattr(monitor, "_best_per_asset", after_search)
    messages: dict[str, str] = {}
    workers = [threading.Thread(target=lambda a=a: messages.__setitem__(a.id, monitor.fingerprint_asset(fp_platform, a.id)))
               for a in (src, copy)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    assert len(messages) == 2
    with fp_platform.db.read() as conn:
        found = list_conflicts(conn)
    # Once, and as a worker that came second would have flagged it: the newer file as the copy.
    assert [(c.asset_id, c.matched_asset_id, c.state) for c in found] == [(copy.id, src.id, "open")], messages
