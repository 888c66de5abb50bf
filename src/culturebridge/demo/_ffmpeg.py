"""Running ffmpeg as a subprocess, with its failures translated into our errors."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from culturebridge.errors import ExternalServiceError

# Bit-exact muxing and no metadata, so the same input gives the same bytes.
BITEXACT = ("-fflags", "+bitexact", "-flags", "+bitexact", "-map_metadata", "-1")


def ffmpeg_path() -> str:
    """Path of the ffmpeg executable; ExternalServiceError when it is not installed."""
    found = shutil.which("ffmpeg")
    if found is None:
        raise ExternalServiceError(
            "ffmpeg is not installed, so demo audio/video cannot be encoded",
            hint="install the Debian package `ffmpeg`",
        )
    return found


def run_ffmpeg(args: list[str], *, stdin: bytes | None = None, timeout: float = 120.0) -> None:
    """Run ffmpeg with args; raise ExternalServiceError with its last stderr line on failure."""
    cmd = [ffmpeg_path(), "-hide_banner", "-loglevel", "error", "-nostdin", "-y", *args]
    if stdin is not None:
        cmd.remove("-nostdin")
    try:
        proc = subprocess.run(cmd, input=stdin, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise ExternalServiceError(f"ffmpeg took longer than {timeout:.0f} s") from exc
    except OSError as exc:
        raise ExternalServiceError(f"ffmpeg could not be started: {exc}") from exc
    if proc.returncode != 0:
        lines = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ExternalServiceError(
            f"ffmpeg failed (exit {proc.returncode}): {lines[-1] if lines else 'no message'}",
            hint="check that the Debian ffmpeg build has libx264, aac, libmp3lame and libvorbis",
        )


def read_output(path: Path) -> bytes:
    """Bytes ffmpeg wrote to path; ExternalServiceError when it wrote nothing."""
    if not path.exists() or path.stat().st_size == 0:
        raise ExternalServiceError(f"ffmpeg produced no output at {path}")
    return path.read_bytes()
