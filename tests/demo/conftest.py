"""Shared fixtures for the demo-pack tests: the real ffprobe on rendered bytes."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

Probe = Callable[[bytes, str], dict[str, Any]]


@pytest.fixture
def ffprobe(tmp_path: Path) -> Probe:
    """A function running ffprobe on bytes (written under tmp_path) and returning its JSON."""

    def probe(data: bytes, name: str) -> dict[str, Any]:
        path = tmp_path / name
        path.write_bytes(data)
        out = subprocess.run(
            [
                "ffprobe",
                "-v",
                "error",
                "-show_entries",
                "format=duration,format_name:stream=codec_name,codec_type,width,height",
                "-of",
                "json",
                str(path),
            ],
            capture_output=True,
            check=True,
            timeout=60,
        )
        report: dict[str, Any] = json.loads(out.stdout)
        return report

    return probe
