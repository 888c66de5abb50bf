"""Perceptual fingerprints and copy detection (REFERENCE §4).

Image (PDQ + ORB/RANSAC), video (vPDQ at 1 fps), audio (Chromaprint, aligned bit errors) and
text (SimHash-64, MinHash LSH, winnowed spans) fingerprints; a `Library` of registered
fingerprints built from rows and matched against; `scan_paths` for outside files.
"""

from culturebridge.fingerprint.audio import AudioFingerprint, compare_audio, fingerprint_audio
from culturebridge.fingerprint.image import ImageFingerprint, compare_images, fingerprint_image
from culturebridge.fingerprint.index import HashIndex
from culturebridge.fingerprint.matcher import Fingerprint, Kind, Library, Match, MatchSpan
from culturebridge.fingerprint.scan import ScanResult, fingerprint_file, scan_paths
from culturebridge.fingerprint.text import TextFingerprint, compare_texts, fingerprint_text
from culturebridge.fingerprint.video import VideoFingerprint, compare_videos, fingerprint_video

__all__ = [
    "AudioFingerprint",
    "Fingerprint",
    "HashIndex",
    "ImageFingerprint",
    "Kind",
    "Library",
    "Match",
    "MatchSpan",
    "ScanResult",
    "TextFingerprint",
    "VideoFingerprint",
    "compare_audio",
    "compare_images",
    "compare_texts",
    "compare_videos",
    "fingerprint_audio",
    "fingerprint_file",
    "fingerprint_image",
    "fingerprint_text",
    "fingerprint_video",
    "scan_paths",
]
