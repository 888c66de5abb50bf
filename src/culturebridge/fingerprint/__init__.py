"""Perceptual fingerprints and copy detection.

Image (PDQ + ORB/RANSAC), video (vPDQ at 1 fps), audio (Chromaprint, aligned bit errors) and
text (SimHash-64, MinHash LSH, winnowed spans) fingerprints; a `Library` of registered
fingerprints built from rows and matched against; `scan_paths` for outside files. On the
platform: `monitor` (the `fingerprint-asset` job, stored fingerprints, what a rights claim
carries), `conflicts` (copies found and the rights holder's decision) and
`shared_library` (the library of stored fingerprints).

The names below are imported lazily (PEP 562): importing the package registers its tables
(`_tables`) and must not load OpenCV, faiss and datasketch into every process.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from culturebridge.fingerprint import _tables  # noqa: F401  (registers the stage's tables)
from culturebridge.fingerprint.activity import activity

if TYPE_CHECKING:
    from culturebridge.fingerprint.attention import open_conflicts as open_conflicts
    from culturebridge.fingerprint.audio import AudioFingerprint, compare_audio, fingerprint_audio
    from culturebridge.fingerprint.conflicts import (
        DECISIONS,
        STATES,
        ConflictRecord,
        can_decide,
        decide_conflict,
        list_conflicts,
    )
    from culturebridge.fingerprint.image import ImageFingerprint, compare_images, fingerprint_image
    from culturebridge.fingerprint.index import HashIndex
    from culturebridge.fingerprint.matcher import Fingerprint, Kind, Library, Match, MatchSpan
    from culturebridge.fingerprint.monitor import (
        JOB_KIND,
        StoredFingerprint,
        claim_fingerprints,
        fingerprint_asset,
        job_handler,
        stored_fingerprints,
    )
    from culturebridge.fingerprint.scan import ScanResult, fingerprint_file, scan_paths
    from culturebridge.fingerprint.shared_library import platform_library
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
    "DECISIONS": "conflicts",
    "STATES": "conflicts",
    "ConflictRecord": "conflicts",
    "can_decide": "conflicts",
    "decide_conflict": "conflicts",
    "list_conflicts": "conflicts",
    "JOB_KIND": "monitor",
    "StoredFingerprint": "monitor",
    "claim_fingerprints": "monitor",
    "fingerprint_asset": "monitor",
    "job_handler": "monitor",
    "stored_fingerprints": "monitor",
    "platform_library": "shared_library",
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

__all__ = [
    "activity",
    "AudioFingerprint",
    "ConflictRecord",
    "DECISIONS",
    "Fingerprint",
    "HashIndex",
    "ImageFingerprint",
    "JOB_KIND",
    "Kind",
    "Library",
    "Match",
    "MatchSpan",
    "STATES",
    "ScanResult",
    "StoredFingerprint",
    "TextFingerprint",
    "VideoFingerprint",
    "can_decide",
    "claim_fingerprints",
    "compare_audio",
    "compare_images",
    "compare_texts",
    "compare_videos",
    "decide_conflict",
    "fingerprint_asset",
    "fingerprint_audio",
    "fingerprint_file",
    "fingerprint_image",
    "fingerprint_text",
    "fingerprint_video",
    "job_handler",
    "list_conflicts",
    "platform_library",
    "scan_paths",
    "stored_fingerprints",
]


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use."""
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module 'culturebridge.fingerprint' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"culturebridge.fingerprint.{module}"), name)
    globals()[name] = value
    return value
