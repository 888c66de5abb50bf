"""Several processes on loopback against PostgreSQL and the S3 server: a killed job worker's
job is finished by another, and nothing is recorded twice."""

from __future__ import annotations

import io
import os
import signal
import time
from pathlib import Path

from sqlalchemy import func, select

from culturebridge.accounts import get_user_by_name
from culturebridge.fingerprint._tables import fingerprint_conflicts, fingerprints
from culturebridge.jobs import ingest
from culturebridge.jobs._tables import jobs
from tests.factories import make_work
from tests.fingerprint.conftest import make_video
from tests.scale.conftest import Deployment, open_deployment


def _wait(predicate: object, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if callable(predicate) and predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_killed_workers_job_is_retried_by_another_and_recorded_once(deployment: Deployment, tmp_path: Path) -> None:
    platform = open_deployment(deployment)
    videos = [make_video(tmp_path / f"v{i}.mp4", 15, seed=i) for i in range(2)]
    with platform.db.write() as conn:
        admin = get_user_by_name(conn, "admin")
        first, second = make_work(conn, admin, "原作"), make_work(conn, admin, "搬运")
        for i, video in enumerate(videos):
            ingest(conn, platform, admin, first.id, io.BytesIO(video.read_bytes()), f"v{i}.mp4")
        copy = ingest(conn, platform, admin, second.id, io.BytesIO(videos[0].read_bytes()), "copy.mp4")
    doomed = deployment.start("jobs", "work", log=tmp_path / "a.log")
    tag = f":{doomed.pid}:"

    def running_on_doomed() -> bool:
        with platform.db.read() as conn:
            return conn.execute(select(func.count()).select_from(jobs).where(
                jobs.c.state == "running", jobs.c.kind == "fingerprint-asset", jobs.c.claimed_by.contains(tag)
            )).scalar_one() > 0

    try:
        _wait(running_on_doomed, 120, "the first worker to start a fingerprint job")
        os.kill(doomed.pid, signal.SIGKILL)  # mid-job: no chance to finish or release it
    finally:
        doomed.wait()
    with platform.db.read() as conn:
        orphan = conn.execute(select(jobs.c.id).where(jobs.c.state == "running", jobs.c.claimed_by.contains(tag))).scalar_one()
    survivor = deployment.start("jobs", "work", log=tmp_path / "b.log")
    try:
        def all_done() -> bool:
            with platform.db.read() as conn:
                return conn.execute(select(func.count()).select_from(jobs).where(
                    jobs.c.state.in_(("queued", "running")))).scalar_one() == 0
        _wait(all_done, 240, "the second worker to finish every job")
    finally:
        survivor.send_signal(signal.SIGINT)
        survivor.wait(timeout=30)
    with platform.db.read() as conn:
        again = conn.execute(select(jobs.c.state, jobs.c.attempts, jobs.c.claimed_by).where(jobs.c.id == orphan)).one()
        assert again.state == "done" and again.attempts == 2 and tag not in again.claimed_by
        assert conn.execute(select(func.count()).select_from(jobs).where(jobs.c.state == "failed")).scalar_one() == 0
        rows = conn.execute(select(fingerprints.c.asset_id, fingerprints.c.status)).all()
        assert len(rows) == 3 and {r.status for r in rows} == {"ok"}
        pairs = conn.execute(select(fingerprint_conflicts.c.asset_id, fingerprint_conflicts.c.matched_asset_id)).all()
    assert pairs and len(pairs) == len(set(pairs))  # each copy recorded once
    assert any(a == copy.id for a, _ in pairs)
    platform.close()
