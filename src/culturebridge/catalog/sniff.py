"""Media type from content, never from the file name.

Signatures from the formats' own specs (PNG §5.2, JFIF/Exif SOI, RIFF, ISO BMFF `ftyp`,
EBML, ID3v2 / MPEG frame sync, `fLaC`, `OggS`, `%PDF-`, OOXML zip). Text is accepted when
the bytes decode as UTF-8.
"""

from __future__ import annotations

import zipfile
from pathlib import PurePath

from culturebridge.errors import UnsupportedMedia

# extension -> the media family it claims
_EXTENSION_FAMILY = {
    ".png": "image", ".jpg": "image", ".jpeg": "image", ".gif": "image", ".webp": "image",
    ".tif": "image", ".tiff": "image",
    ".wav": "audio", ".mp3": "audio", ".flac": "audio", ".ogg": "audio", ".m4a": "audio",
    ".opus": "audio",
    ".mp4": "video", ".mov": "video", ".mkv": "video", ".webm": "video",
    ".pdf": "document", ".docx": "document",
    ".txt": "text", ".md": "text", ".srt": "text", ".vtt": "text", ".html": "text",
    ".json": "text", ".xliff": "text", ".xlf": "text",
}


OOXML_DOCUMENT = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ZIP = "application/zip"
_MP4_TOP = (b"moov", b"mdat", b"wide", b"free", b"skip")  # boxes an ISO BMFF file may start with


def detect(head: bytes) -> str | None:
    """The media type the leading bytes prove (`application/zip` for any zip), or None.

    The one content sniffer of the platform: ingest refuses what it cannot name, the labels
    stage maps the type to the carrier that holds a label.
    """
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "image/tiff"
    if head.startswith(b"RIFF") and len(head) >= 12:
        form = head[8:12]
        if form == b"WEBP":
            return "image/webp"
        if form == b"WAVE":
            return "audio/wav"
        if form == b"AVI ":
            return "video/x-msvideo"
    if len(head) >= 12 and head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"M4A ", b"M4B "):
            return "audio/mp4"
        if brand == b"qt  ":
            return "video/quicktime"
        return "video/mp4"
    if len(head) >= 8 and head[4:8] in _MP4_TOP:  # QuickTime files without a leading ftyp
        return "video/quicktime"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm" if b"webm" in head[:64] else "video/x-matroska"
    if head.startswith(b"fLaC"):
        return "audio/flac"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"PK\x03\x04"):
        return ZIP
    # MPEG audio frame sync: 11 set bits, layer bits not 00 (ISO/IEC 11172-3 §2.4.1.3).
    if head.startswith(b"ID3") or (len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0 and head[1] & 0x06):
        return "audio/mpeg"
    if _is_text(head):
        return "text/plain"
    return None


def is_ooxml_package(archive: zipfile.ZipFile) -> bool:
    """Whether a zip is an Office Open XML package (ECMA-376 Part 2: it has `[Content_Types].xml`)."""
    return "[Content_Types].xml" in archive.namelist()


def is_ooxml_document(archive: zipfile.ZipFile) -> bool:
    """Whether a zip is a Word document (an OOXML package with a `word/` part)."""
    return is_ooxml_package(archive) and any(n.startswith("word/") for n in archive.namelist())


def sniff(head: bytes) -> str:
    """The media type the leading bytes prove; UnsupportedMedia when none does."""
    found = detect(head)
    if found == ZIP:
        raise UnsupportedMedia("zip archives are not accepted as assets (DOCX is checked with sniff_file)")
    if found is not None:
        return found
    raise UnsupportedMedia(
        "the file's content is not a supported media type",
        hint="upload PNG, JPEG, GIF, WebP, TIFF, WAV, MP3, FLAC, OGG, MP4, MOV, WebM, PDF, DOCX or UTF-8 text",
    )


def sniff_file(head: bytes, path: str | None = None) -> str:
    """Like `sniff`, but a zip is read far enough to recognise a DOCX (needs the whole file)."""
    if head.startswith(b"PK\x03\x04") and path is not None:
        try:
            with zipfile.ZipFile(path) as archive:
                if is_ooxml_document(archive):
                    return OOXML_DOCUMENT
        except (zipfile.BadZipFile, OSError) as exc:
            raise UnsupportedMedia(f"the file looks like a zip archive but cannot be read: {exc}") from exc
    return sniff(head)


def family(media_type: str) -> str:
    """'image', 'audio', 'video', 'document' or 'text'."""
    major = media_type.split("/", 1)[0]
    if major in ("image", "audio", "video", "text"):
        return major
    return "document"


def check_claimed_name(media_type: str, filename: str | None) -> None:
    """Refuse a file whose extension claims another family than its content (a lying name)."""
    if not filename:
        return
    claimed = _EXTENSION_FAMILY.get(PurePath(filename).suffix.lower())
    actual = family(media_type)
    if claimed is not None and claimed != actual:
        raise UnsupportedMedia(
            f"{filename!r} is named as {claimed} but its content is {media_type}",
            hint="rename the file to match its content, or upload the intended file",
        )


def _is_text(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # The head may cut a multi-byte character in half at its end.
        return exc.start >= len(head) - 3 and exc.reason == "unexpected end of data"
    return True

