"""Localizing a work on the platform (SQLite and PostgreSQL): job, resume, derived work, edits."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from culturebridge import catalog
from culturebridge.accounts import User, create_user
from culturebridge.catalog import CanonCard, NewWork
from culturebridge.jobs import get_job, run_one
from culturebridge.localize.engine_spec import EngineSpec
from culturebridge.localize.localizations import JOB_KIND, get_localization, segments_of
from culturebridge.localize.memory_store import load_memory
from culturebridge.localize.subtitles import parse_subtitles
from culturebridge.localize.work_localization import (
    edit_segment,
    handler,
    request_localization,
    split_sentences,
)
from culturebridge.pipeline import statuses
from culturebridge.platform import Platform
from culturebridge.settings import Settings
from culturebridge.storage import Database, LocalMediaStore
from tests.localize.chat_server import chat_server, phrase_answer
from tests.localize.conftest import CARD

SRT = ("1\n00:00:01,000 --> 00:00:03,000\n孙悟空驾筋斗云。\n\n"
       "2\n00:00:03,500 --> 00:00:06,000\n猪八戒笑了。\n").encode()
PHRASES = {"大闹天宫": "Havoc in Heaven", "驾": " rides the ", "笑了": " laughed", "。": ".",
           "来到": " comes to ", "闹": " storms "}


@pytest.fixture
def platform(database: Database, tmp_path: Path) -> Iterator[Platform]:
    yield Platform(Settings(data_dir=tmp_path / "data"), database, LocalMediaStore(tmp_path / "media"))


@pytest.fixture
def work_id(platform: Platform) -> str:
    with platform.db.write() as conn:
        admin = create_user(conn, "admin", "password-admin", "admin")
        mei = create_user(conn, "mei", "password-mei", "creator")
        catalog.add_ip(conn, admin, CanonCard.from_dict(CARD))
        work = catalog.create_work(conn, mei, NewWork(
            kind="video", original_language="zh", titles={"zh": "大闹天宫"},
            synopses={"zh": "孙悟空来到花果山。孙悟空闹天宫。"}, ip_name="journey-to-the-west",
            markets=["US/en", "FR/fr"]))
        catalog.add_asset(conn, platform.media, mei, work.id, io.BytesIO(SRT), "ep1.srt",
                          catalog.IngestLimits(1_000_000, 1_000_000))
    return work.id


def _stored(platform: Platform, key: str) -> bytes:
    with platform.media.open(key) as fh:
        return fh.read()


def _mei(platform: Platform) -> User:
    from culturebridge.accounts.users import get_user_by_name

    with platform.db.read() as conn:
        return get_user_by_name(conn, "mei")


def _run(platform: Platform) -> str | None:
    job = run_one(platform.db, {JOB_KIND: handler(platform)})
    assert job is not None
    with platform.db.read() as conn:
        done = get_job(conn, job.id)
    assert done.state == "done", done.error
    return done.message


def test_split_sentences() -> None:
    assert split_sentences("孙悟空来到花果山。他笑了！ Then he left. OK") == ["孙悟空来到花果山。", "他笑了！", "Then he left.", "OK"]


def test_machine_localization_creates_a_derived_work_and_resumes(platform: Platform, work_id: str) -> None:
    with chat_server(phrase_answer(PHRASES)) as (url, asked):
        with platform.db.write() as conn:
            loc = request_localization(conn, _mei(platform), work_id, "en", EngineSpec("openai", endpoint=url, model="m"))
            assert {s.stage: s.state for s in statuses(conn, work_id)}["localize"] == "running"
        message = _run(platform)
        assert message and "5 new, 0 reused, 0 failed, 0 awaiting" in message
        assert len(asked) == 5
        with platform.db.read() as conn:
            loc = get_localization(conn, work_id, "en")
            stored = {s.id: s for s in segments_of(conn, loc.id)}
            assert loc.state == "done" and loc.derived_id
            derived = catalog.get_work(conn, loc.derived_id)
            edge = catalog.sources_of(conn, derived.id)[0]
            subs = catalog.list_assets(conn, derived.id)
            stage = {s.stage: s for s in statuses(conn, work_id)}["localize"]
        assert derived.titles == {"en": "Havoc in Heaven"} and derived.ai_generated and derived.markets == ("US/en",)
        # First mention glossed once per job, across segments and batches.
        assert derived.synopses["en"].count("Sun Wukong (Monkey King)") == 1
        assert derived.synopses["en"].startswith("Sun Wukong (Monkey King) comes to Mountain of Flowers and Fruit.")
        assert edge.kind == "translation" and edge.ai_generated and edge.tool == "openai:m"
        assert [a.original_name for a in subs] == ["ep1.en.srt"]
        cues = parse_subtitles(_stored(platform, subs[0].storage_key))
        assert "somersault cloud" in cues[0].text.replace("\n", " ") and "Zhu Bajie" in cues[-1].text
        assert stage.state == "done" and stage.detail == "en: done"
        assert all(s.state == "translated" for s in stored.values())
        # A re-run resumes: nothing finished goes back to the engine.
        with platform.db.write() as conn:
            request_localization(conn, _mei(platform), work_id, "en", EngineSpec("openai", endpoint=url, model="m"))
        assert "0 new, 5 reused" in (_run(platform) or "")
        assert len(asked) == 5
        # An edited source redoes only the changed sentence.
        with platform.db.write() as conn:
            mei = _mei(platform)
            catalog.update_work(conn, mei, work_id, NewWork(
                kind="video", original_language="zh", titles={"zh": "大闹天宫"},
                synopses={"zh": "孙悟空来到花果山。猪八戒笑了。"}, ip_name="journey-to-the-west"))
            request_localization(conn, mei, work_id, "en", EngineSpec("openai", endpoint=url, model="m"))
        assert "1 new, 4 reused" in (_run(platform) or "")
        assert asked[-1] == "⟦0⟧笑了。"


def test_human_localization_waits_for_edits_which_feed_the_tm(platform: Platform, work_id: str) -> None:
    with platform.db.write() as conn:
        loc = request_localization(conn, _mei(platform), work_id, "fr", EngineSpec("human"))
    _run(platform)
    with platform.db.read() as conn:
        loc = get_localization(conn, work_id, "fr")
        assert loc.state == "needs_human" and loc.derived_id is None
        assert {s.state for s in segments_of(conn, loc.id)} == {"needs_human"}
    with platform.db.write() as conn:
        seg = edit_segment(conn, platform, _mei(platform), loc.id, "title", " La Révolte au ciel ")
        assert seg.state == "edited" and seg.target == "La Révolte au ciel" and seg.edited_by
        loc = get_localization(conn, work_id, "fr")
        derived = catalog.get_work(conn, loc.derived_id or "")
        tm = load_memory(conn, "journey-to-the-west", "zh", "fr")
    assert loc.state == "needs_human" and derived.titles == {"fr": "La Révolte au ciel"}
    assert not derived.ai_generated and derived.synopses == {}
    assert tm.exact("大闹天宫") is not None and tm.exact("大闹天宫").target == "La Révolte au ciel"  # type: ignore[union-attr]


def test_edit_is_checked_and_kept_by_a_machine_rerun(platform: Platform, work_id: str) -> None:
    with chat_server(phrase_answer(PHRASES)) as (url, _asked):
        with platform.db.write() as conn:
            loc = request_localization(conn, _mei(platform), work_id, "en", EngineSpec("openai", endpoint=url, model="m"))
        _run(platform)
        with platform.db.write() as conn:
            seg = edit_segment(conn, platform, _mei(platform), loc.id, "synopsis:1", "The monkey storms heaven.")
        assert [i.check for i in seg.issues] == ["glossary"]
        with platform.db.write() as conn:
            request_localization(conn, _mei(platform), work_id, "en", EngineSpec("openai", endpoint=url, model="m"))
        _run(platform)
        with platform.db.read() as conn:
            kept = {s.id: s for s in segments_of(conn, loc.id)}["synopsis:1"]
        assert kept.target == "The monkey storms heaven." and kept.state == "edited"


def test_a_subtitle_rebuild_replaces_the_previous_file(platform: Platform, work_id: str) -> None:
    def current_subs(derived_id: str) -> list[catalog.Asset]:
        with platform.db.read() as conn:
            return [a for a in catalog.list_assets(conn, derived_id) if a.original_name.endswith(".srt")]

    with chat_server(phrase_answer(PHRASES)) as (url, _asked):
        with platform.db.write() as conn:
            loc = request_localization(conn, _mei(platform), work_id, "en", EngineSpec("openai", endpoint=url, model="m"))
            seg_id = f"sub:{catalog.list_assets(conn, work_id)[0].id}:1"
        _run(platform)
        with platform.db.read() as conn:
            loc = get_localization(conn, work_id, "en")
            machine = {s.id: s for s in segments_of(conn, loc.id)}[seg_id].target
        assert loc.derived_id and machine
        [first] = current_subs(loc.derived_id)

        def edit_and_rerun(text: str) -> catalog.Asset:
            with platform.db.write() as conn:
                edit_segment(conn, platform, _mei(platform), loc.id, seg_id, text)
                request_localization(conn, _mei(platform), work_id, "en", EngineSpec("openai", endpoint=url, model="m"))
            _run(platform)
            assert loc.derived_id
            [only] = current_subs(loc.derived_id)
            return only

        second = edit_and_rerun("Zhu Bajie giggled.")
        assert second.id != first.id and second.original_name == "ep1.en.srt"
        assert "giggled" in _stored(platform, second.storage_key).decode("utf-8")
        with platform.db.read() as conn:
            assert catalog.superseded_by(conn, first.id) == second.id
            kept = catalog.list_assets(conn, loc.derived_id, include_superseded=True)
        assert [a.id for a in kept if a.original_name == "ep1.en.srt"] == [first.id, second.id]
        # An edit undone gives the first file's bytes again: that asset becomes current once more.
        assert edit_and_rerun(machine).id == first.id
        # A re-run with nothing changed keeps the current file.
        with platform.db.write() as conn:
            request_localization(conn, _mei(platform), work_id, "en", EngineSpec("openai", endpoint=url, model="m"))
        _run(platform)
        assert [a.id for a in current_subs(loc.derived_id)] == [first.id]


def test_missing_engine_fails_the_job_and_the_stage(platform: Platform, work_id: str, tmp_path: Path) -> None:
    with platform.db.write() as conn:
        request_localization(conn, _mei(platform), work_id, "en", EngineSpec("ct2", model_dir=str(tmp_path / "none")))
    job = run_one(platform.db, {JOB_KIND: handler(platform)})
    assert job is not None
    with platform.db.read() as conn:
        failed = get_job(conn, job.id)
        stage = {s.stage: s for s in statuses(conn, work_id)}["localize"]
        loc = get_localization(conn, work_id, "en")
    assert failed.state == "failed" and "model.bin" in (failed.error or "")
    assert loc.state == "failed" and stage.state == "failed"


def test_a_broken_subtitle_file_is_skipped_and_reported(platform: Platform, work_id: str) -> None:
    with platform.db.write() as conn:
        catalog.add_asset(conn, platform.media, _mei(platform), work_id, io.BytesIO(b"not subtitles at all\n"),
                          "broken.srt", catalog.IngestLimits(1_000_000, 1_000_000))
        request_localization(conn, _mei(platform), work_id, "fr", EngineSpec("human"))
    message = _run(platform)
    assert message and "skipped broken.srt" in message and "needs human" in message and "5 awaiting a translator" in message


def test_a_queued_job_is_not_queued_twice(platform: Platform, work_id: str) -> None:
    with platform.db.write() as conn:
        first = request_localization(conn, _mei(platform), work_id, "fr", EngineSpec("human"))
        again = request_localization(conn, _mei(platform), work_id, "fr", EngineSpec("openai", endpoint="http://x/v1", model="m"))
    assert first.job_id == again.job_id and again.engine.kind == "openai"


def test_requests_are_validated(platform: Platform, work_id: str) -> None:
    from culturebridge.errors import InvalidInput, UnsupportedLanguage

    with platform.db.write() as conn:
        with pytest.raises(UnsupportedLanguage):
            request_localization(conn, _mei(platform), work_id, "xx", EngineSpec("human"))
        with pytest.raises(InvalidInput, match="already in zh"):
            request_localization(conn, _mei(platform), work_id, "zh-Hant", EngineSpec("human"))
