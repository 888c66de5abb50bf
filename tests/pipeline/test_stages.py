"""The pipeline's list: ingest announces an asset once; the fan-out queues every per-asset stage."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import select

from culturebridge.accounts import get_user_by_name
from culturebridge.errors import InvalidInput
from culturebridge.jobs import ASSET_ADDED, ingest, list_jobs, run_one
from culturebridge.pipeline import (
    KEY_MAKERS,
    PER_ASSET_JOBS,
    STAGES,
    fingerprint_overlays,
    init_platform,
    job_handlers,
    statuses,
)
from culturebridge.platform import Platform
from culturebridge.settings import Settings
from tests.factories import make_user, make_work, png_bytes
from tests.fingerprint.conftest import photo


@pytest.fixture
def platform(database_url: str, tmp_path: Path) -> Iterator[Platform]:
    platform, _ = init_platform(Settings(data_dir=tmp_path / "data", database_url=database_url), "admin", "pw-admin-1")
    yield platform
    platform.close()


def test_ingest_queues_one_asset_added_job_and_the_fan_out_queues_each_stage(platform: Platform) -> None:
    with platform.db.write() as conn:
        owner = make_user(conn, "mei")
        work = make_work(conn, owner, kind="image")
        asset = ingest(conn, platform, owner, work.id, io.BytesIO(png_bytes(64, 64)), "cut.png")
        queued = list_jobs(conn)
    assert [(j.kind, j.params["asset_id"], j.created_by) for j in queued] == [(ASSET_ADDED, asset.id, owner.id)]

    handlers = job_handlers(platform)
    fanned = run_one(platform.db, {ASSET_ADDED: handlers[ASSET_ADDED]})
    assert fanned is not None and fanned.kind == ASSET_ADDED
    with platform.db.read() as conn:
        jobs = list_jobs(conn)
        mei = get_user_by_name(conn, "mei")
    per_asset = sorted(j.kind for j in jobs if j.state == "queued")
    assert per_asset == sorted(PER_ASSET_JOBS)
    assert all(j.params == {"asset_id": asset.id, "work_id": work.id} and j.created_by == mei.id
               for j in jobs if j.state == "queued")


def test_fan_out_refuses_a_job_without_its_ids(platform: Platform) -> None:
    with pytest.raises(InvalidInput, match="asset_id and work_id"):
        job_handlers(platform)[ASSET_ADDED]({"asset_id": "a1"}, lambda *a, **k: None)  # type: ignore[arg-type]


def test_every_per_asset_job_has_a_handler_and_init_made_every_key(platform: Platform) -> None:
    assert set(PER_ASSET_JOBS) | {ASSET_ADDED} <= set(job_handlers(platform))
    assert len(set(STAGES)) == len(STAGES) and len(KEY_MAKERS) == 2
    keys = platform.settings.keys_dir
    assert (keys / "log.pem").is_file() and any(p.suffix == ".pem" and p.name != "log.pem" for p in keys.rglob("*"))


def test_statuses_list_every_stage_in_pipeline_order(platform: Platform) -> None:
    with platform.db.write() as conn:
        work = make_work(conn, make_user(conn, "bo"))
    with platform.db.read() as conn:
        assert [s.stage for s in statuses(conn, work.id)] == list(STAGES)


def test_the_fingerprint_job_looks_for_no_keypoint_on_the_label_plate_it_was_given(platform: Platform) -> None:
    # The labels stage draws one plate on every AI picture (GB 45438-2025 §5.2); two unrelated
    # labelled pictures would align on it, so the pipeline hands the fingerprint job its finder.
    from culturebridge.fingerprint import JOB_KIND, Fingerprint
    from culturebridge.fingerprint._tables import fingerprints
    from culturebridge.labels.explicit import label_image

    out = io.BytesIO()
    photo("astronaut").resize((900, 700)).save(out, "JPEG", quality=90)
    labelled = label_image(out.getvalue(), "zh")
    (plate,) = fingerprint_overlays(np.asarray(Image.open(io.BytesIO(labelled)).convert("RGB")))
    with platform.db.write() as conn:
        owner = make_user(conn, "mei")
        work = make_work(conn, owner, kind="image")
        asset = ingest(conn, platform, owner, work.id, io.BytesIO(labelled), "ai.jpg")
    handlers = job_handlers(platform)
    run_one(platform.db, {ASSET_ADDED: handlers[ASSET_ADDED]})
    assert run_one(platform.db, {JOB_KIND: handlers[JOB_KIND]}) is not None
    with platform.db.read() as conn:
        assert [j.state for j in list_jobs(conn) if j.kind == JOB_KIND] == ["done"]
        row = conn.execute(select(fingerprints.c.data).where(fingerprints.c.asset_id == asset.id)).one()
    view = Fingerprint.from_bytes("image", bytes(row.data)).value.views[0]  # type: ignore[union-attr]
    w, h = view.frame()
    x0, y0, x1, y1 = plate[0] * w / 900, plate[1] * h / 700, plate[2] * w / 900, plate[3] * h / 700
    on_plate = ((view.points[:, 0] >= x0) & (view.points[:, 0] <= x1)
                & (view.points[:, 1] >= y0) & (view.points[:, 1] <= y1))  # fmt: skip
    assert len(view.points) > 300 and not on_plate.any()
