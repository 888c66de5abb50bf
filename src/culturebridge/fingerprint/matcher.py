"""A `Library` of registered fingerprints and matching of a query fingerprint against it.

The library is built from rows `(work_id, asset_id, kind, fingerprint bytes)` — the shape a
database table gives — and can be saved to and loaded from a directory as those rows; the
lookup structures are rebuilt from them:

- image: PDQ hashes in a multi-index `HashIndex` (radius 31), plus ORB descriptors in a
  `KeypointIndex` (exact, then IVF) whose nearest-neighbour votes pick the candidates for
  RANSAC checks; keypoints shared by several works (an explicit label) are left out; the
  nearest colour layouts (a 4x4 CIELAB code of the image and of its mirror image in a faiss
  L2 index) are compared when PDQ and keypoints find nothing, for smooth art with few corners;
- video: every frame's PDQ hash in a `HashIndex`; candidates get the full vPDQ comparison;
- audio: an inverted index of exact Chromaprint frame values picks candidates for the
  aligned bit-error comparison;
- text: passage MinHashes in a datasketch `MinHashLSH`; candidates get span alignment.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import functools
import json
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar, cast, get_args

import faiss
import numpy as np
from datasketch import MinHashLSH

from culturebridge.errors import InvalidInput, MalformedFingerprint, NotFound
from culturebridge.fingerprint.audio import AudioFingerprint, compare_audio
from culturebridge.fingerprint.image import (
    MIN_INLIERS,
    PDQ_MATCH_DISTANCE,
    PDQ_MIN_QUALITY,
    Features,
    ImageComparison,
    ImageFingerprint,
    compare_images,
    layout_varies,
    pdq_distance,
    with_layout,
)
from culturebridge.fingerprint.index import HashIndex
from culturebridge.fingerprint.keypoints import KeypointIndex
from culturebridge.fingerprint.layout import (
    LAYOUT_CODE_SIZE,
    Layout,
    layout_code,
    layout_codes,
    varies,
)
from culturebridge.fingerprint.text import NUM_PERM, TextFingerprint, compare_texts, minhash_of
from culturebridge.fingerprint.video import (
    COUNTABLE_KEYPOINTS,
    VideoFingerprint,
    compare_videos,
    matchable_frames,
)

Kind = Literal["image", "video", "audio", "text"]
KINDS: tuple[Kind, ...] = get_args(Kind)
Payload = ImageFingerprint | VideoFingerprint | AudioFingerprint | TextFingerprint
_P = TypeVar("_P", ImageFingerprint, VideoFingerprint, AudioFingerprint, TextFingerprint)
_PARSERS: dict[str, Callable[[bytes], Payload]] = {
    "image": ImageFingerprint.from_bytes,
    "video": VideoFingerprint.from_bytes,
    "audio": AudioFingerprint.from_bytes,
    "text": TextFingerprint.from_bytes,
}
_ROWS_FILE = "fingerprints.jsonl"
_FORMAT = "culturebridge.fingerprint-library/1"
_IMAGE_CANDIDATES = 5
_LAYOUT_CANDIDATES = 5  # nearest colour layouts compared when PDQ and keypoints find nothing
_ORB_VOTE_DISTANCE = 50  # bits: a descriptor "votes" for the image of its nearest neighbour
_LSH_THRESHOLD = 0.3
_MIN_SHARED_SHINGLES = 3  # as many as a text span needs


@functools.cache
def _lsh_bands() -> tuple[int, int]:
    """The (bands, rows) datasketch picks for the threshold, worked out once per process: it
    integrates the false positive and negative curves each time a MinHashLSH is made without
    them (about 4 ms, paid by every small library a worker built for its same-moment check)."""
    probe = MinHashLSH(threshold=_LSH_THRESHOLD, num_perm=NUM_PERM)
    return int(probe.b), int(probe.r)


@dataclass(frozen=True, eq=False)
class Fingerprint:
    """The fingerprint of one asset: its kind and the kind's fingerprint value."""

    kind: Kind
    value: Payload

    def to_bytes(self) -> bytes:
        """The value's serialised bytes (the kind is stored beside them)."""
        return self.value.to_bytes()

    @classmethod
    def from_bytes(cls, kind: str, data: bytes) -> Fingerprint:
        """Parse stored bytes of a given kind."""
        if kind not in _PARSERS:
            raise InvalidInput(f"unknown fingerprint kind {kind!r}", hint=f"use one of {KINDS}")
        return cls(cast(Kind, kind), _PARSERS[kind](data))


def image_evidence(result: ImageComparison) -> Evidence:
    """What an image comparison measured, named for the test that decided it."""
    a = result.alignment
    lay = result.layout
    if lay is not None and lay.is_match:
        return Evidence("layout", scale=lay.scale, region=lay.region, mirrored=lay.mirrored,
                        correlation=lay.correlation)  # fmt: skip
    by_keypoints = result.inliers >= MIN_INLIERS or result.pdq_distance > PDQ_MATCH_DISTANCE
    pdq = result.pdq_distance if result.pdq_distance <= PDQ_MATCH_DISTANCE else None
    if a is None:
        return Evidence("pdq", pdq_distance=pdq)
    return Evidence("keypoints" if by_keypoints else "pdq", pdq, a.inliers, a.extent, a.scale,
                    a.angle, a.region, a.mirrored, agreement=result.agreement)  # fmt: skip


def _smooth_frame_layouts(video: VideoFingerprint) -> list[Layout]:
    """The colour layouts of a video's frames that PDQ cannot hash (quality < 50) and that vary
    enough to be compared: the frames only their layouts can find."""
    if len(video.layouts) != len(video.frames):
        return []
    return [x for f, x in zip(video.frames, video.layouts, strict=True) if f.quality < PDQ_MIN_QUALITY and varies(x)]


def unmatchable_reason(fingerprint: Fingerprint) -> str | None:
    """Why a fingerprint can never match anything (a flat image, silent video ...), else None."""
    value = fingerprint.value
    if isinstance(value, ImageFingerprint):
        usable = any(h.quality >= PDQ_MIN_QUALITY for h in value.hashes)
        keypoints = max((len(v.descriptors) for v in value.views), default=0)
        if not usable and keypoints < MIN_INLIERS and not layout_varies(value):
            return (
                f"featureless image: no PDQ hash of quality >= {PDQ_MIN_QUALITY}, "
                f"{keypoints} keypoints (a match needs {MIN_INLIERS}) and an even colour layout"
            )
    elif isinstance(value, VideoFingerprint):
        if not matchable_frames(value).any():
            return (
                f"featureless video: no frame with PDQ quality >= {PDQ_MIN_QUALITY} or "
                f">= {COUNTABLE_KEYPOINTS} keypoints, and even colour layouts"
            )
    elif isinstance(value, TextFingerprint) and not value.winnowed and not value.passages:
        return "text too short to fingerprint"
    return None


@dataclass(frozen=True)
class MatchSpan:
    """Where the match lies: [start, end) in the query and in the reference, in `unit`."""

    query_start: float
    query_end: float
    reference_start: float
    reference_end: float
    unit: Literal["seconds", "characters"]


@dataclass(frozen=True)
class Evidence:
    """Why a query matched: the measurement behind the decision (fields not measured are None).

    `method` is "pdq" (global hash), "keypoints" (ORB + RANSAC similarity), "layout" (colour
    thumbnails, by normalised cross-correlation `correlation`), "frames" (video frames matched
    by PDQ, keypoints or colour layouts), "chromaprint" or "shingles"; `region` is the query's
    frame inside the reference as fractions (x0, y0, x1, y1); `mirrored` says the query is a
    mirror image of the reference; `frames` the share of the query's frames that matched and
    `frames_by` how many matched by PDQ, by keypoints and by colour layout; `agreement` the
    share of a keypoint match's overlap whose colours agree under its alignment (measured when
    the inliers alone are not conclusive).
    """

    method: str
    pdq_distance: int | None = None
    inliers: int | None = None
    extent: float | None = None
    scale: float | None = None
    angle: float | None = None
    region: tuple[float, float, float, float] | None = None
    mirrored: bool | None = None
    frames: float | None = None
    correlation: float | None = None
    frames_by: tuple[int, int, int] | None = None
    agreement: float | None = None

    def to_dict(self) -> dict[str, object]:
        """The measured fields only, for JSON."""
        return {k: v for k, v in self.__dict__.items() if v is not None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Evidence:
        """Evidence from `to_dict`'s JSON (fields it does not know are left out)."""
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        for name in ("region", "frames_by"):  # JSON arrays back to tuples
            if known.get(name) is not None:
                known[name] = tuple(known[name])
        return cls(**known)


@dataclass(frozen=True)
class Match:
    """A registered asset the query copies, with a score in [0, 1] and, for media, a span."""

    work_id: str
    asset_id: str
    kind: Kind
    score: float
    span: MatchSpan | None = None
    evidence: Evidence | None = None


Loader = Callable[[list[str]], dict[str, bytes]]  # asset ids -> their stored fingerprint bytes


@dataclass(frozen=True, slots=True)
class _Entry:
    work_id: str
    asset_id: str
    kind: Kind
    held: Fingerprint | None  # None: read through the library's loader when compared


class Library:
    """Registered fingerprints with their lookup indexes.

    Without a `loader` every fingerprint is kept in memory. With one (the platform's library
    reads the `fingerprints` table), only the lookup structures stay resident — PDQ hashes,
    ORB codes with their owner numbers, audio and text postings — and the full fingerprints
    of the few candidates a query compares against are read on demand, the last
    `cache_entries` of them kept in an LRU cache: an image's full fingerprint (keypoint
    positions and descriptors of the picture and its mirror, about 32 KB) is otherwise held
    twice, once here and once in the keypoint index.
    """

    def __init__(self, loader: Loader | None = None, cache_entries: int = 256) -> None:
        self._loader = loader
        self._cache: OrderedDict[int, Fingerprint] = OrderedDict()  # entry number -> fingerprint
        self._cache_entries = max(0, cache_entries)
        self._entries: list[_Entry] = []
        self._pdq = HashIndex()  # image PDQ hashes; id = entry number
        self._orb = KeypointIndex()  # ORB descriptors; owner = entry number
        self._layouts = faiss.IndexFlatL2(LAYOUT_CODE_SIZE)  # colour layout codes of images
        self._layout_owner: list[int] = []  # layout index row -> entry number
        self._work_numbers: dict[str, int] = {}  # work id -> small int, for common keypoints
        self._frames = HashIndex()  # video frame PDQ hashes (and mirrored); id = entry number
        self._frame_orb = KeypointIndex()  # video frames' ORB descriptors; owner = entry number
        self._frame_layouts = faiss.IndexFlatL2(LAYOUT_CODE_SIZE)  # layout codes of video frames PDQ cannot hash
        self._frame_layout_owner: list[int] = []  # frame layout index row -> entry number
        self._audio_values: dict[int, set[int]] = {}  # Chromaprint value -> entry numbers
        self._lsh = MinHashLSH(threshold=_LSH_THRESHOLD, num_perm=NUM_PERM, params=_lsh_bands())
        self._text_postings: dict[int, set[int]] = {}  # winnowed shingle hash -> entry numbers
        # One query is a few hundred descriptors: OpenMP start-up costs more than it saves and
        # oversubscribes shared CPUs (measured 80x slower under load), so search single-threaded.
        faiss.omp_set_num_threads(1)

    def __len__(self) -> int:
        return len(self._entries)

    @classmethod
    def from_rows(
        cls, rows: Iterable[tuple[str, str, str, bytes]], loader: Loader | None = None, cache_entries: int = 256
    ) -> Library:
        """Build a library from (work_id, asset_id, kind, fingerprint bytes) rows (see `__init__`)."""
        library = cls(loader, cache_entries)
        for work_id, asset_id, kind, data in rows:
            library.add(work_id, asset_id, Fingerprint.from_bytes(kind, data))
        library.rebuild()
        return library

    def rebuild(self) -> None:
        """Fold codes added since the last build into the lookup tables (after bulk adds)."""
        self._pdq.rebuild()
        self._frames.rebuild()
        self._orb.rebuild()
        self._frame_orb.rebuild()

    def rows(self) -> Iterator[tuple[str, str, str, bytes]]:
        """The library as (work_id, asset_id, kind, fingerprint bytes) rows."""
        for start in range(0, len(self._entries), 500):
            chunk = self._entries[start : start + 500]
            wanted = [e.asset_id for e in chunk if e.held is None]
            loaded = self._loader(wanted) if wanted and self._loader is not None else {}
            for e in chunk:
                data = e.held.to_bytes() if e.held is not None else loaded.get(e.asset_id)
                if data is not None:  # a row deleted since it was added is left out
                    yield e.work_id, e.asset_id, e.kind, data

    def fingerprint(self, n: int) -> Fingerprint | None:
        """Entry `n`'s full fingerprint: held, cached, or read through the loader (None if gone)."""
        e = self._entries[n]
        if e.held is not None:
            return e.held
        cached = self._cache.get(n)
        if cached is not None:
            self._cache.move_to_end(n)
            return cached
        data = self._loader([e.asset_id]).get(e.asset_id) if self._loader is not None else None
        if data is None:
            return None
        fp = Fingerprint.from_bytes(e.kind, data)
        if self._cache_entries:
            self._cache[n] = fp
            if len(self._cache) > self._cache_entries:
                self._cache.popitem(last=False)
        return fp

    def resident_bytes(self) -> int:
        """Bytes of the arrays this library holds per registered fingerprint (lookup structures,
        held and cached fingerprints); Python object overhead of entries and postings is not counted."""
        total = self._pdq.resident_bytes() + self._frames.resident_bytes()
        total += self._orb.resident_bytes() + self._frame_orb.resident_bytes()
        total += self._layouts.ntotal * LAYOUT_CODE_SIZE * 4 + len(self._layout_owner) * 8
        total += self._frame_layouts.ntotal * LAYOUT_CODE_SIZE * 4 + len(self._frame_layout_owner) * 8
        held = [e.held for e in self._entries if e.held is not None]
        return total + sum(_payload_bytes(fp) for fp in [*held, *self._cache.values()])

    def add(self, work_id: str, asset_id: str, fingerprint: Fingerprint) -> None:
        """Register an asset's fingerprint."""
        n = len(self._entries)
        self._entries.append(_Entry(work_id, asset_id, fingerprint.kind, None if self._loader else fingerprint))
        value = fingerprint.value
        if isinstance(value, ImageFingerprint):
            usable = [h.bits for h in value.hashes if h.quality >= PDQ_MIN_QUALITY]
            if usable:
                self._pdq.add(
                    [n] * len(usable), np.frombuffer(b"".join(usable), np.uint8).reshape(-1, 32)
                )
            work = self._work_numbers.setdefault(work_id, len(self._work_numbers))
            for view in value.views:
                self._orb.add(n, work, view.descriptors)
            if value.layout is not None:  # the layout and its mirror image, as for keypoints
                self._layouts.add(layout_codes(value.layout))
                self._layout_owner += [n, n]
        elif isinstance(value, VideoFingerprint):
            usable = [f.bits for f in value.frames + value.mirrored if f.quality >= PDQ_MIN_QUALITY]
            if usable:
                self._frames.add(
                    [n] * len(usable), np.frombuffer(b"".join(usable), np.uint8).reshape(-1, 32)
                )
            work = self._work_numbers.setdefault(work_id, len(self._work_numbers))
            for frame in value.keypoints() + value.mirrored_keypoints():
                self._frame_orb.add(n, work, frame.descriptors)
            smooth = _smooth_frame_layouts(value)
            if smooth:  # their layouts and mirror images, as for images
                self._frame_layouts.add(np.concatenate([layout_codes(x) for x in smooth]))
                self._frame_layout_owner += [n] * (2 * len(smooth))
        elif isinstance(value, AudioFingerprint):
            for v in set(value.frames):
                self._audio_values.setdefault(v, set()).add(n)
        else:
            for i, passage in enumerate(value.passages):
                self._lsh.insert(f"{n}:{i}", minhash_of(passage.signature))
            for s in value.winnowed:
                self._text_postings.setdefault(s.hash, set()).add(n)

    def match(self, fingerprint: Fingerprint, *, limit: int = 10) -> list[Match]:
        """Registered assets the fingerprint matches, best first."""
        value = fingerprint.value
        if isinstance(value, ImageFingerprint):
            found = self._match_image(value)
        elif isinstance(value, VideoFingerprint):
            found = self._match_video(value)
        elif isinstance(value, AudioFingerprint):
            found = self._match_audio(value)
        else:
            found = self._match_text(value)
        return sorted(found, key=lambda m: -m.score)[:limit]

    def _match(
        self, n: int, score: float, span: MatchSpan | None = None, evidence: Evidence | None = None
    ) -> Match:
        e = self._entries[n]
        return Match(e.work_id, e.asset_id, e.kind, round(score, 4), span, evidence)

    def image_candidates(self, query: ImageFingerprint) -> list[int]:
        """Entry numbers worth a full image comparison: PDQ hits, then ORB vote leaders."""
        return self._image_candidates(query)[0]

    def _image_candidates(self, query: ImageFingerprint) -> tuple[list[int], ImageFingerprint]:
        """Candidates, and the query without its common keypoints (labels, watermarks)."""
        hits = {i for h in query.hashes if h.quality >= PDQ_MIN_QUALITY
                for i, _ in self._pdq.search(h.bits, PDQ_MATCH_DISTANCE)}  # fmt: skip
        view = query.views[0]
        self._orb.rebuild()  # cheap unless the library has grown past an IVF threshold
        owner, common = self._orb.search(view.descriptors)
        keep = ~common
        votes = Counter(owner[keep & (owner >= 0)].tolist())
        hits.update(n for n, _ in votes.most_common(_IMAGE_CANDIDATES))
        if common.any():
            trimmed = Features(view.points[keep], view.descriptors[keep], view.size)
            query = dataclasses.replace(query, views=(trimmed, *query.views[1:]))
        return sorted(hits), query

    def _match_image(self, query: ImageFingerprint) -> list[Match]:
        candidates, query = self._image_candidates(query)
        compared: dict[int, tuple[ImageFingerprint, ImageComparison]] = {}
        for n in candidates:
            ref = self._value(n, ImageFingerprint)
            if ref is not None:
                compared[n] = ref, compare_images(query, ref, layout=False)
        found = {n: r for n, (_, r) in compared.items() if r.is_match}
        looked_for = query.query_layout
        if not found and looked_for is not None:
            # Nothing matched by PDQ or keypoints: smooth art may still match by its colour
            # layout, against the references of the nearest layouts.
            for n in self._layout_candidates(looked_for):
                if n not in compared:
                    ref = self._value(n, ImageFingerprint)
                    if ref is None:
                        continue
                    compared[n] = ref, ImageComparison(pdq_distance(query, ref), 0)
                ref, result = compared[n]
                completed = with_layout(result, query, ref)
                if completed.is_match:
                    found[n] = completed
        return [self._match(n, r.score, evidence=image_evidence(r)) for n, r in sorted(found.items())]

    def _layout_candidates(self, layout: Layout) -> list[int]:
        """Entry numbers of the registered images whose colour layout codes are nearest."""
        if not self._layouts.ntotal:
            return []
        _, rows = self._layouts.search(layout_code(layout)[None, :], 2 * _LAYOUT_CANDIDATES)
        nearest = dict.fromkeys(self._layout_owner[r] for r in rows[0].tolist() if r >= 0)
        return list(nearest)[:_LAYOUT_CANDIDATES]

    def _match_video(self, query: VideoFingerprint) -> list[Match]:
        candidates = {i for f in query.frames if f.quality >= PDQ_MIN_QUALITY
                      for i, _ in self._frames.search(f.bits, PDQ_MATCH_DISTANCE)}  # fmt: skip
        frames = query.keypoints()
        if frames and len(self._frame_orb):
            self._frame_orb.rebuild()
            descriptors = np.concatenate([f.descriptors for f in frames])
            owner, _ = self._frame_orb.search(descriptors)
            votes = Counter(owner[owner >= 0].tolist())
            candidates.update(n for n, _ in votes.most_common(_IMAGE_CANDIDATES))
        smooth = _smooth_frame_layouts(query)
        if smooth and self._frame_layouts.ntotal:
            # Frames PDQ cannot hash: the films whose smooth frames have the nearest layouts.
            _, rows = self._frame_layouts.search(np.stack([layout_code(x) for x in smooth]), 2)
            votes = Counter(self._frame_layout_owner[r] for r in rows.ravel().tolist() if r >= 0)
            candidates.update(n for n, _ in votes.most_common(_LAYOUT_CANDIDATES))
        out = []
        for n in sorted(candidates):
            ref = self._value(n, VideoFingerprint)
            if ref is None:
                continue
            r = compare_videos(query, ref)
            if r.is_match:
                span = MatchSpan(
                    0.0,
                    query.duration,
                    r.offset_seconds,
                    r.offset_seconds + query.duration,
                    "seconds",
                )
                evidence = Evidence("frames", frames=round(r.query_fraction, 3), frames_by=r.matched_by)
                out.append(self._match(n, r.query_fraction, span, evidence))
        return out

    def _match_audio(self, query: AudioFingerprint) -> list[Match]:
        votes: Counter[int] = Counter()
        for v in set(query.frames):
            votes.update(self._audio_values.get(v, ()))
        out = []
        for n, hits in votes.items():
            ref = self._value(n, AudioFingerprint)
            if ref is None:
                continue
            r = compare_audio(query, ref)
            if hits >= 2 and r.is_match:
                span = MatchSpan(max(0.0, -r.offset_seconds), max(0.0, -r.offset_seconds) + r.overlap_seconds,
                                 max(0.0, r.offset_seconds), max(0.0, r.offset_seconds) + r.overlap_seconds,
                                 "seconds")  # fmt: skip
                out.append(self._match(n, r.score, span))
        return out

    def _match_text(self, query: TextFingerprint) -> list[Match]:
        # LSH finds similar passages; the postings find short quotes inside long texts,
        # whose passages are too diluted for LSH.
        candidates = {
            int(key.split(":")[0])
            for p in query.passages
            for key in self._lsh.query(minhash_of(p.signature))
        }
        shared: Counter[int] = Counter()
        for h in {s.hash for s in query.winnowed}:
            shared.update(self._text_postings.get(h, ()))
        candidates.update(n for n, c in shared.items() if c >= _MIN_SHARED_SHINGLES)
        out: list[Match] = []
        for n in sorted(candidates):
            ref = self._value(n, TextFingerprint)
            if ref is None:
                continue
            r = compare_texts(query, ref)
            spans: list[MatchSpan | None] = [
                MatchSpan(
                    s.query_start, s.query_end, s.reference_start, s.reference_end, "characters"
                )
                for s in r.spans
            ] or [None]
            if r.is_match:
                out.extend(self._match(n, r.score, span) for span in spans)
        return out

    def _value(self, n: int, kind: type[_P]) -> _P | None:
        fp = self.fingerprint(n)
        value = fp.value if fp is not None else None
        return value if isinstance(value, kind) else None

    def save(self, directory: Path) -> None:
        """Write the library's rows to `directory` (indexes are rebuilt on load)."""
        directory.mkdir(parents=True, exist_ok=True)
        tmp = directory / (_ROWS_FILE + ".tmp")
        with tmp.open("w", encoding="utf-8") as out:
            out.write(json.dumps({"format": _FORMAT}) + "\n")
            for work_id, asset_id, kind, data in self.rows():
                row = {"work_id": work_id, "asset_id": asset_id, "kind": kind,
                       "fingerprint": base64.b64encode(data).decode()}  # fmt: skip
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
        tmp.replace(directory / _ROWS_FILE)

    @classmethod
    def load(cls, directory: Path, loader: Loader | None = None, cache_entries: int = 256) -> Library:
        """Read a library written by `save` (`loader`: see `__init__`)."""
        path = directory / _ROWS_FILE
        if not path.is_file():
            raise NotFound(
                f"no fingerprint library in {directory}",
                hint="create one with `culturebridge fingerprint register`",
            )
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
            head = json.loads(lines[0]) if lines else {}
            if not isinstance(head, dict) or head.get("format") != _FORMAT:
                raise MalformedFingerprint(f"{path} is not a fingerprint library of this version")
            rows = [json.loads(line) for line in lines[1:] if line.strip()]
            return cls.from_rows(
                ((r["work_id"], r["asset_id"], r["kind"], base64.b64decode(r["fingerprint"], validate=True))
                 for r in rows),
                loader,
                cache_entries,
            )
        except (ValueError, KeyError, TypeError, binascii.Error) as exc:
            raise MalformedFingerprint(f"{path}: {exc}") from exc


def _payload_bytes(fp: Fingerprint) -> int:
    value = fp.value
    if isinstance(value, ImageFingerprint):
        return 32 * len(value.hashes) + sum(v.points.nbytes + v.descriptors.nbytes for v in value.views)
    return len(value.to_bytes())
