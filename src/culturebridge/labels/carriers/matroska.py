"""Matroska / WebM carrier: a global SimpleTag `AIGC` (Matroska tagging, RFC 9559 §5.1.8).

What `ffmpeg -metadata AIGC=…` writes into an MKV: Segment > Tags > Tag (empty Targets,
i.e. the whole segment) > SimpleTag with TagName `AIGC` and TagString `{"AIGC":{…}}`.
Writing moves the Tags to the end of the Segment with our SimpleTag added (the old Tags
element and any earlier SimpleTag `AIGC` become EBML Void elements of the same length: one
label per file, GB 45438 Annex E), points the SeekHead's Tags entry at it (using the Void
that muxers reserve after the SeekHead), and updates the Segment size in place, so Cluster
and Cues positions stay valid. A Segment of unknown size simply grows with the file.
"""

from __future__ import annotations

from collections.abc import Iterator

from culturebridge.errors import CorruptMedia, UnsupportedMedia
from culturebridge.labels.carriers.found import Found, found_from_raw
from culturebridge.labels.gb45438 import AIGCLabel
from culturebridge.labels.xmp import TRAINED

EBML, SEGMENT, TAGS, TAG, TARGETS, SIMPLE_TAG = 0x1A45DFA3, 0x18538067, 0x1254C367, 0x7373, 0x63C0, 0x67C8
TAG_NAME, TAG_STRING, VOID = 0x45A3, 0x4487, 0xEC
SEEK_HEAD, SEEK, SEEK_ID, SEEK_POSITION = 0x114D9B74, 0x4DBB, 0x53AB, 0x53AC
_MASTERS = {SEGMENT, TAGS, TAG}
_MAX_DEPTH = 4


def _vint(data: bytes, pos: int, *, keep_marker: bool) -> tuple[int, int, bool]:
    """(value, length, all-ones) of the EBML variable-size integer at pos."""
    if pos >= len(data):
        raise CorruptMedia("Matroska truncated inside an element header")
    first = data[pos]
    length = 1
    while length <= 8 and not first & (0x80 >> (length - 1)):
        length += 1
    if length > 8 or pos + length > len(data):
        raise CorruptMedia("Matroska element header is not a valid EBML integer")
    value = first if keep_marker else first & (0xFF >> length)
    for b in data[pos + 1 : pos + length]:
        value = (value << 8) | b
    return value, length, not keep_marker and value == (1 << (7 * length)) - 1


def _elements(data: bytes, start: int, end: int) -> Iterator[tuple[int, int, int, int]]:
    """(id, element start, payload start, payload end) of the elements in [start, end)."""
    pos = start
    while pos < end:
        eid, id_len, _ = _vint(data, pos, keep_marker=True)
        size, size_len, unknown = _vint(data, pos + id_len, keep_marker=False)
        body = pos + id_len + size_len
        stop = end if unknown else body + size
        if stop > len(data):
            if eid == SEGMENT:
                stop = len(data)  # a truncated live recording: read what is there
            else:
                raise CorruptMedia("Matroska element runs past the end of the file")
        yield eid, pos, body, stop
        pos = stop


def _segment(data: bytes) -> tuple[int, int, int]:
    """(element start, payload start, payload end) of the first Segment."""
    if data[:4] != b"\x1a\x45\xdf\xa3":
        raise CorruptMedia("not Matroska/WebM: EBML header missing")
    for eid, start, body, stop in _elements(data, 0, len(data)):
        if eid == SEGMENT:
            return start, body, stop
    raise CorruptMedia("Matroska file has no Segment")


def _simple_tags(data: bytes) -> Iterator[tuple[int, int, str, str]]:
    """(start, end, name, string) of each SimpleTag under Segment > Tags > Tag."""
    _s, body, stop = _segment(data)

    def walk(start: int, end: int, depth: int) -> Iterator[tuple[int, int, str, str]]:
        for eid, e_start, e_body, e_stop in _elements(data, start, end):
            if eid == SIMPLE_TAG:
                name = value = ""
                for cid, _cs, c_body, c_stop in _elements(data, e_body, e_stop):
                    if cid == TAG_NAME:
                        name = data[c_body:c_stop].decode("utf-8", "replace")
                    elif cid == TAG_STRING:
                        value = data[c_body:c_stop].decode("utf-8", "replace").rstrip("\x00")
                yield e_start, e_stop, name, value
            elif eid in (TAGS, TAG) and depth < _MAX_DEPTH:
                yield from walk(e_body, e_stop, depth + 1)

    for eid, _e_start, e_body, e_stop in _elements(data, body, stop):
        if eid == TAGS:
            yield from walk(e_body, e_stop, 1)


def read(data: bytes) -> list[Found]:
    """Every SimpleTag `AIGC` of a Matroska/WebM file."""
    return [found_from_raw("matroska/SimpleTag:AIGC", value) for _s, _e, name, value in _simple_tags(data)
            if name.upper() == "AIGC"]


def _size(n: int, width: int = 0) -> bytes:
    width = width or next(w for w in range(1, 9) if n < (1 << (7 * w)) - 1)
    return ((1 << (7 * width)) | n).to_bytes(width, "big")


def _element(eid: int, payload: bytes) -> bytes:
    return eid.to_bytes((eid.bit_length() + 7) // 8, "big") + _size(len(payload)) + payload


def _void(length: int) -> bytes:
    """An EBML Void element exactly `length` bytes long (length >= 2)."""
    if length < 2:
        raise CorruptMedia("no room for an EBML Void element")
    if length - 2 < 127:
        return bytes([VOID]) + _size(length - 2, 1) + b"\x00" * (length - 2)
    return bytes([VOID]) + _size(length - 9, 8) + b"\x00" * (length - 9)


def _seek_head(data: bytes, start: int, end: int, tags_at: int) -> bytes:
    """The SeekHead in [start, end) with its Tags entry pointing at tags_at (added if missing)."""
    entries: list[bytes] = []
    pointed = False
    for eid, e_start, e_body, e_stop in _elements(data, start, end):
        if eid != SEEK:
            continue  # a CRC-32 or Void inside the SeekHead would no longer be right
        target = next((data[b:z] for cid, _a, b, z in _elements(data, e_body, e_stop) if cid == SEEK_ID), b"")
        if target == TAGS.to_bytes(4, "big"):
            pointed = True
            entries.append(_element(SEEK, _element(SEEK_ID, target) + _element(SEEK_POSITION, tags_at.to_bytes(8, "big"))))
        else:
            entries.append(data[e_start:e_stop])
    if not pointed:
        entries.append(_element(SEEK, _element(SEEK_ID, TAGS.to_bytes(4, "big")) + _element(SEEK_POSITION, tags_at.to_bytes(8, "big"))))
    return _element(SEEK_HEAD, b"".join(entries))


def write(data: bytes, label: AIGCLabel, *, digital_source_type: str = TRAINED) -> bytes:
    """The file with one Tags element (the old tags plus a global SimpleTag AIGC) at the end of
    its Segment, the SeekHead pointing at it, and the old Tags blanked out as Void."""
    del digital_source_type  # Matroska has no IPTC slot; the AIGC value says it all
    seg_start, body, stop = _segment(data)
    out = bytearray(data)
    for start, end, name, _value in _simple_tags(data):
        if name.upper() == "AIGC":
            out[start:end] = _void(end - start)
    children = list(_elements(bytes(out), body, stop))
    old_tags = b""
    for eid, e_start, e_body, e_stop in children:
        if eid == TAGS:
            old_tags += bytes(out[e_body:e_stop])
            out[e_start:e_stop] = _void(e_stop - e_start)
    simple = _element(SIMPLE_TAG, _element(TAG_NAME, b"AIGC") + _element(TAG_STRING, label.to_json().encode("ascii")))
    tags = _element(TAGS, old_tags + _element(TAG, _element(TARGETS, b"") + simple))
    head = next(((i, c) for i, c in enumerate(children) if c[0] == SEEK_HEAD), None)
    if head is None:
        raise UnsupportedMedia(
            "the Matroska file has no SeekHead: readers would not find tags at its end",
            hint="remux with ffmpeg or mkvmerge and label again",
        )
    if head is not None:
        index, (_eid, h_start, h_body, h_stop) = head
        room_end = h_stop
        if index + 1 < len(children) and children[index + 1][0] == VOID:
            room_end = children[index + 1][3]
        new_head = _seek_head(bytes(out), h_body, h_stop, stop - body)
        left = room_end - h_start - len(new_head)
        if left < 0 or left == 1:
            raise UnsupportedMedia(
                "the Matroska SeekHead has no reserved room to point at the new tags",
                hint="remux with ffmpeg or mkvmerge (they reserve room) and label again",
            )
        out[h_start:room_end] = new_head + (_void(left) if left else b"")
    _eid, id_len, _ = _vint(data, seg_start, keep_marker=True)
    size, size_len, unknown = _vint(data, seg_start + id_len, keep_marker=False)
    if not unknown:
        new = size + len(tags)
        if new >= (1 << (7 * size_len)) - 1:
            raise CorruptMedia("the Matroska Segment size field is too narrow to grow")
        out[seg_start + id_len : body] = _size(new, size_len)
    return bytes(out[:stop]) + tags + bytes(out[stop:])
