"""Soak (slow, outside the default suite): mixed traffic against one app stays error-free and flat.

Feed pages and JSON, events, uploads, verify requests and review reads, in rounds, for
`CULTUREBRIDGE_SOAK_SECONDS` (default 120; the issue's 30 minutes is 1800). Checks: no 5xx,
open file descriptors and traced Python memory after the warm-up round do not keep growing.
Latency figures are printed, never asserted (bench/ is where timings live).
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import re
import time
import tracemalloc
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from culturebridge.accounts import create_api_token, get_user_by_name
from culturebridge.feed.content import UsemEncoder
from culturebridge.platform import Platform
from culturebridge.web import create_app
from tests.factories import make_work, png_bytes
from tests.feed.test_web import _setup
from tests.web.conftest import platform  # noqa: F401  (fixture)


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd")) if Path("/proc/self/fd").exists() else 0


@pytest.mark.slow
def test_mixed_traffic_is_error_free_and_flat(platform: Platform, text_encoder: UsemEncoder) -> None:  # noqa: F811
    # Rate limits off: this soaks the platform, not the limiter (tests/web/test_clients.py covers it).
    platform = dataclasses.replace(platform, settings=platform.settings.with_overrides(
        client_rate_per_minute=0, viewer_rate_per_minute=0))
    client = TestClient(create_app(platform))
    ids = _setup(platform, client, text_encoder, n=4)
    with platform.db.write() as conn:
        mei = get_user_by_name(conn, "mei")
        token = create_api_token(conn, mei, "soak")
        upload_work = make_work(conn, mei, title="浸泡").id
    api = {"authorization": f"Bearer {token}", "accept": "application/json"}
    seconds = float(os.environ.get("CULTUREBRIDGE_SOAK_SECONDS", "120"))
    statuses: dict[int, int] = {}
    latencies: list[float] = []
    samples: list[tuple[int, int]] = []
    tracemalloc.start()
    start, rounds = time.monotonic(), 0
    while time.monotonic() - start < seconds:
        page = client.get("/feed/US-en")
        csrf = re.search(r'data-csrf="([^"]+)"', page.text)
        assert csrf
        headers = {"X-CSRF-Token": csrf.group(1), "content-type": "application/json"}
        event = {"event_id": f"evt-soak-{rounds:08d}", "work_id": ids[rounds % len(ids)], "market": "US/en",
                 "type": ("view", "like", "skip")[rounds % 3], "watch_fraction": 0.7}
        image = png_bytes(seed=1000 + rounds)
        for method, path, kwargs in (
            ("GET", "/api/v1/feed", {"params": {"market": "US/en", "n": 5}}),
            ("POST", "/api/v1/events", {"headers": headers, "content": json.dumps(event)}),
            ("POST", f"/api/v1/works/{upload_work}/assets",
             {"headers": api, "files": {"file": (f"s{rounds}.png", io.BytesIO(image), "image/png")}}),
            ("POST", "/api/v1/verify", {"files": [("media", ("m.png", png_bytes(seed=1), "image/png"))]}),
            ("GET", "/api/v1/jobs", {"headers": api}),
        ):
            t = time.perf_counter()
            status = client.request(method, path, **kwargs).status_code
            latencies.append(time.perf_counter() - t)
            statuses[status] = statuses.get(status, 0) + 1
        rounds += 1
        if rounds % 20 == 0:
            samples.append((_open_fds(), tracemalloc.get_traced_memory()[0]))
    tracemalloc.stop()
    latencies.sort()
    print(f"soak: {rounds} rounds in {seconds:.0f} s, statuses {statuses}, "
          f"p50 {latencies[len(latencies) // 2] * 1e3:.1f} ms p99 {latencies[int(len(latencies) * 0.99)] * 1e3:.1f} ms")
    assert not any(s >= 500 for s in statuses), statuses
    if len(samples) >= 3:
        (fds0, mem0), (fds1, mem1) = samples[1], samples[-1]
        assert fds1 <= fds0 + 16, f"open files grew from {fds0} to {fds1}"
        assert mem1 <= mem0 * 2 + 32 * 2**20, f"traced memory grew from {mem0:,} to {mem1:,} bytes"
