"""Procedural audio: pentatonic melodies in guqin-like plucked tones, as WAV, MP3 or OGG."""

from __future__ import annotations

import io
import tempfile
import wave
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from culturebridge.demo._ffmpeg import BITEXACT, read_output, run_ffmpeg

SAMPLE_RATE = 44_100
# Gong-shang-jue-zhi-yu (宫商角徵羽): the major pentatonic scale, semitones above the tonic.
PENTATONIC = (0, 2, 4, 7, 9)
AUDIO_FORMATS: dict[str, tuple[str, str, list[str]]] = {
    "wav": ("wav", "audio/wav", []),
    "mp3": ("mp3", "audio/mpeg", ["-c:a", "libmp3lame", "-b:a", "128k"]),
    "ogg": ("ogg", "audio/ogg", ["-c:a", "libvorbis", "-q:a", "4"]),
}

Samples = NDArray[np.float64]


def pluck(freq: float, seconds: float, rng: np.random.Generator) -> Samples:
    """One plucked-string note: decaying harmonics, upper ones dying faster, a soft attack."""
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    # A slight downward slide after the attack, as a guqin player's finger glides (吟猱):
    # the phase runs on a time axis that slows by up to 0.4 %.
    warped = t * (1 - 0.004 * np.minimum(t, 0.5))
    tone = np.zeros_like(t)
    for k in range(1, 6):
        amplitude = rng.uniform(0.5, 1.0) / k**1.3
        decay = 1.8 + 1.2 * k
        tone += (
            amplitude
            * np.exp(-decay * t)
            * np.sin(2 * np.pi * freq * k * (1 + 0.0008 * k) * warped)
        )
    attack = np.minimum(1.0, t / 0.006)
    return tone * attack


def melody(rng: np.random.Generator, seconds: float, tonic_hz: float, tempo_bpm: float) -> Samples:
    """A random walk over the pentatonic scale, rendered as overlapping plucked notes."""
    total = int(seconds * SAMPLE_RATE)
    out = np.zeros(total + SAMPLE_RATE * 3)
    beat = 60.0 / tempo_bpm
    pos, degree = 0.0, 5
    while pos < seconds - beat / 2:
        degree = int(np.clip(degree + rng.choice([-2, -1, -1, 0, 1, 1, 2]), 0, 10))
        octave, step = divmod(degree, 5)
        freq = tonic_hz * 2 ** ((PENTATONIC[step] + 12 * octave) / 12)
        length = beat * float(rng.choice([0.5, 1, 1, 1.5, 2]))
        note = pluck(freq, min(2.5, length + 1.0), rng) * rng.uniform(0.6, 1.0)
        start = int(pos * SAMPLE_RATE)
        out[start : start + len(note)] += note
        pos += length
    out = out[:total]
    fade = min(total, SAMPLE_RATE // 2)
    out[total - fade :] *= np.linspace(1.0, 0.0, fade)
    peak = float(np.abs(out).max()) or 1.0
    return out / peak * 0.8


def to_wav(samples: Samples) -> bytes:
    """16-bit mono PCM WAV bytes."""
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2")
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(pcm.tobytes())
    return buf.getvalue()


def encode_audio(samples: Samples, fmt: str) -> tuple[bytes, str, str]:
    """Encode samples as wav, mp3 or ogg: (bytes, file extension, media type)."""
    ext, media_type, codec = AUDIO_FORMATS[fmt]
    wav = to_wav(samples)
    if fmt == "wav":
        return wav, ext, media_type
    with tempfile.TemporaryDirectory(prefix="cb-demo-audio-") as tmp:
        src, dst = Path(tmp) / "in.wav", Path(tmp) / f"out.{ext}"
        src.write_bytes(wav)
        run_ffmpeg(["-i", str(src), *codec, *BITEXACT, str(dst)])
        return read_output(dst), ext, media_type
