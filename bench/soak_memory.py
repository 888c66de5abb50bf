"""Where a web process's memory goes per uploaded picture (the soak's growth, measured in-process).

Builds a platform in a temporary directory and runs the soak's upload path in this process:
`ingest` a picture, then the `asset-added` fingerprint job (`fingerprint_asset`: match against
this process's library, store, `remember`). After a warm-up it takes a `tracemalloc`
snapshot, runs N more uploads and prints the growth per upload by source file (numpy buffers
are traced; faiss's C++ storage is not, so the keypoint index's own count of codes is printed
beside it), the library's reported `resident_bytes()` when it has one, and RSS.

Two modes: `unique` (a new picture every upload, like the soak) and `same` (the same four
pictures again and again, each into a new work): if growth comes from the library, both grow
alike per stored fingerprint; state keyed by request or session would differ.

    python bench/soak_memory.py [--uploads 300] [--mode unique|same] [--cache 256]

The LRU cache of full fingerprints fills up to `--cache` entries (about 32 KB each for a
picture) during the first uploads; run with a small `--cache` to see the per-picture growth alone.
"""

from __future__ import annotations

import argparse
import gc
import io
import re
import tempfile
import tracemalloc
from pathlib import Path

from culturebridge.accounts import create_user
from culturebridge.fingerprint import platform_library
from culturebridge.fingerprint.monitor import fingerprint_asset
from culturebridge.jobs import ingest
from culturebridge.pipeline import init_platform
from culturebridge.settings import Settings
from tests.factories import make_work, png_bytes

PASSWORD = "correct horse battery staple"


def _rss() -> int:
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) * 1024  # type: ignore[union-attr]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uploads", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--mode", choices=("unique", "same"), default="unique")
    parser.add_argument("--cache", type=int, default=256, help="fingerprint_cache_entries")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cb-soakmem-") as tmp:
        platform, _admin = init_platform(Settings(data_dir=Path(tmp) / "data", fingerprint_cache_entries=args.cache), "admin", PASSWORD)
        with platform.db.write() as conn:
            mei = create_user(conn, "mei", PASSWORD, "creator")
            work = make_work(conn, mei, title="soak")

        def upload(i: int) -> None:
            seed = 1000 + (i % 4 if args.mode == "same" else i)
            with platform.db.write() as conn:
                target = make_work(conn, mei, title=f"w{i}").id if args.mode == "same" else work.id
                asset = ingest(conn, platform, mei, target, io.BytesIO(png_bytes(seed=seed)), f"s{i}.png")
            fingerprint_asset(platform, asset.id)

        for i in range(args.warmup):
            upload(i)
        library = platform_library(platform)
        gc.collect()
        tracemalloc.start(1)
        before, rss0 = tracemalloc.take_snapshot(), _rss()
        lib0 = library.resident_bytes() if hasattr(library, "resident_bytes") else None
        for i in range(args.warmup, args.warmup + args.uploads):
            upload(i)
        gc.collect()
        after, rss1 = tracemalloc.take_snapshot(), _rss()
        library = platform_library(platform)
        lib1 = library.resident_bytes() if hasattr(library, "resident_bytes") else None
        n = args.uploads
        stats = after.compare_to(before, "filename")
        traced = sum(s.size_diff for s in stats)
        print(f"mode={args.mode} uploads={n} library entries={len(library)}")
        print(f"RSS growth per upload: {(rss1 - rss0) / n:,.0f} B   traced (Python + numpy): {traced / n:,.0f} B")
        if lib0 is not None and lib1 is not None:
            print(f"library resident_bytes per upload: {(lib1 - lib0) / n:,.0f} B ({lib1:,} B total)")
        orb = getattr(library, "_orb", None)
        if orb is not None:
            print(f"faiss keypoint codes (untraced): {len(orb) * 32 / len(library):,.0f} B per entry")
        print("traced growth per upload by file:")
        for s in stats[:12]:
            if abs(s.size_diff) / n >= 50:
                name = s.traceback[0].filename
                print(f"  {s.size_diff / n:>10,.0f} B  {name.split('site-packages/')[-1].split('/src/')[-1]}")
        platform.close()


if __name__ == "__main__":
    main()
