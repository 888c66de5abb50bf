"""Media type sniffed from content bytes, never from a file name."""

from __future__ import annotations

import io
import zipfile
from enum import Enum


class MediaKind(str, Enum):
    """The container families we can carry an implicit label in."""

    PNG = "png"
    JPEG = "jpeg"
    WEBP = "webp"
    GIF = "gif"
    TIFF = "tiff"
    MP4 = "mp4"
    MATROSKA = "matroska"
    MP3 = "mp3"
    WAV = "wav"
    FLAC = "flac"
    OGG = "ogg"
    PDF = "pdf"
    OOXML = "ooxml"
    HTML = "html"
    TEXT = "text"
    UNKNOWN = "unknown"


# Extensions a user may legitimately give each kind (a mismatch is a finding).
EXTENSIONS: dict[MediaKind, frozenset[str]] = {
    MediaKind.PNG: frozenset({".png", ".apng"}),
    MediaKind.JPEG: frozenset({".jpg", ".jpeg", ".jpe", ".jfif"}),
    MediaKind.WEBP: frozenset({".webp"}),
    MediaKind.MP4: frozenset({".mp4", ".m4v", ".m4a", ".mov", ".qt", ".3gp", ".m4b"}),
    MediaKind.MATROSKA: frozenset({".mkv", ".webm", ".mka", ".mk3d"}),
    MediaKind.GIF: frozenset({".gif"}),
    MediaKind.TIFF: frozenset({".tif", ".tiff"}),
    MediaKind.MP3: frozenset({".mp3"}),
    MediaKind.WAV: frozenset({".wav", ".wave"}),
    MediaKind.FLAC: frozenset({".flac"}),
    MediaKind.OGG: frozenset({".ogg", ".oga", ".opus", ".ogv"}),
    MediaKind.PDF: frozenset({".pdf"}),
    MediaKind.OOXML: frozenset({".docx", ".xlsx", ".pptx", ".docm", ".dotx"}),
    MediaKind.HTML: frozenset({".html", ".htm", ".xhtml"}),
    MediaKind.TEXT: frozenset({".md", ".markdown", ".txt", ".text"}),
}

_MP4_TOP = (b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip")


def _is_mp3(data: bytes) -> bool:
    if data[:3] == b"ID3":
        return True
    # MPEG audio frame sync: 11 set bits, layer bits not 00.
    return len(data) >= 2 and data[0] == 0xFF and (data[1] & 0xE0) == 0xE0 and (data[1] & 0x06) != 0


def _is_ooxml(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return "[Content_Types].xml" in zf.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return False


def _text_kind(data: bytes) -> MediaKind:
    head = data[:4096]
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character may be cut at the 4096-byte boundary.
        if exc.start < len(head) - 4:
            return MediaKind.UNKNOWN
        text = head[: exc.start].decode("utf-8")
    if any(ord(c) < 0x20 and c not in "\t\n\r\f" for c in text):
        return MediaKind.UNKNOWN  # control bytes: binary, not text
    lowered = text.lstrip("\ufeff \t\r\n").lower()
    if lowered.startswith(("<!doctype html", "<html")) or "<html" in lowered[:1024]:
        return MediaKind.HTML
    return MediaKind.TEXT


def sniff(data: bytes) -> MediaKind:
    """The media kind of `data`, decided from its leading bytes."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return MediaKind.PNG
    if data.startswith(b"\xff\xd8\xff"):
        return MediaKind.JPEG
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return MediaKind.WEBP
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return MediaKind.GIF
    if data[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return MediaKind.TIFF
    if data[:4] == b"\x1a\x45\xdf\xa3":
        return MediaKind.MATROSKA
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return MediaKind.WAV
    if len(data) >= 8 and data[4:8] in _MP4_TOP:
        return MediaKind.MP4
    if data.startswith(b"fLaC"):
        return MediaKind.FLAC
    if data.startswith(b"OggS"):
        return MediaKind.OGG
    if data.startswith(b"%PDF-"):
        return MediaKind.PDF
    if data.startswith(b"PK\x03\x04") and _is_ooxml(data):
        return MediaKind.OOXML
    if _is_mp3(data):
        return MediaKind.MP3
    if not data:
        return MediaKind.UNKNOWN
    return _text_kind(data)
