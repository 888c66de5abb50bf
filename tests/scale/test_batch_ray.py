"""Fingerprint backfill and the labels check on a real two-node Ray cluster (slow)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from culturebridge.accounts import get_user_by_name
from culturebridge.fingerprint import list_conflicts, stored_fingerprints
from culturebridge.fingerprint._tables import fingerprints
from culturebridge.jobs import ingest
from culturebridge.labels import produced, write_label
from culturebridge.labels.gb45438 import LabelKind
from tests.factories import make_work
from tests.fingerprint.conftest import encode, procedural
from tests.raycluster import start_ray_cluster
from tests.scale.conftest import Deployment, open_deployment


@pytest.mark.slow
def test_backfill_and_labels_check_on_a_two_node_ray_cluster_that_loses_a_node(
    deployment: Deployment, tmp_path: Path
) -> None:
    platform = open_deployment(deployment)
    with platform.db.write() as conn:  # 12 originals and 4 copies in another work; no stage job ran
        admin = get_user_by_name(conn, "admin")
        originals = make_work(conn, admin, "原作", kind="image")
        copies = make_work(conn, admin, "拷贝", kind="image")
        ids = [ingest(conn, platform, admin, originals.id, io.BytesIO(encode(procedural(s))), f"{s}.png").id
               for s in range(12)]
        copy_ids = [ingest(conn, platform, admin, copies.id, io.BytesIO(encode(procedural(s), "JPEG", quality=70)),
                           f"copy-{s}.jpg").id for s in range(4)]
    platform.close()
    files = []
    for i in range(12):
        path = tmp_path / f"label-{i}.png"
        data = encode(procedural(100 + i))
        path.write_bytes(write_label(data, produced("CBTEST01", f"id{i}", LabelKind.GENERATED)) if i % 3 == 0 else data)
        files.append(path)
    cluster = start_ray_cluster(deployment.env, log_dir=tmp_path)
    try:
        backfill = subprocess.Popen(
            [sys.executable, "-m", "culturebridge", "fingerprint", "backfill", "--ray", cluster.address, "--json"],
            env=deployment.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert backfill.stderr is not None
        progress = []
        for line in backfill.stderr:
            progress.append(line.strip())
            if line.strip().endswith("assets") and line.strip()[0].isdigit():
                cluster.kill("worker")  # the first batch is in: lose a node while others run
                break
        out, err = backfill.communicate(timeout=600)
        assert backfill.returncode == 0, progress + [err]
        checked = subprocess.run(
            [sys.executable, "-m", "culturebridge", "labels", "check", *map(str, files), "--ray", cluster.address,
             "--json"], check=False, env=deployment.env, capture_output=True, text=True, timeout=600)
        assert checked.returncode == 0, checked.stderr
    finally:
        cluster.stop()
    rows = json.loads(out)
    assert sorted(r["asset_id"] for r in rows) == sorted(ids + copy_ids)  # every asset reported once
    assert not any(r["failed"] for r in rows)
    platform = open_deployment(deployment)
    with platform.db.read() as conn:
        assert conn.execute(select(func.count()).select_from(fingerprints)).scalar_one() == 16
        assert {f.status for f in stored_fingerprints(conn, originals.id)} == {"ok"}
        pairs = [(c.asset_id, c.matched_asset_id) for c in list_conflicts(conn)]
    platform.close()
    assert len(pairs) == len(set(pairs))  # no pair twice, whatever was retried
    reports = json.loads(checked.stdout)
    assert [r["source"] for r in reports] == [str(f) for f in files]
    assert [r["label"] is not None for r in reports] == [i % 3 == 0 for i in range(12)]
