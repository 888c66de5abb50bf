"""Chromaprint audio fingerprints: re-encodes, volume, noise, excerpts and bad audio files."""

from __future__ import annotations

from pathlib import Path

import pytest

from culturebridge.errors import MalformedFingerprint, NoMediaContent, UndecodableMedia
from culturebridge.fingerprint.audio import AudioFingerprint, compare_audio, fingerprint_audio

from .conftest import run_ffmpeg


@pytest.fixture(scope="module")
def reference(reference_audio: Path) -> AudioFingerprint:
    return fingerprint_audio(reference_audio)


@pytest.mark.parametrize(
    "args",
    [
        ["-c:a", "libmp3lame", "-b:a", "128k"],
        ["-af", "volume=0.4"],
        ["-af", "volume=1.8", "-c:a", "libmp3lame", "-b:a", "128k"],
    ],
    ids=["mp3-128k", "quieter", "louder+mp3"],
)
def test_whole_track_copies_match_at_offset_zero(
    args: list[str], reference_audio: Path, reference: AudioFingerprint, tmp_path: Path
) -> None:
    out = tmp_path / ("copy.mp3" if "libmp3lame" in args else "copy.wav")
    run_ffmpeg("-i", str(reference_audio), *args, str(out))
    result = compare_audio(fingerprint_audio(out), reference)
    assert result.is_match, result
    assert abs(result.offset_seconds) < 0.2


def test_noisy_copy_matches(
    reference_audio: Path, reference: AudioFingerprint, tmp_path: Path
) -> None:
    out = tmp_path / "noisy.wav"
    run_ffmpeg("-i", str(reference_audio), "-f", "lavfi",
               "-i", "anoisesrc=color=pink:amplitude=0.05:duration=40",
               "-filter_complex", "amix=inputs=2:duration=first:normalize=0", str(out))  # fmt: skip
    assert compare_audio(fingerprint_audio(out), reference).is_match


def test_ten_second_mp3_excerpt_is_found_with_its_offset(
    reference_audio: Path, reference: AudioFingerprint, tmp_path: Path
) -> None:
    out = tmp_path / "clip.mp3"
    run_ffmpeg("-ss", "17.3", "-t", "10", "-i", str(reference_audio),
               "-c:a", "libmp3lame", "-b:a", "128k", str(out))  # fmt: skip
    result = compare_audio(fingerprint_audio(out), reference)
    assert result.is_match, result
    assert abs(result.offset_seconds - 17.3) < 0.3


def test_different_audio_does_not_match(reference: AudioFingerprint, tmp_path: Path) -> None:
    out = tmp_path / "other.wav"
    run_ffmpeg("-f", "lavfi", "-i", "sine=frequency=300:duration=6,vibrato=f=3",
               "-f", "lavfi", "-i", "anoisesrc=color=brown:amplitude=0.2:duration=6",
               "-filter_complex", "amix=inputs=2", str(out))  # fmt: skip
    result = compare_audio(fingerprint_audio(out), reference)
    assert not result.is_match, result


def test_fingerprint_bytes_round_trip(reference: AudioFingerprint) -> None:
    assert AudioFingerprint.from_bytes(reference.to_bytes()) == reference
    with pytest.raises(MalformedFingerprint):
        AudioFingerprint.from_bytes(b"CBAUD1abc")


def test_bad_audio_files_are_clear_errors(tmp_path: Path) -> None:
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    with pytest.raises(UndecodableMedia):
        fingerprint_audio(empty)
    junk = tmp_path / "junk.mp3"
    junk.write_bytes(b"\x00\x01 this is not audio " * 200)
    with pytest.raises((UndecodableMedia, NoMediaContent)):
        fingerprint_audio(junk)
    blip = tmp_path / "blip.wav"
    run_ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=0.2", str(blip))
    with pytest.raises(NoMediaContent):
        fingerprint_audio(blip)
