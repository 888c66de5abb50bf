"""Benchmark: render every media item of the demo pack, cold cache then warm cache."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from culturebridge.demo import load_pack, render_many, render_media


def main() -> None:
    """Print cold and warm render times of the whole pack (target: cold under ~20 s on 2 cores)."""
    t0 = time.perf_counter()
    pack = load_pack()
    load_s = time.perf_counter() - t0
    specs = [spec for work in pack.works for spec in work.media]
    with tempfile.TemporaryDirectory(prefix="cb-demo-bench-") as tmp:
        cache = Path(tmp)
        per_generator: dict[str, float] = {}
        total_bytes = 0
        t0 = time.perf_counter()
        for spec in specs:
            t = time.perf_counter()
            total_bytes += len(render_media(spec, cache).data)
            per_generator[spec.generator] = (
                per_generator.get(spec.generator, 0.0) + time.perf_counter() - t
            )
        cold = time.perf_counter() - t0
        t0 = time.perf_counter()
        for spec in specs:
            render_media(spec, cache)
        warm = time.perf_counter() - t0
    with tempfile.TemporaryDirectory(prefix="cb-demo-bench-") as tmp:
        t0 = time.perf_counter()
        render_many(specs, Path(tmp), workers=2)
        parallel = time.perf_counter() - t0
    print(f"load_pack: {load_s * 1000:.0f} ms ({len(pack.works)} works, {len(pack.ips)} IPs)")
    print(
        f"cold render: {cold:.2f} s for {len(specs)} media, {total_bytes / 1e6:.1f} MB (target < ~20 s)"
    )
    print(f"cold render on 2 worker threads: {parallel:.2f} s (ratio {cold / parallel:.2f}x)")
    print(f"warm render (cache hits): {warm * 1000:.0f} ms")
    for name, seconds in sorted(per_generator.items(), key=lambda kv: -kv[1]):
        print(f"  {name:12s} {seconds:6.2f} s")


if __name__ == "__main__":
    main()
