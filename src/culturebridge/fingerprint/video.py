"""Video fingerprints: PDQ of frames sampled at 1 fps (vPDQ), local features, clip alignment.

vPDQ (ThreatExchange's video PDQ): a query video matches a reference when at least 80% of the query's
usable frames (PDQ quality >= 50) lie within Hamming 31 of some reference frame. To locate
an excerpt, the query's frame sequence is also slid along the reference's and the offset
with the most aligned frame matches gives the excerpt's start time.

PDQ of a whole frame does not survive the usual disguises of a re-upload, so each frame is
also described the way images are: the clip's uniform borders (letterbox, pillarbox) are cut
before hashing, each frame's mirror image is hashed too, and each frame keeps its ORB
keypoints and those of its mirror image, so a cropped, overlaid or mirrored frame is
recognised by the similarity transform its keypoints share with a reference frame
(`image.align`). Smooth frames (animation, gradients: weak PDQ, few corners) keep their colour
layout too, located in the reference frames' as for images (`layout.compare_layout`). A frame
matches when any of these holds, or, when they leave too many unmatched, when its keypoints
agree with a reference frame near where the clip's matched frames put it: weakly and placed as
they are, or as strongly as any frame must on its own (`guided`).
"""

from __future__ import annotations

import json
import struct
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np
import numpy.typing as npt

from culturebridge.errors import (
    FingerprintToolFailed,
    MalformedFingerprint,
    NoMediaContent,
    UndecodableMedia,
)
from culturebridge.fingerprint.guided import guided_matches
from culturebridge.fingerprint.image import (
    DESCRIPTOR_MATCH,
    MIN_INLIERS,
    PDQ_MATCH_DISTANCE,
    PDQ_MIN_QUALITY,
    Features,
    PdqHash,
    align,
    orb_features,
    pack_features,
    pdq_hash,
    unpack_features,
    verified_inliers,
)
from culturebridge.fingerprint.layout import (
    Layout,
    colour_layout,
    compare_layout,
    layout_code,
    layout_codes,
    pack_layout,
    read_layout,
    varies,
)

FRAME_RATE = 1.0  # vPDQ: frames at 1 fps
VPDQ_MATCH_FRACTION = 0.8  # vPDQ: >= 80% of the query's frames match
FRAME_KEYPOINTS = 200  # ORB keypoints kept per sampled frame
_SIDE = 320  # frames are decoded at this longest side
_FRAME_CANDIDATES = 2  # reference frames checked with RANSAC per query frame
_MIN_FRAME_KEYPOINTS = 6  # a frame with fewer ORB keypoints cannot be aligned
COUNTABLE_KEYPOINTS = 4 * MIN_INLIERS  # a frame of weak PDQ counts when it has this many
_MAGIC = b"CBVID1"  # PDQ of frames only
_MAGIC2 = b"CBVID2"  # + mirrored frames' PDQ and each frame's keypoints
_MAGIC3 = b"CBVID3"  # + each frame's colour layout
_LAYOUT_FRAME_CANDIDATES = 2  # reference frames of the nearest layout codes compared per query frame


@dataclass(frozen=True, eq=False)
class VideoFingerprint:
    """PDQ hash of each frame sampled at `fps` frames per second, in time order.

    `mirrored` holds the PDQ of each frame's mirror image, `local` each frame's packed ORB
    keypoints (`image.pack_features`) and `local_mirrored` those of each frame's mirror image
    (ORB descriptors are not mirror-invariant) and `layouts` each frame's colour layout (CIELAB
    thumbnail, `layout.colour_layout`). Each is empty for fingerprints written before it was
    added (`local_mirrored` and `layouts` by `fingerprint backfill --all`).
    """

    frames: tuple[PdqHash, ...]
    fps: float = FRAME_RATE
    mirrored: tuple[PdqHash, ...] = ()
    local: tuple[bytes, ...] = ()
    local_mirrored: tuple[bytes, ...] = ()
    layouts: tuple[Layout, ...] = ()

    def __eq__(self, other: object) -> bool:
        """Equal when the stored forms are (the layouts are arrays, which `==` does not reduce)."""
        return isinstance(other, VideoFingerprint) and self.to_bytes() == other.to_bytes()

    def __hash__(self) -> int:
        return hash(self.to_bytes())

    @property
    def duration(self) -> float:
        """Seconds covered by the sampled frames."""
        return len(self.frames) / self.fps

    def keypoints(self) -> list[Features]:
        """Each frame's ORB keypoints (empty when the fingerprint has none)."""
        return [unpack_features(b) for b in self.local]

    def mirrored_keypoints(self) -> list[Features]:
        """Each frame's mirror image's ORB keypoints (empty when the fingerprint has none)."""
        return [unpack_features(b) for b in self.local_mirrored]

    def to_bytes(self) -> bytes:
        """Serialise to a compact versioned binary form."""
        pdq = b"".join(f.bits + bytes([f.quality]) for f in self.frames)
        if not self.mirrored and not self.local and not self.layouts:
            return _MAGIC + struct.pack(">dI", self.fps, len(self.frames)) + pdq
        # The keypoint count covers both lists: twice the frames means mirror images follow.
        packed = self.local + self.local_mirrored
        magic = _MAGIC3 if self.layouts else _MAGIC2
        head = magic + struct.pack(">dIII", self.fps, len(self.frames), len(self.mirrored), len(packed))
        mirrored = b"".join(f.bits + bytes([f.quality]) for f in self.mirrored)
        local = b"".join(struct.pack(">I", len(b)) + b for b in packed)
        if not self.layouts:
            return head + pdq + mirrored + local
        layouts = struct.pack(">I", len(self.layouts)) + b"".join(pack_layout(x) for x in self.layouts)
        return head + pdq + mirrored + local + layouts

    @classmethod
    def from_bytes(cls, data: bytes) -> VideoFingerprint:
        """Parse bytes written by `to_bytes` (this version, or the two before it)."""
        v3 = data.startswith(_MAGIC3)
        v2 = v3 or data.startswith(_MAGIC2)
        pos = len(_MAGIC) + (20 if v2 else 12)
        if not (v2 or data.startswith(_MAGIC)) or len(data) < pos:
            raise MalformedFingerprint("not a video fingerprint")
        if v2:
            fps, n, nm, nl = struct.unpack_from(">dIII", data, len(_MAGIC))
        else:
            (fps, n), nm, nl = struct.unpack_from(">dI", data, len(_MAGIC)), 0, 0
        if len(data) < pos + 33 * (n + nm) or not fps > 0 or (not v2 and len(data) != pos + 33 * n):
            raise MalformedFingerprint("video fingerprint has the wrong length")
        hashes = tuple(
            PdqHash(data[pos + 33 * i : pos + 33 * i + 32], data[pos + 33 * i + 32])
            for i in range(n + nm)
        )
        pos += 33 * (n + nm)
        local = []
        for _ in range(nl):
            if len(data) < pos + 4:
                raise MalformedFingerprint("video fingerprint is truncated")
            (size,) = struct.unpack_from(">I", data, pos)
            local.append(data[pos + 4 : pos + 4 + size])
            pos += 4 + size
        layouts = []
        if v3:
            if len(data) < pos + 4:
                raise MalformedFingerprint("video fingerprint is truncated")
            (count,) = struct.unpack_from(">I", data, pos)
            pos += 4
            if count != n:
                raise MalformedFingerprint("video fingerprint has layouts for a different number of frames")
            for _ in range(count):
                layout, pos = read_layout(data, pos, "video fingerprint")
                layouts.append(layout)
        if pos != len(data):
            raise MalformedFingerprint("video fingerprint has the wrong length")
        if nl not in (0, n, 2 * n):
            raise MalformedFingerprint("video fingerprint has keypoints for a different number of frames")
        return cls(hashes[:n], fps, hashes[n:], tuple(local[:n]), tuple(local[n:]), tuple(layouts))


@dataclass(frozen=True)
class VideoComparison:
    """How a query video relates to a reference: vPDQ fractions and the best alignment."""

    query_fraction: float  # share of usable query frames near some reference frame
    reference_fraction: float  # share of usable reference frames near some query frame
    offset_seconds: float  # where the query starts in the reference (best alignment)
    aligned_fraction: float  # share of query frames matching at that offset
    matched_by: tuple[int, int, int] = (0, 0, 0)  # query frames matched by PDQ, keypoints, colour layout

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


def _near(query: tuple[PdqHash, ...], reference: tuple[PdqHash, ...]) -> npt.NDArray[np.int64]:
    """(query x reference) distances, PDQ_BITS+1 where either hash is unusable."""
    if not query or not reference:
        return np.full((len(query), len(reference)), 257, np.int64)
    q, q_ok = _usable_bits(query)
    r, r_ok = _usable_bits(reference)
    dist = np.asarray(np.bitwise_count(q[:, None, :] ^ r[None, :, :]).sum(axis=2, dtype=np.int64), np.int64)
    return np.where(q_ok[:, None] & r_ok[None, :], dist, 257)


def local_matches(
    query: list[Features],
    reference: list[Features],
    rows: npt.NDArray[np.bool_] | None = None,
    *,
    layouts: tuple[Sequence[Layout], Sequence[Layout]] | None = None,
    mirrored: bool = False,
) -> npt.NDArray[np.bool_]:
    """(query x reference frames): frames whose keypoints agree on one similarity transform.

    Each query frame's descriptors (only the frames `rows` selects, when given) are matched
    against all reference frames' at once; the `_FRAME_CANDIDATES` reference frames with the
    most nearest neighbours are verified with RANSAC (`image.align`), with the same inlier and
    extent bounds as images and, given the frames' colour `layouts` (query's, reference's), the
    same photometric verification (`image.verified_inliers`; `mirrored`: `reference` holds the
    keypoints of the reference frames' mirror images).
    """
    out = np.zeros((len(query), len(reference)), bool)
    sizes = [len(f.descriptors) for f in reference]
    chosen = [i for i, q in enumerate(query)
              if len(q.descriptors) >= _MIN_FRAME_KEYPOINTS and (rows is None or rows[i])]  # fmt: skip
    if not chosen or sum(sizes) == 0:
        return out
    owner = np.repeat(np.arange(len(reference)), sizes)
    codes = np.concatenate([f.descriptors for f in reference if len(f.descriptors)])
    pool = faiss.IndexBinaryFlat(8 * codes.shape[1])
    pool.add(codes)
    # One exact search for every chosen frame's descriptors at once.
    dist, nearest = pool.search(np.concatenate([query[i].descriptors for i in chosen]), 1)
    frame = np.repeat(np.arange(len(chosen)), [len(query[i].descriptors) for i in chosen])
    close = dist[:, 0] <= DESCRIPTOR_MATCH
    for k, i in enumerate(chosen):
        votes = np.bincount(owner[nearest[close & (frame == k), 0]], minlength=len(reference))
        for j in np.argsort(-votes)[:_FRAME_CANDIDATES]:
            if votes[j] < 6:
                break
            looked_for, looked_in = (layouts[0][i], layouts[1][int(j)]) if layouts else (None, None)
            found = align(query[i], reference[int(j)])
            counted, _ = verified_inliers(found, query[i], reference[int(j)], looked_for, looked_in, mirrored=mirrored)
            if counted >= MIN_INLIERS:
                out[i, int(j)] = True
    return out


def layout_matches(
    query: Sequence[Layout], reference: Sequence[Layout], rows: npt.NDArray[np.bool_], needed: int
) -> npt.NDArray[np.bool_]:
    """(query x reference frames): frames whose colour layouts agree (`layout.compare_layout`).

    Each query frame that `rows` selects is compared with the `_LAYOUT_FRAME_CANDIDATES`
    reference frames of the nearest layout codes (`layout.layout_code`, the mirror images'
    included). The search stops once fewer frames are left to look at than the `needed` matches
    still missing: the clip is decided without them.
    """
    out = np.zeros((len(query), len(reference)), bool)
    chosen = [i for i in np.flatnonzero(rows).tolist() if varies(query[i])]
    if not chosen or not reference or needed > len(chosen):
        return out
    codes = np.stack([layout_codes(x) for x in reference])  # (frames, layout and mirror image, code)
    for k, i in enumerate(chosen):
        if needed > len(chosen) - k:
            break
        near = np.linalg.norm(codes - layout_code(query[i]), axis=2).min(axis=1)
        for j in np.argsort(near)[:_LAYOUT_FRAME_CANDIDATES].tolist():
            fit = compare_layout(query[i], reference[j])
            if fit is not None and fit.is_match:
                out[i, j] = True
                needed -= 1
                break
    return out


def _countable(
    frames: tuple[PdqHash, ...], keypoints: list[Features], layouts: tuple[Layout, ...] = ()
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Frames vPDQ counts (a usable PDQ hash), and frames that can be matched at all (a usable
    PDQ hash, enough keypoints or a colour layout that varies).

    A frame of weak texture (PDQ quality < 50: soft focus, dark, low contrast, flat animation)
    may still hold hundreds of ORB corners or a layout worth comparing; vPDQ alone would leave
    it out, and with it a whole dim or smooth clip.
    """
    _, pdq = _usable_bits(frames)
    matchable = pdq.copy()
    if len(keypoints) == len(frames):
        matchable |= np.array([len(f.descriptors) >= COUNTABLE_KEYPOINTS for f in keypoints], bool)
    if len(layouts) == len(frames):
        matchable |= np.array([varies(x) for x in layouts], bool)
    return pdq, matchable


def matchable_frames(video: VideoFingerprint) -> npt.NDArray[np.bool_]:
    """The frames `compare_videos` can count for this video (`_countable`): when there is none,
    the video can never match anything."""
    return _countable(video.frames, video.keypoints(), video.layouts)[1]


def _share(hits: npt.NDArray[np.bool_], counted: npt.NDArray[np.bool_]) -> float:
    return float(hits[counted].mean()) if counted.any() else 0.0


def compare_videos(query: VideoFingerprint, reference: VideoFingerprint) -> VideoComparison:
    """vPDQ comparison plus the time offset of the query inside the reference.

    A query frame matches a reference frame when their PDQ hashes (either one mirrored) are
    within 31 bits, or, when PDQ leaves too many query frames unmatched, when their keypoints
    (or the query's and the mirror image's of the reference frame) agree on one similarity
    transform (crops, overlays, mirrored copies), or, when that still leaves too many, when their
    colour layouts agree (smooth frames), or, when that still leaves too many, when its keypoints
    agree with a reference frame near where the matched frames put it, weakly and placed as they
    are, or as strongly as on their own (`guided.guided_matches`; counted with the keypoints'
    frames). The query's share is the larger of vPDQ's (over frames of usable PDQ) and the
    share over all frames that can be matched (`_countable`).
    """
    if not query.frames or not reference.frames:
        return VideoComparison(0.0, 0.0, 0.0, 0.0)
    frames, r_frames = query.keypoints(), reference.keypoints()  # unpacked once per comparison
    # Layouts count only when both sides keep them: against a fingerprint stored before them,
    # a clip is judged exactly as it was then.
    layouts = bool(query.layouts and reference.layouts)
    q_pdq, q_ok = _countable(query.frames, frames, query.layouts if layouts else ())
    _, r_ok = _countable(reference.frames, r_frames, reference.layouts if layouts else ())
    dist = _near(query.frames, reference.frames)
    for q_side, r_side in ((query.frames, reference.mirrored), (query.mirrored, reference.frames)):
        if q_side and r_side and len(q_side) == len(query.frames) and len(r_side) == len(reference.frames):
            dist = np.minimum(dist, _near(q_side, r_side))
    near: npt.NDArray[np.bool_] = np.asarray(dist <= PDQ_MATCH_DISTANCE, bool)
    weight = np.where(near, PDQ_MATCH_DISTANCE + 1 - dist, 0)
    by_pdq = int(near.any(axis=1).sum())

    def fraction() -> float:
        # vPDQ's share over frames of usable PDQ, or the share over all matchable frames: a
        # clip whose keypoints are too weak to align (heavy compression) keeps vPDQ's answer.
        hits = np.asarray(near.any(axis=1), bool)
        return max(_share(hits, q_pdq), _share(hits, q_ok))

    # The reference frames' keypoints, then (only if still needed) their mirror images'.
    sides: list[tuple[list[Features], bool]] = []  # the keypoint sides compared, for the guided pass
    same_frames = len(query.layouts) == len(frames) and len(reference.layouts) == len(reference.frames)
    frame_layouts = (query.layouts, reference.layouts) if same_frames else None
    for mirrored in (False, True):
        if fraction() >= VPDQ_MATCH_FRACTION or not frames:
            break
        side = reference.mirrored_keypoints() if mirrored else r_frames
        if not side:
            break
        sides.append((side, mirrored))
        unmatched = np.asarray(~near.any(axis=1), bool)
        local = local_matches(frames, side, rows=unmatched, mirrored=mirrored,
                              layouts=frame_layouts if len(side) == len(reference.frames) else None) & ~near  # fmt: skip
        near = near | local
        weight = weight + np.where(local, PDQ_MATCH_DISTANCE // 2, 0)
    by_keypoints = int(near.any(axis=1).sum()) - by_pdq
    if layouts and fraction() < VPDQ_MATCH_FRACTION:
        unmatched = np.asarray(~near.any(axis=1) & q_ok, bool)
        needed = int(np.ceil(VPDQ_MATCH_FRACTION * q_ok.sum())) - int((near.any(axis=1) & q_ok).sum())
        local = layout_matches(query.layouts, reference.layouts, unmatched, needed)
        near = near | local
        weight = weight + np.where(local, PDQ_MATCH_DISTANCE // 4, 0)
    by_layout = int(near.any(axis=1).sum()) - by_pdq - by_keypoints
    if sides and fraction() < VPDQ_MATCH_FRACTION:
        # Weak keypoint agreements where the matched frames' offset and placement vouch for them.
        # Both sides were compared above whenever the clip is still short here.
        whole = [side for side in sides if len(side[0]) == len(reference.frames)]
        guided = guided_matches(frames, whole, near, np.asarray(~near.any(axis=1) & q_ok, bool), layouts=frame_layouts)
        near = near | guided
        weight = weight + np.where(guided, PDQ_MATCH_DISTANCE // 4, 0)
        by_keypoints += int(guided.any(axis=1).sum())
    r_frac = _share(np.asarray(near.any(axis=0), bool), r_ok)
    nq, nr = near.shape
    # Diagonal k holds pairs (i, i + k): the query starting k frames into the reference.
    best_k, best, best_w = 0, 0, 0
    for k in range(-(nq - 1), nr):
        w = int(np.trace(weight, offset=k))
        if w > best_w:
            best_k, best, best_w = k, int(np.trace(near & q_ok[:, None], offset=k)), w
    aligned = best / max(1, int(q_ok.sum()))
    return VideoComparison(fraction(), r_frac, best_k / reference.fps, aligned, (by_pdq, by_keypoints, by_layout))


def content_box(frames: list[npt.NDArray[np.uint8]], *, tolerance: int = 12) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) of the picture inside a clip's uniform borders (letterbox).

    A row or column is border when, in every sampled frame, it is within `tolerance` grey
    levels of the frames' corner colour for 98% of its length.
    """
    grey = np.stack([f.astype(np.int16).mean(axis=2) for f in frames])
    corners = np.concatenate([grey[:, 0, 0], grey[:, 0, -1], grey[:, -1, 0], grey[:, -1, -1]])
    ref = float(np.median(corners))
    busy = (np.abs(grey - ref) > tolerance).any(axis=0)
    h, w = busy.shape
    rows = np.where(busy.mean(axis=1) > 0.02)[0]
    cols = np.where(busy.mean(axis=0) > 0.02)[0]
    if len(rows) == 0 or len(cols) == 0:
        return 0, h, 0, w
    top, bottom, left, right = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
    if bottom - top < 0.3 * h or right - left < 0.3 * w:
        return 0, h, 0, w
    return top, bottom, left, right


def fingerprint_frames(
    frames: list[npt.NDArray[np.uint8]], fps: float = FRAME_RATE
) -> VideoFingerprint:
    """Fingerprint already-decoded RGB frames sampled at `fps` (borders cut, mirrors, keypoints)."""
    if not frames:
        return VideoFingerprint((), fps)
    top, bottom, left, right = content_box(frames)
    inner = [np.ascontiguousarray(f[top:bottom, left:right]) for f in frames]
    hashes = tuple(pdq_hash(f) for f in inner)
    mirrored = tuple(pdq_hash(np.ascontiguousarray(f[:, ::-1])) for f in inner)
    local = tuple(pack_features(orb_features(f, count=FRAME_KEYPOINTS)) for f in inner)
    flipped = tuple(pack_features(orb_features(np.ascontiguousarray(f[:, ::-1]), count=FRAME_KEYPOINTS))
                    for f in inner)  # fmt: skip
    return VideoFingerprint(hashes, fps, mirrored, local, flipped, tuple(colour_layout(f) for f in inner))


def _probe_has_video(path: Path, timeout: float) -> tuple[int, int]:
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
    video = [s for s in streams if s.get("codec_type") == "video"]
    if not video:
        raise NoMediaContent(f"{path.name} has no video stream")
    w, h = int(video[0].get("width") or _SIDE), int(video[0].get("height") or _SIDE)
    return max(1, w), max(1, h)


def extract_frames(
    path: Path, *, fps: float = FRAME_RATE, timeout: float = 600.0
) -> list[npt.NDArray[np.uint8]]:
    """Decode frames at `fps` with ffmpeg, scaled to 320 px on the longest side (aspect kept)."""
    w, h = _probe_has_video(path, timeout)
    scale = _SIDE / max(w, h)
    width, height = max(16, round(w * scale / 2) * 2), max(16, round(h * scale / 2) * 2)
    cmd = [
        "ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-map", "0:v:0",
        "-vf", f"fps={fps},scale={width}:{height}", "-f", "rawvideo", "-pix_fmt", "rgb24", "-",
    ]  # fmt: skip
    try:
        out = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
    except FileNotFoundError as exc:
        raise FingerprintToolFailed("ffmpeg", "not installed") from exc
    except subprocess.TimeoutExpired as exc:
        raise FingerprintToolFailed("ffmpeg", f"timed out after {timeout:.0f} s") from exc
    size = width * height * 3
    n = len(out.stdout) // size
    if n == 0:
        lines = out.stderr.decode(errors="replace").strip().splitlines()
        detail = f" ({lines[-1]})" if lines else ""
        raise NoMediaContent(f"{path.name} has a video stream but no decodable frames{detail}")
    raw = np.frombuffer(out.stdout[: n * size], np.uint8).reshape(n, height, width, 3)
    return [raw[i] for i in range(n)]


def fingerprint_video(path: Path, *, timeout: float = 600.0) -> VideoFingerprint:
    """Fingerprint a video file: PDQ of a frame per second."""
    return fingerprint_frames(extract_frames(path, timeout=timeout))
