"""A motion-comic draft assembled locally with ffmpeg: stills, narration and subtitles.

Each scene shows one generated still for as long as its narration lasts (at least the
scene's share of the asked length), with a slow horizontal pan; the narration tracks are
concatenated under it. Subtitles are burned in (libass, a CJK-capable font) or carried as
a `mov_text` track in the MP4. The result is H.264/AAC with `moov` first, so the labels
stage writes its GB 45438 `AIGC` metadata without re-encoding.
"""

from __future__ import annotations

import io
import subprocess
import tempfile
import wave
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from PIL import Image, ImageOps, UnidentifiedImageError

from culturebridge.errors import EndpointFailed, ExternalServiceError, InvalidInput

Subtitles = Literal["burned", "track"]
SUBTITLE_MODES: tuple[Subtitles, ...] = ("burned", "track")
MAX_SCENE_S = 60.0
FONT = "Noto Sans CJK SC"  # Debian fonts-noto-cjk; libass falls back through fontconfig


@dataclass(frozen=True)
class Scene:
    still: bytes  # PNG, JPEG or WebP
    narration: bytes  # WAV, MP3, FLAC or Ogg
    caption: str


@dataclass(frozen=True)
class Video:
    data: bytes
    duration_s: float
    cues: tuple[tuple[float, float, str], ...]


def audio_seconds(data: bytes) -> float:
    """Duration of narration audio: WAV read directly, anything else through ffprobe."""
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        try:
            with wave.open(io.BytesIO(data)) as w:
                frame_bytes = w.getsampwidth() * w.getnchannels()
                # Streaming writers (espeak-ng --stdout) leave the size fields at 0x7fffffff:
                # count the frames the bytes actually hold instead.
                frames = min(w.getnframes(), max(0, len(data) - 44) // max(1, frame_bytes))
                return float(frames) / float(w.getframerate())
        except (wave.Error, EOFError):
            pass  # e.g. WAVE_FORMAT_EXTENSIBLE or a streaming header: ask ffprobe
    with tempfile.NamedTemporaryFile(suffix=".audio") as fh:
        fh.write(data)
        fh.flush()
        done = _run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "default=nw=1:nk=1",
                     fh.name], timeout=30)
    try:
        return float(done.stdout.strip())
    except ValueError:
        raise EndpointFailed("the narration audio has no readable duration") from None


def _cover(still: bytes, width: int, height: int) -> Image.Image:
    """The still scaled to cover width x height and centre-cropped (RGB)."""
    try:
        with Image.open(io.BytesIO(still)) as img:
            return ImageOps.fit(img.convert("RGB"), (width, height), Image.Resampling.BILINEAR)
    except (UnidentifiedImageError, OSError) as exc:
        raise InvalidInput(f"a still of the motion comic cannot be decoded: {exc}") from None


def _run(args: list[str], timeout: float) -> subprocess.CompletedProcess[bytes]:
    try:
        done = subprocess.run(args, capture_output=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ExternalServiceError(f"{args[0]} failed: {exc}") from None
    if done.returncode != 0:
        raise ExternalServiceError(f"{args[0]} failed: {done.stderr.decode(errors='replace')[-400:]}")
    return done


def _srt_time(t: float) -> str:
    ms = round(t * 1000)
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d},{ms % 1000:03d}"


def to_srt(cues: Sequence[tuple[float, float, str]]) -> str:
    """SubRip text of (start, end, text) cues."""
    return "".join(f"{i}\n{_srt_time(a)} --> {_srt_time(b)}\n{text}\n\n" for i, (a, b, text) in enumerate(cues, 1))


def assemble(scenes: Sequence[Scene], *, seconds: float, subtitles: Subtitles = "burned",
             width: int = 960, height: int = 540, fps: int = 24, timeout_s: float = 600,
             preset: str = "ultrafast") -> Video:
    """One MP4 from the scenes: about `seconds` long (longer if the narration needs it)."""
    if not scenes:
        raise InvalidInput("a motion comic needs at least one scene")
    if subtitles not in SUBTITLE_MODES:
        raise InvalidInput(f"subtitles must be one of {', '.join(SUBTITLE_MODES)}")
    share = max(1.0, seconds / len(scenes))
    too_long = [i for i, s in enumerate(scenes) if audio_seconds(s.narration) > MAX_SCENE_S]
    if too_long:
        raise EndpointFailed(f"narration of scene {too_long[0] + 1} is longer than {MAX_SCENE_S} s",
                             hint="shorten the scene's narration")
    durations = [max(share, audio_seconds(s.narration) + 0.4) for s in scenes]
    cues: list[tuple[float, float, str]] = []
    start = 0.0
    for scene, dur in zip(scenes, durations, strict=True):
        cues.append((start, start + dur - 0.1, scene.caption))
        start += dur
    with tempfile.TemporaryDirectory(prefix="cb-comic-") as tmp:
        folder = Path(tmp)
        args = ["ffmpeg", "-v", "error", "-y"]
        big_w, big_h = width * 9 // 8 // 2 * 2, height * 9 // 8 // 2 * 2
        for i, (scene, dur) in enumerate(zip(scenes, durations, strict=True)):
            # Scaled once here, not per frame in ffmpeg: the pan then only crops.
            _cover(scene.still, big_w, big_h).save(folder / f"still{i}.bmp")
            args += ["-loop", "1", "-framerate", str(fps), "-t", f"{dur:.3f}", "-i", str(folder / f"still{i}.bmp")]
        for i, scene in enumerate(scenes):
            (folder / f"voice{i}").write_bytes(scene.narration)
            args += ["-i", str(folder / f"voice{i}")]
        srt = folder / "subs.srt"
        srt.write_text(to_srt(cues), encoding="utf-8")
        n = len(scenes)
        parts = []
        for i, dur in enumerate(durations):
            parts.append(
                f"[{i}:v]crop={width}:{height}:x='({big_w}-{width})*t/{dur:.3f}':y={(big_h - height) // 2},"
                f"setsar=1,format=yuv420p,fps={fps}[v{i}]"
            )
            parts.append(f"[{n + i}:a]aresample=44100,aformat=channel_layouts=mono,apad,atrim=0:{dur:.3f}[a{i}]")
        parts.append("".join(f"[v{i}][a{i}]" for i in range(n)) + f"concat=n={n}:v=1:a=1[vc][ac]")
        if subtitles == "burned":
            style = f"FontName={FONT},FontSize=22,Outline=2,MarginV=28"
            parts.append(f"[vc]subtitles={srt}:force_style='{style}'[vout]")
            video_label = "[vout]"
        else:
            video_label = "[vc]"
            args += ["-i", str(srt)]
        out = folder / "comic.mp4"
        args += ["-filter_complex", ";".join(parts), "-map", video_label, "-map", "[ac]"]
        if subtitles == "track":
            args += ["-map", f"{2 * n}:s", "-c:s", "mov_text"]
        args += ["-c:v", "libx264", "-preset", preset, "-crf", "26", "-c:a", "aac", "-b:a", "96k",
                 "-movflags", "+faststart", str(out)]
        _run(args, timeout=timeout_s)
        return Video(out.read_bytes(), round(sum(durations), 3), tuple(cues))
