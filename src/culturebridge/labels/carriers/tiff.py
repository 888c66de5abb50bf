"""TIFF carrier: XMP in tag 700 (XMLPacket) of IFD0 (TIFF 6.0; XMP Specification Part 3, §1.1.6).

Writing appends the packet and a copy of IFD0 with tag 700 set, then points the header at
the new IFD; every other entry is copied byte for byte, so strip offsets and the image data
stay valid (the old IFD0 remains as unreferenced bytes, as many TIFF writers leave them).
Classic TIFF only (BigTIFF is refused with a clear error).
"""

from __future__ import annotations

import struct

from culturebridge.errors import CorruptMedia, UnsupportedMedia
from culturebridge.labels.carriers.found import Found, found_from_xmp
from culturebridge.labels.gb45438 import AIGCLabel
from culturebridge.labels.xmp import TRAINED, merge_packet

XMP_TAG = 700
_UNDEFINED, _BYTE = 7, 1
_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4}


def _order(data: bytes) -> str:
    if data[:4] == b"II*\x00":
        return "<"
    if data[:4] == b"MM\x00*":
        return ">"
    if data[:4] in (b"II+\x00", b"MM\x00+"):
        raise UnsupportedMedia("BigTIFF files cannot carry our label yet", hint="save as classic TIFF")
    raise CorruptMedia("not a TIFF: II*/MM* header missing")


def _ifd0(data: bytes) -> tuple[str, int, list[bytes], int]:
    """(byte order, IFD0 offset, its raw 12-byte entries, next-IFD offset)."""
    bo = _order(data)
    if len(data) < 8:
        raise CorruptMedia("TIFF truncated inside the header")
    (offset,) = struct.unpack(bo + "I", data[4:8])
    if offset + 2 > len(data):
        raise CorruptMedia("TIFF IFD0 offset points past the end of the file")
    (count,) = struct.unpack(bo + "H", data[offset : offset + 2])
    end = offset + 2 + 12 * count
    if end + 4 > len(data):
        raise CorruptMedia("TIFF IFD0 runs past the end of the file")
    entries = [data[offset + 2 + 12 * i : offset + 14 + 12 * i] for i in range(count)]
    (next_ifd,) = struct.unpack(bo + "I", data[end : end + 4])
    return bo, offset, entries, next_ifd


def _xmp_of(data: bytes, bo: str, entry: bytes) -> bytes:
    _tag, kind, count = struct.unpack(bo + "HHI", entry[:8])
    size = _SIZES.get(kind, 1) * count
    if size <= 4:
        return entry[8 : 8 + size]
    (at,) = struct.unpack(bo + "I", entry[8:12])
    if at + size > len(data):
        raise CorruptMedia("TIFF XMP tag points past the end of the file")
    return data[at : at + size]


def read(data: bytes) -> list[Found]:
    """AIGC label and IPTC source type from a TIFF's XMP tag in IFD0."""
    bo, _offset, entries, _next = _ifd0(data)
    for entry in entries:
        (tag,) = struct.unpack(bo + "H", entry[:2])
        if tag == XMP_TAG:
            return found_from_xmp("tiff/XMP", _xmp_of(data, bo, entry))
    return []


def write(data: bytes, label: AIGCLabel, *, digital_source_type: str = TRAINED) -> bytes:
    """The TIFF with tag 700 holding our XMP (merged with any existing packet) in a new IFD0."""
    bo, _offset, entries, next_ifd = _ifd0(data)
    existing: bytes | None = None
    kept: list[bytes] = []
    for entry in entries:
        (tag,) = struct.unpack(bo + "H", entry[:2])
        if tag == XMP_TAG:
            existing = _xmp_of(data, bo, entry)
        else:
            kept.append(entry)
    packet = merge_packet(existing, label.to_xmp_value(), digital_source_type)
    out = bytearray(data)
    if len(out) % 2:
        out += b"\x00"  # TIFF offsets are word-aligned
    packet_at = len(out)
    out += packet
    if len(out) % 2:
        out += b"\x00"
    ours = struct.pack(bo + "HHII", XMP_TAG, _BYTE, len(packet), packet_at)
    table = sorted(kept + [ours], key=lambda e: struct.unpack(bo + "H", e[:2])[0])
    ifd_at = len(out)
    out += struct.pack(bo + "H", len(table)) + b"".join(table) + struct.pack(bo + "I", next_ifd)
    out[4:8] = struct.pack(bo + "I", ifd_at)
    return bytes(out)
