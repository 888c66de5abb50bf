"""WAV carrier: a RIFF chunk named `AIGC` (GB 45438 Annex E); `LIST/INFO` `AIGC` is read too."""

from __future__ import annotations

import struct
from collections.abc import Iterator

from culturebridge.errors import CorruptMedia
from culturebridge.labels.carriers.found import Found, found_from_raw
from culturebridge.labels.gb45438 import AIGCLabel
from culturebridge.labels.xmp import TRAINED


def _chunks(data: bytes, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """(fourcc, body start, body end) of each RIFF sub-chunk."""
    pos = start
    while pos + 8 <= end:
        fourcc, size = struct.unpack("<4sI", data[pos : pos + 8])
        if pos + 8 + size > end:
            raise CorruptMedia(f"WAV chunk {fourcc!r} at byte {pos} runs past the end of the file")
        yield fourcc, pos + 8, pos + 8 + size
        pos += 8 + size + (size & 1)


def _riff(data: bytes) -> int:
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise CorruptMedia("not a WAV: RIFF/WAVE header missing")
    size = int.from_bytes(data[4:8], "little")
    if 8 + size > len(data):
        raise CorruptMedia("WAV truncated: RIFF size exceeds the file")
    return 8 + size


def _text(blob: bytes) -> str:
    return blob.rstrip(b"\x00").decode("utf-8", "replace")


def read(data: bytes) -> list[Found]:
    """AIGC labels from the `AIGC` chunk and `LIST/INFO/AIGC`."""
    end = _riff(data)
    found: list[Found] = []
    for fourcc, s, e in _chunks(data, 12, end):
        if fourcc == b"AIGC":
            found.append(found_from_raw("wav/RIFF:AIGC", _text(data[s:e])))
        elif fourcc == b"LIST" and data[s : s + 4] == b"INFO":
            for sub, s2, e2 in _chunks(data, s + 4, e):
                if sub == b"AIGC":
                    found.append(found_from_raw("wav/LIST-INFO:AIGC", _text(data[s2:e2])))
    return found


def write(data: bytes, label: AIGCLabel, *, digital_source_type: str = TRAINED) -> bytes:
    """The WAV with one `AIGC` chunk appended after the existing chunks; audio untouched."""
    del digital_source_type
    end = _riff(data)
    kept = [data[s - 8 : e + ((e - s) & 1)] for f, s, e in _chunks(data, 12, end) if f != b"AIGC"]
    value = label.to_json().encode("ascii")
    ours = b"AIGC" + struct.pack("<I", len(value)) + value + (b"\x00" if len(value) & 1 else b"")
    body = b"WAVE" + b"".join(kept) + ours
    return b"RIFF" + struct.pack("<I", len(body)) + body + data[end:]
