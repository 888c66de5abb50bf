"""C2SP tlog-tiles (c2sp.org/tlog-tiles): tile paths, tile contents and entry bundles.

A tile at level L, index N holds up to 256 consecutive hashes of Merkle level 8·L starting
at index 256·N; a partial tile of width W (1–255) is served at `<path>.p/<W>` until the tree
fills it. Entry bundles `tile/entries/<N>` hold the leaves themselves, each prefixed by its
big-endian uint16 length. Everything here is pure: hashes come from a `HashReader`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from culturebridge.errors import InvalidInput, NotFound
from culturebridge.rights.merkle import HashReader

TILE_WIDTH = 256
TILE_HEIGHT = 8
MAX_LEVEL = 5  # 256^6 = 2^48 leaves, the log's capacity
_ELEMENT = re.compile(r"x\d{3}")


@dataclass(frozen=True)
class TileRef:
    """A tile (`level` 0–5) or an entry bundle (`level` None) at `index`, `width` hashes wide."""

    level: int | None
    index: int
    width: int = TILE_WIDTH

    @property
    def is_partial(self) -> bool:
        return self.width < TILE_WIDTH


def encode_index(index: int) -> str:
    """N as path elements: `x001/x234/067` for 1234067 (c2sp.org/tlog-tiles)."""
    if index < 0:
        raise ValueError("tile index must be ≥ 0")
    digits = str(index)
    digits = digits.zfill(-(-len(digits) // 3) * 3)
    groups = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    return "/".join([*("x" + g for g in groups[:-1]), groups[-1]])


def tile_path(ref: TileRef) -> str:
    """The path of a tile relative to the log's prefix, e.g. `tile/0/x001/067.p/12`."""
    head = "tile/entries" if ref.level is None else f"tile/{ref.level}"
    tail = f".p/{ref.width}" if ref.is_partial else ""
    return f"{head}/{encode_index(ref.index)}{tail}"


def parse_tile_path(path: str) -> TileRef:
    """Parse `tile/<L>/<N>[.p/<W>]` or `tile/entries/<N>[.p/<W>]` strictly; InvalidInput otherwise."""
    parts = path.strip("/").split("/")
    width = TILE_WIDTH
    if len(parts) >= 2 and parts[-2].endswith(".p"):
        w = parts.pop()
        parts[-1] = parts[-1][:-2]
        if not re.fullmatch(r"[1-9]\d{0,2}", w) or not 1 <= int(w) < TILE_WIDTH:
            raise InvalidInput(f"partial tile width {w!r} must be 1–255")
        width = int(w)
    if len(parts) < 3 or parts[0] != "tile":
        raise InvalidInput(f"{path!r} is not a tile path", hint="use tile/<L>/<N> or tile/entries/<N>")
    level: int | None
    if parts[1] == "entries":
        level = None
    elif re.fullmatch(r"[0-5]", parts[1]):
        level = int(parts[1])
    else:
        raise InvalidInput(f"tile level {parts[1]!r} must be 0–{MAX_LEVEL} or 'entries'")
    *upper, last = parts[2:]
    if not all(_ELEMENT.fullmatch(p) for p in upper) or not re.fullmatch(r"\d{3}", last):
        raise InvalidInput(f"tile index in {path!r} must be encoded like x001/x234/067")
    digits = "".join(p[1:] for p in upper) + last
    if upper and upper[0] == "x000":
        raise InvalidInput(f"tile index in {path!r} has a leading zero group")
    return TileRef(level, int(digits), width)


def available_width(ref: TileRef, tree_size: int) -> int:
    """How many hashes (or entries) of this tile a tree of `tree_size` has (0–256)."""
    level = 0 if ref.level is None else ref.level
    count = tree_size >> (TILE_HEIGHT * level)
    return max(0, min(TILE_WIDTH, count - ref.index * TILE_WIDTH))


def _check_served(ref: TileRef, tree_size: int) -> None:
    have = available_width(ref, tree_size)
    if ref.width > have:
        raise NotFound(f"{tile_path(ref)} is beyond the tree of size {tree_size}")


def read_tile(ref: TileRef, tree_size: int, read: HashReader) -> bytes:
    """The tile's bytes: `width` concatenated 32-byte hashes of Merkle level 8·L."""
    if ref.level is None:
        raise InvalidInput("entry bundles are read with `entry_bundle`")
    _check_served(ref, tree_size)
    level = TILE_HEIGHT * ref.level
    start = ref.index * TILE_WIDTH
    return b"".join(read([(level, start + i) for i in range(ref.width)]))


def entry_range(ref: TileRef, tree_size: int) -> tuple[int, int]:
    """Leaf indices [start, end) of an entry bundle, after checking the tree holds them."""
    if ref.level is not None:
        raise InvalidInput("hash tiles are read with `read_tile`")
    _check_served(ref, tree_size)
    start = ref.index * TILE_WIDTH
    return start, start + ref.width


def entry_bundle(entries: Sequence[bytes]) -> bytes:
    """Entries each prefixed by a big-endian uint16 length (c2sp.org/tlog-tiles)."""
    out = bytearray()
    for entry in entries:
        if len(entry) > 0xFFFF:
            raise InvalidInput("a log entry is longer than 65535 bytes")
        out += len(entry).to_bytes(2, "big") + entry
    return bytes(out)


def split_entry_bundle(data: bytes) -> list[bytes]:
    """The entries of an entry bundle; InvalidInput when truncated."""
    entries: list[bytes] = []
    pos = 0
    while pos < len(data):
        if pos + 2 > len(data):
            raise InvalidInput("entry bundle is truncated in a length prefix")
        n = int.from_bytes(data[pos : pos + 2], "big")
        if pos + 2 + n > len(data):
            raise InvalidInput("entry bundle is truncated in an entry")
        entries.append(data[pos + 2 : pos + 2 + n])
        pos += 2 + n
    return entries
