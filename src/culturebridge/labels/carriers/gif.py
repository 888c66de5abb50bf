"""GIF carrier: XMP in the `XMP DataXMP` application extension (XMP Specification Part 3, §1.1.2).

The packet is stored raw after the extension's 11-byte identifier and followed by the
258-byte "magic trailer" (0x01, 0xFF down to 0x00, then the block terminator), so a GIF
decoder walking sub-blocks skips it. We put ours right after the logical screen
descriptor (and global colour table), before any frame; image data is not touched, so
animated GIFs keep every frame.
"""

from __future__ import annotations

from culturebridge.errors import CorruptMedia
from culturebridge.labels.carriers.found import Found, found_from_xmp
from culturebridge.labels.gb45438 import AIGCLabel
from culturebridge.labels.xmp import TRAINED, merge_packet

_APP_ID = b"\x21\xff\x0bXMP DataXMP"
_TRAILER = b"\x01" + bytes(range(0xFF, -1, -1)) + b"\x00"


def _header_end(data: bytes) -> int:
    """Offset after the header, logical screen descriptor and global colour table."""
    if data[:6] not in (b"GIF87a", b"GIF89a") or len(data) < 13:
        raise CorruptMedia("not a GIF: GIF87a/GIF89a header missing")
    flags = data[10]
    table = 3 * (2 ** ((flags & 0x07) + 1)) if flags & 0x80 else 0
    if 13 + table > len(data):
        raise CorruptMedia("GIF truncated inside the global colour table")
    return 13 + table


def _blocks(data: bytes) -> list[tuple[int, int, bytes | None]]:
    """(start, end, xmp packet) of each XMP application extension in the file."""
    out: list[tuple[int, int, bytes | None]] = []
    pos = data.find(_APP_ID)
    while pos >= 0:
        body = pos + len(_APP_ID)
        tail = data.find(_TRAILER, body)
        if tail < 0:
            raise CorruptMedia("GIF XMP extension has no magic trailer")
        out.append((pos, tail + len(_TRAILER), data[body:tail]))
        pos = data.find(_APP_ID, tail + len(_TRAILER))
    return out


def read(data: bytes) -> list[Found]:
    """AIGC label and IPTC source type from a GIF's XMP application extension."""
    _header_end(data)
    found: list[Found] = []
    for _start, _end, packet in _blocks(data):
        if packet:
            found.extend(found_from_xmp("gif/XMP", packet))
    return found


def write(data: bytes, label: AIGCLabel, *, digital_source_type: str = TRAINED) -> bytes:
    """The GIF with one XMP extension (merged with any existing packet) before the first frame."""
    at = _header_end(data)
    blocks = _blocks(data)
    existing = next((p for _s, _e, p in blocks if p), None)
    packet = merge_packet(existing, label.to_xmp_value(), digital_source_type)
    if _TRAILER in packet:
        raise CorruptMedia("the XMP packet would end the GIF extension early")
    ours = _APP_ID + packet + _TRAILER
    parts: list[bytes] = [data[:at], ours]
    pos = at
    for start, end, _packet in blocks:
        parts.append(data[pos:start])
        pos = end
    parts.append(data[pos:])
    return b"".join(parts)
