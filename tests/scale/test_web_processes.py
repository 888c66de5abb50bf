"""`serve --workers 2` against PostgreSQL and the S3 server: both processes load the feed
snapshot the refresh job saved (none rebuilds it), uploads land in S3, no slot is logged twice."""

from __future__ import annotations

import json
import signal
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import func, select

from culturebridge.accounts import create_api_token, get_user_by_name
from culturebridge.catalog._tables import assets
from culturebridge.feed._tables import served, snapshots
from culturebridge.feed.live import refresh_catalog
from culturebridge.feed.publish import publish_work
from tests.factories import make_work, png_bytes
from tests.s3server import free_port
from tests.scale.conftest import Deployment, open_deployment


def _request(url: str, data: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    req = urllib.request.Request(url, data=data, headers=headers or {}, method="POST" if data else "GET")
    try:
        with urllib.request.urlopen(req, timeout=60) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def multipart(name: str, data: bytes) -> tuple[bytes, str]:
    boundary = "cb-scale-boundary"
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            f"Content-Type: application/octet-stream\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


@pytest.mark.slow
def test_two_web_processes_share_snapshots_media_and_the_served_log(deployment: Deployment, tmp_path: Path) -> None:
    platform = open_deployment(deployment)
    with platform.db.write() as conn:
        admin = get_user_by_name(conn, "admin")
        token = create_api_token(conn, admin, "scale-test")
        works = [make_work(conn, admin, title=t).id for t in ("白蛇传", "梁祝", "皮影戏", "昆曲", "剪纸")]
    for work_id in works:
        publish_work(platform, admin, work_id, "US/en")
    refresh_catalog(platform)  # what the feed-refresh job does, once
    port = free_port()
    env = {**deployment.env, "CULTUREBRIDGE_JOB_WORKERS": "0"}
    server = Deployment(deployment.settings, env).start("serve", "--workers", "2", "--port", str(port),
                                                       log=tmp_path / "serve.log")
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if _request(base + "/api/v1/openapi.json")[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        auth = {"Authorization": f"Bearer {token}"}

        def feed(i: int) -> int:
            status, body = _request(f"{base}/api/v1/feed?market=US/en&user=v{i % 40}&n=5")
            assert status == 200, body
            return len(json.loads(body)["slots"])

        def upload(i: int) -> int:
            body, kind = multipart(f"p{i}.png", png_bytes(60, 40, seed=100 + i))
            status, answer = _request(f"{base}/api/v1/works/{works[0]}/assets", body, {**auth, "Content-Type": kind})
            assert status == 201, answer
            return 1

        with ThreadPoolExecutor(8) as pool:
            slots = sum(pool.map(feed, range(200)))
            uploaded = sum(pool.map(upload, range(6)))
    finally:
        server.send_signal(signal.SIGINT)  # graceful: each process flushes its served slots
        server.wait(timeout=60)
    with platform.db.read() as conn:
        assert conn.execute(select(func.count()).select_from(snapshots)).scalar_one() == 1  # loaded, not rebuilt
        logged = conn.execute(select(func.count()).select_from(served)).scalar_one()
        keys = conn.execute(select(assets.c.storage_key).where(assets.c.work_id == works[0])).scalars().all()
    assert slots == 200 * 5 and logged == slots  # every slot logged, none twice
    assert uploaded == 6 and len(keys) == 6 and all(platform.media.exists(k) for k in keys)
    platform.close()
