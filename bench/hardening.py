"""Web writes during a 200-file `assets add` batch of hostile files (issue #19 target).

A uvicorn server on loopback serves the platform; another process runs
`culturebridge assets add` on 200 files (zip-bomb DOCX, decompression-bomb and truncated PNGs,
lying names, large genuine images that take real decoding); meanwhile a client creates a
work through the API every 50 ms. Prints the batch time and the web writes' status codes
and latency percentiles. Target: p99 <= 1 s and no 5xx. Asserts nothing.

    python bench/hardening.py [--files 200]
"""

from __future__ import annotations

import argparse
import io
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from culturebridge import catalog
from culturebridge.accounts import create_api_token
from culturebridge.catalog import NewWork
from culturebridge.pipeline import init_platform
from culturebridge.settings import Settings


def hostile_files(folder: Path, n: int) -> list[Path]:
    rng = np.random.default_rng(7)
    out = []
    for i in range(n):
        kind = i % 6
        if kind == 0:  # zip bomb named .docx: 300 MiB unpacked
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
                z.writestr("[Content_Types].xml", "<Types/>")
                z.writestr("word/document.xml", "<w:document/>")
                for part in range(30):
                    z.writestr(f"word/media/{part}.bin", b"\x00" * (10 << 20))
            data, name = buf.getvalue(), f"bomb{i}.docx"
        elif kind == 1:  # a PNG header claiming 20000x20000 pixels
            header = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + (20000).to_bytes(4, "big") * 2 + b"\x08\x02\x00\x00\x00"
            data, name = header + b"\x00" * 64, f"bomb{i}.png"
        elif kind == 2:  # truncated image
            buf = io.BytesIO()
            Image.fromarray(rng.integers(0, 255, (400, 400, 3), dtype=np.uint8)).save(buf, "PNG")
            data, name = buf.getvalue()[:5000], f"cut{i}.png"
        elif kind == 3:  # an image named as audio
            buf = io.BytesIO()
            Image.new("RGB", (64, 64), (i % 255, 3, 4)).save(buf, "PNG")
            data, name = buf.getvalue(), f"song{i}.mp3"
        else:  # large genuine noise images: real decoding work
            buf = io.BytesIO()
            Image.fromarray(rng.integers(0, 255, (1400, 1400, 3), dtype=np.uint8)).save(buf, "PNG")
            data, name = buf.getvalue(), f"big{i}.png"
        path = folder / name
        path.write_bytes(data)
        out.append(path)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=200)
    args = parser.parse_args()
    import httpx
    import uvicorn

    from culturebridge.web import create_app

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        settings = Settings(data_dir=data, job_workers=0)
        platform, admin = init_platform(settings, "admin", "bench-password")
        with platform.db.write() as conn:
            work = catalog.create_work(conn, admin, NewWork("image", "zh", {"zh": "压力"}, {}))
            token = create_api_token(conn, admin, "bench")
        files = hostile_files(Path(tmp), args.files)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server = uvicorn.Server(uvicorn.Config(create_app(platform), host="127.0.0.1", port=port, log_level="warning"))
        threading.Thread(target=server.run, daemon=True).start()
        while not server.started:
            time.sleep(0.05)
        env = {**os.environ, "CULTUREBRIDGE_DATA_DIR": str(data),
               "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
        start = time.perf_counter()
        batch = subprocess.Popen([sys.executable, "-m", "culturebridge", "assets", "add", work.id,
                                  *map(str, files), "--json"], env=env, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
        latencies: list[float] = []
        statuses: dict[int, int] = {}
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60.0,
                          headers={"authorization": f"Bearer {token}"}) as client:
            n = 0
            while batch.poll() is None:
                t = time.perf_counter()
                r = client.post("/api/v1/works", json={"kind": "story", "original_language": "zh",
                                                       "titles": {"zh": f"写入 {n}"}})
                latencies.append(time.perf_counter() - t)
                statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
                n += 1
                time.sleep(0.05)
        elapsed = time.perf_counter() - start
        server.should_exit = True
        lat = np.array(latencies) * 1000
        print(f"`assets add` of {len(files)} hostile files in another process: {elapsed:.1f} s "
              f"(exit {batch.returncode}: refused files make it non-zero)")
        print(f"web writes meanwhile: {len(lat)}  statuses {dict(sorted(statuses.items()))}")
        if len(lat):
            p99 = float(np.percentile(lat, 99))
            print(f"  latency p50 {np.percentile(lat, 50):.1f} ms  p99 {p99:.1f} ms  max {lat.max():.1f} ms   "
                  f"target p99 <= 1000 ms and no 5xx: "
                  f"{'OK' if p99 <= 1000 and not any(s >= 500 for s in statuses) else 'MISSED'}")
        with platform.db.read() as conn:
            kept = len(catalog.list_assets(conn, work.id))
        print(f"  assets kept: {kept} of {len(files)} (the genuine large images)")
        platform.close()


if __name__ == "__main__":
    main()
