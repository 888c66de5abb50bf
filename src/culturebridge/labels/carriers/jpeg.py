"""JPEG carrier: APP1 XMP `TC260:AIGC`; EXIF UserComment (0x9286) is read too (GB 45438 Annex E)."""

from __future__ import annotations

import struct
from collections.abc import Iterator

from culturebridge.errors import CorruptMedia, InvalidInput
from culturebridge.labels.carriers.found import Found, found_from_raw, found_from_xmp
from culturebridge.labels.gb45438 import AIGCLabel
from culturebridge.labels.xmp import TRAINED, merge_packet

XMP_HEADER = b"http://ns.adobe.com/xap/1.0/\x00"
EXIF_HEADER = b"Exif\x00\x00"
# Markers without a length field (ITU T.81 §B.1.1.2).
_STANDALONE = {0x01} | set(range(0xD0, 0xD8))


def _segments(data: bytes) -> Iterator[tuple[int, int, int]]:
    """(marker, start, end) of each marker segment up to and including SOS."""
    if not data.startswith(b"\xff\xd8"):
        raise CorruptMedia("not a JPEG: SOI marker missing")
    pos = 2
    while True:
        while (
            pos < len(data) and data[pos] == 0xFF and pos + 1 < len(data) and data[pos + 1] == 0xFF
        ):
            pos += 1  # fill bytes
        if pos + 2 > len(data):
            raise CorruptMedia("JPEG truncated before the image data (no SOS)")
        if data[pos] != 0xFF:
            raise CorruptMedia(f"JPEG marker expected at byte {pos}")
        marker = data[pos + 1]
        if marker in _STANDALONE:
            yield marker, pos, pos + 2
            pos += 2
            continue
        if marker == 0xD9:
            raise CorruptMedia("JPEG ends (EOI) before any image data")
        if pos + 4 > len(data):
            raise CorruptMedia("JPEG truncated inside a segment header")
        length = struct.unpack(">H", data[pos + 2 : pos + 4])[0]
        end = pos + 2 + length
        if length < 2 or end > len(data):
            raise CorruptMedia(f"JPEG segment 0x{marker:02X} at byte {pos} runs past the end")
        yield marker, pos, end
        if marker == 0xDA:
            return
        pos = end


def _user_comment(tiff: bytes) -> str | None:
    """EXIF UserComment (tag 0x9286 in the Exif IFD), decoded per its 8-byte charset prefix."""
    if len(tiff) < 8 or tiff[:2] not in (b"II", b"MM"):
        return None
    e = "<" if tiff[:2] == b"II" else ">"

    def entries(offset: int) -> Iterator[tuple[int, int, int, int]]:
        if offset + 2 > len(tiff):
            return
        (count,) = struct.unpack(e + "H", tiff[offset : offset + 2])
        for i in range(min(count, 512)):
            at = offset + 2 + 12 * i
            if at + 12 > len(tiff):
                return
            tag, typ, n = struct.unpack(e + "HHI", tiff[at : at + 8])
            yield tag, typ, n, at + 8

    (ifd0,) = struct.unpack(e + "I", tiff[4:8])
    for tag, _typ, _n, at in entries(ifd0):
        if tag != 0x8769:
            continue
        (exif_ifd,) = struct.unpack(e + "I", tiff[at : at + 4])
        for tag2, _typ2, n2, at2 in entries(exif_ifd):
            if tag2 != 0x9286:
                continue
            if n2 <= 4:
                blob = tiff[at2 : at2 + n2]
            else:
                (off,) = struct.unpack(e + "I", tiff[at2 : at2 + 4])
                blob = tiff[off : off + n2]
            code, text = blob[:8], blob[8:]
            if code.startswith(b"UNICODE"):
                enc = "utf-16-le" if e == "<" else "utf-16-be"
                return text.decode(enc, "replace").rstrip("\x00 ")
            return text.decode("utf-8", "replace").rstrip("\x00 ")
    return None


def read(data: bytes) -> list[Found]:
    """AIGC labels from XMP APP1 and EXIF UserComment of a JPEG."""
    found: list[Found] = []
    for marker, start, end in _segments(data):
        if marker != 0xE1:
            continue
        body = data[start + 4 : end]
        if body.startswith(XMP_HEADER):
            found.extend(found_from_xmp("jpeg/APP1-XMP", body[len(XMP_HEADER) :]))
        elif body.startswith(EXIF_HEADER):
            comment = _user_comment(body[len(EXIF_HEADER) :])
            if comment and "AIGC" in comment:
                found.append(found_from_raw("jpeg/EXIF-UserComment", comment))
    return found


def write(data: bytes, label: AIGCLabel, *, digital_source_type: str = TRAINED) -> bytes:
    """The JPEG with our XMP APP1 segment; entropy-coded data untouched."""
    existing: bytes | None = None
    drop: list[tuple[int, int]] = []
    insert_at = 2
    leading = True
    for marker, start, end in _segments(data):
        body = data[start + 4 : end]
        if marker == 0xE1 and body.startswith(XMP_HEADER):
            if existing is None:
                existing = body[len(XMP_HEADER) :]
            drop.append((start, end))
            continue
        # Keep JFIF (APP0) and EXIF (APP1) first, as readers expect; XMP goes after them.
        if leading and (marker == 0xE0 or (marker == 0xE1 and body.startswith(EXIF_HEADER))):
            insert_at = end
        else:
            leading = False
    packet = merge_packet(existing, label.to_xmp_value(), digital_source_type)
    payload = XMP_HEADER + packet
    if len(payload) + 2 > 0xFFFF:
        raise InvalidInput(
            "the XMP packet would exceed the 64 KB JPEG APP1 limit",
            hint="remove bulky XMP properties from the image first",
        )
    segment = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    out = bytearray()
    pos = 0
    for s, e in sorted(drop + [(insert_at, insert_at)]):
        out += data[pos:s]
        if s == e == insert_at:
            out += segment
        pos = e
    out += data[pos:]
    return bytes(out)
