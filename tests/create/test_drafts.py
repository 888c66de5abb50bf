"""Drafts end to end against a local endpoint: born with lineage, labels, C2PA and review."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from culturebridge.catalog import get_asset, lineage, sources_of
from culturebridge.create import (
    DraftRequest,
    Options,
    cancel,
    get_draft,
    list_attempts,
    make_draft,
    next_version,
    run_attempt,
    start,
)
from culturebridge.errors import (
    BriefRefused,
    EndpointFailed,
    GenerationCancelled,
    GenerationUnusable,
)
from culturebridge.jobs import run_one
from culturebridge.labels import check_bytes, platform_keys
from culturebridge.pipeline import job_handlers
from culturebridge.review import Models
from tests.create.conftest import World

NO_MODELS = Models.none()


def _bytes(world: World, asset_id: str) -> bytes:
    with world.platform.db.read() as conn:
        asset = get_asset(conn, asset_id)
    with world.platform.media.open(asset.storage_key) as fh:
        return fh.read()


def _draft(world: World, **kw: Any) -> dict[str, Any]:
    request = DraftRequest(world.source_id, **kw)
    return make_draft(world.platform, world.mei, request, environ={}, review_models=NO_MODELS).to_dict()


def test_an_image_draft_is_a_labelled_signed_reviewed_derivative(world: World, tmp_path: Path) -> None:
    out = _draft(world, kind="image", brief="孙悟空驾筋斗云的灯笼设计")
    assert out["source_id"] == world.source_id and out["kind"] == "image"
    [asset] = out["assets"]
    [label] = out["labels"]
    assert label["label"]["Label"] == "1" and label["label"]["ContentProducer"] == "culturebridge"
    assert label["label"]["ProduceID"] == out["work_id"]
    assert label["c2pa"] == "Trusted" and label["c2pa_action"] == "c2pa.created"
    assert out["review"] in ("pass", "review")
    data = _bytes(world, asset["id"])
    keys = platform_keys(world.platform.settings)
    report = check_bytes(data, public_keys=(keys.label_key.public_key(),), trust_anchor_pem=keys.credentials.ca_pem)
    assert report.verdict.value == "compliant"
    assert report.c2pa is not None and "c2pa.created" in report.c2pa.actions
    assert report.c2pa.parents and "still.png" in report.c2pa.parents[0]
    path = tmp_path / "draft.png"
    path.write_bytes(data)
    exif = json.loads(subprocess.run(["exiftool", "-j", "-XMP:all", str(path)], capture_output=True, check=True).stdout)[0]
    assert exif["DigitalSourceType"].endswith("trainedAlgorithmicMedia")
    with world.platform.db.read() as conn:
        [edge] = sources_of(conn, str(out["work_id"]))
        graph = lineage(conn, world.source_id)
    assert edge.kind == "ai-adaptation" and edge.ai_generated and edge.source_id == world.source_id
    assert "sd-local" in (edge.tool or "")
    assert str(out["work_id"]) in graph.descendants()
    record = out["record"]
    assert record["endpoint"]["image_model"] == "sd-local"
    [call] = record["calls"]
    assert call["seed"] == 1234 and len(call["prompt_sha256"]) == 64 and call["params"]["size"] == "1024x1024"
    assert "api_key" not in json.dumps(record)


def test_a_story_lists_the_canon_facts_it_relied_on_in_the_source_language(world: World) -> None:
    out = _draft(world, kind="story", brief="写一段火焰山的故事梗概", options=Options(form="synopsis", seed=7))
    record = out["record"]
    assert record["canon_facts"] == ["journey-west"]
    assert "sun-wukong" in record["characters"]
    [asset] = out["assets"]
    text = _bytes(world, asset["id"]).decode("utf-8")
    assert text.startswith("---") and "AIGC" in text.split("---")[1]  # YAML front matter label
    assert "## Canon relied on" in text and "[journey-west]" in text
    [call] = record["calls"]
    assert call["params"]["seed"] == 7
    system = world.knobs.requests[-1][1]["messages"][0]["content"]
    assert "Forbidden: " in system and "背叛师父" in system and "[journey-west]" in system and "nrta-1" in system


def test_a_brief_the_policy_forbids_is_refused_before_any_endpoint_call(world: World) -> None:
    with pytest.raises(BriefRefused) as caught:
        _draft(world, kind="story", brief="改写成孙悟空背叛师父，投靠妖怪")
    assert caught.value.clause == "nrta-1" and "nrta-1" in caught.value.message
    assert world.knobs.requests == []
    with world.platform.db.read() as conn:
        [attempt] = list_attempts(conn)
    assert attempt.state == "refused" and "nrta-1" in (attempt.error or "")


@pytest.mark.parametrize(("knob", "value", "error", "words"), [
    ("fail_status", 503, EndpointFailed, "HTTP 503"),
    ("delay_s", 4.0, EndpointFailed, "timed out"),
    ("image", "text", GenerationUnusable, "not an image"),
    ("image", "huge", GenerationUnusable, "create_max_image_bytes"),
])
def test_a_failing_endpoint_saves_nothing_and_keeps_the_attempt(world: World, knob: str, value: object,
                                                                 error: type[Exception], words: str) -> None:
    setattr(world.knobs, knob, value)
    if knob == "delay_s":
        world.platform.settings = world.platform.settings.with_overrides(create_timeout_s=2)
    if knob == "image" and value == "huge":
        world.platform.settings = world.platform.settings.with_overrides(create_max_image_bytes=5_000_000,
                                                                          create_timeout_s=60)
    with pytest.raises(error) as caught:
        _draft(world, kind="image", brief="灯笼设计")
    assert words in str(caught.value)
    with world.platform.db.read() as conn:
        graph = lineage(conn, world.source_id)
        [attempt] = list_attempts(conn)
    assert graph.descendants() == []
    assert attempt.state == "failed" and words in (attempt.error or "")


def test_text_in_the_wrong_language_is_refused(world: World) -> None:
    world.knobs.reply = lambda messages: "TITLE: x\nThe monkey king borrows the fan three times and puts out the fire."
    with pytest.raises(GenerationUnusable, match="not zh"):
        _draft(world, kind="story")


def test_an_image_given_as_a_url_is_fetched(world: World) -> None:
    world.knobs.image = "url"
    out = _draft(world, kind="image")
    assert out["assets"][0]["media_type"] == "image/png"


def test_versions_regenerate_and_edit_in_the_lineage_graph(world: World) -> None:
    first = _draft(world, kind="image", brief="灯笼设计")
    draft_id = str(first["draft_id"])
    regen = next_version(world.platform, world.mei, draft_id, action="regenerated", brief="兔子灯笼设计")
    second = run_attempt(world.platform, world.mei, regen, environ={}, review_models=NO_MODELS)
    edit = next_version(world.platform, world.mei, draft_id, action="edited", brief="灯笼改成红色")
    third = run_attempt(world.platform, world.mei, edit, environ={}, review_models=NO_MODELS)
    assert third.labels[0]["c2pa_action"] == "c2pa.edited"
    report = check_bytes(_bytes(world, third.assets[0]["id"]))
    assert report.c2pa is not None and report.c2pa.actions == ("c2pa.opened", "c2pa.edited")
    with world.platform.db.read() as conn:
        draft = get_draft(conn, draft_id)
        [to_second] = sources_of(conn, second.work_id)
        [to_third] = sources_of(conn, third.work_id)
    assert [v.action for v in draft.versions] == ["created", "regenerated", "edited"]
    assert to_second.source_id == world.source_id and to_third.source_id == second.work_id


def test_a_story_edited_by_hand_needs_no_endpoint(world: World) -> None:
    first = _draft(world, kind="story")
    calls = len(world.knobs.requests)
    attempt = next_version(world.platform, world.mei, str(first["draft_id"]), action="edited",
                           edited_text="孙悟空借来芭蕉扇，扇灭火焰山的大火，师徒继续西行。")
    done = run_attempt(world.platform, world.mei, attempt, environ={}, review_models=NO_MODELS)
    assert len(world.knobs.requests) == calls and done.record["edited_by_hand"] is True


def test_a_market_brief_glosses_references_and_suggests_titles(world: World) -> None:
    out = _draft(world, kind="brief", market="US/en")
    record = out["record"]
    terms = {r["term"] for r in record["references"]}
    assert "孙悟空" in terms or "铁扇公主" in terms
    assert "nrta-1" in record["clauses"]
    assert record["titles"][0] == "Journey Through the Flaming Mountains"


def test_a_queued_attempt_runs_as_a_job_and_can_be_cancelled(world: World) -> None:
    from culturebridge.create import queue_attempt

    request = DraftRequest(world.source_id, "image", brief="灯笼设计")
    attempt = start(world.platform, world.mei, request, state="queued")
    other = start(world.platform, world.mei, request, state="queued")
    with world.platform.db.write() as conn:
        queue_attempt(conn, attempt)
        queue_attempt(conn, other)
    cancelled = cancel(world.platform, world.mei, other.id)
    assert cancelled.state == "cancelled"
    handlers = job_handlers(world.platform)
    while run_one(world.platform.db, handlers) is not None:
        pass
    with world.platform.db.read() as conn:
        states = {a.id: a.state for a in list_attempts(conn)}
    assert states[attempt.id] == "done" and states[other.id] == "cancelled"


def test_cancelling_a_running_attempt_stops_it_saving_nothing(world: World) -> None:
    attempt = start(world.platform, world.mei, DraftRequest(world.source_id, "image"))
    cancel(world.platform, world.mei, attempt.id)
    with pytest.raises(GenerationCancelled):
        run_attempt(world.platform, world.mei, attempt, environ={}, review_models=NO_MODELS)
    assert world.knobs.requests == []


def test_a_rejected_draft_cannot_be_published_and_registers_only_after_its_source(world: World) -> None:
    from culturebridge.errors import PublicationBlocked, SourceNotRegistered
    from culturebridge.feed.publish import publish_work
    from culturebridge.rights import register_work

    # The brief passes the screen (no rule sees it), but the generated text inverts the canon.
    world.knobs.reply = lambda messages: "TITLE: 背叛\n孙悟空背叛师父，把唐僧出卖给妖怪，从此与妖魔同流合污。"
    out = _draft(world, kind="story", brief="写一个出人意料的结局")
    assert out["review"] == "reject"
    with pytest.raises(PublicationBlocked):
        publish_work(world.platform, world.mei, str(out["work_id"]), "CN/zh")
    with pytest.raises(SourceNotRegistered):
        register_work(world.platform, world.mei, str(out["work_id"]))
    register_work(world.platform, world.mei, world.source_id, fingerprints=None)
    cert = register_work(world.platform, world.mei, str(out["work_id"]), fingerprints=None)
    assert cert.work_id == out["work_id"]


def test_a_motion_comic_without_a_speech_model_is_narrated_by_espeak_ng(world: World) -> None:
    settings = world.platform.settings
    world.platform.settings = settings.with_overrides(
        create_endpoints=f"nospeech={world.base_url}@qwen-local?images=sd-local", create_endpoint="nospeech")
    out = _draft(world, kind="video", options=Options(seconds=6, scenes=2, subtitles="track"))
    assert {n["engine"] for n in out["record"]["narration"]} == {"espeak-ng"}
    assert not any(path.endswith("/audio/speech") for path, _ in world.knobs.requests)
    assert out["record"]["script"] == ["孙悟空驾着筋斗云飞过火焰山。", "孙悟空向铁扇公主借芭蕉扇。"]
    probe = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=codec_type", "-of", "csv=p=0", "-"],
                           input=_bytes(world, out["assets"][0]["id"]), capture_output=True, check=True)
    assert probe.stdout.decode().split() == ["video", "audio", "subtitle"]
