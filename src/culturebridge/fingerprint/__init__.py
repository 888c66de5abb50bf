"""Perceptual fingerprints and copy detection (REFERENCE §4).

Image (PDQ + ORB/RANSAC), video (vPDQ at 1 fps), audio (Chromaprint, aligned bit errors) and
text (SimHash-64, MinHash LSH, winnowed spans) fingerprints; a `Library` of registered
fingerprints built from rows and matched against; `scan_paths` for outside files; `jobs`
(the platform's `fingerprint-asset` job, stored fingerprints, conflicts, the DB library).

The names below are imported lazily (PEP 562): the storage schema imports this package's
`_tables`, and that must not load OpenCV, faiss and datasketch into every process.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from culturebridge.fingerprint.attention import open_conflicts as open_conflicts
    from culturebridge.fingerprint.audio import AudioFingerprint, compare_audio, fingerprint_audio
    from culturebridge.fingerprint.image import ImageFingerprint, compare_images, fingerprint_image
    from culturebridge.fingerprint.index import HashIndex
    from culturebridge.fingerprint.jobs import claim_fingerprints, platform_library
    from culturebridge.fingerprint.matcher import Fingerprint, Kind, Library, Match, MatchSpan
    from culturebridge.fingerprint.scan import ScanResult, fingerprint_file, scan_paths
    from culturebridge.fingerprint.text import TextFingerprint, compare_texts, fingerprint_text
    from culturebridge.fingerprint.video import VideoFingerprint, compare_videos, fingerprint_video

_HOME = {
    "open_conflicts": "attention",
    "AudioFingerprint": "audio",
    "compare_audio": "audio",
    "fingerprint_audio": "audio",
    "ImageFingerprint": "image",
    "compare_images": "image",
    "fingerprint_image": "image",
    "HashIndex": "index",
    "claim_fingerprints": "jobs",
    "platform_library": "jobs",
    "Fingerprint": "matcher",
    "Kind": "matcher",
    "Library": "matcher",
    "Match": "matcher",
    "MatchSpan": "matcher",
    "ScanResult": "scan",
    "fingerprint_file": "scan",
    "scan_paths": "scan",
    "TextFingerprint": "text",
    "compare_texts": "text",
    "fingerprint_text": "text",
    "VideoFingerprint": "video",
    "compare_videos": "video",
    "fingerprint_video": "video",
}

__all__ = sorted(_HOME)


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use."""
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module 'culturebridge.fingerprint' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"culturebridge.fingerprint.{module}"), name)
    globals()[name] = value
    return value
