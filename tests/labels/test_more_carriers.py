"""GIF, TIFF and Matroska/WebM carriers, read back by exiftool and ffprobe."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from culturebridge.labels import MediaKind, sniff
from culturebridge.labels.carriers import read_labels, write_label
from culturebridge.labels.gb45438 import LabelKind, produced, propagated

LABEL = produced("CB001", "asset-1", LabelKind.POSSIBLY)
needs_ffmpeg = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg not installed")


def _gif(frames: int = 3) -> bytes:
    out = io.BytesIO()
    images = [Image.new("P", (16, 12), i * 40) for i in range(frames)]
    images[0].save(out, "GIF", save_all=True, append_images=images[1:], duration=100, loop=0)
    return out.getvalue()


def _tiff(order: str = "<") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 10), (200, 10, 10)).save(out, "TIFF")
    data = out.getvalue()
    assert data[:2] == (b"II" if order == "<" else b"MM")
    return data


def _video(tmp_path: Path, suffix: str, codec: str) -> bytes:
    path = tmp_path / f"in{suffix}"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=10", "-t", "1",
         "-c:v", codec, str(path)],
        check=True,
    )
    return path.read_bytes()


def _exiftool_aigc(path: Path) -> str:
    out = subprocess.run(["exiftool", "-j", "-XMP-TC260:all", str(path)], capture_output=True, check=True)
    return str(json.loads(out.stdout)[0].get("Aigc", ""))


def _ffprobe_tags(path: Path) -> dict[str, str]:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format_tags", "-of", "json", str(path)],
        capture_output=True, check=True,
    )
    return dict(json.loads(out.stdout)["format"].get("tags", {}))


@pytest.mark.skipif(shutil.which("exiftool") is None, reason="exiftool not installed")
@pytest.mark.parametrize(("make", "kind", "suffix"), [(_gif, MediaKind.GIF, ".gif"), (_tiff, MediaKind.TIFF, ".tif")])
def test_gif_and_tiff_carry_the_label_in_their_xmp_slot(make: object, kind: MediaKind, suffix: str, tmp_path: Path) -> None:
    data = make()  # type: ignore[operator]
    once = write_label(data, LABEL)
    twice = write_label(once, propagated(LABEL, "CBPLAT", "p-1"))
    got_kind, found = read_labels(twice)
    assert got_kind == kind and sniff(twice) == kind
    assert [f.label for f in found] == [propagated(LABEL, "CBPLAT", "p-1")]  # one label per file
    path = tmp_path / f"labelled{suffix}"
    path.write_bytes(twice)
    assert json.loads(_exiftool_aigc(path))["ContentPropagator"] == "CBPLAT"
    with Image.open(io.BytesIO(twice)) as im:  # the picture still decodes, every frame kept
        assert im.size == Image.open(io.BytesIO(data)).size
        assert getattr(im, "n_frames", 1) == getattr(Image.open(io.BytesIO(data)), "n_frames", 1)


@needs_ffmpeg
@pytest.mark.parametrize(("suffix", "codec"), [(".mkv", "libx264"), (".webm", "libvpx")])
def test_matroska_and_webm_carry_a_simpletag_ffprobe_reads(suffix: str, codec: str, tmp_path: Path) -> None:
    data = _video(tmp_path, suffix, codec)
    assert sniff(data) == MediaKind.MATROSKA
    labelled = write_label(write_label(data, LABEL), propagated(LABEL, "CBPLAT", "p-1"))
    assert [f.label for f in read_labels(labelled)[1]] == [propagated(LABEL, "CBPLAT", "p-1")]
    path = tmp_path / f"labelled{suffix}"
    path.write_bytes(labelled)
    tags = _ffprobe_tags(path)
    assert json.loads(tags["AIGC"])["AIGC"]["ContentPropagator"] == "CBPLAT"
    assert "ENCODER" in tags  # the file's other tags are kept
    decoded = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-f", "null", "-"], capture_output=True, check=False)
    assert decoded.returncode == 0 and not decoded.stderr


@needs_ffmpeg
def test_we_read_the_simpletag_ffmpeg_writes(tmp_path: Path) -> None:
    source = tmp_path / "in.mkv"
    source.write_bytes(_video(tmp_path, ".mkv", "libx264"))
    out = tmp_path / "ffmpeg.mkv"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(source), "-c", "copy", "-metadata",
                    f"AIGC={LABEL.to_json()}", str(out)], check=True)
    assert [f.label for f in read_labels(out.read_bytes())[1]] == [LABEL]


def test_truncated_files_are_refused_not_crashed() -> None:
    from culturebridge.errors import Error

    for data in (_gif()[:11], _tiff()[:6], b"\x1a\x45\xdf\xa3\x9f"):
        with pytest.raises(Error):
            read_labels(data)
