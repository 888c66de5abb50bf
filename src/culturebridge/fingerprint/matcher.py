"""A `Library` of registered fingerprints and matching of a query fingerprint against it.

The library is built from rows `(work_id, asset_id, kind, fingerprint bytes)` — the shape a
database table gives — and can be saved to and loaded from a directory as those rows; the
lookup structures are rebuilt from them:

- image: PDQ hashes in a multi-index `HashIndex` (radius 31), plus ORB descriptors in a
  `KeypointIndex` (exact, then IVF) whose nearest-neighbour votes pick the candidates for
  RANSAC checks; keypoints shared by several works (an explicit label) are left out;
- video: every frame's PDQ hash in a `HashIndex`; candidates get the full vPDQ comparison;
- audio: an inverted index of exact Chromaprint frame values picks candidates for the
  aligned bit-error comparison;
- text: passage MinHashes in a datasketch `MinHashLSH`; candidates get span alignment.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, cast, get_args

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
    ImageFingerprint,
    compare_images,
)
from culturebridge.fingerprint.index import HashIndex
from culturebridge.fingerprint.keypoints import KeypointIndex
from culturebridge.fingerprint.text import NUM_PERM, TextFingerprint, compare_texts, minhash_of
from culturebridge.fingerprint.video import VideoFingerprint, compare_videos

Kind = Literal["image", "video", "audio", "text"]
KINDS: tuple[Kind, ...] = get_args(Kind)
Payload = ImageFingerprint | VideoFingerprint | AudioFingerprint | TextFingerprint
_PARSERS: dict[str, Callable[[bytes], Payload]] = {
    "image": ImageFingerprint.from_bytes,
    "video": VideoFingerprint.from_bytes,
    "audio": AudioFingerprint.from_bytes,
    "text": TextFingerprint.from_bytes,
}
_ROWS_FILE = "fingerprints.jsonl"
_FORMAT = "culturebridge.fingerprint-library/1"
_IMAGE_CANDIDATES = 5
_ORB_VOTE_DISTANCE = 50  # bits: a descriptor "votes" for the image of its nearest neighbour
_LSH_THRESHOLD = 0.3
_MIN_SHARED_SHINGLES = 3  # as many as a text span needs


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


def unmatchable_reason(fingerprint: Fingerprint) -> str | None:
    """Why a fingerprint can never match anything (a flat image, silent video ...), else None."""
    value = fingerprint.value
    if isinstance(value, ImageFingerprint):
        usable = any(h.quality >= PDQ_MIN_QUALITY for h in value.hashes)
        keypoints = max((len(v.descriptors) for v in value.views), default=0)
        if not usable and keypoints < MIN_INLIERS:
            return (
                f"featureless image: no PDQ hash of quality >= {PDQ_MIN_QUALITY} "
                f"and {keypoints} keypoints (a match needs {MIN_INLIERS})"
            )
    elif isinstance(value, VideoFingerprint):
        if not any(f.quality >= PDQ_MIN_QUALITY for f in value.frames):
            return f"featureless video: no frame with PDQ quality >= {PDQ_MIN_QUALITY}"
    elif isinstance(value, TextFingerprint):
        if not value.winnowed and not value.passages:
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
class Match:
    """A registered asset the query copies, with a score in [0, 1] and, for media, a span."""

    work_id: str
    asset_id: str
    kind: Kind
    score: float
    span: MatchSpan | None = None


@dataclass(frozen=True)
class _Entry:
    work_id: str
    asset_id: str
    fingerprint: Fingerprint


class Library:
    """Registered fingerprints with their lookup indexes."""

    def __init__(self) -> None:
        self._entries: list[_Entry] = []
        self._pdq = HashIndex()  # image PDQ hashes; id = entry number
        self._orb = KeypointIndex()  # ORB descriptors; owner = entry number
        self._work_numbers: dict[str, int] = {}  # work id -> small int, for common keypoints
        self._frames = HashIndex()  # video frame PDQ hashes; id = entry number
        self._audio_values: dict[int, set[int]] = {}  # Chromaprint value -> entry numbers
        self._lsh = MinHashLSH(threshold=_LSH_THRESHOLD, num_perm=NUM_PERM)
        self._text_postings: dict[int, set[int]] = {}  # winnowed shingle hash -> entry numbers
        # One query is a few hundred descriptors: OpenMP start-up costs more than it saves and
        # oversubscribes shared CPUs (measured 80x slower under load), so search single-threaded.
        faiss.omp_set_num_threads(1)

    def __len__(self) -> int:
        return len(self._entries)

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[str, str, str, bytes]]) -> Library:
        """Build a library from (work_id, asset_id, kind, fingerprint bytes) rows."""
        library = cls()
        for work_id, asset_id, kind, data in rows:
            library.add(work_id, asset_id, Fingerprint.from_bytes(kind, data))
        library.rebuild()
        return library

    def rebuild(self) -> None:
        """Fold codes added since the last build into the lookup tables (after bulk adds)."""
        self._pdq.rebuild()
        self._frames.rebuild()
        self._orb.rebuild()

    def rows(self) -> Iterator[tuple[str, str, str, bytes]]:
        """The library as (work_id, asset_id, kind, fingerprint bytes) rows."""
        for e in self._entries:
            yield e.work_id, e.asset_id, e.fingerprint.kind, e.fingerprint.to_bytes()

    def add(self, work_id: str, asset_id: str, fingerprint: Fingerprint) -> None:
        """Register an asset's fingerprint."""
        n = len(self._entries)
        self._entries.append(_Entry(work_id, asset_id, fingerprint))
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
        elif isinstance(value, VideoFingerprint):
            usable = [f.bits for f in value.frames if f.quality >= PDQ_MIN_QUALITY]
            if usable:
                self._frames.add(
                    [n] * len(usable), np.frombuffer(b"".join(usable), np.uint8).reshape(-1, 32)
                )
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

    def _match(self, n: int, score: float, span: MatchSpan | None = None) -> Match:
        e = self._entries[n]
        return Match(e.work_id, e.asset_id, e.fingerprint.kind, round(score, 4), span)

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
            trimmed = Features(view.points[keep], view.descriptors[keep])
            query = ImageFingerprint(query.hashes, (trimmed, *query.views[1:]))
        return sorted(hits), query

    def _match_image(self, query: ImageFingerprint) -> list[Match]:
        out = []
        candidates, query = self._image_candidates(query)
        for n in candidates:
            ref = self._entries[n].fingerprint.value
            assert isinstance(ref, ImageFingerprint)
            result = compare_images(query, ref)
            if result.is_match:
                out.append(self._match(n, result.score))
        return out

    def _match_video(self, query: VideoFingerprint) -> list[Match]:
        candidates = {i for f in query.frames if f.quality >= PDQ_MIN_QUALITY
                      for i, _ in self._frames.search(f.bits, PDQ_MATCH_DISTANCE)}  # fmt: skip
        out = []
        for n in sorted(candidates):
            ref = self._entries[n].fingerprint.value
            assert isinstance(ref, VideoFingerprint)
            r = compare_videos(query, ref)
            if r.is_match:
                span = MatchSpan(
                    0.0,
                    query.duration,
                    r.offset_seconds,
                    r.offset_seconds + query.duration,
                    "seconds",
                )
                out.append(self._match(n, r.query_fraction, span))
        return out

    def _match_audio(self, query: AudioFingerprint) -> list[Match]:
        votes: Counter[int] = Counter()
        for v in set(query.frames):
            votes.update(self._audio_values.get(v, ()))
        out = []
        for n, hits in votes.items():
            ref = self._entries[n].fingerprint.value
            assert isinstance(ref, AudioFingerprint)
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
            ref = self._entries[n].fingerprint.value
            assert isinstance(ref, TextFingerprint)
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

    def save(self, directory: Path) -> None:
        """Write the library's rows to `directory` (indexes are rebuilt on load)."""
        directory.mkdir(parents=True, exist_ok=True)
        tmp = directory / (_ROWS_FILE + ".tmp")
        with tmp.open("w", encoding="utf-8") as out:
            out.write(json.dumps({"format": _FORMAT, "count": len(self)}) + "\n")
            for work_id, asset_id, kind, data in self.rows():
                row = {"work_id": work_id, "asset_id": asset_id, "kind": kind,
                       "fingerprint": base64.b64encode(data).decode()}  # fmt: skip
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
        tmp.replace(directory / _ROWS_FILE)

    @classmethod
    def load(cls, directory: Path) -> Library:
        """Read a library written by `save`."""
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
                (
                    r["work_id"],
                    r["asset_id"],
                    r["kind"],
                    base64.b64decode(r["fingerprint"], validate=True),
                )
                for r in rows
            )
        except (ValueError, KeyError, TypeError, binascii.Error) as exc:
            raise MalformedFingerprint(f"{path}: {exc}") from exc
