"""The label carrier family of a file, from its content (never its name)."""

from __future__ import annotations

import io
import zipfile
from enum import Enum

from culturebridge.catalog import ZIP, detect, is_ooxml_package


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

# The catalog's sniffer names the type; this maps it to the carrier family that holds a label.
_KIND_OF_TYPE: dict[str, MediaKind] = {
    "image/png": MediaKind.PNG,
    "image/jpeg": MediaKind.JPEG,
    "image/webp": MediaKind.WEBP,
    "audio/wav": MediaKind.WAV,
    "video/mp4": MediaKind.MP4,
    "video/quicktime": MediaKind.MP4,
    "audio/mp4": MediaKind.MP4,
    "audio/flac": MediaKind.FLAC,
    "audio/ogg": MediaKind.OGG,
    "application/pdf": MediaKind.PDF,
    "audio/mpeg": MediaKind.MP3,
    "image/gif": MediaKind.GIF,
    "image/tiff": MediaKind.TIFF,
    "video/webm": MediaKind.MATROSKA,
    "video/x-matroska": MediaKind.MATROSKA,
}


def _is_ooxml(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return is_ooxml_package(zf)
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
    """The media kind of `data`, decided from its content by the catalog's sniffer."""
    media_type = detect(data[:4096])
    if media_type is None:
        return MediaKind.UNKNOWN
    if media_type == ZIP:
        return MediaKind.OOXML if _is_ooxml(data) else MediaKind.UNKNOWN
    if media_type == "text/plain":
        return _text_kind(data)
    return _KIND_OF_TYPE.get(media_type, MediaKind.UNKNOWN)
