"""Scale-out figures: S3 vs folder ingest, worker scaling, Ray scaling, two web processes, fingerprint rate.

Every piece runs as a real separate process on loopback: PostgreSQL (CULTUREBRIDGE_TEST_POSTGRES_URL
or a throwaway cluster), the S3-protocol server (moto's S3 backend on a keep-alive HTTP server,
scripts/s3server.py), job worker processes, a two-node Ray
cluster and `culturebridge serve --workers 2`.

    python bench/scale.py --quick --sections ingest,jobs,ray     # the scaling targets, ~3-5 minutes
    python bench/scale.py [--quick] [--sections ingest,jobs,ray,web,fingerprint] [--rate 40] [--profile]

Fairness: each comparison uses the same files, in the same run; warm-up (imports, OpenCV,
connections, the fingerprint library, Ray worker start-up) is done before the timing and
excluded; the load average is printed with every section. Wall-clock ratios on a machine
other work shares are indicative only, so each section also reports CPU time per item (from
/proc, per process) — a CPU-based efficiency that does not depend on the contention — and
the share of the machine's CPU that was busy (`machine_busy`, 1.0 = every core busy).

Sections:
  ingest       N images through the app into a local folder and into S3, by the web upload
               path (one file per request) and the bulk path (`assets add`), in alternating
               rounds; the median per-round time ratio (target <= 1.5x), CPU per file of the
               app and of the S3 server. Twice: web pictures (34 KB) and camera photographs
               (12 MP, 2.9 MB), as the fixed cost of one S3 request matters only for the first.
  jobs         the same N fingerprint-asset jobs drained by 1, then by 2 warmed-up worker
               processes on PostgreSQL with media in S3 (target >= 1.7x); CPU ms and database
               statements per job in the workers; `cpu_efficiency` = CPU per job with 1 worker
               / with 2 (1.0: the second worker adds no per-job work).
  ray          `scan` of N files by a driver on a 2-node then a 1-node Ray cluster (1 CPU per
               node) after a warm-up scan in the same Ray job; files/s, worker CPU per file, and
               when each node recorded its first and last batch (the idle tail). N is 200 with
               --quick (it was 48: a scan's fixed costs — submitting, the first task's library
               build on each node, the last batch — then weighed as much as the work), 600 without.
  web          GET /api/v1/feed at a fixed open-loop rate plus uploads, served by 2 web
               processes: p50/p99, errors, served slots logged vs returned.
  fingerprint  full image fingerprints (PDQ + ORB keypoints) per core-second, in one thread,
               and the cores a day of 100 million images needs.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from sqlalchemy import func, select

from culturebridge.accounts import create_api_token, get_user_by_name
from culturebridge.catalog import NewWork, create_work
from culturebridge.jobs import (
    ASSET_ADDED,
    COMMIT_BATCH,
    ingest,
    ingest_file,
    record_prepared,
    run_one,
)
from culturebridge.jobs._tables import jobs
from culturebridge.pipeline import init_platform, job_handlers
from culturebridge.platform import Platform
from culturebridge.settings import Settings
from tests.fingerprint.conftest import encode, procedural
from tests.s3server import SERVER_NAME, TEST_CREDENTIALS, free_port, start_s3_server

PASSWORD = "bench-password"


def images(n: int, size: tuple[int, int] = (480, 360), seed: int = 0) -> list[bytes]:
    return [encode(procedural(seed + i, size), "JPEG", quality=85) for i in range(n)]


def photos(n: int, size: tuple[int, int] = (4000, 3000), seed: int = 0) -> list[bytes]:
    """Camera-sized JPEGs: a procedural picture with sensor-like grain, at a camera's quality 92."""
    out = []
    for i in range(n):
        rng = np.random.default_rng(seed + i)
        pixels = np.asarray(procedural(seed + i, size), dtype=np.int16) + rng.normal(0, 6, (size[1], size[0], 3))
        out.append(encode(Image.fromarray(pixels.clip(0, 255).astype(np.uint8)), "JPEG", quality=92))
    return out


class Env:
    """PostgreSQL and the S3 server for the whole run."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.pg_admin = os.environ.get("CULTUREBRIDGE_TEST_POSTGRES_URL", "")
        self._pg: Any = None
        if not self.pg_admin:
            from tests.pgserver import start_throwaway_postgres

            self._pg = start_throwaway_postgres()
            if self._pg is None:
                raise SystemExit("no PostgreSQL: set CULTUREBRIDGE_TEST_POSTGRES_URL")
            self.pg_admin = self._pg.url
        os.environ.update(TEST_CREDENTIALS)
        self.s3 = start_s3_server(tmp / "s3.log")
        self._n = 0

    def platform(self, *, s3: bool, postgres: bool = True, **extra: Any) -> tuple[Platform, dict[str, str]]:
        from culturebridge.storage.s3media import s3_client
        from tests.conftest import _fresh_postgres_database

        self._n += 1
        data = self.tmp / f"deploy{self._n}"
        db_url = _fresh_postgres_database(self.pg_admin) if postgres else f"sqlite:///{data}/cb.db"
        media_url = ""
        if s3:
            bucket = f"bench{self._n}"
            s3_client(self.s3.url).create_bucket(Bucket=bucket)
            media_url = f"s3://{bucket}/media"
        settings = Settings(data_dir=data, database_url=db_url, media_url=media_url, s3_endpoint_url=self.s3.url,
                            **extra)
        platform, _ = init_platform(settings, "admin", PASSWORD)
        env = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}", "CULTUREBRIDGE_DATA_DIR": str(data),
               "CULTUREBRIDGE_DATABASE_URL": db_url, "CULTUREBRIDGE_MEDIA_URL": media_url,
               "CULTUREBRIDGE_S3_ENDPOINT_URL": self.s3.url, "CULTUREBRIDGE_JOB_WORKERS": "0"}
        return platform, env

    def close(self) -> None:
        self.s3.stop()
        if self._pg is not None:
            self._pg.stop()


def _work(platform: Platform, title: str) -> str:
    with platform.db.write() as conn:
        admin = get_user_by_name(conn, "admin")
        return create_work(conn, admin, NewWork(kind="image", original_language="zh", titles={"zh": title}, synopses={"zh": title})).id


def _ingest_all(platform: Platform, work_id: str, files: list[bytes], tag: str) -> float:
    start = time.perf_counter()
    with platform.db.write() as conn:
        admin = get_user_by_name(conn, "admin")
        for i, data in enumerate(files):
            ingest(conn, platform, admin, work_id, io.BytesIO(data), f"{tag}-{i}.jpg")
    return time.perf_counter() - start


def _ingest_per_request(platform: Platform, work_id: str, files: list[bytes], tag: str) -> float:
    """As the web upload endpoint does it: `ingest_file` per file (decode outside the write)."""
    with platform.db.read() as conn:
        admin = get_user_by_name(conn, "admin")
    start = time.perf_counter()
    for i, data in enumerate(files):
        ingest_file(platform, admin, work_id, io.BytesIO(data), f"{tag}-{i}.jpg")
    return time.perf_counter() - start


def _ingest_bulk(platform: Platform, work_id: str, files: list[bytes], tag: str) -> float:
    """As `culturebridge assets add` does it: COMMIT_BATCH files prepared (uploads to S3 start
    in the background as each is hashed), then recorded in one short write."""
    from culturebridge.catalog import prepare_file

    with platform.db.read() as conn:
        admin = get_user_by_name(conn, "admin")
    start = time.perf_counter()
    for first in range(0, len(files), COMMIT_BATCH):
        ready = [prepare_file(platform.media, io.BytesIO(data), f"{tag}-{first + i}.jpg", platform.limits)
                 for i, data in enumerate(files[first:first + COMMIT_BATCH])]
        assert not any(isinstance(r, Exception) for r in record_prepared(platform, admin, work_id, ready))
    return time.perf_counter() - start


def bench_ingest(env: Env, n: int, n_photos: int) -> dict[str, Any]:
    """Ingest through the app, S3 against the local folder, for two kinds of file: `n` web
    pictures (800x600, ~34 KB) and `n_photos` camera photographs (12 MP, ~2.9 MB). The fixed
    cost of an S3 request weighs on the first and hardly on the second."""
    return {"web": _bench_ingest(env, images(n, (800, 600))), "camera": _bench_ingest(env, photos(n_photos))}


def _bench_ingest(env: Env, files: list[bytes], rounds: int = 3) -> dict[str, Any]:
    """The same `files` ingested through the app into a local folder and into S3 (moto), by
    the web upload path (one file per request) and by the bulk path (`assets add`), in
    alternating rounds (folder, S3, folder, S3 ...; a fresh work each round) so a change in
    the machine's load hits both stores alike; warm-up (imports, connections) excluded.
    Reports the median per-round time ratio and CPU time per file (this process, upload
    threads included; the S3 server's separately)."""
    n = len(files)
    out: dict[str, Any] = {"files": n, "rounds": rounds, "mean_kb": round(sum(map(len, files)) / n / 1024, 1),
                           "s3_server": SERVER_NAME,
                           "warm_up": "excluded (5 files per store and path first)"}
    stores = {name: env.platform(s3=s3)[0] for name, s3 in (("folder", False), ("s3", True))}
    requests = _count_requests(stores["s3"].media)
    for path, run in (("request", _ingest_per_request), ("bulk", _ingest_bulk)):
        for name, platform in stores.items():
            run(platform, _work(platform, f"warm-{name}-{path}"), images(5, seed=7000), "warm")
        wall: dict[str, list[float]] = {name: [] for name in stores}
        cpu: dict[str, float] = dict.fromkeys(stores, 0.0)
        moto = 0.0
        requests.clear()
        for r in range(rounds):
            for name, platform in stores.items():
                work = _work(platform, f"{name}-{path}-{r}")
                before, moto_before = time.process_time(), _proc_cpu(env.s3.process.pid)
                wall[name].append(run(platform, work, files, name))
                cpu[name] += time.process_time() - before
                if name == "s3":
                    moto += _proc_cpu(env.s3.process.pid) - moto_before
        ratios = sorted(s3 / folder for folder, s3 in zip(wall["folder"], wall["s3"], strict=True))
        for name in stores:
            out[f"{path}_{name}_per_s"] = round(n * rounds / sum(wall[name]), 1)
            out[f"{path}_{name}_cpu_ms_per_file"] = round(1000 * cpu[name] / (n * rounds), 1)
        out[f"{path}_s3_server_cpu_ms_per_file"] = round(1000 * moto / (n * rounds), 1)
        out[f"{path}_s3_requests_per_file"] = {op: round(k / (n * rounds), 2) for op, k in sorted(requests.items())}
        out[f"{path}_s3_time_ratio_per_round"] = [round(x, 2) for x in ratios]
        out[f"{path}_s3_time_ratio"] = round(ratios[len(ratios) // 2], 2)  # median round; target <= 1.5
        # CPU the S3 path costs (app + S3 server) over the folder's: what bounds it on a busy machine
        out[f"{path}_s3_cpu_ratio_with_server"] = round((cpu["s3"] + moto) / cpu["folder"], 2)
    for platform in stores.values():
        platform.close()
    return out


def _count_requests(media: Any) -> dict[str, int]:
    """S3 requests the store's client sends, by operation (counted as each is sent, retries too)."""
    counts: dict[str, int] = {}

    def count(event_name: str, **_: Any) -> None:
        op = event_name.rsplit(".", 1)[-1]
        counts[op] = counts.get(op, 0) + 1

    media.client.meta.events.register("before-send.s3.*", count)
    return counts


def _spawn(env: dict[str, str], *args: str, log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "culturebridge", *args], env=env,
                            stdout=log.open("wb"), stderr=subprocess.STDOUT)


def _cpu_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def _proc_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process, from /proc/PID/stat."""
    parts = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(parts[11]) + int(parts[12])) / os.sysconf("SC_CLK_TCK")


def _loadavg() -> str:
    return Path("/proc/loadavg").read_text().split(" ", 3)[0]


def job_worker(ready: Path, go: Path, profile: str) -> None:
    """A `jobs work --once` process with its warm-up (imports, OpenCV, the saved library, the
    database pool) done before `go` appears; prints its jobs and CPU time as JSON."""
    from culturebridge.fingerprint.image import fingerprint_image
    from culturebridge.fingerprint.shared_library import platform_library
    from culturebridge.platform import open_platform
    from culturebridge.settings import load_settings

    platform = open_platform(load_settings())
    handlers = job_handlers(platform)
    fingerprint_image(images(1, seed=4242)[0])
    platform_library(platform)
    ready.touch()
    while not go.exists():
        time.sleep(0.01)
    profiler: Any = None
    if profile:
        from pyinstrument import Profiler

        profiler = Profiler()
        profiler.start()
    from sqlalchemy import event

    statements = [0]

    def counted(*_: Any) -> None:
        statements[0] += 1

    event.listen(platform.db.engine, "before_cursor_execute", counted)
    cpu, wall, count = time.process_time(), time.perf_counter(), 0
    while run_one(platform.db, handlers, lease_seconds=platform.settings.job_lease_seconds) is not None:
        count += 1
    out = {"jobs": count, "cpu_s": time.process_time() - cpu, "wall_s": time.perf_counter() - wall,
           "statements": statements[0]}
    if profiler is not None:
        profiler.stop()
        Path(profile).write_text(profiler.output_text(unicode=False, color=False))
    platform.close()
    print(json.dumps(out), flush=True)


def bench_jobs(env: Env, n: int, profile: bool = False) -> dict[str, Any]:
    """The same `n` images' fingerprint jobs drained by 1, then by 2 warmed-up worker processes
    (start-up, imports and the library load excluded), each on a fresh PostgreSQL database
    with media in S3. Reports wall-clock rates and CPU seconds per job in the workers."""
    files = images(n)
    out: dict[str, Any] = {"jobs": n, "warm_up": "excluded (imports, OpenCV, library load, DB pool)"}
    for workers in (1, 2):
        platform, penv = env.platform(s3=True)
        work = _work(platform, f"jobs{workers}")
        _ingest_all(platform, work, files, "j")
        fan_out = {k: h for k, h in job_handlers(platform).items() if k == ASSET_ADDED}
        while run_one(platform.db, fan_out) is not None:  # queue each asset's stage jobs
            pass
        with platform.db.write() as conn:  # only fingerprinting is measured
            conn.execute(jobs.delete().where(jobs.c.kind != "fingerprint-asset"))
        go = env.tmp / f"go{workers}"
        ready = [env.tmp / f"ready{workers}-{i}" for i in range(workers)]
        procs = [subprocess.Popen([sys.executable, __file__, "--job-worker", str(ready[i]), str(go),
                                   str(env.tmp / f"profile{workers}-{i}.txt") if profile else ""],
                                  env=penv, stdout=subprocess.PIPE, stderr=(env.tmp / f"jobs{workers}-{i}.log").open("wb"))
                 for i in range(workers)]
        while not all(r.exists() for r in ready):
            if any(p.poll() is not None for p in procs):
                raise SystemExit("a job worker exited during warm-up: " + (env.tmp / f"jobs{workers}-0.log").read_text()[-2000:])
            time.sleep(0.05)
        moto0, (busy0, total0) = _proc_cpu(env.s3.process.pid), _cpu_ticks()
        go.touch()
        reports = [json.loads((p.communicate()[0] or b"{}").decode().strip().splitlines()[-1]) for p in procs]
        busy1, total1 = _cpu_ticks()
        moto = _proc_cpu(env.s3.process.pid) - moto0
        with platform.db.read() as conn:  # first claim to last finish
            done, first, last = conn.execute(select(func.count(), func.min(jobs.c.started_at),
                                                    func.max(jobs.c.finished_at)).where(jobs.c.state == "done")).one()
        if done != n:
            with platform.db.read() as conn:
                errors = conn.execute(select(jobs.c.state, jobs.c.error).where(jobs.c.state != "done")).all()
            logs = "".join((env.tmp / f"jobs{workers}-{i}.log").read_text()[-2000:] for i in range(workers))
            raise SystemExit(f"{done} of {n} jobs done: {errors[:3]}\n{logs}")
        seconds = (last - first).total_seconds()
        cpu = sum(r["cpu_s"] for r in reports)
        out[f"{workers}w_jobs_per_s"] = round(n / seconds, 2)
        out[f"{workers}w_worker_cpu_ms_per_job"] = round(1000 * cpu / n, 1)
        out[f"{workers}w_jobs_per_worker_cpu_s"] = round(n / cpu, 2)
        out[f"{workers}w_db_statements_per_job"] = round(sum(r["statements"] for r in reports) / n, 1)
        out[f"{workers}w_s3_server_cpu_ms_per_job"] = round(1000 * moto / n, 1)
        out[f"{workers}w_jobs_per_worker"] = [r["jobs"] for r in reports]
        out[f"{workers}w_machine_busy"] = round((busy1 - busy0) / max(1, total1 - total0), 2)
        out[f"{workers}w_loadavg"] = _loadavg()
        if profile:
            out[f"{workers}w_profiles"] = [str(env.tmp / f"profile{workers}-{i}.txt") for i in range(workers)]
        platform.close()
    out["speedup"] = round(out["2w_jobs_per_s"] / out["1w_jobs_per_s"], 2)
    # CPU per job with 2 workers vs 1: 1.0 means coordination costs no extra CPU, so on two
    # free cores the wall-clock speedup is bounded only by the database and the S3 server.
    out["cpu_efficiency"] = round(out["1w_worker_cpu_ms_per_job"] / out["2w_worker_cpu_ms_per_job"], 2)
    return out


def _ray_workers_cpu() -> float:
    """CPU seconds used so far by this machine's Ray worker processes (named `ray::...`)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # gone meanwhile
            continue
        if text[text.index("(") + 1:].startswith("ray::"):
            parts = text.rsplit(")", 1)[1].split()
            total += (int(parts[11]) + int(parts[12])) / os.sysconf("SC_CLK_TCK")
    return total


def ray_driver(address: str, folder: Path, warm: Path) -> None:
    """One Ray job: a warm-up scan (every worker process imports OpenCV and builds the library),
    then the measured scan of `folder` by the same, now warm, worker processes."""
    from culturebridge.fingerprint import platform_library
    from culturebridge.fingerprint._tables import scan_results
    from culturebridge.fingerprint.batch import S3Access, batch_scan, list_corpus
    from culturebridge.ids import as_utc
    from culturebridge.jobs.cluster import session
    from culturebridge.platform import open_platform
    from culturebridge.settings import load_settings

    platform = open_platform(load_settings())
    library = platform_library(platform)
    url = platform.settings.resolved_database_url
    with session(address, "bench"):
        started = time.perf_counter()
        batch_scan(platform.db, url, library, list_corpus([str(warm)], S3Access()), s3=S3Access(), ray_address=address)
        warm_s = time.perf_counter() - started
        sources = list_corpus([str(folder)], S3Access())
        cpu, started, clock = _ray_workers_cpu(), time.perf_counter(), datetime.now(UTC)
        scan_id, results = batch_scan(platform.db, url, library, sources, s3=S3Access(), ray_address=address)
        wall = time.perf_counter() - started
        with platform.db.read() as conn:  # when each node recorded its first and last batch
            spans = conn.execute(select(scan_results.c.node, func.min(scan_results.c.scanned_at),
                                        func.max(scan_results.c.scanned_at))
                                 .where(scan_results.c.scan_id == scan_id).group_by(scan_results.c.node)).all()
        out = {"files": len(results), "wall_s": wall, "worker_cpu_s": _ray_workers_cpu() - cpu, "warm_up_s": warm_s,
               # seconds from the call to each worker's first / last recorded batch, and the total
               "batches_recorded_s": sorted([round((as_utc(a) - clock).total_seconds(), 2),
                                             round((as_utc(b) - clock).total_seconds(), 2)] for _, a, b in spans)}
    platform.close()
    print(json.dumps(out), flush=True)


def bench_ray(env: Env, n: int) -> dict[str, Any]:
    """`scan` of the same `n` files on a 2-node, then a 1-node Ray cluster (1 CPU per node),
    each by one driver that first runs a warm-up scan in the same Ray job (worker start-up,
    imports and the library build excluded from the timing)."""
    from tests.raycluster import start_ray_cluster

    platform, penv = env.platform(s3=False)
    with platform.db.write() as conn:  # a registered library to match against
        admin = get_user_by_name(conn, "admin")
        work = create_work(conn, admin, NewWork(kind="image", original_language="zh", titles={"zh": "库"},
                                                synopses={"zh": "库"})).id
    _ingest_all(platform, work, images(20, seed=500), "lib")
    handlers = {k: h for k, h in job_handlers(platform).items() if k in (ASSET_ADDED, "fingerprint-asset")}
    while run_one(platform.db, handlers) is not None:
        pass
    folder, warm = env.tmp / "crawl", env.tmp / "warm"
    for path, files in ((folder, images(n, seed=480)), (warm, images(8, seed=9500))):
        path.mkdir(exist_ok=True)
        for i, data in enumerate(files):
            (path / f"{i:04d}.jpg").write_bytes(data)
    platform.close()
    out: dict[str, Any] = {"files": n, "cpus_per_node": 1,
                           "warm_up": "excluded (a warm-up scan of 8 files in the same Ray job first)"}
    cluster = start_ray_cluster(penv, log_dir=env.tmp)
    try:
        for nodes in (2, 1):
            if nodes == 1:
                cluster.kill("worker")
                time.sleep(5)
            done = subprocess.run([sys.executable, __file__, "--ray-driver", cluster.address, str(folder), str(warm)],
                                  env=penv, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                raise SystemExit(f"ray driver failed: {done.stderr[-3000:]}")
            report = json.loads(done.stdout.strip().splitlines()[-1])
            assert report["files"] == n
            out[f"{nodes}n_files_per_s"] = round(n / report["wall_s"], 2)
            out[f"{nodes}n_worker_cpu_ms_per_file"] = round(1000 * report["worker_cpu_s"] / n, 1)
            out[f"{nodes}n_warm_up_s"] = round(report["warm_up_s"], 1)
            out[f"{nodes}n_loadavg"] = _loadavg()
            out[f"{nodes}n_wall_s"] = round(report["wall_s"], 2)
            out[f"{nodes}n_batches_recorded_s"] = report["batches_recorded_s"]
    finally:
        cluster.stop()
    out["speedup"] = round(out["2n_files_per_s"] / out["1n_files_per_s"], 2)
    out["cpu_efficiency"] = round(out["1n_worker_cpu_ms_per_file"] / out["2n_worker_cpu_ms_per_file"], 2)
    return out


def _latency_run(base: list[str], rate: float, seconds: float, token: str, work_id: str) -> dict[str, Any]:
    import httpx

    lat: list[float] = []
    errors: list[str] = []
    uploads: list[float] = []
    slots = [0]
    lock = threading.Lock()
    total = int(rate * seconds)
    start = time.perf_counter() + 0.3

    def feed_worker(w: int, step: int) -> None:
        with httpx.Client(timeout=30.0) as client:
            for i in range(w, total, step):
                due = start + i / rate
                now = time.perf_counter()
                if now < due:
                    time.sleep(due - now)
                r = client.get(f"{base[i % len(base)]}/api/v1/feed", params={"market": "US/en", "user": f"v{i % 500}",
                                                                             "n": "10"})
                with lock:
                    lat.append((time.perf_counter() - due) * 1e3)
                    if r.status_code != 200:
                        errors.append(f"{r.status_code}")
                    else:
                        slots[0] += len(r.json()["slots"])

    def upload_worker() -> None:
        files = images(int(seconds), (640, 480), seed=9000)
        with httpx.Client(timeout=60.0, headers={"Authorization": f"Bearer {token}"}) as client:
            for i, data in enumerate(files):
                due = start + i
                now = time.perf_counter()
                if now < due:
                    time.sleep(due - now)
                r = client.post(f"{base[i % len(base)]}/api/v1/works/{work_id}/assets",
                                files={"file": (f"u{i}.jpg", data, "image/jpeg")})
                with lock:
                    uploads.append((time.perf_counter() - due) * 1e3)
                    if r.status_code != 201:
                        errors.append(f"upload {r.status_code}: {r.text[:100]}")

    step = 8
    threads = [threading.Thread(target=feed_worker, args=(w, step)) for w in range(step)]
    threads.append(threading.Thread(target=upload_worker))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    arr = np.array(lat)
    up = np.array(uploads)
    return {"rate_per_s": rate, "requests": total, "feed_p50_ms": round(float(np.percentile(arr, 50)), 1),
            "feed_p99_ms": round(float(np.percentile(arr, 99)), 1), "uploads": len(uploads),
            "upload_p50_ms": round(float(np.percentile(up, 50)), 1),
            "upload_p99_ms": round(float(np.percentile(up, 99)), 1),
            "errors": len(errors), "slots_returned": slots[0]}


def bench_web(env: Env, rate: float, seconds: float) -> dict[str, Any]:
    from culturebridge.feed._tables import served
    from culturebridge.feed.live import refresh_catalog
    from culturebridge.feed.publish import publish_work

    platform, penv = env.platform(s3=True)
    with platform.db.write() as conn:
        admin = get_user_by_name(conn, "admin")
        token = create_api_token(conn, admin, "bench")
    titles = [f"作品 {i}" for i in range(60)]
    ids = [_work(platform, t) for t in titles]
    with platform.db.read() as conn:
        admin = get_user_by_name(conn, "admin")
    for work_id in ids:
        publish_work(platform, admin, work_id, "US/en")
    refresh_catalog(platform)
    port = free_port()
    server = _spawn(penv, "serve", "--workers", "2", "--port", str(port), log=env.tmp / "serve.log")
    base = [f"http://127.0.0.1:{port}"]
    try:
        import httpx

        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(base[0] + "/api/v1/feed", params={"market": "US/en", "user": "warm"}).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        for i in range(40):  # both processes load their snapshot before the timing
            httpx.get(base[0] + "/api/v1/feed", params={"market": "US/en", "user": f"warm{i}"})
        result = _latency_run(base, rate, seconds, token, ids[0])
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=60)
    with platform.db.read() as conn:
        logged = conn.execute(select(func.count()).select_from(served)).scalar_one()
        warm = conn.execute(select(func.count()).select_from(served).where(served.c.viewer_id.like("warm%"))).scalar_one()
    result["slots_logged"] = int(logged - warm)
    platform.close()
    return result


def bench_fingerprint(n: int) -> dict[str, Any]:
    from culturebridge.fingerprint.image import fingerprint_image

    files = images(n, (1024, 768), seed=300)
    fingerprint_image(files[0])
    start = time.process_time()
    for data in files:
        fingerprint_image(data)
    cpu = time.process_time() - start
    per_core_s = n / cpu
    cores_100m = 100_000_000 / (per_core_s * 86_400)
    return {"images": n, "size": "1024x768 JPEG", "per_core_second": round(per_core_s, 1),
            "cores_for_100M_per_day": round(cores_100m, 0)}


def bench_catch_up(env: Env, n: int) -> dict[str, Any]:
    """The library's per-job catch-up at `n` fingerprint rows on PostgreSQL: counting the `ok`
    rows against reading the trigger-kept number, and what the trigger adds to a write."""
    from sqlalchemy import text

    platform, _ = env.platform(s3=False)
    with platform.db.write() as conn:  # bulk rows without FK checks or triggers, then the number set once
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text("INSERT INTO fingerprints (asset_id, work_id, kind, status, data, computed_at) "
                          "SELECT 'a-' || i, 'w-' || (i % 1000), 'image', 'ok', '\\x00', now() "
                          "FROM generate_series(1, :n) AS i"), {"n": n})
        conn.execute(text("UPDATE fingerprint_library SET ok_rows = :n"), {"n": n})
    with platform.db.write() as conn:
        conn.execute(text("ANALYZE fingerprints"))

    def median_ms(sql: str, times: int) -> float:
        spent = []
        with platform.db.read() as conn:
            for _ in range(times):
                t0 = time.perf_counter()
                conn.execute(text(sql)).scalar_one()
                spent.append(time.perf_counter() - t0)
        return round(1000 * statistics.median(spent), 3)

    counted = median_ms("SELECT count(*) FROM fingerprints WHERE status = 'ok'", 15)
    kept = median_ms("SELECT ok_rows FROM fingerprint_library", 200)

    def write_ms(tag: str, rows: int = 300) -> float:
        t0 = time.perf_counter()
        for i in range(rows):
            with platform.db.write() as conn:
                conn.execute(text("SET LOCAL session_replication_role = replica"))  # no FK to assets
                conn.execute(text("INSERT INTO fingerprints (asset_id, work_id, kind, status, data, computed_at) "
                                  "VALUES (:a, 'w', 'image', 'ok', '\\x00', now())"), {"a": f"{tag}-{i}"})
        return round(1000 * (time.perf_counter() - t0) / rows, 3)

    def concurrent_rows_per_s(tag: str, writers: int = 4, rows: int = 200) -> float:
        """Rows per second with `writers` threads inserting at once, one transaction per row:
        with the trigger every insert updates the one counter row, so commits queue on its lock."""
        t0 = time.perf_counter()
        with ThreadPoolExecutor(writers) as pool:
            list(pool.map(lambda w: write_ms(f"{tag}-{w}", rows), range(writers)))
        return round(writers * rows / (time.perf_counter() - t0), 1)

    without = write_ms("without")  # replica role: the trigger does not fire
    together_without = concurrent_rows_per_s("together-without")
    with platform.db.write() as conn:  # now it fires even in the replica role
        conn.execute(text("ALTER TABLE fingerprints ENABLE ALWAYS TRIGGER fingerprints_ok_rows"))
    with_trigger = write_ms("with")
    together_with = concurrent_rows_per_s("together-with")
    platform.close()
    return {"rows": n, "count_ms": counted, "kept_number_ms": kept, "ratio": round(counted / kept, 1),
            "insert_ms_without_trigger": without, "insert_ms_with_trigger": with_trigger,
            "4_writers_rows_per_s_without_trigger": together_without,
            "4_writers_rows_per_s_with_trigger": together_with}


SECTIONS: dict[str, Callable[[Env, argparse.Namespace], dict[str, Any]]] = {
    "ingest": lambda env, a: bench_ingest(env, 60 if a.quick else 300, 20 if a.quick else 60),
    "jobs": lambda env, a: bench_jobs(env, 40 if a.quick else 200, a.profile),
    "ray": lambda env, a: bench_ray(env, a.ray_files or (200 if a.quick else 600)),
    "web": lambda env, a: bench_web(env, a.rate, 10 if a.quick else 30),
    "fingerprint": lambda env, a: bench_fingerprint(30 if a.quick else 200),
    "catch-up": lambda env, a: bench_catch_up(env, 200_000 if a.quick else 2_000_000),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes (a few minutes)")
    parser.add_argument("--sections", default=",".join(SECTIONS), help="comma-separated: " + ",".join(SECTIONS))
    parser.add_argument("--profile", action="store_true", help="pyinstrument profiles of the job workers")
    parser.add_argument("--job-worker", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--ray-driver", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--rate", type=float, default=40.0, help="feed requests per second for `web`")
    parser.add_argument("--ray-files", type=int, default=0, help="files for `ray` (default 200 with --quick, else 600)")
    args = parser.parse_args()
    if args.ray_driver:
        ray_driver(args.ray_driver[0], Path(args.ray_driver[1]), Path(args.ray_driver[2]))
        return
    if args.job_worker:
        job_worker(Path(args.job_worker[0]), Path(args.job_worker[1]), args.job_worker[2])
        return
    tmp = tempfile.mkdtemp(prefix="cb-bench-scale-")
    env = Env(Path(tmp))
    try:
        print(json.dumps({"cpus": os.cpu_count(), "loadavg_at_start": _loadavg()}), flush=True)
        for name in args.sections.split(","):
            result = SECTIONS[name.strip()](env, args)
            print(json.dumps({"section": name, **result, "loadavg_after": _loadavg()}, ensure_ascii=False),
                  flush=True)
    finally:
        env.close()
        if not args.profile:
            shutil.rmtree(tmp, ignore_errors=True)

if __name__ == "__main__":
    main()
