"""Procedural media generators of the demo pack: seeded, deterministic, bytes out.

A `MediaSpec` names a generator and its parameters (as written in works.yaml);
`generate(spec)` renders it to `Rendered(data, filename, media_type)`. Generators never
touch the network or the file system except ffmpeg's temporary files.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
from PIL import Image

from culturebridge.demo import _audio, _images, _video
from culturebridge.demo._drawing import draw_title, encode_image
from culturebridge.demo._params import Params
from culturebridge.errors import InvalidInput

# Bump when a generator's output changes, so cached renders are not reused.
GENERATOR_VERSION = 2
IMAGE_FORMATS = ("png", "jpeg")
SCENES = ("landscape", "lanterns", "papercut", "opera-mask")
TRANSFORMS = ("mirror", "crop", "reencode")


@dataclass(frozen=True)
class MediaSpec:
    """One media item of a work: a generator name and its parameters."""

    generator: str
    params: Mapping[str, Any] = field(default_factory=dict)
    name: str = ""

    def digest(self) -> str:
        """SHA-256 over generator, parameters and generator version (the cache key)."""
        canonical = json.dumps(
            {
                "generator": self.generator,
                "params": dict(self.params),
                "version": GENERATOR_VERSION,
            },
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def filename(self, ext: str) -> str:
        """Suggested file name: the spec's name, or generator and digest, plus ext."""
        return f"{self.name or f'{self.generator}-{self.digest()[:12]}'}.{ext}"


class Rendered(NamedTuple):
    """Rendered media: the bytes, a suggested file name and the IANA media type."""

    data: bytes
    filename: str
    media_type: str


Output = tuple[bytes, str, str]  # (bytes, extension, media type)
Job = Callable[[], Output]
# A generator reads and checks all its parameters first and returns the rendering job, so a
# pack can be validated without rendering anything (`check_spec`).
Generator = Callable[[Params], Job]
Painter = Callable[[np.random.Generator], Image.Image]


def _seed(p: Params) -> int:
    return p.integer("seed", 0, 0, 2**32 - 1)


def _painter(scene: str, p: Params, default_size: int) -> Painter:
    """Read the scene's size parameters and return the function that paints it."""
    if scene == "landscape":
        width = p.integer("width", 1024, 640, 1024)
        height = p.integer("height", width * 5 // 8, 360, 1024)
        return lambda rng: _images.paint_landscape(rng, width, height)
    size = p.integer("size", default_size, 640, 1024)
    if scene == "papercut":
        return lambda rng: _images.paint_papercut(rng, size)
    if scene == "lanterns":
        return lambda rng: _images.paint_lanterns(rng, size)
    colour = p.choice("colour", "red", _images.MASK_COLOURS)
    return lambda rng: _images.paint_opera_mask(rng, size, colour)


def _transformed(image: Image.Image, transform: str) -> Image.Image:
    """The picture as a copier would reupload it: mirrored, cropped, or shrunk (then re-encoded)."""
    if transform == "mirror":
        return image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    if transform == "crop":
        w, h = image.size
        # A trim of the edges (2.5%): the image monitor finds crops up to about 3% (see docs).
        return image.crop((w // 40, h // 40, w - w // 40, h - h // 40))
    w, h = image.size
    return image.resize((w * 3 // 4, h * 3 // 4), Image.Resampling.LANCZOS)


def _image(scene: str) -> Generator:
    def prepare(p: Params) -> Job:
        seed, paint = _seed(p), _painter(scene, p, 800)
        title, fmt = p.text("title", ""), p.choice("format", "png", IMAGE_FORMATS)
        # A planted copy: the same picture transformed (demo.distinct checks the monitor finds it).
        transform = p.choice("transform", "", ("", *TRANSFORMS))
        p.finish()

        def job() -> Output:
            image = paint(np.random.default_rng(seed))
            draw_title(image, title)
            if transform:
                image = _transformed(image, transform)
            return encode_image(image, fmt)

        return job

    prepare.__doc__ = f"{scene} image (PNG or JPEG, 640-1024 px) with an optional title"
    return prepare


def _guqin(p: Params) -> Job:
    """Pentatonic melody in guqin-like plucked tones, WAV / MP3 / OGG."""
    seed = _seed(p)
    seconds = p.number("seconds", 8.0, 1.0, 60.0)
    tonic = p.number("tonic_hz", 196.0, 80.0, 660.0)
    tempo = p.number("tempo_bpm", 84.0, 40.0, 200.0)
    fmt = p.choice("format", "wav", tuple(_audio.AUDIO_FORMATS))
    p.finish()
    return lambda: _audio.encode_audio(
        _audio.melody(np.random.default_rng(seed), seconds, tonic, tempo), fmt
    )


def _video_params(p: Params) -> tuple[str, float, int, str]:
    title = p.text("title", "")
    seconds = p.number("seconds", 8.0, 5.0, 12.0)
    fps = p.integer("fps", 12, 6, 30)
    audio = p.choice("audio", "melody", ("melody", "sine"))
    return title, seconds, fps, audio


def _pan_video(p: Params) -> Job:
    """A slow pan across a generated still with its title, MP4 (H.264 + AAC)."""
    seed = _seed(p)
    paint = _painter(p.choice("scene", "landscape", SCENES), p, 720)
    title, seconds, fps, audio = _video_params(p)
    p.finish()

    def job() -> Output:
        rng = np.random.default_rng(seed)
        frames = _video.pan_frames(paint(rng), round(seconds * fps), _video.title_overlay(title))
        return _video.encode_mp4(frames, fps, seconds, audio, rng), "mp4", "video/mp4"

    return job


def _shadow_play(p: Params) -> Job:
    """Shadow-puppet silhouettes crossing a lit screen, MP4 (H.264 + AAC)."""
    seed = _seed(p)
    title, seconds, fps, audio = _video_params(p)
    p.finish()

    def job() -> Output:
        rng = np.random.default_rng(seed)
        frames = _video.shadow_play_frames(rng, round(seconds * fps), _video.title_overlay(title))
        return _video.encode_mp4(frames, fps, seconds, audio, rng), "mp4", "video/mp4"

    return job


GENERATORS: Mapping[str, Generator] = {
    "papercut": _image("papercut"),
    "opera-mask": _image("opera-mask"),
    "lanterns": _image("lanterns"),
    "landscape": _image("landscape"),
    "guqin": _guqin,
    "pan-video": _pan_video,
    "shadow-play": _shadow_play,
}


def _prepare(spec: MediaSpec) -> Job:
    if spec.generator not in GENERATORS:
        raise InvalidInput(
            f"unknown media generator {spec.generator!r}",
            hint=f"use one of: {', '.join(sorted(GENERATORS))}",
        )
    return GENERATORS[spec.generator](Params(spec.generator, spec.params))


def check_spec(spec: MediaSpec) -> None:
    """Raise InvalidInput if spec names an unknown generator or has a bad parameter."""
    _prepare(spec)


def generate(spec: MediaSpec) -> Rendered:
    """Render spec to bytes (deterministic for equal specs); no caching."""
    data, ext, media_type = _prepare(spec)()
    return Rendered(data, spec.filename(ext), media_type)
