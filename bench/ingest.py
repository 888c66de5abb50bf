"""Ingest throughput: N small image files as assets, on SQLite and on PostgreSQL.

Each file goes the whole way a user's upload goes: streamed into the media store while
hashed, type sniffed, decoded by Pillow, deduplicated, recorded, and its per-asset pipeline
jobs (fingerprint, label check) queued. Running those jobs is measured by their stages. Target (issue #2): >= 300 assets/s on SQLite on a 2-core machine.

    python bench/ingest.py [--files 10000] [--quick] [--postgres-url URL]
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from culturebridge import catalog
from culturebridge.catalog import NewWork
from culturebridge.jobs import COMMIT_BATCH as INGEST_BATCH
from culturebridge.jobs import ingest, record_prepared
from culturebridge.pipeline import init_platform
from culturebridge.settings import Settings


def make_files(n: int) -> list[bytes]:
    rng = np.random.default_rng(0)
    out = []
    for _ in range(n):
        buf = io.BytesIO()
        Image.fromarray(rng.integers(0, 255, size=(16, 16, 3), dtype=np.uint8)).save(buf, format="PNG")
        out.append(buf.getvalue())
    return out


def run(files: list[bytes], database_url: str, batch: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), database_url=database_url)
        platform, admin = init_platform(settings, "admin", "bench-password")
        with platform.db.write() as conn:
            work = catalog.create_work(conn, admin, NewWork("image", "zh", {"zh": "基准"}, {}))
        start = time.perf_counter()
        for first in range(0, len(files), batch):
            if batch == 1:  # as the web upload did before: decode inside the transaction
                with platform.db.write() as conn:
                    ingest(conn, platform, admin, work.id, io.BytesIO(files[first]), f"f{first}.png")
                continue
            # as `assets add` does: decode with no transaction open, then record a few per short write
            ready = [catalog.prepare_file(platform.media, io.BytesIO(files[i]), f"f{i}.png", platform.limits)
                     for i in range(first, min(first + batch, len(files)))]
            record_prepared(platform, admin, work.id, ready)
        elapsed = time.perf_counter() - start
        platform.close()
    return len(files) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--quick", action="store_true", help="1,000 files")
    parser.add_argument("--postgres-url", default=None, help="an empty PostgreSQL database (default: start one)")
    args = parser.parse_args()
    n = 1000 if args.quick else args.files
    files = make_files(n)
    print(f"ingest of {n:,} PNG files (16x16, ~{sum(map(len, files)) // n} B each): sniff, hash, decode, dedupe, store")
    single = run(files, "", batch=1)
    print(f"  SQLite, one transaction per file (web upload path):   {single:8.0f} assets/s")
    sqlite_rate = run(files, "", batch=INGEST_BATCH)
    verdict = "OK" if sqlite_rate >= 300 else "MISSED"
    print(f"  SQLite, {INGEST_BATCH} files per transaction (`assets add`): {sqlite_rate:8.0f} assets/s   "
          f"target >= 300  {verdict}")
    url = args.postgres_url
    server = None
    if url is None:
        from tests.pgserver import start_throwaway_postgres

        server = start_throwaway_postgres()
        url = server.url if server else None
    if url is None:
        print("  PostgreSQL:    skipped (no server could be started)")
        return
    try:
        pg_rate = run(files, url, batch=INGEST_BATCH)
        print(f"  PostgreSQL, {INGEST_BATCH} files per transaction:        {pg_rate:8.0f} assets/s   "
              f"({pg_rate / sqlite_rate:.2f}x SQLite)")
    finally:
        if server:
            server.stop()


if __name__ == "__main__":
    main()
