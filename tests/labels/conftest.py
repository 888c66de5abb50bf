"""Real media made once per session with Pillow, numpy and ffmpeg."""

from __future__ import annotations

import io
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from culturebridge.jobs import Job, run_one
from culturebridge.labels import AIGCLabel, produced, propagated
from culturebridge.pipeline import init_platform, job_handlers
from culturebridge.platform import Platform
from culturebridge.settings import Settings
from tests.factories import make_user


def _ffmpeg(*args: str) -> None:
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", *args], check=True, capture_output=True, timeout=120
    )


def _image(fmt: str, size: tuple[int, int] = (320, 200), **kw: object) -> bytes:
    rng = np.random.default_rng(7)
    arr = rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(arr).save(out, fmt, **kw)
    return out.getvalue()


def _docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        zf.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
        )
        zf.writestr(
            "word/document.xml",
            '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            "<w:body><w:p><w:r><w:t>西游记 改编</w:t></w:r></w:p></w:body></w:document>",
        )
    return out.getvalue()


def _pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture(scope="session")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """One small real file per carrier, keyed by a short name."""
    d = tmp_path_factory.mktemp("media")
    _ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=1", str(d / "a.mp3"))
    _ffmpeg("-f", "lavfi", "-i", "sine=duration=1", str(d / "a.wav"))
    _ffmpeg("-f", "lavfi", "-i", "sine=duration=1", str(d / "a.flac"))
    _ffmpeg("-f", "lavfi", "-i", "sine=duration=1", "-c:a", "libvorbis", str(d / "a.ogg"))
    _ffmpeg("-f", "lavfi", "-i", "sine=duration=1", "-c:a", "libopus", str(d / "a.opus"))
    _ffmpeg("-f", "lavfi", "-i", "sine=duration=1", "-c:a", "aac", str(d / "a.m4a"))
    video = [
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=320x240:rate=15",
        "-f",
        "lavfi",
        "-i",
        "sine=duration=3",
        "-t",
        "3",
        "-c:v",
        "libx264",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
        "-shortest",
    ]
    _ffmpeg(*video, str(d / "tail.mp4"))  # moov after mdat
    _ffmpeg(*video, "-movflags", "+faststart", str(d / "fast.mp4"))  # moov before mdat
    _ffmpeg(*video, "-f", "mov", str(d / "a.mov"))
    files = {p.name: p.read_bytes() for p in d.iterdir()}
    files.update(
        {
            "a.png": _image("PNG"),
            "a.jpg": _image("JPEG", quality=90),
            "a.webp": _image("WEBP", quality=80),
            "ll.webp": _image("WEBP", lossless=True),
            "a.pdf": _pdf(),
            "a.docx": _docx(),
            "a.md": "# 白蛇传\n\nA retelling.\n".encode(),
            "fm.md": "---\ntitle: 白蛇传\ntags:\n  - legend\n---\nBody text.\n".encode(),
            "a.html": b"<!doctype html><html><head><title>t</title></head><body><p>x</p></body></html>",
        }
    )
    return files


@pytest.fixture()
def label() -> AIGCLabel:
    """A label as published: producer fields plus ours as propagator."""
    return propagated(produced("CBTEST01", "work-42"), "CULTUREBRIDGE", "pub-7")


@pytest.fixture()
def labels_platform(tmp_path: Path) -> Iterator[Platform]:
    """An initialised platform on SQLite (keys made by `init`), with creators mei and bo."""
    platform, _ = init_platform(Settings(data_dir=tmp_path / "data"), "admin", "password-admin")
    with platform.db.write() as conn:
        make_user(conn, "mei")
        make_user(conn, "bo")
    yield platform
    platform.close()


def run_jobs(platform: Platform) -> list[Job]:
    """Run queued jobs until none is left; return them in the order they ran."""
    handlers = job_handlers(platform)
    ran = []
    while (job := run_one(platform.db, handlers)) is not None:
        ran.append(job)
    return ran
