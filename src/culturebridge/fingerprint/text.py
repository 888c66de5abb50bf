"""Text fingerprints: language-aware shingles, SimHash-64, passage MinHashes and winnowing.

- Tokens: Han characters one by one (traditional folded to simplified with OpenCC, so a
  traditional-script copy of a simplified text matches), Latin/other scripts as lower-cased
  NFKC words; punctuation and spacing are ignored. Every token keeps its character span in
  the original text.
- Shingles: 4 consecutive tokens from a Han character (character 4-grams), 5 from a word
  (word 5-grams), so Chinese, Latin and mixed texts all compare consistently.
- SimHash-64 (Charikar 2002) of the whole text: near-duplicates at Hamming <= 3 (Manku,
  Jain & Das Sarma, WWW 2007).
- MinHash (Broder 1997) of overlapping passages of 40 shingles, for MinHashLSH candidate
  lookup of partial overlaps.
- Winnowing (Schleimer, Wilkerson & Aiken, SIGMOD 2003): the minimum shingle hash of every
  window of 4 shingles, with its character span; shared winnowed hashes chained along a
  diagonal give the copied spans in both texts (exact to within one shingle at the ends).
"""

from __future__ import annotations

import functools
import hashlib
import re
import struct
import unicodedata
from dataclasses import dataclass

import numpy as np
from datasketch import MinHash

from culturebridge.errors import InvalidInput, MalformedFingerprint

SIMHASH_NEAR_DUPLICATE = 3  # Manku et al. (WWW 2007): SimHash-64 near-duplicates at Hamming <= 3
NUM_PERM = 64
_SCHEME = "affine32"  # datasketch 2.x: 32-bit signatures, stored as such
PASSAGE_SHINGLES = 40
_WINNOW = 4
_MIN_SPAN_HASHES = 4  # winnowed hashes before a run counts as a copied span (3 let random common words through)
_MAX_GAP = 120  # characters between chained hashes (light edits drop a few shingles)
_MAX_DRIFT = 30  # characters of insertion/deletion tolerated between chained hashes
_MAX_TEXT = 5_000_000  # characters
_MAGIC = b"CBTXT1"
_HAN_CLASS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff"
_TOKEN = re.compile(f"[{_HAN_CLASS}]|[^\\W_]+")
_HAN = re.compile(f"[{_HAN_CLASS}]")


@dataclass(frozen=True)
class Token:
    """A normalised token and its [start, end) character span in the original text."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Shingle:
    """A 64-bit shingle hash and the character span it covers in the original text."""

    hash: int
    start: int
    end: int


@dataclass(frozen=True)
class Passage:
    """MinHash signature of a run of shingles, with its character span."""

    start: int
    end: int
    signature: tuple[int, ...]


@dataclass(frozen=True)
class TextFingerprint:
    """SimHash, passage MinHashes and winnowed shingles of one text."""

    simhash: int
    shingle_size: int
    length: int  # characters in the original text
    passages: tuple[Passage, ...]
    winnowed: tuple[Shingle, ...]

    def to_bytes(self) -> bytes:
        """Serialise to a compact versioned binary form."""
        head = struct.pack(">QBIII", self.simhash, self.shingle_size, self.length,
                           len(self.passages), len(self.winnowed))  # fmt: skip
        parts = [_MAGIC, head]
        for p in self.passages:
            parts.append(struct.pack(">II", p.start, p.end))
            parts.append(np.array(p.signature, ">u4").tobytes())
        for s in self.winnowed:
            parts.append(struct.pack(">QII", s.hash, s.start, s.end))
        return b"".join(parts)

    @classmethod
    def from_bytes(cls, data: bytes) -> TextFingerprint:
        """Parse bytes written by `to_bytes`."""
        head = len(_MAGIC) + 21
        if not data.startswith(_MAGIC) or len(data) < head:
            raise MalformedFingerprint("not a text fingerprint")
        simhash, k, length, n_pass, n_win = struct.unpack_from(">QBIII", data, len(_MAGIC))
        if len(data) != head + n_pass * (8 + 4 * NUM_PERM) + n_win * 16:
            raise MalformedFingerprint("text fingerprint has the wrong length")
        pos = head
        passages = []
        for _ in range(n_pass):
            start, end = struct.unpack_from(">II", data, pos)
            sig = np.frombuffer(data, ">u4", NUM_PERM, pos + 8)
            passages.append(Passage(start, end, tuple(int(v) for v in sig)))
            pos += 8 + 4 * NUM_PERM
        winnowed = []
        for _ in range(n_win):
            h, start, end = struct.unpack_from(">QII", data, pos)
            winnowed.append(Shingle(h, start, end))
            pos += 16
        return cls(simhash, k, length, tuple(passages), tuple(winnowed))


@dataclass(frozen=True)
class Span:
    """A copied passage: [start, end) character offsets in the query and in the reference."""

    query_start: int
    query_end: int
    reference_start: int
    reference_end: int


@dataclass(frozen=True)
class TextComparison:
    """SimHash distance, share of the query's hashes found in the reference, and the spans."""

    simhash_distance: int
    containment: float  # share of the query's winnowed hashes found in the reference
    spans: tuple[Span, ...]

    @property
    def score(self) -> float:
        """Containment, or 1 for a SimHash near-duplicate."""
        return 1.0 if self.simhash_distance <= SIMHASH_NEAR_DUPLICATE else self.containment

    @property
    def is_match(self) -> bool:
        """A near-duplicate, or at least one copied span."""
        return self.simhash_distance <= SIMHASH_NEAR_DUPLICATE or bool(self.spans)


@functools.cache
def _t2s() -> object:
    import opencc

    return opencc.OpenCC("t2s")


def _fold(char: str) -> str:
    # NFKC folds full-width Latin and compatibility forms; OpenCC t2s folds traditional Han.
    c = unicodedata.normalize("NFKC", char).lower()
    if len(c) == 1 and _HAN.match(c):
        converted: str = _t2s().convert(c)  # type: ignore[attr-defined]
        return converted if len(converted) == 1 else c
    return c


def tokenize(text: str) -> list[Token]:
    """Han characters and words with their spans, folded for matching."""
    if len(text) > _MAX_TEXT:
        raise InvalidInput(
            f"text has {len(text)} characters, more than {_MAX_TEXT}", hint="split it into parts"
        )
    return [
        Token("".join(_fold(c) for c in m.group()), m.start(), m.end())
        for m in _TOKEN.finditer(text)
    ]


def shingle_size(tokens: list[Token]) -> int:
    """Dominant shingle length: 4 for Chinese-dominant token streams, 5 for word streams."""
    han = sum(1 for t in tokens if _HAN.match(t.text))
    return 4 if tokens and han * 2 >= len(tokens) else 5


def _hash64(s: str) -> int:
    return int.from_bytes(hashlib.blake2b(s.encode(), digest_size=8).digest(), "big")


def shingles(tokens: list[Token]) -> list[Shingle]:
    """Hashes of the shingle starting at each token, with character spans.

    The shingle length depends on the script of the token it starts at (4 after a Han
    character, 5 after a word), not on the whole text, so mixed texts compare consistently.
    """
    if not tokens:
        return []
    out = []
    for i, token in enumerate(tokens):
        k = 4 if _HAN.match(token.text) else 5
        if i + k > len(tokens) and i > 0:
            break
        run = tokens[i : i + k]
        out.append(Shingle(_hash64(" ".join(t.text for t in run)), run[0].start, run[-1].end))
    return out


def simhash64(hashes: list[int]) -> int:
    """Charikar SimHash of a bag of 64-bit feature hashes."""
    if not hashes:
        return 0
    bits = np.unpackbits(np.array(hashes, ">u8").view(np.uint8).reshape(-1, 8), axis=1)
    votes = bits.sum(axis=0, dtype=np.int64) * 2 - len(hashes)
    return int.from_bytes(np.packbits(votes > 0).tobytes(), "big")


def winnow(items: list[Shingle], window: int = _WINNOW) -> list[Shingle]:
    """Winnowing: the rightmost minimum hash of every window of shingles, deduplicated."""
    if len(items) <= window:
        return list(items)
    chosen: dict[int, Shingle] = {}
    for i in range(len(items) - window + 1):
        win = items[i : i + window]
        j = min(range(window), key=lambda x: (win[x].hash, -x))
        chosen[i + j] = win[j]
    return [chosen[i] for i in sorted(chosen)]


def _minhash(hashes: list[int]) -> tuple[int, ...]:
    mh = MinHash(num_perm=NUM_PERM, scheme=_SCHEME)
    mh.update_batch([h.to_bytes(8, "big") for h in hashes])
    return tuple(int(v) for v in mh.hashvalues)


def minhash_of(signature: tuple[int, ...]) -> MinHash:
    """A datasketch MinHash holding a stored signature (for MinHashLSH)."""
    return MinHash(num_perm=NUM_PERM, hashvalues=np.array(signature, np.uint32), scheme=_SCHEME)


def fingerprint_text(text: str) -> TextFingerprint:
    """Fingerprint a text (any language; Chinese and Latin scripts are tokenised differently)."""
    tokens = tokenize(text)
    k = shingle_size(tokens)
    items = shingles(tokens)
    hashes = [s.hash for s in items]
    step = PASSAGE_SHINGLES // 2
    passages = []
    for i in range(0, max(1, len(items) - step), step) if items else ():
        last = items[min(i + PASSAGE_SHINGLES, len(items)) - 1]
        passages.append(
            Passage(items[i].start, last.end, _minhash(hashes[i : i + PASSAGE_SHINGLES]))
        )
    return TextFingerprint(simhash64(hashes), k, len(text), tuple(passages), tuple(winnow(items)))


def compare_texts(query: TextFingerprint, reference: TextFingerprint) -> TextComparison:
    """SimHash distance and the copied spans of the query found in the reference."""
    if not query.winnowed or not reference.winnowed:
        return TextComparison(64, 0.0, ())
    distance = (query.simhash ^ reference.simhash).bit_count()
    where: dict[int, list[Shingle]] = {}
    for s in reference.winnowed:
        where.setdefault(s.hash, []).append(s)
    pairs = [(q, r) for q in query.winnowed for r in where.get(q.hash, [])]
    shared = len({q.hash for q, _ in pairs})
    return TextComparison(distance, shared / len(query.winnowed), tuple(_chain(pairs)))


def _chain(pairs: list[tuple[Shingle, Shingle]]) -> list[Span]:
    """Group matching shingles lying on one diagonal (small gaps and drift allowed) into spans."""
    pairs.sort(key=lambda p: (p[0].start, p[1].start))
    runs: list[list[tuple[Shingle, Shingle]]] = []
    for q, r in pairs:
        for run in runs:
            last_q, last_r = run[-1]
            gap_q, gap_r = q.start - last_q.start, r.start - last_r.start
            if 0 < gap_q <= _MAX_GAP and 0 < gap_r <= _MAX_GAP and abs(gap_q - gap_r) <= _MAX_DRIFT:
                run.append((q, r))
                break
        else:
            runs.append([(q, r)])
    spans = [
        Span(
            run[0][0].start, max(q.end for q, _ in run), run[0][1].start, max(r.end for _, r in run)
        )
        for run in runs
        if len(run) >= _MIN_SPAN_HASHES
    ]
    return sorted(spans, key=lambda s: s.query_start)
