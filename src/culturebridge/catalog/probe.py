"""Decode a stored file far enough to prove it is whole, and read its size or duration.

Images are decoded (`picture.check_decodes`: PNG in strips, JPEG at 1/8 scale, other formats
whole only up to `max_whole_pixels`) after checking the pixel count (a decompression bomb is
refused before any pixel is allocated); audio and video are read by ffprobe; text must
decode as UTF-8; PDF must end with its `%%EOF` trailer; DOCX must be a sound zip whose
members unpack to at most `max_unpacked` bytes in total (a zip bomb is refused from its
central directory, before anything is inflated; zipfile never inflates a member past its
declared size, so the declared sizes bound the work).
"""

from __future__ import annotations

import codecs
import json
import shutil
import subprocess
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from culturebridge.catalog.picture import DEFAULT_MAX_WHOLE_PIXELS, check_decodes
from culturebridge.catalog.sniff import family
from culturebridge.errors import ArchiveTooLarge, CorruptMedia, ExternalServiceError, FileTooLarge

FFPROBE_TIMEOUT_S = 60
MAX_ARCHIVE_MEMBERS = 10_000
DEFAULT_MAX_UNPACKED = 256 * 1024 * 1024


@dataclass(frozen=True)
class Probe:
    width: int | None = None
    height: int | None = None
    duration: float | None = None


def probe(path: Path, media_type: str, max_pixels: int, max_unpacked: int = DEFAULT_MAX_UNPACKED,
          max_whole_pixels: int = DEFAULT_MAX_WHOLE_PIXELS) -> Probe:
    """Check that the file decodes as `media_type`; CorruptMedia or FileTooLarge if not."""
    kind = family(media_type)
    if kind == "image":
        return _probe_image(path, media_type, max_pixels, max_whole_pixels)
    if kind in ("audio", "video"):
        return _probe_av(path, kind)
    if kind == "text":
        _check_utf8(path)
        return Probe()
    if media_type == "application/pdf":
        _check_pdf(path)
        return Probe()
    _check_zip(path, max_unpacked)
    return Probe()


def _probe_image(path: Path, media_type: str, max_pixels: int, max_whole_pixels: int) -> Probe:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                width, height = img.size
                if width * height > max_pixels:
                    raise FileTooLarge(
                        f"image is {width}x{height} pixels, over the limit of {max_pixels:,}",
                        hint="refused as a possible decompression bomb; raise max_image_pixels if the image is genuine",
                    )
            check_decodes(path.read_bytes(), max_whole_pixels=max_whole_pixels)  # never a full-size PNG/JPEG
    except FileTooLarge:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise FileTooLarge(f"image refused as a decompression bomb: {exc}") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise CorruptMedia(f"the {media_type} file cannot be decoded: {exc}") from exc
    return Probe(width=width, height=height)


def _probe_av(path: Path, kind: str) -> Probe:
    exe = shutil.which("ffprobe")
    if exe is None:
        raise ExternalServiceError("ffprobe is not installed", hint="install ffmpeg (Debian package `ffmpeg`)")
    try:
        done = subprocess.run(
            [exe, "-v", "error", "-show_entries", "format=duration:stream=codec_type,width,height",
             "-of", "json", str(path)],
            capture_output=True,
            timeout=FFPROBE_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise CorruptMedia(f"ffprobe gave up on the file after {FFPROBE_TIMEOUT_S} s") from exc
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise CorruptMedia(f"the {kind} file cannot be decoded: {reason[-1] if reason else 'ffprobe failed'}")
    info = json.loads(done.stdout or b"{}")
    streams = info.get("streams", [])
    wanted = [s for s in streams if s.get("codec_type") == kind]
    if not wanted:
        raise CorruptMedia(f"the file has no {kind} stream")
    duration = info.get("format", {}).get("duration")
    video = next((s for s in streams if s.get("codec_type") == "video" and s.get("width")), None)
    return Probe(
        width=int(video["width"]) if video and kind == "video" else None,
        height=int(video["height"]) if video and kind == "video" else None,
        duration=float(duration) if duration not in (None, "N/A") else None,
    )


def _check_utf8(path: Path) -> None:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        raise CorruptMedia(f"text is not valid UTF-8 at byte {exc.start}", hint="save it as UTF-8") from exc


def _check_pdf(path: Path) -> None:
    with path.open("rb") as fh:
        fh.seek(max(0, path.stat().st_size - 2048))
        tail = fh.read()
    if b"%%EOF" not in tail:
        raise CorruptMedia("the PDF has no %%EOF trailer: it is truncated")


def _check_zip(path: Path, max_unpacked: int) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > MAX_ARCHIVE_MEMBERS:
                raise ArchiveTooLarge(f"the document has {len(members):,} parts, more than {MAX_ARCHIVE_MEMBERS:,}")
            unpacked = sum(m.file_size for m in members)
            if unpacked > max_unpacked:
                raise ArchiveTooLarge(
                    f"the document unpacks to {unpacked:,} bytes, over the limit of {max_unpacked:,}",
                    hint="refused as a possible zip bomb; raise max_unpacked_bytes if the document is genuine",
                )
            bad = archive.testzip()
    except (zipfile.BadZipFile, OSError) as exc:
        raise CorruptMedia(f"the document cannot be read: {exc}") from exc
    if bad is not None:
        raise CorruptMedia(f"the document is damaged at {bad}")
