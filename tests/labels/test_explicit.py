from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from culturebridge.errors import InvalidInput
from culturebridge.labels import explicit
from tests.fingerprint.conftest import photo
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


def _overlay_as_first_drawn(width: int, height: int, lang: str, tier: str = "1") -> Image.Image:
    """Our overlay as it was first drawn: the plate's rectangle and the text on the whole picture."""
    lay = explicit.layout(width, height, lang, tier=tier)
    overlay = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    draw.rectangle(lay.box, fill=(0, 0, 0, 170))
    draw.text(lay.origin, explicit.short_notice(lang, tier), font=ImageFont.truetype(
        str(explicit.FONT), lay.font_size, index=2), fill=(255, 255, 255, 255))  # fmt: skip
    return overlay


@pytest.mark.parametrize("size", [(640, 360), (1333, 2000), (24, 18)])
def test_the_plate_looked_for_is_the_plate_the_overlay_draws(size: tuple[int, int]) -> None:
    for tier in explicit.TIERS:
        for lang in explicit.SHORT:
            lay = explicit.layout(*size, lang, tier=tier)
            first = _overlay_as_first_drawn(*size, lang, tier)
            assert explicit.render_overlay(*size, lang, tier=tier).tobytes() == first.tobytes(), (lang, tier)
            whole = first.crop(lay.box)
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



def _decoded(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as img:
        return np.asarray(img.convert("RGB"))


@pytest.mark.parametrize("size", [(900, 700), (360, 640)])
def test_the_plate_is_located_for_every_language_and_tier(size: tuple[int, int]) -> None:
    rng = np.random.default_rng(5)
    picture = Image.fromarray(rng.integers(0, 255, (40, 60, 3), dtype=np.uint8)).resize(size)
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=85)
    assert explicit.plate_boxes(_decoded(out.getvalue())) == []
    for tier in explicit.TIERS:
        for lang in explicit.SHORT:
            x0, y0, x1, y1 = explicit.layout(*size, lang, tier=tier).box
            found = explicit.plate_boxes(_decoded(explicit.label_image(out.getvalue(), lang, tier=tier)))
            assert found == [(x0, y0, x1 + 1, y1 + 1)], (lang, tier)  # the plate as drawn, far edges too


@pytest.mark.parametrize("grey", [255, 200])
def test_the_plate_is_located_on_a_bright_picture_it_darkens_to_a_third(grey: int) -> None:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (grey, grey, grey)).save(out, "JPEG", quality=75)
    labelled = _decoded(explicit.label_image(out.getvalue(), "en", tier="2"))
    x0, y0, x1, y1 = explicit.layout(640, 480, "en", tier="2").box
    assert explicit.plate_boxes(labelled) == [(x0, y0, x1 + 1, y1 + 1)]
    assert explicit.plate_boxes(_decoded(out.getvalue())) == []

def test_no_plate_is_located_on_pictures_without_one() -> None:
    for name in ("astronaut", "coffee", "chelsea", "camera", "text", "page"):
        rgb = np.asarray(photo(name))
        assert explicit.plate_boxes(rgb) == [], name
    for shape in ((8, 8), (10, 300), (300, 10), (9, 2000)):
        for value in (0, 128):
            assert explicit.plate_boxes(np.full((*shape, 3), value, np.uint8)) == []


def test_the_plate_is_located_on_a_large_picture_decoded_reduced() -> None:
    rng = np.random.default_rng(3)
    picture = Image.fromarray(rng.integers(0, 255, (300, 500, 3), dtype=np.uint8)).resize((5000, 3000))
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=90)
    labelled = Image.open(io.BytesIO(explicit.label_image(out.getvalue(), "en")))
    reduced = np.asarray(labelled.reduce(3).convert("RGB"))  # as the fingerprint stage decodes it
    (box,) = explicit.plate_boxes(reduced)
    x0, y0, x1, y1 = explicit.layout(5000, 3000, "en").box
    assert np.allclose(box, (x0 / 3, y0 / 3, x1 / 3, y1 / 3), atol=3)

CHILD = """
import json, resource, sys
from pathlib import Path
from culturebridge.labels.explicit import find_image_label, label_image
run = {"find": find_image_label, "label": lambda data: len(label_image(data, "zh"))}[sys.argv[3]]
run(Path(sys.argv[2]).read_bytes())  # libraries loaded, buffers warm
data = Path(sys.argv[1]).read_bytes()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
result = run(data)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"result": result, "grew_kib": after - before}))
"""
FULL_RGB_KIB = 7999 * 7999 * 3 // 1024  # 183 MiB: the picture below, decoded whole


@pytest.fixture(scope="module")
def huge_png(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A 7999x7999 PNG of 1 MB, and a small one to warm up with."""
    folder = tmp_path_factory.mktemp("huge")
    _write_huge_png(folder / "huge.png", 7999)
    _write_huge_png(folder / "warm.png", 1200)
    return folder / "huge.png", folder / "warm.png"


def _grown(huge_png: tuple[Path, Path], what: str) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-c", CHILD, *map(str, huge_png), what], capture_output=True, text=True,
                          check=False, timeout=600, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert done.returncode == 0, done.stderr[-2000:]
    report: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return report


def test_our_plate_is_looked_for_in_a_huge_png_without_its_full_size_raster(huge_png: tuple[Path, Path]) -> None:
    """The plate check of every upload reads a huge picture reduced, as the fingerprint does
    (it grew by 567 MiB when it decoded the picture whole)."""
    report = _grown(huge_png, "find")
    assert report["result"] is None
    assert report["grew_kib"] < 128 * 1024 < FULL_RGB_KIB, report


def test_labelling_a_huge_png_holds_the_picture_once(huge_png: tuple[Path, Path]) -> None:
    """Labelling needs the full picture, but once: it grew by 1.1 GiB (four whole copies)."""
    report = _grown(huge_png, "label")
    assert report["result"] > 0
    assert report["grew_kib"] < 2 * FULL_RGB_KIB, report


def _labelled_over_the_whole(data: bytes, lang: str) -> bytes:
    """Labelling as it was first written: our overlay composited over the whole picture."""
    img = Image.open(io.BytesIO(data))
    out_img = Image.alpha_composite(img.convert("RGBA"), _overlay_as_first_drawn(img.width, img.height, lang))
    out = io.BytesIO()
    if img.format == "JPEG":
        out_img.convert("RGB").save(out, "JPEG", quality=95)
    elif img.format == "WEBP":
        out_img.save(out, "WEBP", quality=95)
    else:
        keep_alpha = img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info
        out_img.convert("RGBA" if keep_alpha else "RGB").save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize(("size", "mode", "fmt"), [
    ((640, 360), "RGB", "JPEG"), ((300, 500), "RGBA", "PNG"), ((200, 900), "P", "PNG"),
    ((400, 300), "L", "PNG"), ((320, 240), "RGB", "WEBP"), ((24, 18), "RGB", "PNG"),
])  # fmt: skip
def test_labelling_composites_the_plate_region_only_with_the_same_pixels(
    size: tuple[int, int], mode: str, fmt: str
) -> None:
    rng = np.random.default_rng(size[0])
    picture = Image.fromarray(rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)).convert(mode)
    out = io.BytesIO()
    picture.save(out, fmt, **({"transparency": 0} if mode == "P" else {}))
    data = out.getvalue()
    for lang in ("zh", "es"):  # a short notice and a long one, wider than the narrow pictures
        assert explicit.label_image(data, lang) == _labelled_over_the_whole(data, lang), (lang, mode, fmt)


def test_a_loaded_face_is_reused_by_its_thread_only() -> None:
    import threading

    size = 31
    mine = explicit._font(size, explicit.FONT)
    assert explicit._font(size, explicit.FONT) is mine  # eighteen plates, one or two sizes: loaded once
    theirs: list[object] = []
    worker = threading.Thread(target=lambda: theirs.append(explicit._font(size, explicit.FONT)))
    worker.start()
    worker.join()
    assert theirs and theirs[0] is not mine  # FreeType faces are not shared between threads
