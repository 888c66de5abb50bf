"""Implicit-label carriers, one module per container family, chosen by sniffed content."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

from culturebridge.errors import UnsupportedMedia
from culturebridge.labels.carriers import (
    gif,
    html,
    id3,
    jpeg,
    matroska,
    mp4,
    ooxml,
    pdf,
    png,
    text,
    tiff,
    vorbis,
    wav,
    webp,
)
from culturebridge.labels.carriers.found import Found
from culturebridge.labels.gb45438 import AIGCLabel
from culturebridge.labels.sniff import MediaKind, sniff
from culturebridge.labels.xmp import TRAINED

__all__ = ["Carrier", "Found", "carrier_for", "read_labels", "write_label"]


@dataclass(frozen=True)
class Carrier:
    """A container family: how to read and write its implicit label."""

    kind: MediaKind
    read: Callable[[bytes], list[Found]]
    write: Callable[..., bytes]
    carries_iptc: bool


def _carrier(kind: MediaKind, module: ModuleType, iptc: bool = False) -> Carrier:
    return Carrier(kind, module.read, module.write, iptc)


def _registry() -> dict[MediaKind, Carrier]:
    return {
        MediaKind.PNG: _carrier(MediaKind.PNG, png, True),
        MediaKind.JPEG: _carrier(MediaKind.JPEG, jpeg, True),
        MediaKind.WEBP: _carrier(MediaKind.WEBP, webp, True),
        MediaKind.GIF: _carrier(MediaKind.GIF, gif, True),
        MediaKind.TIFF: _carrier(MediaKind.TIFF, tiff, True),
        MediaKind.MP4: _carrier(MediaKind.MP4, mp4),
        MediaKind.MATROSKA: _carrier(MediaKind.MATROSKA, matroska),
        MediaKind.MP3: _carrier(MediaKind.MP3, id3),
        MediaKind.WAV: _carrier(MediaKind.WAV, wav),
        MediaKind.FLAC: _carrier(MediaKind.FLAC, vorbis),
        MediaKind.OGG: _carrier(MediaKind.OGG, vorbis),
        MediaKind.PDF: _carrier(MediaKind.PDF, pdf),
        MediaKind.OOXML: _carrier(MediaKind.OOXML, ooxml),
        MediaKind.HTML: _carrier(MediaKind.HTML, html),
        MediaKind.TEXT: _carrier(MediaKind.TEXT, text),
    }


def carrier_for(kind: MediaKind) -> Carrier:
    """The carrier for a media kind, or UnsupportedMedia."""
    carrier = _registry().get(kind)
    if carrier is None:
        raise UnsupportedMedia(
            "file content is not a format that can carry an AIGC label",
            hint="supported: PNG, JPEG, WebP, GIF, TIFF, MP4/MOV/M4A, MKV/WebM, MP3, WAV, FLAC, Ogg, PDF, DOCX, HTML, Markdown",
        )
    return carrier


def read_labels(data: bytes) -> tuple[MediaKind, list[Found]]:
    """The sniffed kind of `data` and every implicit label its carrier finds."""
    kind = sniff(data)
    return kind, carrier_for(kind).read(data)


def write_label(data: bytes, label: AIGCLabel, *, digital_source_type: str = TRAINED) -> bytes:
    """`data` with `label` written into its carrier (replacing our earlier value)."""
    return carrier_for(sniff(data)).write(data, label, digital_source_type=digital_source_type)
