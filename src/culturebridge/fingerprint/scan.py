"""Fingerprinting of outside files and folders, and scanning them against a `Library`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TypeVar

from culturebridge.catalog import DEFAULT_MAX_WHOLE_PIXELS
from culturebridge.errors import (
    Error,
    FingerprintFailed,
    InvalidInput,
    NotFound,
    UndecodableText,
    UnsupportedMedia,
)
from culturebridge.fingerprint._markup import blank_markup, blank_subtitles
from culturebridge.fingerprint.audio import fingerprint_audio
from culturebridge.fingerprint.image import DEFAULT_MAX_PIXELS, OverlayFinder, fingerprint_image
from culturebridge.fingerprint.matcher import Fingerprint, Kind, Library, Match, unmatchable_reason
from culturebridge.fingerprint.text import fingerprint_text
from culturebridge.fingerprint.video import fingerprint_video

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff"})
VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".mkv", ".webm", ".avi", ".m4v", ".ts", ".flv"})
AUDIO_SUFFIXES = frozenset({".mp3", ".wav", ".flac", ".ogg", ".oga", ".m4a", ".aac", ".opus"})
TEXT_SUFFIXES = frozenset({".txt", ".md", ".srt", ".vtt", ".html", ".xml", ".json"})
MAX_FILE_BYTES = 2 * 1024**3
MAX_TEXT_BYTES = 20 * 1024**2
T = TypeVar("T")


@dataclass(frozen=True)
class DecodeLimits:
    """How a scanned picture is read. Pixel budgets for decoding it: any picture (`max_pixels`,
    the setting `max_image_pixels`) and one that only decodes whole — GIF, TIFF, WebP
    (`max_whole_pixels`, the setting `max_whole_decode_pixels`); and the overlays it ignores
    (`overlays`, the platform's own label plate: `image.OverlayFinder`)."""

    max_pixels: int = DEFAULT_MAX_PIXELS
    max_whole_pixels: int = DEFAULT_MAX_WHOLE_PIXELS
    overlays: OverlayFinder | None = None


DEFAULT_LIMITS = DecodeLimits()


@dataclass(frozen=True)
class ScanResult:
    """Matches of one scanned file, or why it could not be fingerprinted."""

    file: str
    matches: tuple[Match, ...] = field(default_factory=tuple)
    error: str | None = None
    unmatchable: str | None = None  # fingerprinted, but can never match: why (flat image ...)


def kind_of(path: Path) -> Kind:
    """The fingerprint kind for a file, from its suffix."""
    suffix = path.suffix.lower()
    for kind, suffixes in (("image", IMAGE_SUFFIXES), ("video", VIDEO_SUFFIXES),
                           ("audio", AUDIO_SUFFIXES), ("text", TEXT_SUFFIXES)):  # fmt: skip
        if suffix in suffixes:
            return kind  # type: ignore[return-value]
    raise UnsupportedMedia(
        f"{path.name}: cannot tell the media type from the suffix {suffix or '(none)'}",
        hint="rename it with a usual image, video, audio or text suffix",
    )


def fingerprint_file(path: Path, *, limits: DecodeLimits = DEFAULT_LIMITS) -> Fingerprint:
    """Fingerprint one file according to its kind (from the suffix)."""
    if not path.is_file():
        raise NotFound(f"{path} is not a file")
    return fingerprint_path(path, kind_of(path), path.name, max_pixels=limits.max_pixels,
                            max_whole_pixels=limits.max_whole_pixels, overlays=limits.overlays)  # fmt: skip


def kind_for_media_type(media_type: str) -> Kind | None:
    """The fingerprint kind of a sniffed media type (catalog assets), None if not fingerprinted."""
    family = media_type.split("/")[0]
    if family in ("image", "video", "audio", "text"):
        return family  # type: ignore[return-value]
    if media_type in ("application/json", "application/xml", "application/xliff+xml"):
        return "text"
    return None


def fingerprint_path(
    path: Path, kind: Kind, name: str, *, max_pixels: int = DEFAULT_MAX_PIXELS,
    max_whole_pixels: int = DEFAULT_MAX_WHOLE_PIXELS, overlays: OverlayFinder | None = None,
) -> Fingerprint:
    """Fingerprint a file of a known kind; `name` gives the text format (.srt, .html) and messages;
    what `overlays` finds on a picture is ignored (`image.OverlayFinder`)."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise InvalidInput(f"{name} is {size} bytes, more than {MAX_FILE_BYTES}")
    if kind == "image":
        image = fingerprint_image(path.read_bytes(), max_pixels=max_pixels, max_whole_pixels=max_whole_pixels,
                                  overlays=overlays)
        return Fingerprint("image", image)
    if kind == "video":
        return Fingerprint("video", fingerprint_video(path))
    if kind == "audio":
        return Fingerprint("audio", fingerprint_audio(path))
    if size > MAX_TEXT_BYTES:
        raise InvalidInput(f"{name} is {size} bytes, more than {MAX_TEXT_BYTES} for a text")
    text = decode_text(path.read_bytes(), name)
    suffix = Path(name).suffix.lower()
    if suffix in {".srt", ".vtt"}:
        text = blank_subtitles(text)
    elif suffix in {".html", ".xml"}:
        text = blank_markup(text)
    return Fingerprint("text", fingerprint_text(text))


def guarded(name: str, compute: Callable[[], T]) -> T:
    """Run a fingerprinting step, turning foreign failures (OpenCV, numpy, faiss) into our Errors."""
    try:
        return compute()
    except Error:
        raise
    except OSError as exc:
        raise InvalidInput(f"cannot read {name}: {exc.strerror or exc}") from exc
    except Exception as exc:  # cv2.error, numpy/faiss errors: one file's problem, reported as such
        raise FingerprintFailed(name, exc) from exc


def decode_text(data: bytes, name: str) -> str:
    """Text of a file in UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings: tuple[str, ...] = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UndecodableText(
        f"{name} is not UTF-8, UTF-16 (with BOM) or GB18030 text",
        hint="re-save the file as UTF-8",
    )


def iter_files(paths: Iterable[Path]) -> Iterator[Path]:
    """The given files, and the files inside given folders (recursively, sorted, no dotfiles)."""
    for path in paths:
        if path.is_dir():
            yield from sorted(
                p for p in path.rglob("*")
                if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )  # fmt: skip
        else:
            yield path


def scan_paths(
    paths: Iterable[Path], library: Library, *, limit: int = 10, limits: DecodeLimits = DEFAULT_LIMITS
) -> list[ScanResult]:
    """Fingerprint outside files/folders and match them, continuing past bad files."""
    results = []
    for path in iter_files(paths):
        try:
            fingerprint = guarded(str(path), partial(fingerprint_file, path, limits=limits))
            matches = tuple(guarded(str(path), partial(library.match, fingerprint, limit=limit)))
            results.append(ScanResult(str(path), matches, unmatchable=unmatchable_reason(fingerprint)))
        except Error as exc:
            results.append(ScanResult(str(path), error=exc.diagnostic()))
    return results
