"""Batch scans: in-process and on a real two-node Ray cluster that loses a node mid-scan."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from culturebridge.accounts import get_user_by_name
from culturebridge.fingerprint import JOB_KIND as FINGERPRINT
from culturebridge.fingerprint import platform_library
from culturebridge.fingerprint.batch import S3Access, batch_scan, list_corpus
from culturebridge.jobs import ASSET_ADDED, ingest, run_one
from culturebridge.pipeline import job_handlers
from culturebridge.platform import Platform
from culturebridge.storage.s3media import parse_s3_url, s3_client
from tests.factories import make_work
from tests.fingerprint.conftest import encode, procedural
from tests.raycluster import start_ray_cluster
from tests.scale.conftest import Deployment, open_deployment


def _register(platform: Platform, n: int) -> dict[int, str]:
    """n registered images (procedural seeds 0..n-1); returns seed -> asset id."""
    ids = {}
    with platform.db.write() as conn:
        admin = get_user_by_name(conn, "admin")
        work = make_work(conn, admin, "图库", kind="image")
        for seed in range(n):
            ids[seed] = ingest(conn, platform, admin, work.id, io.BytesIO(encode(procedural(seed))), f"{seed}.png").id
    handlers = {k: h for k, h in job_handlers(platform).items() if k in (ASSET_ADDED, FINGERPRINT)}
    while run_one(platform.db, handlers) is not None:
        pass
    return ids


def _corpus(folder: Path, copies: int, others: int) -> dict[str, int | None]:
    """JPEG copies of registered seeds and unrelated pictures; file -> the seed it copies."""
    folder.mkdir(parents=True, exist_ok=True)
    expected: dict[str, int | None] = {}
    for seed in range(copies):
        path = folder / f"copy-{seed:02d}.jpg"
        path.write_bytes(encode(procedural(seed), "JPEG", quality=70))
        expected[str(path)] = seed
    for i in range(others):
        path = folder / f"other-{i:02d}.jpg"
        path.write_bytes(encode(procedural(1000 + i), "JPEG", quality=80))
        expected[str(path)] = None
    return expected


def _check(found: dict[str, list[str]], expected: dict[str, int | None], ids: dict[int, str]) -> None:
    assert sorted(found) == sorted(expected)  # every file exactly once
    for file, seed in expected.items():
        if seed is None:
            assert found[file] == [], file
        else:
            assert found[file][:1] == [ids[seed]], file


def test_batch_scan_in_process_over_a_folder_and_an_s3_prefix(deployment: Deployment, tmp_path: Path) -> None:
    platform = open_deployment(deployment)
    ids = _register(platform, 3)
    expected = _corpus(tmp_path / "crawl", copies=3, others=2)
    bucket, _ = parse_s3_url(deployment.settings.media_url)
    client = s3_client(deployment.settings.s3_endpoint_url)
    for file in list(expected)[:2]:  # two of them crawled into a bucket instead
        client.upload_file(file, bucket, f"crawl/{Path(file).name}")
        expected[f"s3://{bucket}/crawl/{Path(file).name}"] = expected.pop(file)
        os.unlink(file)
    s3 = S3Access(deployment.settings.s3_endpoint_url)
    sources = list_corpus([str(tmp_path / "crawl"), f"s3://{bucket}/crawl"], s3)
    seen: list[int] = []
    _, results = batch_scan(platform.db, deployment.settings.resolved_database_url, platform_library(platform),
                            sources, s3=s3, batch=2, progress=lambda done, total: seen.append(done))
    _check({r.file: [m.asset_id for m in r.matches] for r in results}, expected, ids)
    assert seen == [2, 4, 5] and all(r.error is None for r in results)
    # Each match says why, as an in-process scan's does (it comes back through the database).
    evidence = [m.evidence for r in results for m in r.matches]
    assert evidence and all(e is not None and e.method in ("pdq", "keypoints") for e in evidence)
    platform.close()


@pytest.mark.slow
def test_scan_on_a_two_node_ray_cluster_survives_losing_the_worker_node(
    deployment: Deployment, tmp_path: Path
) -> None:
    platform = open_deployment(deployment)
    ids = _register(platform, 8)
    expected = _corpus(tmp_path / "crawl", copies=8, others=16)
    platform.close()
    cluster = start_ray_cluster(deployment.env, log_dir=tmp_path)
    try:
        scan = subprocess.Popen(
            [sys.executable, "-m", "culturebridge", "scan", str(tmp_path / "crawl"), "--ray", cluster.address,
             "--json"], env=deployment.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        assert scan.stderr is not None
        progress = []
        for line in scan.stderr:
            progress.append(line.strip())
            if line.strip().endswith("files") and line.strip()[0].isdigit():
                cluster.kill("worker")  # the first batch is in: lose a node while others run
                break
        rest, err = scan.communicate(timeout=600)
        assert scan.returncode == 0, progress + [err]
    finally:
        cluster.stop()
    rows = json.loads(rest)
    _check({r["file"]: [m["asset_id"] for m in r["matches"]] for r in rows}, expected, ids)
