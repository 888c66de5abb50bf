"""Video fingerprints: PDQ of frames sampled at 1 fps (vPDQ) and clip alignment.

vPDQ (REFERENCE §4): a query video matches a reference when at least 80% of the query's
usable frames (PDQ quality >= 50) lie within Hamming 31 of some reference frame. To locate
an excerpt, the query's frame sequence is also slid along the reference's and the offset
with the most aligned frame matches gives the excerpt's start time.
"""

from __future__ import annotations

import json
import struct
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
from culturebridge.fingerprint.image import PDQ_MATCH_DISTANCE, PDQ_MIN_QUALITY, PdqHash, pdq_hash

FRAME_RATE = 1.0  # REFERENCE §4: frames at 1 fps
VPDQ_MATCH_FRACTION = 0.8  # REFERENCE §4: >= 80% of the query's frames match
_SIDE = 128
_MAGIC = b"CBVID1"


@dataclass(frozen=True)
class VideoFingerprint:
    """PDQ hash of each frame sampled at `fps` frames per second, in time order."""

    frames: tuple[PdqHash, ...]
    fps: float = FRAME_RATE

    @property
    def duration(self) -> float:
        """Seconds covered by the sampled frames."""
        return len(self.frames) / self.fps

    def to_bytes(self) -> bytes:
        """Serialise to a compact versioned binary form."""
        head = _MAGIC + struct.pack(">dI", self.fps, len(self.frames))
        return head + b"".join(f.bits + bytes([f.quality]) for f in self.frames)

    @classmethod
    def from_bytes(cls, data: bytes) -> VideoFingerprint:
        """Parse bytes written by `to_bytes`."""
        pos = len(_MAGIC) + 12
        if not data.startswith(_MAGIC) or len(data) < pos:
            raise MalformedFingerprint("not a video fingerprint")
        fps, n = struct.unpack_from(">dI", data, len(_MAGIC))
        if len(data) != pos + 33 * n or not fps > 0:
            raise MalformedFingerprint("video fingerprint has the wrong length")
        frames = tuple(
            PdqHash(data[pos + 33 * i : pos + 33 * i + 32], data[pos + 33 * i + 32])
            for i in range(n)
        )
        return cls(frames, fps)


@dataclass(frozen=True)
class VideoComparison:
    """How a query video relates to a reference: vPDQ fractions and the best alignment."""

    query_fraction: float  # share of usable query frames near some reference frame
    reference_fraction: float  # share of usable reference frames near some query frame
    offset_seconds: float  # where the query starts in the reference (best alignment)
    aligned_fraction: float  # share of query frames matching at that offset

    @property
    def is_match(self) -> bool:
        """vPDQ decision: >= 80% of the query's frames match."""
        return self.query_fraction >= VPDQ_MATCH_FRACTION


def _usable_bits(
    frames: tuple[PdqHash, ...],
) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.bool_]]:
    bits = np.frombuffer(b"".join(f.bits for f in frames), np.uint8).reshape(-1, 32)
    usable = np.array([f.quality >= PDQ_MIN_QUALITY for f in frames], dtype=bool)
    return bits.copy().view(np.uint64), usable


def frame_distances(query: VideoFingerprint, reference: VideoFingerprint) -> npt.NDArray[np.int64]:
    """(query frames x reference frames) PDQ Hamming distances."""
    q, _ = _usable_bits(query.frames)
    r, _ = _usable_bits(reference.frames)
    xor = q[:, None, :] ^ r[None, :, :]
    return np.asarray(np.bitwise_count(xor).sum(axis=2, dtype=np.int64), np.int64)


def compare_videos(query: VideoFingerprint, reference: VideoFingerprint) -> VideoComparison:
    """vPDQ comparison plus the time offset of the query inside the reference."""
    if not query.frames or not reference.frames:
        return VideoComparison(0.0, 0.0, 0.0, 0.0)
    _, q_ok = _usable_bits(query.frames)
    _, r_ok = _usable_bits(reference.frames)
    dist = frame_distances(query, reference)
    near = (dist <= PDQ_MATCH_DISTANCE) & q_ok[:, None] & r_ok[None, :]
    q_hit = np.asarray(near.any(axis=1), bool)
    r_hit = np.asarray(near.any(axis=0), bool)
    q_frac = float(q_hit[q_ok].mean()) if q_ok.any() else 0.0
    r_frac = float(r_hit[r_ok].mean()) if r_ok.any() else 0.0
    # Closer frames weigh more, so a static shot does not blur the offset.
    weight = np.where(near, PDQ_MATCH_DISTANCE + 1 - dist, 0)
    nq, nr = near.shape
    # Diagonal k holds pairs (i, i + k): the query starting k frames into the reference.
    best_k, best, best_w = 0, 0, 0
    for k in range(-(nq - 1), nr):
        w = int(np.trace(weight, offset=k))
        if w > best_w:
            best_k, best, best_w = k, int(np.trace(near, offset=k)), w
    return VideoComparison(q_frac, r_frac, best_k / reference.fps, best / max(1, int(q_ok.sum())))


def fingerprint_frames(
    frames: list[npt.NDArray[np.uint8]], fps: float = FRAME_RATE
) -> VideoFingerprint:
    """Fingerprint already-decoded RGB frames sampled at `fps`."""
    return VideoFingerprint(tuple(pdq_hash(f) for f in frames), fps)


def _probe_has_video(path: Path, timeout: float) -> None:
    cmd = ["ffprobe", "-v", "error", "-show_streams", "-of", "json", str(path)]
    try:
        out = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
    except FileNotFoundError as exc:
        raise FingerprintToolFailed("ffprobe", "not installed") from exc
    except subprocess.TimeoutExpired as exc:
        raise FingerprintToolFailed("ffprobe", f"timed out after {timeout:.0f} s") from exc
    if out.returncode != 0:
        detail = out.stderr.decode(errors="replace").strip().splitlines()
        raise UndecodableMedia("video", detail[-1] if detail else "ffprobe could not read it")
    streams = json.loads(out.stdout or b"{}").get("streams", [])
    if not any(s.get("codec_type") == "video" for s in streams):
        raise NoMediaContent(f"{path.name} has no video stream")


def extract_frames(
    path: Path, *, fps: float = FRAME_RATE, timeout: float = 600.0
) -> list[npt.NDArray[np.uint8]]:
    """Decode frames at `fps` with ffmpeg, each scaled to 128x128 RGB."""
    _probe_has_video(path, timeout)
    cmd = [
        "ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-map", "0:v:0",
        "-vf", f"fps={fps},scale={_SIDE}:{_SIDE}", "-f", "rawvideo", "-pix_fmt", "rgb24", "-",
    ]  # fmt: skip
    try:
        out = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
    except FileNotFoundError as exc:
        raise FingerprintToolFailed("ffmpeg", "not installed") from exc
    except subprocess.TimeoutExpired as exc:
        raise FingerprintToolFailed("ffmpeg", f"timed out after {timeout:.0f} s") from exc
    size = _SIDE * _SIDE * 3
    n = len(out.stdout) // size
    if n == 0:
        lines = out.stderr.decode(errors="replace").strip().splitlines()
        detail = f" ({lines[-1]})" if lines else ""
        raise NoMediaContent(f"{path.name} has a video stream but no decodable frames{detail}")
    raw = np.frombuffer(out.stdout[: n * size], np.uint8).reshape(n, _SIDE, _SIDE, 3)
    return [raw[i] for i in range(n)]


def fingerprint_video(path: Path, *, timeout: float = 600.0) -> VideoFingerprint:
    """Fingerprint a video file: PDQ of a frame per second."""
    return fingerprint_frames(extract_frames(path, timeout=timeout))
