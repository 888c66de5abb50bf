"""PNG carrier: XMP in iTXt `XML:com.adobe.xmp` and the label in tEXt `AIGC` (GB 45438 Annex E)."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator

from culturebridge.errors import CorruptMedia
from culturebridge.labels.carriers.found import Found, found_from_raw, found_from_xmp
from culturebridge.labels.gb45438 import AIGCLabel
from culturebridge.labels.xmp import MAX_PACKET, TRAINED, merge_packet

SIGNATURE = b"\x89PNG\r\n\x1a\n"
_XMP_KEY = b"XML:com.adobe.xmp"
_TEXT_CHUNKS = (b"tEXt", b"zTXt", b"iTXt")


def _chunks(data: bytes) -> Iterator[tuple[bytes, int, int, bool]]:
    """(type, start, end, crc_ok) for each chunk; start/end span the whole chunk."""
    if not data.startswith(SIGNATURE):
        raise CorruptMedia("not a PNG: signature missing")
    pos = len(SIGNATURE)
    while pos < len(data):
        if pos + 8 > len(data):
            raise CorruptMedia(f"PNG truncated inside a chunk header at byte {pos}")
        length, ctype = struct.unpack(">I4s", data[pos : pos + 8])
        end = pos + 12 + length
        if end > len(data):
            raise CorruptMedia(f"PNG chunk {ctype!r} at byte {pos} runs past the end of the file")
        ok = True
        if (
            ctype in _TEXT_CHUNKS
        ):  # only the chunks we read are CRC-checked (image data is not ours)
            crc = struct.unpack(">I", data[end - 4 : end])[0]
            ok = zlib.crc32(memoryview(data)[pos + 4 : end - 4]) == crc
        yield ctype, pos, end, ok
        pos = end
        if ctype == b"IEND":
            return
    raise CorruptMedia("PNG has no IEND chunk (truncated)")


def _inflate(blob: bytes) -> bytes:
    d = zlib.decompressobj()
    out = d.decompress(blob, MAX_PACKET + 1)
    if len(out) > MAX_PACKET:
        raise CorruptMedia("compressed PNG text chunk inflates past the safety limit")
    return out


def _text_value(ctype: bytes, body: bytes) -> tuple[bytes, bytes]:
    """(keyword, value bytes) of a tEXt/zTXt/iTXt chunk body."""
    key, _, rest = body.partition(b"\x00")
    if ctype == b"tEXt":
        return key, rest
    if ctype == b"zTXt":
        return key, _inflate(rest[1:])
    # iTXt: compression flag, method, language tag \0, translated keyword \0, text.
    if len(rest) < 2:
        raise CorruptMedia("PNG iTXt chunk too short")
    flag = rest[0]
    _lang, _, rest2 = rest[2:].partition(b"\x00")
    _tkey, _, text = rest2.partition(b"\x00")
    return key, _inflate(text) if flag else text


def read(data: bytes) -> list[Found]:
    """Every AIGC label and IPTC source type in a PNG's text chunks."""
    found: list[Found] = []
    for ctype, start, end, ok in _chunks(data):
        if ctype not in _TEXT_CHUNKS:
            continue
        body = data[start + 8 : end - 4]
        try:
            key, value = _text_value(ctype, body)
        except (zlib.error, CorruptMedia) as exc:
            found.append(Found(f"png/{ctype.decode()}", "", None, (f"unreadable chunk: {exc}",)))
            continue
        where = f"png/{ctype.decode()}:{key.decode('latin-1')}"
        extra = () if ok else ("chunk CRC mismatch",)
        if key == _XMP_KEY:
            for f in found_from_xmp(where, value):
                found.append(
                    Found(f.carrier, f.raw, f.label, f.issues + extra, f.digital_source_type)
                )
        elif key == b"AIGC":
            f = found_from_raw(
                where, value.decode("utf-8" if ctype == b"iTXt" else "latin-1", "replace")
            )
            found.append(Found(f.carrier, f.raw, f.label, f.issues + extra, f.digital_source_type))
    return found


def _chunk(ctype: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + ctype + body + struct.pack(">I", zlib.crc32(ctype + body))


def write(data: bytes, label: AIGCLabel, *, digital_source_type: str = TRAINED) -> bytes:
    """The PNG with our XMP iTXt and tEXt AIGC chunks right after IHDR; image data untouched."""
    existing_xmp: bytes | None = None
    dropped: list[tuple[int, int]] = []
    after_ihdr = -1
    for ctype, start, end, _ok in _chunks(data):
        if ctype == b"IHDR":
            after_ihdr = end
        if ctype in _TEXT_CHUNKS:
            key, value = _text_value(ctype, data[start + 8 : end - 4])
            if key == _XMP_KEY and existing_xmp is None:
                existing_xmp = value
            if key in (b"AIGC", _XMP_KEY):
                dropped.append((start, end))
    if after_ihdr < 0:
        raise CorruptMedia("PNG has no IHDR chunk")
    packet = merge_packet(existing_xmp, label.to_xmp_value(), digital_source_type)
    ours = _chunk(b"iTXt", _XMP_KEY + b"\x00\x00\x00\x00\x00" + packet) + _chunk(
        b"tEXt", b"AIGC\x00" + label.to_json().encode("ascii")
    )
    # Splice without copying the image data more than once (memoryview slices).
    view = memoryview(data)
    parts: list[bytes | memoryview] = []
    pos = 0
    for start, end in sorted(dropped + [(after_ihdr, after_ihdr)]):
        parts.append(view[pos:start])
        if start == end == after_ihdr:
            parts.append(ours)
        pos = end
    parts.append(view[pos:])
    return b"".join(parts)
