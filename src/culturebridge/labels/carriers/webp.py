"""WebP carrier: XMP in the `XMP ` chunk of an extended (VP8X) file (WebP container spec)."""

from __future__ import annotations

import struct
from collections.abc import Iterator

from culturebridge.errors import CorruptMedia
from culturebridge.labels.carriers.found import Found, found_from_xmp
from culturebridge.labels.gb45438 import AIGCLabel
from culturebridge.labels.xmp import TRAINED, merge_packet

_XMP_FLAG = 0x04
_ALPHA_FLAG = 0x10


def _chunks(data: bytes) -> Iterator[tuple[bytes, int, int]]:
    """(fourcc, start, end) of each chunk; end includes the pad byte."""
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise CorruptMedia("not a WebP: RIFF/WEBP header missing")
    (riff_size,) = struct.unpack("<I", data[4:8])
    limit = min(len(data), 8 + riff_size)
    if 8 + riff_size > len(data):
        raise CorruptMedia("WebP truncated: RIFF size exceeds the file")
    pos = 12
    while pos + 8 <= limit:
        fourcc, size = struct.unpack("<4sI", data[pos : pos + 8])
        end = pos + 8 + size + (size & 1)
        if pos + 8 + size > limit:
            raise CorruptMedia(f"WebP chunk {fourcc!r} runs past the end of the file")
        yield fourcc, pos, min(end, limit)
        pos = end


def read(data: bytes) -> list[Found]:
    """AIGC label and IPTC source type from a WebP's XMP chunk."""
    found: list[Found] = []
    for fourcc, start, end in _chunks(data):
        if fourcc == b"XMP ":
            (size,) = struct.unpack("<I", data[start + 4 : start + 8])
            found.extend(found_from_xmp("webp/XMP", data[start + 8 : start + 8 + size]))
    return found


def _canvas(fourcc: bytes, body: bytes) -> tuple[int, int, bool]:
    """(width, height, has_alpha) from a simple-format VP8/VP8L bitstream header."""
    if fourcc == b"VP8 " and len(body) >= 10 and body[3:6] == b"\x9d\x01\x2a":
        w, h = struct.unpack("<HH", body[6:10])
        return w & 0x3FFF, h & 0x3FFF, False
    if fourcc == b"VP8L" and len(body) >= 5 and body[0] == 0x2F:
        (bits,) = struct.unpack("<I", body[1:5])
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1, bool((bits >> 28) & 1)
    raise CorruptMedia("WebP image bitstream header is not VP8 or VP8L")


def _chunk(fourcc: bytes, body: bytes) -> bytes:
    return fourcc + struct.pack("<I", len(body)) + body + (b"\x00" if len(body) & 1 else b"")


def write(data: bytes, label: AIGCLabel, *, digital_source_type: str = TRAINED) -> bytes:
    """The WebP with our XMP chunk, converted to the extended format if needed."""
    chunks = list(_chunks(data))
    existing: bytes | None = None
    kept: list[bytes] = []
    vp8x: bytearray | None = None
    for fourcc, start, end in chunks:
        if fourcc == b"XMP ":
            (size,) = struct.unpack("<I", data[start + 4 : start + 8])
            existing = existing or data[start + 8 : start + 8 + size]
            continue
        if fourcc == b"VP8X":
            vp8x = bytearray(data[start + 8 : start + 18])
            continue
        kept.append(data[start:end])
    if vp8x is None:
        image = next((c for c in chunks if c[0] in (b"VP8 ", b"VP8L")), None)
        if image is None:
            raise CorruptMedia("WebP has no image chunk")
        (size,) = struct.unpack("<I", data[image[1] + 4 : image[1] + 8])
        w, h, alpha = _canvas(image[0], data[image[1] + 8 : image[1] + 8 + size])
        vp8x = bytearray(10)
        vp8x[0] = _ALPHA_FLAG if alpha else 0
        vp8x[4:7] = (w - 1).to_bytes(3, "little")
        vp8x[7:10] = (h - 1).to_bytes(3, "little")
    vp8x[0] |= _XMP_FLAG
    packet = merge_packet(existing, label.to_xmp_value(), digital_source_type)
    # WebP container spec: VP8X first, XMP last.
    body = b"WEBP" + _chunk(b"VP8X", bytes(vp8x)) + b"".join(kept) + _chunk(b"XMP ", packet)
    return b"RIFF" + struct.pack("<I", len(body)) + body
