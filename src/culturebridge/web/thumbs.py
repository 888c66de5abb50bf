"""Thumbnails and poster frames for the works list, made once per file and kept on disk.

An image is scaled down with Pillow; a video's poster is the frame at one second (or its
first frame when shorter), taken by ffmpeg. Thumbnails are keyed by the file's SHA-256 in
`<data_dir>/cache/thumbs`, so a file shared by two works is thumbnailed once, and the cache
can be deleted at any time.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

from PIL import UnidentifiedImageError

from culturebridge.catalog import Asset, open_reduced
from culturebridge.errors import ExternalServiceError, NotFound, PictureTooLargeToDecode
from culturebridge.platform import Platform

SIZE = 320  # px, the longer side
_lock = threading.Lock()


def thumbable(media_type: str) -> bool:
    return media_type.startswith(("image/", "video/"))


def thumb_path(platform: Platform, asset: Asset) -> Path:
    """The cached JPEG thumbnail of `asset`, made now if it is not there yet."""
    folder = platform.settings.data_dir / "cache" / "thumbs"
    target = folder / f"{asset.sha256}.jpg"
    if target.exists():
        return target
    if not thumbable(asset.media_type):
        raise NotFound(f"asset {asset.id} ({asset.media_type}) has no picture to show")
    if not platform.media.exists(asset.storage_key):
        raise NotFound(f"the file of asset {asset.id} is missing from the media store", hint="restore it from a backup")
    with platform.media.local_file(asset.storage_key) as source:
        data = _poster(source) if asset.media_type.startswith("video/") else source.read_bytes()
    jpeg = _scaled(data, platform.settings.max_whole_decode_pixels)
    with _lock:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_bytes(jpeg)
        os.replace(tmp, target)
    return target


def _scaled(data: bytes, max_whole_pixels: int) -> bytes:
    try:
        # A huge PNG decodes in strips, never at full size; a GIF or TIFF decodes whole, within
        # the operator's budget (the same as the upload check's).
        image = open_reduced(data, 2 * SIZE, max_whole_pixels=max_whole_pixels)
        image.thumbnail((SIZE, SIZE))
        out = io.BytesIO()
        image.convert("RGB").save(out, "JPEG", quality=80)
        return out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as exc:
        raise NotFound(f"the picture cannot be read: {exc}") from exc
    except PictureTooLargeToDecode as exc:  # the file is fine; it is not shown, not refused
        raise NotFound(f"the picture cannot be shown: {exc}", hint=exc.hint) from exc


def _poster(video: Path) -> bytes:
    """The frame at one second (first frame of a shorter video), as PNG bytes."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise ExternalServiceError("ffmpeg is not installed, so videos have no poster frame",
                                   hint="install the Debian package `ffmpeg`")
    with tempfile.TemporaryDirectory(prefix="cb-thumb-") as tmp:
        out = Path(tmp) / "poster.png"
        for seek in ("1", "0"):
            cmd = [ffmpeg, "-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-ss", seek,
                   "-i", str(video), "-frames:v", "1", str(out)]
            try:
                subprocess.run(cmd, capture_output=True, timeout=60, check=False)
            except (OSError, subprocess.TimeoutExpired) as exc:
                raise ExternalServiceError(f"ffmpeg could not take a poster frame: {exc}") from exc
            if out.exists() and out.stat().st_size:
                return out.read_bytes()
    raise NotFound(f"no frame could be read from {video.name}")
