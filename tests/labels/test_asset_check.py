"""The labels stage on a running platform: check jobs, labelled renditions, publication copies."""

from __future__ import annotations

import io

import pytest
from PIL import Image, PngImagePlugin

from culturebridge import catalog
from culturebridge.accounts.users import get_user_by_name
from culturebridge.catalog import Asset, Work
from culturebridge.errors import InvalidInput
from culturebridge.jobs import enqueue, ingest, list_jobs
from culturebridge.labels import (
    JOB_KIND,
    check_bytes,
    label_for_publication,
    list_events,
    platform_keys,
    produced,
    read_labels,
    stored_check,
    write_label,
)
from culturebridge.pipeline import statuses
from culturebridge.platform import Platform
from tests.factories import fan_out, jpeg_bytes, make_work, png_bytes
from tests.labels.conftest import run_jobs


def _work(platform: Platform, *, ai: bool, owner: str = "mei", title: str = "剪纸") -> Work:
    with platform.db.write() as conn:
        return make_work(conn, get_user_by_name(conn, owner), title, ai_generated=ai, kind="image")


def _upload(platform: Platform, work: Work, data: bytes, name: str, owner: str = "mei") -> Asset:
    with platform.db.write() as conn:
        asset = ingest(conn, platform, get_user_by_name(conn, owner), work.id, io.BytesIO(data), name)
    fan_out(platform)
    return asset


def _bytes(platform: Platform, asset: Asset) -> bytes:
    with platform.media.open(asset.storage_key) as fh:
        return fh.read()


def _assets(platform: Platform, work: Work) -> list[Asset]:
    with platform.db.read() as conn:
        return catalog.list_assets(conn, work.id)


def test_ingest_queues_a_label_check_for_every_asset(labels_platform: Platform) -> None:
    work = _work(labels_platform, ai=False)
    asset = _upload(labels_platform, work, png_bytes(), "cut.png")
    with labels_platform.db.read() as conn:
        queued = [j for j in list_jobs(conn) if j.kind == JOB_KIND]
    assert [j.params["asset_id"] for j in queued] == [asset.id]


def test_human_work_is_checked_and_left_alone(labels_platform: Platform) -> None:
    work = _work(labels_platform, ai=False)
    asset = _upload(labels_platform, work, png_bytes(), "cut.png")
    ran = run_jobs(labels_platform)
    assert [j.kind for j in ran if j.kind == JOB_KIND] == [JOB_KIND]
    with labels_platform.db.read() as conn:
        stored = stored_check(conn, asset.id)
        events = list_events(conn, work_id=work.id)
        status = {s.stage: s for s in statuses(conn, work.id)}["labels"]
    assert stored is not None and stored.verdict == "no label" and stored.tier is None
    assert stored.report["kind"] == "png"
    assert [e.action for e in events] == ["check"]
    assert status.state == "done" and status.detail is not None and "1 no label" in status.detail
    assert [a.id for a in _assets(labels_platform, work)] == [asset.id]


def test_ai_work_gets_a_signed_labelled_rendition_and_keeps_the_original(labels_platform: Platform) -> None:
    work = _work(labels_platform, ai=True)
    original = _upload(labels_platform, work, png_bytes(96, 64), "gen.png")
    run_jobs(labels_platform)
    assets = _assets(labels_platform, work)
    assert len(assets) == 2 and assets[0].id == original.id
    rendition = assets[1]
    assert rendition.original_name == "gen.ai-labelled.png"
    assert _bytes(labels_platform, original) == png_bytes(96, 64)  # the original is untouched
    keys = platform_keys(labels_platform.settings)
    # Read back independently of what the job stored: real carriers, C2PA reader, our key.
    report = check_bytes(
        _bytes(labels_platform, rendition),
        public_keys=(keys.label_key.public_key(),),
        trust_anchor_pem=keys.credentials.ca_pem,
    )
    assert report.verdict.value == "compliant", report.reasons
    assert report.label is not None and report.label.label.value == "2"  # uploader's declaration
    assert report.label.content_propagator == "culturebridge"
    assert report.label.produce_id == original.id
    assert [s.value for s in report.integrity or ()] == ["valid", "valid"]
    assert report.c2pa is not None and report.c2pa.validation_state == "Trusted"
    assert report.iptc_source_type and report.iptc_source_type.endswith("trainedAlgorithmicMedia")
    assert report.tier == "可能为AI生成"
    with labels_platform.db.read() as conn:
        first = stored_check(conn, original.id)
        made = stored_check(conn, rendition.id)
        actions = sorted(e.action for e in list_events(conn, work_id=work.id))
    assert first is not None and first.verdict == "no label" and first.tier == "可能为AI生成"
    assert made is not None and made.rendition_of == original.id and made.purpose == "implicit"
    assert made.verdict == "compliant"
    # The rendition is checked too, but never labelled again (no rendition of a rendition).
    assert actions == ["check", "check", "rendition"]
    run_jobs(labels_platform)
    assert len(_assets(labels_platform, work)) == 2


def test_producer_label_is_kept_and_only_propagator_fields_are_ours(labels_platform: Platform) -> None:
    work = _work(labels_platform, ai=True)
    labelled = write_label(jpeg_bytes(80, 60), produced("VENDORX", "gen-77"))
    original = _upload(labels_platform, work, labelled, "vendor.jpg")
    run_jobs(labels_platform)
    rendition = _assets(labels_platform, work)[1]
    _, found = read_labels(_bytes(labels_platform, rendition))
    label = next(f.label for f in found if f.label is not None)
    assert (label.label.value, label.content_producer, label.produce_id) == ("1", "VENDORX", "gen-77")
    assert label.reserved_code1 == ""  # the producer's integrity field is not forged
    assert (label.content_propagator, label.propagate_id) == ("culturebridge", original.id)
    assert label.reserved_code2.startswith("cb1.")
    with labels_platform.db.read() as conn:
        stored = stored_check(conn, original.id)
    assert stored is not None and stored.verdict == "compliant" and stored.tier == "AI生成"


def test_unreadable_label_is_never_overwritten(labels_platform: Platform) -> None:
    work = _work(labels_platform, ai=True)
    info = PngImagePlugin.PngInfo()
    info.add_text("AIGC", '{"AIGC": {"Label": ')
    out = io.BytesIO()
    Image.open(io.BytesIO(png_bytes())).save(out, "PNG", pnginfo=info)
    original = _upload(labels_platform, work, out.getvalue(), "broken.png")
    ran = run_jobs(labels_platform)
    assert [j.kind for j in ran if j.kind == JOB_KIND] == [JOB_KIND]
    assert [a.id for a in _assets(labels_platform, work)] == [original.id]
    with labels_platform.db.read() as conn:
        stored = stored_check(conn, original.id)
        events = list_events(conn, work_id=work.id)
        job = next(j for j in list_jobs(conn) if j.kind == JOB_KIND)
    assert stored is not None and stored.verdict == "non-compliant"
    assert any("unreadable AIGC value" in r for r in stored.report["reasons"])
    refused = [e for e in events if e.action == "refused"]
    assert len(refused) == 1 and refused[0].detail and "never strip" in refused[0].detail
    assert job.state == "done" and job.message and "no labelled rendition" in job.message


def test_text_rendition_has_implicit_label_without_c2pa(labels_platform: Platform) -> None:
    work = _work(labels_platform, ai=True)
    _upload(labels_platform, work, "# 白蛇传\n\nAn AI retelling.\n".encode(), "story.md")
    run_jobs(labels_platform)
    rendition = _assets(labels_platform, work)[1]
    text = _bytes(labels_platform, rendition).decode()
    assert text.startswith("---\n") and "AIGC:" in text and "# 白蛇传" in text
    with labels_platform.db.read() as conn:
        event = next(e for e in list_events(conn, work_id=work.id) if e.action == "rendition")
    assert event.detail == "C2PA not embedded: not supported for text"


def test_derivative_rendition_carries_the_source_work_as_c2pa_parent(labels_platform: Platform) -> None:
    source = _work(labels_platform, ai=False, title="白蛇传")
    _upload(labels_platform, source, jpeg_bytes(64, 48, seed=5), "source.jpg")
    derived = _work(labels_platform, ai=True, title="白蛇新传")
    with labels_platform.db.write() as conn:
        catalog.add_derivation(
            conn, get_user_by_name(conn, "mei"), source.id, derived.id, "ai-adaptation", "model-x", True
        )
    _upload(labels_platform, derived, png_bytes(64, 48, seed=6), "adapted.png")
    run_jobs(labels_platform)
    rendition = _assets(labels_platform, derived)[1]
    report = check_bytes(_bytes(labels_platform, rendition))
    assert report.c2pa is not None and report.c2pa.present
    assert any("白蛇传" in p for p in report.c2pa.parents), report.c2pa.parents


def test_publication_copy_has_explicit_label_and_is_made_once(labels_platform: Platform) -> None:
    work = _work(labels_platform, ai=True)
    original = _upload(labels_platform, work, png_bytes(160, 120), "gen.png")
    run_jobs(labels_platform)
    copy = label_for_publication(labels_platform, original, "en")
    assert copy.id != original.id and copy.original_name == "gen.ai-labelled-en.png"
    assert label_for_publication(labels_platform, original, "en").id == copy.id
    keys = platform_keys(labels_platform.settings)
    report = check_bytes(
        _bytes(labels_platform, copy),
        public_keys=(keys.label_key.public_key(),),
        trust_anchor_pem=keys.credentials.ca_pem,
    )
    assert report.explicit_label == "en"
    assert report.verdict.value == "compliant", report.reasons
    assert report.c2pa is not None and report.c2pa.validation_state == "Trusted"
    assert report.label is not None and report.label.propagate_id == original.id
    run_jobs(labels_platform)  # the copy is checked like any ingested asset
    with labels_platform.db.read() as conn:
        stored = stored_check(conn, copy.id)
        pub = [e for e in list_events(conn, work_id=work.id) if e.action == "publication"]
    assert stored is not None and (stored.purpose, stored.lang) == ("publication", "en")
    assert len(pub) == 1 and pub[0].result_asset_id == copy.id and pub[0].actor == "mei"
    assert len(_assets(labels_platform, work)) == 3


def test_publication_of_a_human_work_is_the_asset_itself(labels_platform: Platform) -> None:
    work = _work(labels_platform, ai=False)
    asset = _upload(labels_platform, work, png_bytes(), "cut.png")
    assert label_for_publication(labels_platform, asset, "zh").id == asset.id
    with pytest.raises(InvalidInput):
        label_for_publication(labels_platform, asset, "xx")


def test_a_lost_media_file_fails_the_job_and_the_stage_clearly(labels_platform: Platform) -> None:
    work = _work(labels_platform, ai=True)
    asset = _upload(labels_platform, work, png_bytes(), "gen.png")
    labels_platform.media.delete(asset.storage_key)
    ran = run_jobs(labels_platform)
    assert [j.kind for j in ran if j.kind == JOB_KIND] == [JOB_KIND]
    with labels_platform.db.read() as conn:
        job = next(j for j in list_jobs(conn) if j.kind == JOB_KIND)
        status = {s.stage: s for s in statuses(conn, work.id)}["labels"]
        checked = stored_check(conn, asset.id)
    assert job.state == "failed" and job.error and "internal error" not in job.error
    assert status.state == "failed" and status.detail == job.error[:500]
    assert checked is None


def test_a_job_for_a_missing_asset_fails_without_crashing(labels_platform: Platform) -> None:
    work = _work(labels_platform, ai=False)
    with labels_platform.db.write() as conn:
        enqueue(conn, JOB_KIND, {"asset_id": "a-missing", "work_id": work.id})
        enqueue(conn, JOB_KIND, {"work_id": work.id})
    ran = run_jobs(labels_platform)
    assert len([j for j in ran if j.kind == JOB_KIND]) == 2
    with labels_platform.db.read() as conn:
        errors = sorted(j.error or "" for j in list_jobs(conn) if j.kind == JOB_KIND)
    assert len(errors) == 2 and "a-missing" in errors[0] and "needs an asset_id" in errors[1]
