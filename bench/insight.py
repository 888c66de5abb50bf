"""Insight benchmark: index accuracy and interval coverage on simulated worlds, ingestion
rate through the web API, index and work-page latency as events grow.

Run: `.venv/bin/python bench/insight.py [--quick] [--sections accuracy,ingest,latency] [--backends sqlite]
[--checkpoints 100000,1000000,10000000] [--state DIR]`.
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
3. Latency: events loaded through `ingest` (the function the API and `events import` call
   after parsing) in batches of `--batch` (10,000), so roll-ups are built incrementally as
   in production; a synthetic world of 200 works (Zipf popularity), 12 markets of uneven
   size, viewers with a home market and a population growing with the log. At each
   checkpoint (default 100k, 300k, 1M, 3M, 10M events; `--checkpoints`): index p95
   (result cache cleared: computed from the roll-ups) and the most popular work's page p95
   (20 in-process calls each, wall and CPU), the bench process's CPU seconds per 10k events
   inside `ingest`, on PostgreSQL also the server backends' CPU (/proc), events/s and the
   load averages. SQLite, and PostgreSQL when CULTUREBRIDGE_TEST_POSTGRES_URL is set (a
   database of its own, dropped after). `--state DIR` keeps the databases in DIR and a
   re-run resumes from the events stored there (PostgreSQL's database is then kept).
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


MARKETS = ("US/en", "GB/en", "FR/fr", "DE/de", "ES/es", "MX/es", "BR/pt", "JP/ja", "KR/ko", "TH/th", "ID/id",
           "VN/vi")
# Uneven market sizes: a viewer's home market is HOME[viewer % 100] (US 25%, GB 14%, ... VN 2%).
HOME = np.repeat(np.arange(len(MARKETS)), (25, 14, 10, 9, 8, 7, 7, 6, 5, 4, 3, 2))
WORKS = 200
TYPES = np.array(["impression", "view", "like", "share", "follow", "skip"])


def _bulk_events(works: list[str], n: int, start: int) -> list[AudienceEvent]:
    """Events number `start` .. start+n-1 of a synthetic history, built directly (no JSON, no
    parsing; the same events for the same batch size): a viewer population that
    grows with the log (one new viewer per ~8 events, old ones returning uniformly), each
    viewer in one home market (12 markets of uneven size), works by Zipf popularity
    (exponent 0.9 over the work list), one event every 6 simulated seconds (14,400 a day)."""
    rng = np.random.default_rng(start)
    kinds = rng.choice(TYPES, n, p=[0.35, 0.4, 0.12, 0.04, 0.02, 0.07])
    viewers = rng.integers(0, 2_000 + (start + n) // 8, n)
    markets = np.array(MARKETS)[HOME[viewers % 100]]
    popularity = 1.0 / np.arange(1, len(works) + 1) ** 0.9
    work_of = np.array(works)[rng.choice(len(works), n, p=popularity / popularity.sum())]
    fractions = rng.uniform(size=n).tolist()
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    k, v, w, m = kinds.tolist(), viewers.tolist(), work_of.tolist(), markets.tolist()
    return [AudienceEvent(f"bulk-{start + i:012d}", f"v{v[i]}", w[i], m[i], k[i], t0 + timedelta(seconds=6 * (start + i)),
                          fractions[i] if k[i] == "view" else None)
            for i in range(n)]


def _pg_server_cpu(admin_url: str, database: str) -> float:
    """CPU seconds so far of the PostgreSQL backends connected to `database` (same machine, /proc)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(admin_url)
    try:
        with engine.connect() as c:
            pids = [int(p) for p in c.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = :d"),
                                              {"d": database}).scalars()]
    finally:
        engine.dispose()
    total = 0.0
    for pid in pids:
        try:
            total += _process_cpu(pid)
        except OSError:
            pass
    return total


def _open_state(backend: str, state_dir: Path | None, tmp: Path) -> tuple[dict[str, object], bool]:
    """The run's platform (data dir, database URL, works): resumed from `state_dir` when it holds one."""
    from culturebridge.accounts import get_user_by_name
    from culturebridge.catalog import NewWork, create_work
    from culturebridge.platform import open_platform
    from culturebridge.settings import Settings

    file = state_dir / f"{backend}.json" if state_dir else None
    if file and file.exists():
        return json.loads(file.read_text()), True
    base = state_dir or tmp
    root = base / f"{backend}-data"
    url, name = "", ""
    admin_url = os.environ.get("CULTUREBRIDGE_TEST_POSTGRES_URL", "")
    if backend == "postgresql":
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        name = f"cb_bench_{uuid.uuid4().hex[:10]}"
        engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    first, _ = _setup_platform(root, url)
    platform = open_platform(Settings(data_dir=root, database_url=url))
    with platform.db.write() as conn:
        admin = get_user_by_name(conn, "admin")
        works = [first] + [create_work(conn, admin, NewWork(kind="video", original_language="zh",
                                                            titles={"zh": f"作品{k}", "en": f"Work {k}"}, synopses={},
                                                            markets=["US/en"])).id for k in range(1, WORKS)]
    platform.close()
    state: dict[str, object] = {"root": str(root), "url": url, "database": name, "works": works}
    if file:
        file.write_text(json.dumps(state))
    return state, False


def latency(checkpoints: list[int], backends: list[str], batch: int, state_dir: Path | None) -> None:
    """Load events through `ingest` (the function the API and `events import` call, after
    parsing) in batches of `batch`, and at each checkpoint measure index and work-page p95
    and the ingestion cost per 10k events since the previous checkpoint."""
    from culturebridge.feed.store import count_events
    from culturebridge.insight import ingest, market_index, work_report
    from culturebridge.insight.comments import CommentAnalyzer
    from culturebridge.insight.report import _index_cache
    from culturebridge.platform import open_platform
    from culturebridge.settings import Settings

    analyzer = CommentAnalyzer()
    admin_url = os.environ.get("CULTUREBRIDGE_TEST_POSTGRES_URL", "")
    print("backend | events | index p95 ms (CPU) | index, unchanged roll-ups | work page p95 ms (CPU) | "
          "ingest CPU-s/10k (bench process) | DB server CPU-s/10k | ingest events/s | load 1/5/15 min", flush=True)
    for backend in backends:
        with tempfile.TemporaryDirectory(dir=state_dir) as tmp:
            state, resumed = _open_state(backend, state_dir, Path(tmp))
            url, name, works = str(state["url"]), str(state["database"]), [str(w) for w in state["works"]]  # type: ignore[attr-defined]
            platform = open_platform(Settings(data_dir=Path(str(state["root"])), database_url=url))
            try:
                with platform.db.read() as conn:
                    loaded = count_events(conn)
                if resumed:
                    print(f"{backend}: resuming at {loaded:,} stored events", flush=True)
                for size in checkpoints:
                    if size <= loaded:
                        continue
                    step = size - loaded
                    wall = cpu = 0.0
                    server0 = _pg_server_cpu(admin_url, name) if name else 0.0
                    while loaded < size:
                        n = min(batch, size - loaded)
                        events = _bulk_events(works, n, loaded)
                        t0, c0 = time.perf_counter(), time.process_time()
                        with platform.db.write() as conn:
                            ingest(conn, events, analyzer)
                        wall += time.perf_counter() - t0
                        cpu += time.process_time() - c0
                        loaded += n
                    server = (_pg_server_cpu(admin_url, name) - server0) if name else 0.0
                    timings: dict[str, list[float]] = {"index": [], "index_cached": [], "work": []}
                    cpu_ms: dict[str, list[float]] = {k: [] for k in timings}
                    for _ in range(20):
                        for what, spent in timings.items():
                            if what == "index":
                                _index_cache.clear()  # computed from the roll-ups, not served from the cache
                            t, cpu0 = time.perf_counter(), time.process_time()
                            with platform.db.read() as conn:
                                market_index(conn) if what.startswith("index") else work_report(conn, works[0])
                            spent.append(time.perf_counter() - t)
                            cpu_ms[what].append(time.process_time() - cpu0)
                    p95 = {k: float(np.percentile(v, 95)) * 1000 for k, v in timings.items()}
                    cpu95 = {k: float(np.percentile(v, 95)) * 1000 for k, v in cpu_ms.items()}
                    load = "/".join(f"{x:.1f}" for x in os.getloadavg())
                    server_txt = f"{server / step * 1e4:.2f}" if name else "-"
                    print(f"{backend} | {size:,} | {p95['index']:.0f} ({cpu95['index']:.0f}) | "
                          f"{p95['index_cached']:.0f} | {p95['work']:.0f} ({cpu95['work']:.0f}) | "
                          f"{cpu / step * 1e4:.2f} | {server_txt} | {step / wall:,.0f} | {load}", flush=True)
            finally:
                platform.close()
                if name and state_dir is None:
                    from sqlalchemy import create_engine, text

                    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
                    with engine.connect() as c:
                        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--sections", default="accuracy,ingest,latency")
    parser.add_argument("--checkpoints", default="", help="event counts to measure at, e.g. 100000,1000000,10000000")
    parser.add_argument("--batch", type=int, default=10_000, help="events per ingest call in the latency section")
    parser.add_argument("--backends", default="", help="sqlite,postgresql (default: both when PostgreSQL is set)")
    parser.add_argument("--state", default="", help="keep the latency section's databases here and resume from them "
                        "(PostgreSQL: not dropped; drop it yourself when done)")
    args = parser.parse_args()
    sections = set(args.sections.split(","))
    if "accuracy" in sections:
        accuracy(runs=40 if args.quick else 200, bootstrap=200 if args.quick else 400)
    if "ingest" in sections:
        ingest_http(total=20_000 if args.quick else 100_000, batch=1000)
    if "latency" in sections:
        checkpoints = ([int(x) for x in args.checkpoints.split(",")] if args.checkpoints else
                       [30_000] if args.quick else [100_000, 300_000, 1_000_000, 3_000_000, 10_000_000])
        backends = (args.backends.split(",") if args.backends else
                    ["sqlite"] + (["postgresql"] if os.environ.get("CULTUREBRIDGE_TEST_POSTGRES_URL") else []))
        state = Path(args.state) if args.state else None
        if state:
            state.mkdir(parents=True, exist_ok=True)
        latency(sorted(checkpoints), backends, args.batch, state)

if __name__ == "__main__":
    main()
