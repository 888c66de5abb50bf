"""MP4/MOV/M4A carrier: `moov/udta/meta` with mdta `keys` entry `AIGC` and its `ilst` item.

This is the layout `ffmpeg -movflags use_metadata_tags -metadata AIGC=...` writes and ffprobe
reads (QuickTime File Format, Metadata atoms). Media data is never rewritten: when `moov`
precedes `mdat`, the chunk offsets in every `stco`/`co64` are shifted by the growth of `moov`.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass

from culturebridge.errors import CorruptMedia, InvalidInput, UnsupportedMedia
from culturebridge.labels.carriers.found import Found, found_from_raw
from culturebridge.labels.gb45438 import AIGCLabel
from culturebridge.labels.xmp import TRAINED

_KEY = b"AIGC"
_CONTAINERS = {b"trak", b"mdia", b"minf", b"stbl", b"edts", b"dinf"}


@dataclass(frozen=True)
class _Box:
    kind: bytes
    start: int
    body: int  # first byte after the header
    end: int


def _boxes(data: bytes, start: int, end: int, *, top: bool = False) -> Iterator[_Box]:
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack(">I4s", data[pos : pos + 8])
        header = 8
        if size == 1:
            if pos + 16 > end:
                raise CorruptMedia(f"MP4 box {kind!r} truncated in its 64-bit size")
            (size,) = struct.unpack(">Q", data[pos + 8 : pos + 16])
            header = 16
        elif size == 0:
            if not top:
                return  # QuickTime terminator / padding inside a container
            size = end - pos
        if size < header or pos + size > end:
            raise CorruptMedia(f"MP4 box {kind!r} at byte {pos} runs past its parent or the file")
        yield _Box(kind, pos, pos + header, pos + size)
        pos += size


def _child(data: bytes, parent: _Box, kind: bytes) -> _Box | None:
    return next((b for b in _boxes(data, parent.body, parent.end) if b.kind == kind), None)


def _meta_body_start(data: bytes, meta: _Box) -> int:
    # ISO meta is a FullBox (4 bytes version/flags); QuickTime meta is not.
    if data[meta.body + 4 : meta.body + 8] in (b"hdlr", b"keys", b"ilst"):
        return meta.body
    return meta.body + 4


def _keys(data: bytes, keys: _Box) -> list[bytes]:
    (count,) = struct.unpack(">I", data[keys.body + 4 : keys.body + 8])
    names: list[bytes] = []
    pos = keys.body + 8
    for _ in range(min(count, 65536)):
        if pos + 8 > keys.end:
            raise CorruptMedia("MP4 keys atom truncated")
        (size,) = struct.unpack(">I", data[pos : pos + 4])
        if size < 8 or pos + size > keys.end:
            raise CorruptMedia("MP4 keys entry has a bad size")
        names.append(data[pos + 8 : pos + size])
        pos += size
    return names


def _data_value(data: bytes, item: _Box) -> str | None:
    for sub in _boxes(data, item.body, item.end):
        if sub.kind == b"data" and sub.end - sub.body >= 8:
            return data[sub.body + 8 : sub.end].decode("utf-8", "replace")
    return None


def _meta_values(data: bytes, meta: _Box, where: str) -> list[Found]:
    inner = _Box(meta.kind, meta.start, _meta_body_start(data, meta), meta.end)
    keys_box = _child(data, inner, b"keys")
    ilst = _child(data, inner, b"ilst")
    if ilst is None:
        return []
    names = _keys(data, keys_box) if keys_box else []
    found: list[Found] = []
    for item in _boxes(data, ilst.body, ilst.end):
        (index,) = struct.unpack(">I", item.kind)
        if keys_box is not None and 1 <= index <= len(names) and names[index - 1] == _KEY:
            value = _data_value(data, item)
            if value is not None:
                found.append(found_from_raw(f"mp4/{where}/keys:AIGC", value))
        elif item.kind == b"----":  # iTunes freeform: mean/name/data
            name = _child(data, item, b"name")
            if name and data[name.body + 4 : name.end] == _KEY:
                value = _data_value(data, item)
                if value is not None:
                    found.append(found_from_raw(f"mp4/{where}/----:AIGC", value))
    return found


def _moov(data: bytes) -> _Box:
    if len(data) < 8:
        raise CorruptMedia("MP4 too short")
    moovs = [b for b in _boxes(data, 0, len(data), top=True) if b.kind == b"moov"]
    if not moovs:
        raise CorruptMedia("MP4 has no moov box (truncated or not finished recording)")
    if len(moovs) > 1:
        raise CorruptMedia("MP4 has more than one moov box")
    return moovs[0]


def read(data: bytes) -> list[Found]:
    """AIGC labels from the mdta metadata of `moov` and `moov/udta`."""
    moov = _moov(data)
    found: list[Found] = []
    for box in _boxes(data, moov.body, moov.end):
        if box.kind == b"meta":
            found.extend(_meta_values(data, box, "moov/meta"))
        elif box.kind == b"udta":
            for sub in _boxes(data, box.body, box.end):
                if sub.kind == b"meta":
                    found.extend(_meta_values(data, sub, "moov/udta/meta"))
    return found


def _box(kind: bytes, body: bytes) -> bytes:
    if len(body) + 8 > 0xFFFFFFFF:
        raise InvalidInput("MP4 box too large to rewrite")
    return struct.pack(">I", len(body) + 8) + kind + body


def _data_item(index: int, value: str) -> bytes:
    # Well-known type 1 = UTF-8, locale 0 (QTFF "Data atom").
    return _box(struct.pack(">I", index), _box(b"data", struct.pack(">II", 1, 0) + value.encode()))


def _new_meta(value: str) -> bytes:
    hdlr = _box(b"hdlr", b"\x00" * 8 + b"mdta" + b"\x00" * 13)
    keys = _box(b"keys", struct.pack(">II", 0, 1) + _box(b"mdta", _KEY))
    return _box(b"meta", b"\x00" * 4 + hdlr + keys + _box(b"ilst", _data_item(1, value)))


def _set_in_meta(data: bytes, meta: _Box, value: str) -> bytes | None:
    """The meta box with AIGC set, or None if it is not an mdta meta we can edit."""
    body_start = _meta_body_start(data, meta)
    inner = _Box(meta.kind, meta.start, body_start, meta.end)
    keys_box = _child(data, inner, b"keys")
    ilst = _child(data, inner, b"ilst")
    if keys_box is None or ilst is None:
        return None
    names = _keys(data, keys_box)
    if _KEY in names:
        index = names.index(_KEY) + 1
        new_keys = data[keys_box.start : keys_box.end]
    else:
        index = len(names) + 1
        entries = data[keys_box.body + 8 : keys_box.end] + _box(b"mdta", _KEY)
        new_keys = _box(
            b"keys", data[keys_box.body : keys_box.body + 4] + struct.pack(">I", index) + entries
        )
    items = [
        data[i.start : i.end]
        for i in _boxes(data, ilst.body, ilst.end)
        if struct.unpack(">I", i.kind)[0] != index
    ]
    new_ilst = _box(b"ilst", b"".join(items) + _data_item(index, value))
    parts = []
    for child in _boxes(data, body_start, meta.end):
        if child.kind == b"keys":
            parts.append(new_keys)
        elif child.kind == b"ilst":
            parts.append(new_ilst)
        else:
            parts.append(data[child.start : child.end])
    return _box(b"meta", data[meta.body : body_start] + b"".join(parts))


def _rewrite_udta(data: bytes, udta: _Box | None, value: str) -> bytes:
    if udta is None:
        return _box(b"udta", _new_meta(value))
    parts: list[bytes] = []
    done = False
    for sub in _boxes(data, udta.body, udta.end):
        if sub.kind == b"meta" and not done:
            edited = _set_in_meta(data, sub, value)
            if edited is not None:
                parts.append(edited)
                done = True
                continue
        parts.append(data[sub.start : sub.end])
    if not done:
        parts.append(_new_meta(value))
    return _box(b"udta", b"".join(parts))


def _shift_offsets(
    moov: bytearray, box_start: int, box_end: int, shift: int, threshold: int
) -> None:
    """Add `shift` to every stco/co64 entry at or beyond `threshold` (in place)."""
    view = bytes(moov)
    for box in _boxes(view, box_start, box_end):
        if box.kind == b"trak" or box.kind in _CONTAINERS:
            _shift_offsets(moov, box.body, box.end, shift, threshold)
        elif box.kind in (b"stco", b"co64"):
            (count,) = struct.unpack(">I", view[box.body + 4 : box.body + 8])
            width, fmt = (4, ">I") if box.kind == b"stco" else (8, ">Q")
            if box.body + 8 + count * width > box.end:
                raise CorruptMedia(f"MP4 {box.kind.decode()} table runs past its box")
            for i in range(count):
                at = box.body + 8 + i * width
                (off,) = struct.unpack(fmt, view[at : at + width])
                if off >= threshold:
                    if off + shift >= 1 << (8 * width):
                        raise UnsupportedMedia(
                            "MP4 chunk offset would overflow stco; remux with co64"
                        )
                    moov[at : at + width] = struct.pack(fmt, off + shift)


def write(data: bytes, label: AIGCLabel, *, digital_source_type: str = TRAINED) -> bytes:
    """The MP4 with AIGC in `moov/udta/meta`; samples untouched, chunk offsets fixed."""
    del digital_source_type  # MP4 carries no XMP here; C2PA carries the source type.
    moov = _moov(data)
    value = label.to_json()
    fragmented = any(b.kind in (b"moof", b"sidx") for b in _boxes(data, 0, len(data), top=True))
    if fragmented and moov.end < len(data):
        # tfhd/tfra may hold absolute offsets that a grown moov would break.
        raise UnsupportedMedia(
            "fragmented MP4 with moov before its fragments is not rewritten",
            hint="remux to a plain MP4 (ffmpeg -c copy) before labelling",
        )
    parts: list[bytes] = []
    udta: _Box | None = None
    for box in _boxes(data, moov.body, moov.end):
        if box.kind == b"udta" and udta is None:
            udta = box
            continue
        if box.kind == b"meta":
            edited = _set_in_meta(data, box, value)
            parts.append(edited if edited is not None else data[box.start : box.end])
            continue
        parts.append(data[box.start : box.end])
    parts.append(_rewrite_udta(data, udta, value))
    new_moov = bytearray(_box(b"moov", b"".join(parts)))
    shift = len(new_moov) - (moov.end - moov.start)
    if shift and moov.end < len(data):
        # ISO/IEC 14496-12 §8.7.5: chunk offsets are absolute file offsets.
        _shift_offsets(new_moov, 8, len(new_moov), shift, moov.end)
    return data[: moov.start] + bytes(new_moov) + data[moov.end :]
