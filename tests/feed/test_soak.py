"""Soak (slow, outside the default suite): mixed traffic against one real server stays error-free and flat.

One `uvicorn` process (the `serve` app factory, one job thread, rate limits on) serves a
platform with published works. One client after another, in rounds for
`CULTUREBRIDGE_SOAK_SECONDS` (default 120; the issue's 30 minutes is 1800): the feed page and
JSON as an anonymous viewer, that viewer's events, a creator's upload through the API (the
job thread then fingerprints and checks it), a verify request, the jobs list, and every
fifth round a review: the creator submits a new work, a reviewer claims the next item and
passes it. Checks: every answer is the expected one (no error at all), open file descriptors
stay flat after the first window, resident memory grows by no more than 64 MiB plus 1.5 times
what the fingerprint library reports per picture it fingerprinted meanwhile (each upload is a
new picture the library must keep lookup codes for), and the last window's p99
latency is not far above the first's (a generous bound: this is a soak, not a benchmark).
"""

from __future__ import annotations

import io
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np
import pytest

from culturebridge.accounts import create_api_token, create_user, get_user_by_name
from culturebridge.feed.publish import publish_work
from culturebridge.jobs import ingest
from culturebridge.pipeline import init_platform
from culturebridge.settings import Settings
from tests.factories import make_work, png_bytes
from tests.review.desk_helpers import IP, REVIEW, add_demo_ip
from tests.web.conftest import PASSWORD, csrf_of

ROOT = Path(__file__).resolve().parents[2]
WINDOWS = 6
EVENT_INTERVAL = 0.125  # seconds between one viewer's events: the live feed allows 10 a second per client


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _rss_and_fds(pid: int) -> tuple[int, int]:
    status = Path(f"/proc/{pid}/status").read_text()
    rss = int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) * 1024  # type: ignore[union-attr]
    return rss, len(os.listdir(f"/proc/{pid}/fd"))


def _fingerprinted(data: Path) -> int:
    """Pictures the server has fingerprinted so far (its library holds one entry per `ok` row)."""
    with sqlite3.connect(f"file:{data / 'culturebridge.db'}?mode=ro", uri=True, timeout=30) as db:
        return int(db.execute("SELECT count(*) FROM fingerprints WHERE status = 'ok'").fetchone()[0])


def _library_bytes_per_picture() -> float:
    """What the fingerprint library reports it holds per registered soak picture (lookup
    structures only: its loader reads full fingerprints on demand), from 8 pictures beside 4."""
    from culturebridge.fingerprint import Fingerprint, Library, fingerprint_image

    def size(n: int) -> int:
        library = Library(loader=lambda ids: {}, cache_entries=0)
        for i in range(n):
            fp = Fingerprint("image", fingerprint_image(png_bytes(seed=1000 + i)))
            library.add("w", f"a{i}", fp)
        library.rebuild()
        return library.resident_bytes()

    return (size(12) - size(4)) / 8


def _platform(data: Path) -> tuple[list[str], str]:
    """Four published works of mei in US/en; returns their ids and mei's API token."""
    platform, admin = init_platform(Settings(data_dir=data), "admin", PASSWORD)
    try:
        with platform.db.write() as conn:
            add_demo_ip(conn, admin)
            mei = create_user(conn, "mei", PASSWORD, "creator")
            create_user(conn, "rita", PASSWORD, "reviewer")
            token = create_api_token(conn, mei, "soak")
            ids = []
            for i in range(4):
                work = make_work(conn, mei, title=f"剪纸 {i}", kind=("heritage", "story")[i % 2])
                ingest(conn, platform, mei, work.id, io.BytesIO(png_bytes(seed=i)), f"w{i}.png")
                ids.append(work.id)
        with platform.db.read() as conn:
            mei = get_user_by_name(conn, "mei")
        for work_id in ids:
            publish_work(platform, mei, work_id, "US/en")
    finally:
        platform.close()
    return ids, token


def _session(base: str, username: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=base, timeout=120.0, headers={"accept": "text/html"})
    page = client.get("/login")
    done = client.post("/login", data={"username": username, "password": PASSWORD, "csrf": csrf_of(page.text)})
    assert done.status_code == 303, done.text[:300]
    return client, csrf_of(client.get("/studio").text)


@pytest.mark.slow
def test_mixed_traffic_against_one_server_is_error_free_and_flat(tmp_path: Path) -> None:
    if not Path("/proc/self/status").exists():
        pytest.skip("reads the server's memory and descriptors from /proc")
    data = tmp_path / "data"
    ids, token = _platform(data)
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
           "CULTUREBRIDGE_DATA_DIR": str(data), "CULTUREBRIDGE_JOB_WORKERS": "1",
           "CULTUREBRIDGE_CLIENT_RATE_PER_MINUTE": "1000000", "CULTUREBRIDGE_VIEWER_RATE_PER_MINUTE": "1000000"}
    server = subprocess.Popen([sys.executable, "-m", "uvicorn", "culturebridge.web.serving:app_from_environment",
                               "--factory", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
                               "--no-proxy-headers"], env=env)
    base = f"http://127.0.0.1:{port}"
    seconds = float(os.environ.get("CULTUREBRIDGE_SOAK_SECONDS", "120"))
    errors: list[str] = []
    samples: list[tuple[float, int, int, int]] = []  # (elapsed, rss, fds, pictures fingerprinted)
    timed: list[tuple[float, float]] = []  # (elapsed, latency)
    rounds = reviews = 0
    try:
        for _ in range(300):
            try:
                httpx.get(base + "/login", timeout=5)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        viewer = httpx.Client(base_url=base, timeout=120.0)
        api = httpx.Client(base_url=base, timeout=120.0,
                           headers={"authorization": f"Bearer {token}", "accept": "application/json"})
        creator, creator_csrf = _session(base, "mei")
        reviewer, reviewer_csrf = _session(base, "rita")
        anonymous = httpx.Client(base_url=base, timeout=120.0)
        viewer.get("/feed/US-en", headers={"accept": "text/html"})  # first use builds the feed snapshot

        def call(client: httpx.Client, expected: tuple[int, ...], method: str, path: str, **kw: object) -> httpx.Response:
            t = time.perf_counter()
            r = client.request(method, path, **kw)  # type: ignore[arg-type]
            timed.append((time.monotonic() - start, time.perf_counter() - t))
            if r.status_code not in expected:
                errors.append(f"{method} {path}: {r.status_code} {r.text[:160]}")
            return r

        start = last_event = time.monotonic()
        while time.monotonic() - start < seconds:
            page = call(viewer, (200,), "GET", "/feed/US-en", headers={"accept": "text/html"})
            csrf = re.search(r'data-csrf="([^"]+)"', page.text)
            headers = {"X-CSRF-Token": csrf.group(1) if csrf else "", "content-type": "application/json"}
            event = {"event_id": f"evt-soak-{rounds:08d}", "work_id": ids[rounds % len(ids)], "market": "US/en",
                     "type": ("view", "like", "skip")[rounds % 3], "watch_fraction": 0.7}
            call(viewer, (200,), "GET", "/api/v1/feed", params={"market": "US/en", "n": 5})
            if time.monotonic() - last_event >= EVENT_INTERVAL:  # one viewer stays under the 10/s event limit
                last_event = time.monotonic()
                call(viewer, (201,), "POST", "/api/v1/events", headers=headers, content=json.dumps(event))
            call(api, (201, 202), "POST", f"/api/v1/works/{ids[0]}/assets",
                 files={"file": (f"s{rounds}.png", io.BytesIO(png_bytes(seed=1000 + rounds)), "image/png")})
            call(anonymous, (200,), "POST", "/api/v1/verify",
                 files=[("media", ("m.png", png_bytes(seed=1), "image/png"))])
            call(api, (200,), "GET", "/api/v1/jobs")
            if rounds % 5 == 0:
                made = call(api, (201,), "POST", "/api/v1/works",
                            json={"kind": "story", "original_language": "zh", "titles": {"zh": f"西游 {rounds}"},
                                  "synopses": {"zh": REVIEW}, "ip": IP})  # reviews to "a human decides"
                if made.status_code == 201:
                    call(creator, (303,), "POST", f"/studio/works/{made.json()['id']}/review/submit",
                         data={"csrf": creator_csrf})
                claimed = call(reviewer, (303,), "POST", "/review/claim", data={"csrf": reviewer_csrf})
                item = re.search(r"/review/items/([\w-]+)", claimed.headers.get("location", ""))
                if item:
                    call(reviewer, (303,), "POST", f"/review/items/{item.group(1)}/decide",
                         data={"csrf": reviewer_csrf, "decision": "pass", "clause": "", "note": "soak"})
                    reviews += 1
            rounds += 1
            if rounds % 10 == 0:
                samples.append((time.monotonic() - start, *_rss_and_fds(server.pid), _fingerprinted(data)))
        for c in (viewer, api, creator, reviewer, anonymous):
            c.close()
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=120)

    window = seconds / WINDOWS
    p99 = [float(np.percentile([lat for at, lat in timed if i * window <= at < (i + 1) * window] or [0.0], 99))
           for i in range(WINDOWS)]
    # Memory and descriptors: the highest in the last third of the run against the highest in
    # the first third (models and caches load during the first rounds: that is warm-up, not growth).
    # Every uploaded picture is new, so the fingerprint library legitimately grows by what it
    # reports per picture; the job thread fingerprints fewer pictures than are uploaded, so the
    # allowance counts pictures fingerprinted between the two samples, with 50% for the allocator.
    first = [s for s in samples if s[0] < seconds / 3] or samples[:1]
    last = [s for s in samples if s[0] >= 2 * seconds / 3] or samples[-1:]
    peak0, peak1 = max(first, key=lambda s: s[1]), max(last, key=lambda s: s[1])
    rss0, fds0 = peak0[1], max(s[2] for s in first)
    rss1, fds1 = peak1[1], max(s[2] for s in last)
    pictures = max(0, peak1[3] - peak0[3])
    per_picture = _library_bytes_per_picture()
    allowed = 64 * 2**20 + 1.5 * per_picture * pictures
    print(f"\nsoak: {seconds:.0f} s, {rounds} rounds, {len(timed)} requests, {reviews} reviews decided, "
          f"{len(errors)} errors; p99 per {window:.0f}-s window (ms): {' '.join(f'{p * 1e3:.0f}' for p in p99)}; "
          f"server RSS, highest in the first third {rss0 / 2**20:.0f} MiB, in the last third "
          f"{rss1 / 2**20:.0f} MiB (per sample: {' '.join(f'{s[1] / 2**20:.0f}' for s in samples[::max(1, len(samples) // 12)])}); "
          f"{pictures} pictures fingerprinted between, {(rss1 - rss0) / max(1, pictures) / 1024:.1f} KiB each "
          f"(library reports {per_picture / 1024:.1f} KiB); "
          f"open fds {fds0} -> {fds1}; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    assert not errors, errors[:5]
    assert rounds >= 10 and reviews >= 1
    assert fds1 <= fds0 + 16, f"open descriptors grew from {fds0} to {fds1}"
    assert rss1 <= rss0 + allowed, f"resident memory grew from {rss0:,} to {rss1:,} bytes ({allowed:,.0f} allowed)"
    assert p99[-1] <= 3 * p99[0] + 0.25, f"p99 went from {p99[0]:.3f} s to {p99[-1]:.3f} s"
