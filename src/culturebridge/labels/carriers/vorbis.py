"""FLAC and Ogg (Vorbis, Opus) carrier: Vorbis comment `AIGC=` (via mutagen)."""

from __future__ import annotations

import io
from struct import error as struct_error

from mutagen import FileType, MutagenError
from mutagen.flac import FLAC
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis

from culturebridge.errors import CorruptMedia, UnsupportedMedia
from culturebridge.labels.carriers.found import Found, found_from_raw
from culturebridge.labels.gb45438 import AIGCLabel
from culturebridge.labels.xmp import TRAINED


def _open(data: bytes) -> FileType:
    if data.startswith(b"fLaC"):
        kinds: tuple[type[FileType], ...] = (FLAC,)
    elif b"OpusHead" in data[:64]:
        kinds = (OggOpus,)
    elif b"\x01vorbis" in data[:64]:
        kinds = (OggVorbis,)
    else:
        raise UnsupportedMedia(
            "Ogg stream is neither Vorbis nor Opus; no Vorbis comment to carry a label"
        )
    try:
        return kinds[0](io.BytesIO(data))
    except (
        MutagenError,
        ValueError,
        struct_error,
        EOFError,
        IndexError,
        KeyError,
        OverflowError,
    ) as exc:
        raise CorruptMedia(f"{kinds[0].__name__} file unreadable: {exc}") from None


def read(data: bytes) -> list[Found]:
    """AIGC labels from the Vorbis comment block."""
    audio = _open(data)
    tags = audio.tags
    if tags is None:
        return []
    where = "flac" if isinstance(audio, FLAC) else "ogg"
    return [found_from_raw(f"{where}/VorbisComment:AIGC", v) for v in tags.get("AIGC", [])]


def write(data: bytes, label: AIGCLabel, *, digital_source_type: str = TRAINED) -> bytes:
    """The file with `AIGC=` set in its Vorbis comment; audio packets untouched."""
    del digital_source_type
    audio = _open(data)
    if audio.tags is None:
        audio.add_tags()
    assert audio.tags is not None
    audio.tags["AIGC"] = [label.to_json()]
    buf = io.BytesIO(data)
    try:
        audio.save(buf)
    except (MutagenError, ValueError, struct_error, IndexError, KeyError, OverflowError) as exc:
        raise CorruptMedia(f"could not write the Vorbis comment: {exc}") from None
    return buf.getvalue()
