"""Bad input gets an answer — a match list, "unmatchable" with the reason, or an error line — never a crash."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from culturebridge.fingerprint.image import fingerprint_array, fingerprint_image
from culturebridge.fingerprint.matcher import Fingerprint, Library, unmatchable_reason
from culturebridge.fingerprint.scan import fingerprint_file, scan_paths
from culturebridge.fingerprint.text import fingerprint_text

from .conftest import encode, photo


@pytest.fixture(scope="module")
def library() -> Library:
    lib = Library()
    lib.add("w1", "cover", Fingerprint("image", fingerprint_array(np.asarray(photo("chelsea")))))
    lib.add("w2", "story", Fingerprint("text", fingerprint_text("孙悟空 Monkey King 大闹天宫。" * 20)))
    return lib


def _animated(fmt: str) -> bytes:
    frames = [photo("chelsea").resize((160, 120)), photo("coffee").resize((160, 120))]
    buf = io.BytesIO()
    frames[0].save(buf, fmt, save_all=True, append_images=frames[1:], duration=100, loop=0)
    return buf.getvalue()


def _write(folder: Path) -> dict[str, bytes]:
    cases = {
        "tiny.png": encode(Image.new("RGB", (3, 3), "red")),
        "small.png": encode(photo("chelsea").resize((12, 9))),
        "flat.png": encode(Image.new("RGB", (640, 480), (90, 120, 200))),
        "flat-grey16.png": encode(Image.new("I;16", (300, 200), 4000)),
        "sliver.png": encode(photo("chelsea").resize((2000, 9))),
        "transparent.png": encode(Image.new("RGBA", (300, 300), (0, 0, 0, 0))),
        "huge.png": encode(Image.new("1", (9000, 9000))),  # 81 Mpx once decoded
        "animated.gif": _animated("GIF"),
        "animated.webp": _animated("WEBP"),
        "mixed.txt": "Ünïcödé 混合 文字 текст نص טקסט 🙂\u200b\u202e RTL и ㄅㄆ ｆｕｌｌ-width".encode(),
        "only-marks.txt": "。。。！！！？？？……".encode(),
        "monkey.txt": ("孙悟空 Monkey King 大闹天宫。" * 20).encode(),
    }
    for name, data in cases.items():
        (folder / name).write_bytes(data)
    return cases


def test_every_bad_file_gets_an_answer(library: Library, tmp_path: Path) -> None:
    _write(tmp_path)
    results = {Path(r.file).name: r for r in scan_paths([tmp_path], library)}
    assert len(results) == 12
    for name in ("tiny.png", "huge.png"):  # refused before any matching, with the reason
        assert results[name].error and not results[name].matches, name
    assert "too small" in (results["tiny.png"].error or "")
    assert "safety limit" in (results["huge.png"].error or "")
    for name in ("flat.png", "flat-grey16.png", "transparent.png"):
        r = results[name]
        assert r.error is None and not r.matches, name
        assert r.unmatchable and "featureless" in r.unmatchable, name
    for name in ("sliver.png", "small.png"):  # fingerprinted (PDQ of the stretched pixels), no match
        assert results[name].error is None and not results[name].matches, name
    # An animated picture is fingerprinted from its first frame: the cat.
    for name in ("animated.gif", "animated.webp"):
        assert [m.work_id for m in results[name].matches] == ["w1"], name
    assert results["mixed.txt"].error is None and not results["mixed.txt"].matches
    assert results["only-marks.txt"].unmatchable == "text too short to fingerprint"
    assert {m.work_id for m in results["monkey.txt"].matches} == {"w2"}


def test_a_match_says_why(library: Library, tmp_path: Path) -> None:
    crop = photo("chelsea").crop((30, 20, 420, 280)).transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    (tmp_path / "crop.jpg").write_bytes(encode(crop, "JPEG", quality=70))
    (match,) = library.match(fingerprint_file(tmp_path / "crop.jpg"))
    evidence = match.evidence
    assert evidence is not None and evidence.method == "keypoints"
    assert evidence.mirrored and evidence.inliers and evidence.region
    x0, y0, x1, y1 = evidence.region
    assert x1 - x0 < 0.9 and y1 - y0 < 0.9  # a part of the original, not all of it


def test_fingerprints_of_odd_images_round_trip(tmp_path: Path) -> None:
    for img in (Image.new("RGB", (640, 480), "white"), photo("chelsea").resize((2000, 9))):
        fp = fingerprint_image(encode(img))
        assert type(fp).from_bytes(fp.to_bytes()).hashes == fp.hashes
    flat = fingerprint_image(encode(Image.new("RGB", (640, 480), "white")))
    assert unmatchable_reason(Fingerprint("image", flat)) is not None
