"""Every generator produces decodable, deterministic media; bad parameters are clear errors."""

from __future__ import annotations

import io
import wave

import numpy as np
import pytest
from PIL import Image, ImageDraw

from culturebridge.demo._drawing import Script, find_font, script_of, title_font
from culturebridge.demo.media import GENERATORS, MediaSpec, generate
from culturebridge.errors import InvalidInput

from .conftest import Probe

IMAGE_GENERATORS = ("papercut", "opera-mask", "lanterns", "landscape")


def test_registry_names_every_generator() -> None:
    assert set(GENERATORS) == {*IMAGE_GENERATORS, "guqin", "pan-video", "shadow-play"}


@pytest.mark.parametrize("name", IMAGE_GENERATORS)
@pytest.mark.parametrize("fmt", ["png", "jpeg"])
def test_images_decode_with_pillow(name: str, fmt: str) -> None:
    out = generate(MediaSpec(name, {"seed": 7, "title": "剪纸 Test", "format": fmt}))
    image = Image.open(io.BytesIO(out.data))
    image.load()
    assert image.format == ("PNG" if fmt == "png" else "JPEG")
    assert out.media_type == ("image/png" if fmt == "png" else "image/jpeg")
    assert out.filename.endswith(".png" if fmt == "png" else ".jpg")
    assert 640 <= max(image.size) <= 1024 and min(image.size) >= 360


@pytest.mark.parametrize("name", IMAGE_GENERATORS)
def test_images_are_deterministic_per_seed(name: str) -> None:
    a = generate(MediaSpec(name, {"seed": 3, "title": "同"}))
    b = generate(MediaSpec(name, {"seed": 3, "title": "同"}))
    c = generate(MediaSpec(name, {"seed": 4, "title": "同"}))
    assert a == b
    assert a.data != c.data


def test_opera_mask_is_left_right_symmetric() -> None:
    out = generate(MediaSpec("opera-mask", {"seed": 11, "size": 640}))
    pixels = np.asarray(Image.open(io.BytesIO(out.data)).convert("L"), dtype=np.int16)
    assert np.abs(pixels - pixels[:, ::-1]).mean() < 3.0
    # and it is not a blank canvas
    assert pixels.std() > 20


def test_papercut_is_mirror_symmetric() -> None:
    out = generate(MediaSpec("papercut", {"seed": 5, "size": 640}))
    red = np.asarray(Image.open(io.BytesIO(out.data)).convert("RGB"))[..., 1] < 60  # red paper
    # a folded cut is symmetric about the horizontal axis (the drop shadow is not red)
    assert (red != red[::-1, :]).mean() < 0.01
    assert 0.15 < red.mean() < 0.85


@pytest.mark.parametrize("script,pair", [("cjk", "剪纸"), ("thai", "กข"), ("arabic", "بت")])
def test_title_fonts_are_installed_and_draw_real_glyphs(script: Script, pair: str) -> None:
    assert script_of(f"Title {pair}") == script
    assert find_font(script) is not None, "install fonts-noto-cjk and fonts-thai-tlwg-ttf"
    font = title_font(48, script)
    glyphs = []
    for char in pair:
        canvas = Image.new("L", (64, 64), 0)
        ImageDraw.Draw(canvas).text((4, 0), char, font=font, fill=255)
        glyphs.append(canvas.tobytes())
    assert glyphs[0] != glyphs[1]  # a missing glyph draws the same box for both letters


@pytest.mark.parametrize("fmt,codec", [("wav", "pcm_s16le"), ("mp3", "mp3"), ("ogg", "vorbis")])
def test_guqin_audio_probes_with_expected_duration(fmt: str, codec: str, ffprobe: Probe) -> None:
    out = generate(MediaSpec("guqin", {"seed": 2, "seconds": 3, "format": fmt}))
    report = ffprobe(out.data, out.filename)
    assert report["streams"][0]["codec_name"] == codec
    assert float(report["format"]["duration"]) == pytest.approx(3.0, abs=0.15)


def test_guqin_wav_is_deterministic_and_audible() -> None:
    spec = MediaSpec("guqin", {"seed": 9, "seconds": 2})
    a, b = generate(spec), generate(spec)
    assert a == b and a.media_type == "audio/wav"
    with wave.open(io.BytesIO(a.data)) as w:
        samples = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
        assert w.getframerate() == 44_100
    assert np.abs(samples).max() > 10_000  # normalised near full scale, not silence


@pytest.mark.parametrize(
    "name,params",
    [
        ("pan-video", {"seed": 1, "scene": "papercut", "title": "剪纸", "seconds": 5}),
        (
            "pan-video",
            {"seed": 1, "scene": "landscape", "title": "山水", "seconds": 5, "audio": "sine"},
        ),
        ("shadow-play", {"seed": 1, "title": "皮影", "seconds": 5, "fps": 8}),
    ],
)
def test_videos_are_h264_aac_mp4_of_expected_duration(
    name: str, params: dict[str, object], ffprobe: Probe
) -> None:
    out = generate(MediaSpec(name, params))
    assert out.media_type == "video/mp4" and out.filename.endswith(".mp4")
    report = ffprobe(out.data, out.filename)
    codecs = {s["codec_type"]: s for s in report["streams"]}
    assert codecs["video"]["codec_name"] == "h264"
    assert (codecs["video"]["width"], codecs["video"]["height"]) == (640, 360)
    assert codecs["audio"]["codec_name"] == "aac"
    assert float(report["format"]["duration"]) == pytest.approx(5.0, abs=0.25)


@pytest.mark.parametrize(
    "spec,fragment",
    [
        (MediaSpec("hologram", {}), "unknown media generator"),
        (MediaSpec("papercut", {"seed": -1}), "'seed'"),
        (MediaSpec("papercut", {"size": 5000}), "between 640 and 1024"),
        (MediaSpec("papercut", {"format": "gif"}), "one of png, jpeg"),
        (MediaSpec("papercut", {"colour": "red"}), "not a parameter"),
        (MediaSpec("guqin", {"seconds": "long"}), "must be a number"),
        (MediaSpec("pan-video", {"seconds": 60}), "between 5.0 and 12.0"),
        (MediaSpec("opera-mask", {"title": "x" * 500}), "longer than"),
    ],
)
def test_bad_parameters_are_invalid_input(spec: MediaSpec, fragment: str) -> None:
    with pytest.raises(InvalidInput, match=fragment):
        generate(spec)


def test_filename_uses_name_or_digest() -> None:
    named = generate(MediaSpec("opera-mask", {"seed": 1}, name="cover"))
    anonymous = generate(MediaSpec("opera-mask", {"seed": 1}))
    assert named.filename == "cover.png"
    assert (
        anonymous.filename == f"opera-mask-{MediaSpec('opera-mask', {'seed': 1}).digest()[:12]}.png"
    )


def test_encoded_audio_is_byte_for_byte_reproducible() -> None:
    spec = MediaSpec("guqin", {"seed": 4, "seconds": 2, "format": "ogg"})
    assert generate(spec) == generate(
        spec
    )  # bit-exact muxing: the cache key fully determines bytes
