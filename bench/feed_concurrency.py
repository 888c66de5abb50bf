"""Anonymous feed throughput as concurrency rises: one uvicorn process, closed-loop async clients.

Starts one real `uvicorn` process (the `serve` app factory) on a demo data directory and, for
each concurrency level (1, 2, 4, 8, 16, 32), runs that many async clients (raw keep-alive HTTP/1.1 on asyncio streams), each a
separate anonymous viewer (its own cookie; the JSON clients send back their viewer token),
requesting as fast as answers come for `--seconds`. Two sweeps: `GET /api/v1/feed` and the
HTML page `GET /feed/{market}`. Prints per level req/s, p50/p99 latency, the server's CPU
seconds per request (from /proc, so less sensitive to other load) beside the load generator's
own, and the ratio of req/s at 32 to 1 (target: no fall). Rate limits stay on (set high enough not to refuse the bench).
After the server stops, checks that the slots served equal the slots logged. Asserts nothing.

    python bench/feed_concurrency.py [--data-dir DIR] [--seconds 4] [--levels 1,2,4,8,16,32]

Without --data-dir the demo is loaded into a temporary folder first (about a minute); with
it, DIR is used (loaded with `culturebridge demo --no-serve` if empty) and kept.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
MARKET = "US/en"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(data: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
            "CULTUREBRIDGE_DATA_DIR": str(data), "CULTUREBRIDGE_JOB_WORKERS": "0",
            "CULTUREBRIDGE_CLIENT_RATE_PER_MINUTE": "100000000", "CULTUREBRIDGE_VIEWER_RATE_PER_MINUTE": "100000000"}


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _served_rows(data: Path, since: datetime) -> int:
    """Rows in the served-slot log served at or after `since`."""
    sys.path.insert(0, str(ROOT / "src"))
    from sqlalchemy import func, select

    from culturebridge.feed._tables import served
    from culturebridge.storage import Database

    db = Database.open(f"sqlite:///{data / 'culturebridge.db'}")
    try:
        with db.read() as conn:
            return int(conn.execute(select(func.count()).select_from(served)
                                    .where(served.c.served_at >= since)).scalar_one())
    finally:
        db.close()


class _Connection:
    """One keep-alive HTTP/1.1 connection on raw asyncio streams: the load generator shares the
    server's two cores, and httpx's own CPU per request grew with the number of clients (0.9 ms
    at 1, 1.5 ms at 32), taking CPU from the server it was measuring."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.cookies: dict[str, str] = {}
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def get(self, target: str, headers: dict[str, str]) -> tuple[int, bytes]:
        if self._streams is None:
            self._streams = await asyncio.open_connection(self.host, self.port)
        reader, writer = self._streams
        lines = [f"GET {target} HTTP/1.1", f"Host: {self.host}:{self.port}",
                 *(f"{k}: {v}" for k, v in headers.items()), *([f"Cookie: {'; '.join(f'{k}={v}' for k, v in self.cookies.items())}"] if self.cookies else [])]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        head = await reader.readuntil(b"\r\n\r\n")
        status_line, *fields = head.decode("latin-1").split("\r\n")
        length = 0
        for field in fields:
            name, _, value = field.partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "set-cookie":
                name, _, value = value.strip().split(";", 1)[0].partition("=")
                self.cookies[name] = value
        return int(status_line.split()[1]), await reader.readexactly(length)

    def close(self) -> None:
        if self._streams is not None:
            self._streams[1].close()


async def _client(base: str, kind: str, deadline: float, lat: list[float], slots: list[int], errors: list[str]) -> None:
    host, port = base.removeprefix("http://").split(":")
    connection = _Connection(host, int(port))
    headers: dict[str, str] = {"accept": "application/json" if kind == "api" else "text/html"}
    target = f"/api/v1/feed?market={MARKET.replace('/', '%2F')}&n=10" if kind == "api" else "/feed/" + MARKET.replace("/", "-")
    try:
        while time.perf_counter() < deadline:
            t = time.perf_counter()
            status, body = await connection.get(target, headers)
            lat.append(time.perf_counter() - t)
            if status != 200:
                errors.append(f"{status} {body[:120]!r}")
                continue
            if kind == "api":
                answer = json.loads(body)
                headers["x-viewer-token"] = answer["viewer_token"]
                slots.append(len(answer["slots"]))
            else:
                slots.append(body.count(b'data-work="'))
    finally:
        connection.close()


async def _level(base: str, kind: str, n: int, seconds: float) -> tuple[list[float], list[int], list[str], float]:
    lat: list[float] = []
    slots: list[int] = []
    errors: list[str] = []
    start = time.perf_counter()
    await asyncio.gather(*(_client(base, kind, start + seconds, lat, slots, errors) for _ in range(n)))
    return lat, slots, errors, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--levels", default="1,2,4,8,16,32")
    args = parser.parse_args()
    levels = [int(x) for x in args.levels.split(",")]
    with tempfile.TemporaryDirectory(prefix="cb-feedc-") as tmp:
        data = args.data_dir or Path(tmp) / "data"
        if not (data / ".culturebridge").exists():
            t = time.perf_counter()
            subprocess.run([sys.executable, "-m", "culturebridge", "demo", "--no-serve"], env=_env(data), check=True,
                           stdout=subprocess.DEVNULL)
            print(f"demo loaded into {data} in {time.perf_counter() - t:.0f} s")
        since = datetime.now(UTC)
        port = _free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "culturebridge.web.serving:app_from_environment", "--factory",
             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-proxy-headers"],
            env=_env(data))
        base = f"http://127.0.0.1:{port}"
        print(f"server pid {server.pid} (py-spy dump --pid {server.pid} to profile)", flush=True)
        served_slots = 0
        try:
            for _ in range(600):
                try:
                    first = httpx.get(base + "/api/v1/feed", params={"market": MARKET, "n": 10}, timeout=60)
                    if first.status_code == 200:
                        served_slots += len(first.json()["slots"])
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.1)
            for kind in ("api", "page"):  # warm: snapshot loaded, code paths hot
                served_slots += sum(asyncio.run(_level(base, kind, 4, 1.0))[1])
            print(f"load average at start: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}  "
                  f"({os.cpu_count()} CPUs)")
            results: dict[str, dict[int, float]] = {}
            marks: list[tuple[str, int, int]] = []
            for kind in ("api", "page"):
                results[kind] = {}
                print(f"\n{'GET /api/v1/feed' if kind == 'api' else 'GET /feed/US-en (HTML)'}")
                print("  conc   req/s    p50 ms   p99 ms   server CPU ms/req  client CPU ms/req  errors")
                for n in levels:
                    cpu0, own0 = _cpu_seconds(server.pid), time.process_time()
                    lat, slots, errors, wall = asyncio.run(_level(base, kind, n, args.seconds))
                    cpu, own = _cpu_seconds(server.pid) - cpu0, time.process_time() - own0
                    ms = np.array(lat) * 1e3
                    rate = len(lat) / wall
                    results[kind][n] = rate
                    marks.append((kind, n, sum(slots)))
                    print(f"  {n:4d} {rate:8.1f} {np.percentile(ms, 50):9.1f} {np.percentile(ms, 99):8.1f} "
                          f"{cpu / max(1, len(lat)) * 1e3:14.2f} {own / max(1, len(lat)) * 1e3:18.2f}       {len(errors)}"
                          + (f"  first: {errors[0]}" if errors else ""))
                if 1 in results[kind] and 32 in results[kind]:
                    print(f"  req/s at 32 / at 1: {results[kind][32] / results[kind][1]:.2f}  (target >= 1.0)")
            print(f"load average at end:   {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        finally:
            server.send_signal(signal.SIGINT)  # graceful: the app's shutdown flushes the served-slot log
            server.wait(timeout=60)
        served_slots += sum(m[2] for m in marks)
        logged = _served_rows(data, since)
        print(f"\nslots served (all answers, warm-up included): {served_slots:,}; slots logged: {logged:,} "
              f"({'equal' if logged == served_slots else 'DIFFERENT'})")


if __name__ == "__main__":
    main()
