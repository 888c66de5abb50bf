from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from culturebridge.errors import InvalidInput
from culturebridge.labels import explicit
from tests.fingerprint.test_decode_bound import _write_huge_png


def test_text_notice_start_end_idempotent() -> None:
    once = explicit.label_text("正文。", "zh", explicit.Position.BOTH)
    assert once.startswith("【本内容由人工智能生成】") and once.rstrip().endswith(
        "【本内容由人工智能生成】"
    )
    assert explicit.label_text(once, "zh", explicit.Position.BOTH) == once
    assert explicit.find_text_label(once) == "zh"
    assert explicit.find_text_label("plain story") is None


def test_every_notice_meets_section_5_wording() -> None:
    # §5: 「人工智能」 or 「AI」 plus 「生成」/「合成」 — checked for the Chinese notices.
    for text in (explicit.SHORT["zh"], explicit.SENTENCE["zh"]):
        assert ("AI" in text or "人工智能" in text) and ("生成" in text or "合成" in text)
    assert all("AI" in t or "IA" in t for t in explicit.SHORT.values())


@pytest.mark.parametrize("size", [(800, 600), (300, 1000), (64, 64)])
def test_layout_glyphs_at_least_five_percent(size: tuple[int, int]) -> None:
    for lang in ("zh", "en"):
        lay = explicit.layout(*size, lang)
        assert lay.glyph_height >= 0.05 * min(size)
        x0, _y0, _x1, y1 = lay.box
        assert x0 >= 0 and y1 <= size[1]  # at the bottom-left edge, inside the picture


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_image_label_is_drawn_and_detected(fmt: str) -> None:
    rng = np.random.default_rng(3)
    buf = io.BytesIO()
    Image.fromarray(rng.integers(0, 255, (400, 640, 3), dtype=np.uint8)).save(buf, fmt)
    original = buf.getvalue()
    labelled = explicit.label_image(original, "zh")
    with Image.open(io.BytesIO(labelled)) as img:
        assert img.format == fmt and img.size == (640, 400)
    assert explicit.find_image_label(labelled) == "zh"
    assert explicit.find_image_label(original) is None


def test_unknown_language_is_refused() -> None:
    with pytest.raises(InvalidInput):
        explicit.label_text("x", "xx")


def _duration(data: bytes, tmp: Path) -> float:
    path = tmp / "x"
    path.write_bytes(data)
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout)


@pytest.mark.parametrize(
    "name,kind", [("a.wav", "wav"), ("a.mp3", "mp3"), ("a.flac", "flac"), ("a.m4a", "mp4")]
)
def test_audio_notice_is_prepended(
    name: str, kind: str, media: dict[str, bytes], tmp_path: Path
) -> None:
    spoken = explicit.label_audio(media[name], kind, "zh")
    assert _duration(spoken, tmp_path) > _duration(media[name], tmp_path) + 0.5


def test_tone_rhythm_is_short_long_short_short() -> None:
    import wave

    with wave.open(io.BytesIO(explicit.tone_notice(8000))) as w:
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    loud = (np.abs(pcm.reshape(-1, 80)).max(axis=1) > 1000).astype(int)  # 10 ms blocks
    runs = [len(r) for r in "".join(map(str, loud)).split("0") if r]
    assert runs == [12, 36, 12, 12]


def test_video_label_shows_for_two_seconds(media: dict[str, bytes]) -> None:
    labelled = explicit.label_video(media["fast.mp4"], "en")
    assert explicit.find_video_label(labelled) == "en"
    assert explicit.find_video_label(media["fast.mp4"]) is None
    with pytest.raises(InvalidInput):
        explicit.label_video(media["fast.mp4"], "en", seconds=1.0)


@pytest.mark.parametrize("size", [(640, 360), (1333, 2000)])
def test_the_plate_looked_for_is_the_plate_the_overlay_draws(size: tuple[int, int]) -> None:
    for tier in explicit.TIERS:
        for lang in explicit.SHORT:
            lay = explicit.layout(*size, lang, tier=tier)
            whole = explicit.render_overlay(*size, lang, tier=tier).crop(lay.box)
            plate = explicit.render_plate(lay, size, lang, tier=tier)
            assert plate.size == whole.size and plate.tobytes() == whole.tobytes(), (lang, tier)


def test_our_plate_is_found_on_a_large_picture_decoded_reduced() -> None:
    rng = np.random.default_rng(3)
    picture = Image.fromarray(rng.integers(0, 255, (300, 500, 3), dtype=np.uint8)).resize((5000, 3000))
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=90)
    assert max(picture.size) > explicit.PLATE_SIDE  # compared at a third of its size
    assert explicit.find_image_label(explicit.label_image(out.getvalue(), "zh")) == "zh"
    assert explicit.find_image_label(out.getvalue()) is None


PLATE_CHILD = """
import json, resource, sys
from pathlib import Path
from culturebridge.labels.explicit import find_image_label
find_image_label(Path(sys.argv[2]).read_bytes())  # libraries loaded, buffers warm
data = Path(sys.argv[1]).read_bytes()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
found = find_image_label(data)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"found": found, "grew_kib": after - before}))
"""


def test_our_plate_is_looked_for_in_a_huge_png_without_its_full_size_raster(tmp_path: Path) -> None:
    """A 7999x7999 PNG of 1 MB decodes to 183 MiB of RGB (and as much again converted): the
    plate check of every upload reads it reduced, as the fingerprint does."""
    huge, warm = tmp_path / "huge.png", tmp_path / "warm.png"
    _write_huge_png(huge, 7999)
    _write_huge_png(warm, 1200)
    done = subprocess.run([sys.executable, "-c", PLATE_CHILD, str(huge), str(warm)], capture_output=True, text=True,
                          check=False, timeout=600, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["found"] is None
    full_rgb_kib = 7999 * 7999 * 3 // 1024  # 183 MiB; the check grew by 567 MiB when it decoded whole
    assert report["grew_kib"] < 128 * 1024 < full_rgb_kib, report
