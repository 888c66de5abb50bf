"""Benchmark of the labels stage: implicit write+verify rates, C2PA rates, MP4 overhead.

Run: .venv/bin/python bench/labels.py   (prints figures; targets in docs/labels.md)
"""

from __future__ import annotations

import functools
import io
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

from culturebridge.labels import c2pa, explicit, produced, propagated, read_labels, write_label


def _image(fmt: str) -> bytes:
    rng = np.random.default_rng(1)
    out = io.BytesIO()
    Image.fromarray(rng.integers(0, 255, (1024, 1024, 3), dtype=np.uint8)).save(out, fmt)
    return out.getvalue()


def _rate(n: int, fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return n / (time.perf_counter() - start)


def _plate_figures() -> None:
    """Looking for our explicit plate (every language and tier) against decoding alone."""
    rng = np.random.default_rng(2)
    for w, h in ((1280, 720), (6000, 4000)):
        picture = Image.fromarray(rng.integers(0, 255, (h // 8, w // 8, 3), dtype=np.uint8)).resize((w, h))
        out = io.BytesIO()
        picture.save(out, "JPEG", quality=90)
        data = explicit.label_image(out.getvalue(), "en")
        assert explicit.find_image_label(data) == "en"
        n = 20 if w < 2000 else 3
        decode = 1 / _rate(n, functools.partial(lambda d: Image.open(io.BytesIO(d)).convert("RGB"), data))
        found = 1 / _rate(n, functools.partial(explicit.find_image_label, data))
        print(f"explicit plate looked for, {w}x{h} JPEG: {found * 1000:.0f} ms "
              f"(decoding alone {decode * 1000:.0f} ms, x{found / decode:.1f})")  # fmt: skip


def main() -> None:
    """Print the stage's figures."""
    label = propagated(produced("CBBENCH", "w-1"), "CULTUREBRIDGE", "p-1")
    for fmt in ("PNG", "JPEG"):
        data = _image(fmt)

        def write_verify(data: bytes = data) -> None:
            out = write_label(data, label)
            assert read_labels(out)[1][0].label == label

        print(
            f"implicit GB+IPTC write+verify, 1024px {fmt} ({len(data) // 1024} KB): "
            f"{_rate(200, write_verify):.0f} files/s (target >= 100)"
        )
    _plate_figures()
    with tempfile.TemporaryDirectory() as tmp:
        creds = c2pa.create_signing_chain(Path(tmp) / "c2pa")
        png = write_label(_image("PNG"), label)
        signed = c2pa.sign(png, "image/png", creds, title="bench")
        print(
            f"C2PA sign, 1024px PNG: {_rate(10, lambda: c2pa.sign(png, 'image/png', creds, title='b')):.1f} files/s"
            f" with thumbnail, {_rate(20, lambda: c2pa.sign(png, 'image/png', creds, title='b', thumbnail=False)):.1f}"
            " files/s without"
        )
        print(
            f"C2PA read+validate, 1024px PNG: "
            f"{_rate(20, lambda: c2pa.read(signed, 'image/png', trust_anchor_pem=creds.ca_pem)):.1f} files/s"
        )
        video = Path(tmp) / "minute.mp4"
        subprocess.run(
            [
                "ffmpeg",
                "-v",
                "error",
                "-f",
                "lavfi",
                "-i",
                "testsrc=size=1280x720:rate=25",
                "-f",
                "lavfi",
                "-i",
                "sine=duration=60",
                "-t",
                "60",
                "-c:v",
                "libx264",
                "-preset",
                "ultrafast",
                "-pix_fmt",
                "yuv420p",
                "-c:a",
                "aac",
                "-movflags",
                "+faststart",
                str(video),
            ],
            check=True,
        )
        size = video.stat().st_size
        start = time.perf_counter()
        for i in range(5):
            shutil.copyfile(video, Path(tmp) / f"copy{i}.mp4")
        copy = (time.perf_counter() - start) / 5
        start = time.perf_counter()
        for i in range(5):
            (Path(tmp) / f"raw{i}.mp4").write_bytes(video.read_bytes())
        raw = (time.perf_counter() - start) / 5
        start = time.perf_counter()
        for i in range(5):
            (Path(tmp) / f"lab{i}.mp4").write_bytes(write_label(video.read_bytes(), label))
        lab = (time.perf_counter() - start) / 5
        print(
            f"1-minute 720p MP4 ({size / 1e6:.1f} MB, moov first): copy {copy * 1000:.1f} ms, "
            f"read+write {raw * 1000:.1f} ms, label {lab * 1000:.1f} ms "
            f"(x{lab / copy:.1f} vs copy, x{lab / raw:.1f} vs read+write)"
        )
    _platform_figures()


def _platform_figures() -> None:
    """End to end on an initialised platform: one `labels-check` job per 1024 px upload."""
    from culturebridge.accounts import create_user
    from culturebridge.catalog import NewWork, create_work
    from culturebridge.jobs import ingest, run_one
    from culturebridge.pipeline import init_platform, job_handlers
    from culturebridge.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        platform, _ = init_platform(Settings(data_dir=Path(tmp) / "data"), "admin", "bench-password")
        handlers = job_handlers(platform)
        for ai in (False, True):
            with platform.db.write() as conn:
                owner = create_user(conn, f"bench{int(ai)}", "bench-password", "creator")
                work = create_work(
                    conn,
                    owner,
                    NewWork(kind="image", original_language="zh", titles={"zh": "基准"}, synopses={}, ai_generated=ai),
                )
                for i in range(5):
                    rng = np.random.default_rng(100 + i)
                    out = io.BytesIO()
                    Image.fromarray(rng.integers(0, 255, (1024, 1024, 3), dtype=np.uint8)).save(out, "JPEG")
                    ingest(conn, platform, owner, work.id, io.BytesIO(out.getvalue()), f"img{i}.jpg")
            start = time.perf_counter()
            jobs = 0
            while run_one(platform.db, handlers) is not None:
                jobs += 1
            took = time.perf_counter() - start
            what = "check + labelled rendition (GB+IPTC+C2PA, ingest) + check of it" if ai else "check only"
            print(f"platform labels-check, 5 x 1024px JPEG, {what}: {took / 5 * 1000:.0f} ms per upload ({jobs} jobs)")
        platform.close()


if __name__ == "__main__":
    main()
