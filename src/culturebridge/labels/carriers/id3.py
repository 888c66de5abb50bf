"""MP3 carrier: ID3v2 `TXXX` frame with description `AIGC` (via mutagen)."""

from __future__ import annotations

import io
from struct import error as struct_error
from typing import Any

from mutagen import MutagenError
from mutagen import id3 as _mutagen_id3
from mutagen.id3 import ID3NoHeaderError

from culturebridge.errors import CorruptMedia
from culturebridge.labels.carriers.found import Found, found_from_raw
from culturebridge.labels.gb45438 import AIGCLabel
from culturebridge.labels.xmp import TRAINED

# mutagen.id3 is untyped; treat it as Any at this boundary.
_ID3: Any = _mutagen_id3


def _load(data: bytes) -> Any:
    try:
        return _ID3.ID3(io.BytesIO(data))
    except ID3NoHeaderError:
        return None
    except (
        MutagenError,
        ValueError,
        struct_error,
        EOFError,
        IndexError,
        KeyError,
        OverflowError,
    ) as exc:
        raise CorruptMedia(f"ID3 tag unreadable: {exc}") from None


def read(data: bytes) -> list[Found]:
    """AIGC labels from ID3v2 TXXX:AIGC frames."""
    tag = _load(data)
    if tag is None:
        return []
    found: list[Found] = []
    for frame in tag.getall("TXXX"):
        if str(frame.desc).upper() == "AIGC":
            found.append(found_from_raw("mp3/ID3v2/TXXX:AIGC", "".join(str(t) for t in frame.text)))
    return found


def write(data: bytes, label: AIGCLabel, *, digital_source_type: str = TRAINED) -> bytes:
    """The MP3 with TXXX:AIGC set; other frames and audio frames kept."""
    del digital_source_type
    tag = _load(data) or _ID3.ID3()
    tag.delall("TXXX:AIGC")
    tag.add(_ID3.TXXX(encoding=3, desc="AIGC", text=[label.to_json()]))
    buf = io.BytesIO(data)
    try:
        tag.save(buf, v2_version=tag.version[1] if tag.version[1] in (3, 4) else 4)
    except (MutagenError, ValueError, struct_error, IndexError, KeyError, OverflowError) as exc:
        raise CorruptMedia(f"could not write the ID3 tag: {exc}") from None
    return buf.getvalue()
