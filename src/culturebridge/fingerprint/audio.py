"""Audio fingerprints: Chromaprint frames from `fpcalc -raw` and an aligned bit-error matcher.

Chromaprint (acoustid.org's fpcalc) yields one 32-bit value per 0.1238 s (4096-sample windows at
11025 Hz with a 2/3 overlap). It is built to identify whole tracks; to find an excerpt we
slide the query's frames along the reference's and, at each offset, count differing bits
(popcount of XOR) over the overlap. The offset with the lowest bit-error rate gives the
excerpt's start; a rate well below the ~0.37 of unrelated audio means a copy.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from culturebridge.errors import (
    FingerprintToolFailed,
    MalformedFingerprint,
    NoMediaContent,
    UndecodableMedia,
)

FRAME_SECONDS = 0.1238  # Chromaprint item: 4096 / 11025 / 3 s
MAX_BIT_ERROR = 0.25  # matches score <= 0.25; unrelated audio sits near 0.37 (similarity 0.63)
_MIN_OVERLAP = 24  # frames (~3 s) needed before a bit-error rate means anything
_MAGIC = b"CBAUD1"


@dataclass(frozen=True)
class AudioFingerprint:
    """Chromaprint raw frames (unsigned 32-bit) of an audio track."""

    frames: tuple[int, ...]

    @property
    def duration(self) -> float:
        """Seconds covered by the frames."""
        return len(self.frames) * FRAME_SECONDS

    def array(self) -> npt.NDArray[np.uint32]:
        """Frames as a numpy array."""
        return np.array(self.frames, dtype=np.uint32)

    def to_bytes(self) -> bytes:
        """Serialise to a compact versioned binary form."""
        return _MAGIC + self.array().astype(">u4").tobytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> AudioFingerprint:
        """Parse bytes written by `to_bytes`."""
        if not data.startswith(_MAGIC) or (len(data) - len(_MAGIC)) % 4:
            raise MalformedFingerprint("not an audio fingerprint")
        values = np.frombuffer(data, ">u4", offset=len(_MAGIC))
        return cls(tuple(int(v) for v in values))


@dataclass(frozen=True)
class AudioComparison:
    """Best alignment of a query inside a reference: bit-error rate, offset and overlap."""

    bit_error: float  # share of differing bits over the overlap, 0 (same) .. ~0.5 (random)
    offset_seconds: float  # where the query starts in the reference (negative: before it)
    overlap_seconds: float

    @property
    def score(self) -> float:
        """Bit similarity 1 - bit_error."""
        return 1.0 - self.bit_error

    @property
    def is_match(self) -> bool:
        """True when the aligned bit-error rate is at most MAX_BIT_ERROR."""
        return self.bit_error <= MAX_BIT_ERROR


def compare_audio(query: AudioFingerprint, reference: AudioFingerprint) -> AudioComparison:
    """Slide the query over the reference and return the lowest bit-error alignment."""
    q, r = query.array(), reference.array()
    m, n = len(q), len(r)
    need = min(_MIN_OVERLAP, m, n)
    if need == 0:
        return AudioComparison(0.5, 0.0, 0.0)
    # Pad the reference so that offsets with partial overlap are scored too.
    pad = np.zeros(m - 1, np.uint32)
    padded = np.concatenate([pad, r, pad])
    valid = np.concatenate([pad.astype(bool), np.ones(n, bool), pad.astype(bool)])
    windows = np.lib.stride_tricks.sliding_window_view(padded, m)  # (n + m - 1, m)
    masks = np.lib.stride_tricks.sliding_window_view(valid, m)
    errors = (np.bitwise_count(windows ^ q[None, :]) * masks).sum(axis=1)
    overlap = masks.sum(axis=1)
    rate = np.where(overlap >= need, errors / (32.0 * np.maximum(overlap, 1)), 1.0)
    best = int(np.argmin(rate))
    return AudioComparison(
        float(rate[best]), (best - (m - 1)) * FRAME_SECONDS, int(overlap[best]) * FRAME_SECONDS
    )


def fingerprint_audio(
    path: Path, *, timeout: float = 300.0, max_seconds: int = 0
) -> AudioFingerprint:
    """Fingerprint an audio (or video) file with `fpcalc -raw`; max_seconds 0 = whole file."""
    if path.is_file() and path.stat().st_size == 0:
        raise UndecodableMedia("audio", f"{path.name} is empty")
    cmd = ["fpcalc", "-raw", "-json", "-length", str(max_seconds), str(path)]
    try:
        out = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
    except FileNotFoundError as exc:
        raise FingerprintToolFailed(
            "fpcalc", "not installed (Debian libchromaprint-tools)"
        ) from exc
    except subprocess.TimeoutExpired as exc:
        raise FingerprintToolFailed("fpcalc", f"timed out after {timeout:.0f} s") from exc
    # fpcalc 1.5 exits non-zero with "Error decoding audio frame (End of file)" even after a
    # good run, so the printed fingerprint decides, not the exit status.
    text = out.stdout.decode(errors="replace")
    try:
        values = json.loads(text).get("fingerprint") or [] if text.strip() else None
    except (ValueError, AttributeError):
        values = None
    if values is None:
        lines = (out.stderr.decode(errors="replace") or text).strip().splitlines()
        if any("Empty fingerprint" in line for line in lines):
            raise NoMediaContent(f"{path.name} has too little audio for a fingerprint")
        raise UndecodableMedia("audio", lines[-1] if lines else "fpcalc could not read it")
    try:
        frames = tuple(int(v) & 0xFFFFFFFF for v in values)
    except (ValueError, TypeError) as exc:
        raise FingerprintToolFailed("fpcalc", f"unexpected output: {exc}") from exc
    if not frames:
        raise NoMediaContent(f"{path.name} has too little audio for a fingerprint")
    return AudioFingerprint(frames)
