"""Insight benchmark: index accuracy and interval coverage on simulated worlds, ingestion
rate through the web API, index and work-page latency as events grow.

Run: `.venv/bin/python bench/insight.py [--quick] [--sections accuracy,ingest,latency]`.
Prints figures; asserts nothing.

1. Accuracy. A world has six markets whose true parameters (audience size, views per
   viewer, completion, like/share/follow rates, returning share, comment sentiment,
   break-out conversion) are set so the true index ordering is known. Each run draws
   every market's viewers (audience ~ Poisson(N), per-viewer views, outcomes) and hashes
   them into the roll-up's viewer buckets, then computes the index exactly as the
   platform does. "Ranked correctly": the point ranking equals the true ordering.
   Coverage: the true value of a figure is what the same computation gives on the
   expected counters (every bucket identical, so the bootstrap has no spread); a reported
   95% interval covers when low <= true <= high. Reported for the index, the three
   sub-indices and the raw indicators separately. Runs are split once: runs with even
   seeds were used while choosing the bucket count and bootstrap size (development),
   odd seeds were never looked at before (held-out).
2. Ingestion: batches of 1,000 events POSTed to /api/v1/insight/events on a uvicorn
   process (loopback, one worker), SQLite; events/s, and a re-send of every batch to check
   nothing is counted twice.
3. Latency: index and work-page p95 (in-process calls on the roll-ups) after bulk-loading
   growing numbers of synthetic events through `ingest` in batches of 10,000 (up to 10
   million, or until `--budget-minutes` is spent), on SQLite and on PostgreSQL (when
   CULTUREBRIDGE_TEST_POSTGRES_URL is set); also the wall and CPU time per 10,000 events at
   each size (whether the roll-up cost grows with history).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from culturebridge.insight import AudienceEvent, compute_index, load
from culturebridge.insight._tables import COUNTERS
from culturebridge.insight.rollup import BUCKETS

COL = {c: i for i, c in enumerate(COUNTERS)}


@dataclass(frozen=True)
class TrueMarket:
    name: str
    audience: float  # expected viewers
    views: float  # mean views per viewer (1 + Poisson)
    completion: float
    like: float
    share: float
    follow: float
    returning: float
    sentiment: float
    breakout: float


def world() -> list[TrueMarket]:
    """Six markets, best to worst on every indicator's direction (the true ordering is A..F)."""
    out = []
    for k, name in enumerate(("AA/en", "BB/en", "CC/fr", "DD/es", "EE/th", "FF/id")):
        q = 1.0 - k * 0.12
        out.append(TrueMarket(name, audience=900 * (1.0 - 0.1 * k), views=1.5 + q, completion=0.25 + 0.4 * q,
                              like=0.05 + 0.2 * q, share=0.01 + 0.05 * q, follow=0.005 + 0.03 * q,
                              returning=0.1 + 0.3 * q, sentiment=-0.2 + 0.6 * q, breakout=0.1 + 0.3 * q))
    return out


def draw(m: TrueMarket, rng: np.random.Generator) -> np.ndarray:
    """BUCKETS x COUNTERS sums of one market's simulated viewers."""
    n = int(rng.poisson(m.audience))
    views = 1 + rng.poisson(m.views - 1, n)
    completed = rng.binomial(views, m.completion)
    partial = views - completed
    watch = completed + np.array([rng.uniform(0, 0.9, p).sum() for p in partial]) if n else np.zeros(0)
    half = completed + rng.binomial(partial, 0.4 / 0.9)
    comments = rng.binomial(views, 0.08)
    sentiment = np.array([rng.uniform(m.sentiment - 0.3, m.sentiment + 0.3, c).sum() for c in comments])
    decided = rng.binomial(views, 0.1)
    per_viewer = {
        "viewers": np.ones(n), "returners": rng.binomial(1, m.returning, n), "impressions": views + rng.poisson(1.0, n),
        "views": views, "half": half, "completed": completed, "watch_sum": watch, "likes": rng.binomial(views, m.like),
        "shares": rng.binomial(views, m.share), "follows": rng.binomial(views, m.follow), "skips": np.zeros(n),
        "comments": comments, "sentiment_sum": sentiment, "sentiment_n": comments, "explore_decided": decided,
        "explore_engaged": rng.binomial(decided, m.breakout),
    }
    bucket = rng.integers(0, BUCKETS, n)
    out = np.zeros((BUCKETS, len(COUNTERS)))
    for name, values in per_viewer.items():
        out[:, COL[name]] = np.bincount(bucket, weights=values.astype(float), minlength=BUCKETS)
    return out


def expected(m: TrueMarket) -> np.ndarray:
    """The expected counters, spread evenly over the buckets (no sampling noise)."""
    v = m.views
    totals = {"viewers": m.audience, "returners": m.returning * m.audience, "impressions": (v + 1) * m.audience,
              "views": v * m.audience, "half": (m.completion + (1 - m.completion) * 0.4 / 0.9) * v * m.audience,
              "completed": m.completion * v * m.audience,
              "watch_sum": (m.completion + (1 - m.completion) * 0.45) * v * m.audience,
              "likes": m.like * v * m.audience, "shares": m.share * v * m.audience, "follows": m.follow * v * m.audience,
              "skips": 0.0, "comments": 0.08 * v * m.audience, "sentiment_sum": m.sentiment * 0.08 * v * m.audience,
              "sentiment_n": 0.08 * v * m.audience, "explore_decided": 0.1 * v * m.audience,
              "explore_engaged": m.breakout * 0.1 * v * m.audience}
    out = np.zeros((BUCKETS, len(COUNTERS)))
    for name, value in totals.items():
        out[:, COL[name]] = value / BUCKETS
    return out


def accuracy(runs: int, bootstrap: int) -> None:
    method = replace(load(), bootstrap=bootstrap, monte_carlo=200, min_viewers=100)
    markets = world()
    truth = compute_index({m.name: expected(m) for m in markets}, replace(method, bootstrap=2, monte_carlo=2))
    true_fig = {x.market: x for x in truth.markets}
    order = [m.name for m in markets]
    print("true index: " + ", ".join(f"{x.market} {x.index.value:.1f}" for x in truth.markets if x.index))
    for split, parity in (("development", 0), ("held-out", 1)):
        correct = 0
        cover: dict[str, list[bool]] = {"index": [], "sub-indices": [], "indicators": []}
        t0 = time.perf_counter()
        for r in range(runs):
            seed = 2 * r + parity
            rng = np.random.default_rng(seed)
            result = compute_index({m.name: draw(m, rng) for m in markets}, method, seed=seed)
            ranked = [x.market for x in sorted(result.markets, key=lambda x: x.rank or 99)]
            correct += ranked == order
            for x in result.markets:
                t = true_fig[x.market]
                assert x.index and t.index
                cover["index"].append(x.index.low <= t.index.value <= x.index.high)
                for sub in ("reach", "resonance", "influence"):
                    f, tf = getattr(x, sub), getattr(t, sub)
                    cover["sub-indices"].append(f.low <= tf.value <= f.high)
                for name, f in x.indicators.items():
                    cover["indicators"].append(f.low <= t.indicators[name].value <= f.high)
        secs = (time.perf_counter() - t0) / runs
        print(f"[{split}] {runs} runs: ranked correctly {correct / runs:.1%}; 95% interval coverage: "
              + ", ".join(f"{k} {np.mean(v):.1%} (n={len(v)})" for k, v in cover.items())
              + f"; {secs * 1000:.0f} ms per index computation")


# --- ingestion through the API ------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _setup_platform(root: Path, database_url: str = "") -> tuple[str, str]:
    """A fresh platform with one work; returns (work id, admin API token)."""
    from culturebridge.accounts import create_api_token, get_user_by_name
    from culturebridge.catalog import NewWork, create_work
    from culturebridge.pipeline import init_platform
    from culturebridge.settings import Settings

    platform, _ = init_platform(Settings(data_dir=root, database_url=database_url), "admin", "bench-password-123")
    with platform.db.write() as conn:
        admin = get_user_by_name(conn, "admin")
        work = create_work(conn, admin, NewWork(kind="video", original_language="zh", titles={"zh": "茶", "en": "Tea"},
                                                synopses={}, markets=["US/en"])).id
        token = create_api_token(conn, admin, "bench")
    platform.close()
    return work, token


def _events(work: str, n: int, start: int, markets: int = 6, viewers: int = 50_000) -> list[dict[str, object]]:
    rng = np.random.default_rng(start)
    types = np.array(["impression", "view", "like", "share", "follow", "skip"])
    kinds = rng.choice(types, n, p=[0.35, 0.4, 0.12, 0.04, 0.02, 0.07])
    t0 = datetime(2026, 9, 1, tzinfo=UTC)
    out = []
    for i in range(n):
        kind = str(kinds[i])
        e: dict[str, object] = {"event_id": f"bench-{start + i:012d}", "viewer": f"v{int(rng.integers(viewers))}",
                                "market": f"M{int(rng.integers(markets))}/en".replace("M", "Q" if False else "M")
                                .replace("M0", "US").replace("M1", "GB").replace("M2", "AU").replace("M3", "CA")
                                .replace("M4", "NZ").replace("M5", "IE"),
                                "work": work, "type": kind,
                                "at": (t0 + timedelta(minutes=(start + i) // 7)).isoformat()}
        if kind == "view":
            e["watch_fraction"] = float(rng.uniform())
        out.append(e)
    return out


def ingest_http(total: int, batch: int) -> None:
    import httpx

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "data"
        work, token = _setup_platform(root)
        port = _free_port()
        env = {**os.environ, "CULTUREBRIDGE_DATA_DIR": str(root), "CULTUREBRIDGE_JOB_WORKERS": "0"}
        proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "--factory", "bench.insight:_app", "--port",
                                 str(port), "--log-level", "warning", "--workers", "1"], env=env)
        try:
            url = f"http://127.0.0.1:{port}"
            for _ in range(200):
                try:
                    httpx.get(url + "/api/v1/openapi.json", timeout=1.0)
                    break
                except httpx.HTTPError:
                    time.sleep(0.1)
            bodies = [json.dumps({"events": _events(work, batch, s)}) for s in range(0, total, batch)]
            headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
            with httpx.Client(base_url=url, headers=headers, timeout=120) as client:
                cpu0 = _process_cpu(proc.pid)
                t0 = time.perf_counter()
                stored = sum(client.post("/api/v1/insight/events", content=b).json()["stored"] for b in bodies)
                secs = time.perf_counter() - t0
                cpu = _process_cpu(proc.pid) - cpu0
                again = sum(client.post("/api/v1/insight/events", content=b).json()["stored"] for b in bodies[:5])
                index = client.get("/api/v1/insight/index").json()
        finally:
            proc.terminate()
            proc.wait(10)
    views = sum(1 for b in bodies for e in json.loads(b)["events"] if e["type"] == "view")
    print(f"ingestion over HTTP, SQLite, one uvicorn worker, batches of {batch}: {total} events in {secs:.1f} s = "
          f"{total / secs:,.0f} events/s wall, {total / cpu:,.0f} events per CPU-second of the web process "
          f"(load average {os.getloadavg()[0]:.1f}); stored {stored}; re-sent 5 batches stored {again}; "
          f"views in the index's markets {sum(m['viewers'] for m in index['markets'])} viewers ({views} views sent)")


def _process_cpu(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux /proc; proc(5), fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _app() -> object:
    from culturebridge.platform import open_platform
    from culturebridge.settings import load_settings
    from culturebridge.web import create_app

    return create_app(open_platform(load_settings()))


# --- latency as events grow ----------------------------------------------------------------------


def _bulk_events(work: str, n: int, start: int) -> list[AudienceEvent]:
    """`n` synthetic AudienceEvents from number `start` on, built directly (no JSON, no parsing):
    six markets, a viewer population that grows with the log (one new viewer per ~8 events,
    old ones returning), one event every 6 simulated seconds (14,400 a day)."""
    rng = np.random.default_rng(start)
    types = np.array(["impression", "view", "like", "share", "follow", "skip"])
    kinds = rng.choice(types, n, p=[0.35, 0.4, 0.12, 0.04, 0.02, 0.07])
    pool = 1_000 + start // 8
    viewers = rng.integers(0, pool + n // 8 + 1, n)
    markets = np.array(["US/en", "GB/en", "AU/en", "CA/en", "NZ/en", "IE/en"])[rng.integers(0, 6, n)]
    fractions = rng.uniform(size=n)
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    return [AudienceEvent(f"bulk-{start + i:012d}", f"v{viewers[i]}", work, str(markets[i]), str(kinds[i]),
                          t0 + timedelta(seconds=6 * (start + i)), float(fractions[i]) if kinds[i] == "view" else None)
            for i in range(n)]


def latency(sizes: list[int], backends: list[str], pg_max: int, budget_minutes: float) -> None:
    """Bulk-load events through `ingest` in batches of 10,000 (the API's code path after JSON
    parsing), and at each size measure index and work-page p95 and the load cost per 10k."""
    from culturebridge.insight import ingest, market_index, work_report
    from culturebridge.insight.comments import CommentAnalyzer
    from culturebridge.insight.report import _index_cache
    from culturebridge.platform import open_platform
    from culturebridge.settings import Settings

    analyzer = CommentAnalyzer()
    for backend in backends:
        with tempfile.TemporaryDirectory() as tmp:
            url = ""
            admin_url = os.environ.get("CULTUREBRIDGE_TEST_POSTGRES_URL", "")
            name = ""
            if backend == "postgresql":
                from sqlalchemy import create_engine, text
                from sqlalchemy.engine import make_url

                name = f"cb_bench_{uuid.uuid4().hex[:10]}"
                engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
                with engine.connect() as c:
                    c.execute(text(f'CREATE DATABASE "{name}"'))
                engine.dispose()
                url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
            root = Path(tmp) / "data"
            work, _ = _setup_platform(root, url)
            platform = open_platform(Settings(data_dir=root, database_url=url))
            loaded = 0
            began = time.perf_counter()
            try:
                for size in [s for s in sizes if backend == "sqlite" or s <= pg_max]:
                    if time.perf_counter() - began > budget_minutes * 60:
                        print(f"{backend}: stopped before {size:,} events: the {budget_minutes:.0f}-minute budget is spent")
                        break
                    step = size - loaded
                    t0, c0 = time.perf_counter(), time.process_time()
                    while loaded < size:
                        n = min(10_000, size - loaded)
                        batch = _bulk_events(work, n, loaded)
                        with platform.db.write() as conn:
                            ingest(conn, batch, analyzer)
                        loaded += n
                    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
                    timings: dict[str, list[float]] = {"index": [], "index_cached": [], "work": []}
                    cpu_ms: dict[str, list[float]] = {k: [] for k in timings}
                    for _ in range(20):
                        for what, spent in timings.items():
                            if what == "index":
                                _index_cache.clear()  # computed from the roll-ups, not served from the cache
                            t, cpu0 = time.perf_counter(), time.process_time()
                            with platform.db.read() as conn:
                                market_index(conn) if what.startswith("index") else work_report(conn, work)
                            spent.append(time.perf_counter() - t)
                            cpu_ms[what].append(time.process_time() - cpu0)
                    p95 = {k: float(np.percentile(v, 95)) * 1000 for k, v in timings.items()}
                    cpu95 = {k: float(np.percentile(v, 95)) * 1000 for k, v in cpu_ms.items()}
                    load = os.getloadavg()[0]
                    print(f"{backend}: {size:>10,} events: index p95 {p95['index']:.0f} ms computed "
                          f"({cpu95['index']:.0f} ms CPU), {p95['index_cached']:.0f} ms unchanged roll-ups; work page "
                          f"p95 {p95['work']:.0f} ms ({cpu95['work']:.0f} ms CPU); "
                          f"last step {step:,} events: {wall / step * 1e4:.2f} s wall, {cpu / step * 1e4:.2f} s CPU "
                          f"per 10k events ({step / wall:,.0f} events/s); load average {load:.1f}", flush=True)
            finally:
                platform.close()
                if name:
                    from sqlalchemy import create_engine, text

                    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
                    with engine.connect() as c:
                        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--sections", default="accuracy,ingest,latency")
    parser.add_argument("--max-events", type=int, default=0, help="largest event count for the latency section")
    parser.add_argument("--pg-max-events", type=int, default=300_000, help="largest event count on PostgreSQL")
    parser.add_argument("--backends", default="", help="sqlite,postgresql (default: both when PostgreSQL is set)")
    parser.add_argument("--budget-minutes", type=float, default=20.0,
                        help="stop growing a backend's event log after this long")
    args = parser.parse_args()
    sections = set(args.sections.split(","))
    if "accuracy" in sections:
        accuracy(runs=40 if args.quick else 200, bootstrap=200 if args.quick else 400)
    if "ingest" in sections:
        ingest_http(total=20_000 if args.quick else 100_000, batch=1000)
    if "latency" in sections:
        top = args.max_events or (30_000 if args.quick else 10_000_000)
        sizes = [s for s in (10_000, 30_000, 100_000, 300_000, 1_000_000, 2_000_000, 3_000_000, 5_000_000,
                             7_000_000, 10_000_000) if s <= top] or [top]
        backends = (args.backends.split(",") if args.backends else
                    ["sqlite"] + (["postgresql"] if os.environ.get("CULTUREBRIDGE_TEST_POSTGRES_URL") else []))
        latency(sizes, backends, args.pg_max_events, args.budget_minutes)


if __name__ == "__main__":
    main()
