"""Procedural video: Pillow frames piped to ffmpeg, H.264 + AAC in MP4.

Two scenes: a slow pan across a generated still (the "Ken Burns" move) and a shadow-puppet
play (皮影戏) of silhouettes on a lit screen. Sound is a pentatonic melody or a sine tone.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFilter

from culturebridge.demo._audio import melody, to_wav
from culturebridge.demo._drawing import draw_title
from culturebridge.demo._ffmpeg import BITEXACT, read_output, run_ffmpeg

WIDTH, HEIGHT = 640, 360
Overlay = tuple[int, NDArray[np.float32], NDArray[np.float32]]  # first row, RGB, alpha


def title_overlay(title: str) -> Overlay:
    """The title band as (first row, RGB, alpha) arrays, drawn once and blended per frame."""
    layer = Image.new("RGBA", (WIDTH, HEIGHT), (0, 0, 0, 0))
    draw_title(layer, title)
    rgba = np.asarray(layer).astype(np.float32)
    rows = np.nonzero(rgba[..., 3].max(axis=1))[0]
    top = int(rows[0]) if rows.size else HEIGHT
    alpha = rgba[top:, :, 3:4] / 255.0
    return top, rgba[top:, :, :3], alpha


def _blend(frame: NDArray[np.uint8], overlay: Overlay) -> bytes:
    """frame with the overlay's non-transparent rows alpha-blended in, as RGB24 bytes."""
    top, rgb, alpha = overlay
    out = frame.copy()
    band = out[top:].astype(np.float32)
    out[top:] = (band * (1.0 - alpha) + rgb * alpha).astype(np.uint8)
    return out.tobytes()


def pan_frames(still: Image.Image, frames: int, overlay: Overlay) -> Iterator[bytes]:
    """RGB24 frames panning left to right across still, which is scaled to cover the frame."""
    scale = max(WIDTH * 1.3 / still.width, HEIGHT / still.height)
    scaled = still.convert("RGB").resize(
        (math.ceil(still.width * scale), math.ceil(still.height * scale))
    )
    pixels = np.asarray(scaled)
    span_x, y0 = pixels.shape[1] - WIDTH, (pixels.shape[0] - HEIGHT) // 2
    for i in range(frames):
        x0 = round(span_x * i / max(1, frames - 1))
        yield _blend(pixels[y0 : y0 + HEIGHT, x0 : x0 + WIDTH], overlay)


def _screen() -> Image.Image:
    """The lit cloth screen of a shadow play: warm centre fading to dark edges."""
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH]
    d = np.hypot((x - WIDTH / 2) / WIDTH, (y - HEIGHT / 2) / HEIGHT) * 1.6
    light = np.clip(1.0 - d, 0.15, 1.0)[..., None]
    rgb = light * np.array([250.0, 200.0, 120.0])
    return Image.fromarray(rgb.astype(np.uint8))


def _puppet(
    draw: ImageDraw.ImageDraw, x: float, y: float, scale: float, swing: float, facing: int
) -> None:
    """One jointed silhouette figure: head, robe, arms moved by rods."""
    ink = (25, 15, 10)
    s = scale
    draw.ellipse((x - 9 * s, y - 62 * s, x + 9 * s, y - 44 * s), fill=ink)  # head
    draw.polygon(
        [
            (x + facing * 6 * s, y - 56 * s),
            (x + facing * 14 * s, y - 52 * s),
            (x + facing * 6 * s, y - 50 * s),
        ],
        fill=ink,
    )
    draw.polygon(
        [
            (x - 12 * s, y - 44 * s),
            (x + 12 * s, y - 44 * s),
            (x + 22 * s, y + 10 * s),
            (x - 22 * s, y + 10 * s),
        ],
        fill=ink,
    )
    for side in (-1, 1):
        angle = math.radians(60 + side * 25 * swing)
        hx, hy = x + side * 12 * s, y - 40 * s
        ex, ey = hx + side * math.cos(angle) * 26 * s, hy + math.sin(angle) * 26 * s
        draw.line((hx, hy, ex, ey), fill=ink, width=max(2, int(4 * s)))
        draw.line((ex, ey, ex, HEIGHT), fill=(70, 50, 35), width=1)  # control rod
    draw.line((x, y - 30 * s, x, HEIGHT), fill=(70, 50, 35), width=1)


def shadow_play_frames(rng: np.random.Generator, frames: int, overlay: Overlay) -> Iterator[bytes]:
    """RGB24 frames of two or three puppets crossing a lit screen."""
    screen = _screen()
    figures = [
        (
            rng.uniform(0.1, 0.9) * WIDTH,
            rng.uniform(0.8, 1.3),
            rng.choice([-1, 1]) * rng.uniform(0.4, 1.2),
            rng.uniform(0, 6),
        )
        for _ in range(int(rng.integers(2, 4)))
    ]
    for i in range(frames):
        frame = screen.copy()
        draw = ImageDraw.Draw(frame)
        for x0, scale, speed, phase in figures:
            x = (x0 + speed * i * 4) % (WIDTH + 80) - 40
            y = HEIGHT * 0.62 + 4 * math.sin(i / 3 + phase)
            _puppet(
                draw, x, y, scale * HEIGHT / 180, math.sin(i / 4 + phase), 1 if speed > 0 else -1
            )
        frame = frame.filter(ImageFilter.GaussianBlur(0.8))  # the cloth softens edges
        yield _blend(np.asarray(frame), overlay)


def encode_mp4(
    frames: Iterator[bytes], fps: int, seconds: float, audio: str, rng: np.random.Generator
) -> bytes:
    """Encode RGB24 frames plus a melody or sine soundtrack as MP4 (H.264 yuv420p + AAC)."""
    raw = b"".join(frames)
    with tempfile.TemporaryDirectory(prefix="cb-demo-video-") as tmp:
        out = Path(tmp) / "out.mp4"
        if audio == "melody":
            wav = Path(tmp) / "audio.wav"
            wav.write_bytes(to_wav(melody(rng, seconds, 196.0, 96.0)))
            audio_in = ["-i", str(wav)]
        else:
            audio_in = [
                "-f",
                "lavfi",
                "-i",
                f"sine=frequency=440:sample_rate=44100:duration={seconds}",
            ]
        run_ffmpeg(
            [
                "-f",
                "rawvideo",
                "-pix_fmt",
                "rgb24",
                "-s",
                f"{WIDTH}x{HEIGHT}",
                "-r",
                str(fps),
                "-i",
                "-",
                *audio_in,
                "-c:v",
                "libx264",
                "-preset",
                "superfast",
                "-crf",
                "26",
                "-pix_fmt",
                "yuv420p",
                "-threads",
                "1",
                "-c:a",
                "aac",
                "-b:a",
                "96k",
                "-t",
                f"{seconds}",
                "-movflags",
                "+faststart",
                *BITEXACT,
                str(out),
            ],
            stdin=raw,
        )
        return read_output(out)
