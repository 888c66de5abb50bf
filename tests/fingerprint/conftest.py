"""Real media for the fingerprint tests, built with Pillow, numpy and ffmpeg."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image, ImageDraw

CJK_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"


def photo(name: str) -> Image.Image:
    """A real photograph shipped by scikit-image."""
    import skimage.data

    return Image.fromarray(getattr(skimage.data, name)()).convert("RGB")


def procedural(seed: int, size: tuple[int, int] = (480, 360)) -> Image.Image:
    """A random picture of shapes over a gradient."""
    rng = np.random.default_rng(seed)
    w, h = size
    base = np.linspace(rng.integers(0, 120), rng.integers(120, 255), w)[None, :, None]
    arr = np.broadcast_to(base, (h, w, 3)).astype(np.uint8).copy()
    img = Image.fromarray(arr)
    draw = ImageDraw.Draw(img)
    for _ in range(40):
        x0, y0 = int(rng.integers(0, w)), int(rng.integers(0, h))
        x1, y1 = x0 + int(rng.integers(10, 120)), y0 + int(rng.integers(10, 120))
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        if rng.random() < 0.5:
            draw.ellipse((x0, y0, x1, y1), fill=colour)
        else:
            draw.rectangle((x0, y0, x1, y1), fill=colour, outline=(0, 0, 0))
    return img


def smooth_art(seed: int, size: tuple[int, int] = (1200, 600)) -> Image.Image:
    """Soft colour fields: a gradient with a few large blurred blobs, as in vector wallpapers."""
    rng = np.random.default_rng(seed)
    w, h = size
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    arr = np.empty((h, w, 3), np.float32)
    arr[:] = rng.uniform(40, 200, 3)
    arr += (xx / w)[..., None] * rng.uniform(-60, 60, 3)
    for _ in range(7):
        cx, cy, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(80, 260)
        blob = np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * r * r))[..., None]
        arr += blob * rng.uniform(-120, 120, 3)
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))


def truchet(seed: int, size: tuple[int, int] = (2400, 600), cell: int = 50) -> Image.Image:
    """Truchet tiles (quarter arcs, each cell turned at random) under a colour ramp: any two
    regions share look-alike corners, and differ in colour."""
    rng = np.random.default_rng(seed)
    img = Image.new("L", size, 200)
    draw = ImageDraw.Draw(img)
    half = cell // 2
    for y in range(0, size[1], cell):
        for x in range(0, size[0], cell):
            if rng.random() < 0.5:
                draw.arc((x - half, y - half, x + half, y + half), 0, 90, fill=40, width=8)
                draw.arc((x + half, y + half, x + 3 * half, y + 3 * half), 180, 270, fill=40, width=8)
            else:
                draw.arc((x + half, y - half, x + 3 * half, y + half), 90, 180, fill=40, width=8)
                draw.arc((x - half, y + half, x + half, y + 3 * half), 270, 360, fill=40, width=8)
    grey = np.asarray(img, np.float32)
    ramp = np.linspace(0, 1, size[0], dtype=np.float32)[None, :]
    rgb = np.stack([grey * (0.3 + 0.7 * ramp), grey * 0.8, grey * (1.0 - 0.7 * ramp)], axis=-1)
    return Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8))


def encode(img: Image.Image, fmt: str = "PNG", **opts: int) -> bytes:
    """Image bytes in a given format."""
    buf = io.BytesIO()
    img.save(buf, fmt, **opts)
    return buf.getvalue()


def dim_pan(img: Image.Image, n: int = 12) -> list[npt.NDArray[np.uint8]]:
    """Frames of a slow pan across `img` at 6% of its contrast: too flat for PDQ, not for ORB."""
    w, h = img.size
    frames = []
    for k in range(n):
        x0 = int(0.3 * w * k / (n - 1))
        f = np.asarray(
            img.crop((x0, int(0.15 * h), x0 + int(0.7 * w), int(0.85 * h))).resize((320, 240))
        )
        frames.append(np.clip(128 + (f.astype(np.float32) - 128) * 0.06, 0, 255).astype(np.uint8))
    return frames


def pan(img: Image.Image, n: int = 12, *, left: float = 0.0, width: float = 1.0) -> list[npt.NDArray[np.uint8]]:
    """320x240 frames of a slow pan from left to right across the part of `img` between `left`
    and `left + width` (fractions of its width): a window of 70% of that part, 80% of the height."""
    w, h = img.size
    x, span = int(left * w), int(width * w)
    boxes = [(x + int(0.3 * span * k / (n - 1)), int(0.1 * h), x + int(0.3 * span * k / (n - 1)) + int(0.7 * span),
              int(0.9 * h)) for k in range(n)]  # fmt: skip
    return [np.asarray(img.crop(box).resize((320, 240))) for box in boxes]


def write_video(path: Path, frames: list[npt.NDArray[np.uint8]], rate: int = 10, repeat: int = 1) -> Path:
    """An H.264 video of RGB frames (all of one size) at `rate` frames per second, each shown
    `repeat` times."""
    h, w = frames[0].shape[:2]
    subprocess.run(
        ["ffmpeg", "-y", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{w}x{h}",
         "-r", str(rate), "-i", "-", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(path)],
        input=b"".join(f.tobytes() * repeat for f in frames), check=True, timeout=120,
    )  # fmt: skip
    return path


def run_ffmpeg(*args: str) -> None:
    """Run ffmpeg quietly, failing the test on error."""
    subprocess.run(["ffmpeg", "-y", "-loglevel", "error", *args], check=True, timeout=120)


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A session folder for generated audio/video."""
    return tmp_path_factory.mktemp("media")


def make_video(path: Path, seconds: int, seed: int, rate: int = 10) -> Path:
    """An H.264 video of 3-second shots (procedural pictures, each slowly zooming)."""
    shots = [np.asarray(procedural(seed * 1000 + i, (400, 300))) for i in range(seconds // 3 + 1)]
    frames = []
    for n in range(seconds * rate):
        shot = shots[n // (3 * rate)]
        zoom = 1.0 + 0.02 * ((n % (3 * rate)) / rate)
        h, w = 240, 320
        ch, cw = int(300 / zoom), int(400 / zoom)
        y0, x0 = (300 - ch) // 2, (400 - cw) // 2
        crop = Image.fromarray(shot[y0 : y0 + ch, x0 : x0 + cw]).resize((w, h))
        frames.append(np.asarray(crop))
    return write_video(path, frames, rate)


@pytest.fixture(scope="session")
def reference_video(media_dir: Path) -> Path:
    """A 40-second video of 3-second shots."""
    return make_video(media_dir / "ref.mp4", 40, seed=5)


@pytest.fixture(scope="session")
def reference_audio(media_dir: Path) -> Path:
    """A 40-second WAV of a random note melody with harmonics."""
    rate = 22050
    rng = np.random.default_rng(7)
    notes = rng.integers(48, 84, 160)
    t = np.arange(int(rate * 0.25)) / rate
    parts = []
    for n in notes:
        f = 440.0 * 2 ** ((int(n) - 69) / 12)
        tone = sum(np.sin(2 * np.pi * f * k * t) / k for k in (1, 2, 3))
        parts.append(tone * np.exp(-3 * t))
    signal = np.concatenate(parts)
    signal = signal / np.abs(signal).max() * 0.6
    raw = media_dir / "ref.f32"
    signal.astype("<f4").tofile(raw)
    path = media_dir / "ref.wav"
    run_ffmpeg("-f", "f32le", "-ar", str(rate), "-ac", "1", "-i", str(raw), str(path))
    return path
