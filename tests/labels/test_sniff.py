from __future__ import annotations

import pytest

from culturebridge.labels import MediaKind, sniff


@pytest.mark.parametrize(
    "data,kind",
    [
        (b"\x89PNG\r\n\x1a\n....", MediaKind.PNG),
        (b"\xff\xd8\xff\xe0....", MediaKind.JPEG),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", MediaKind.WEBP),
        (b"RIFF\x00\x00\x00\x00WAVEfmt ", MediaKind.WAV),
        (b"\x00\x00\x00\x18ftypisom", MediaKind.MP4),
        (b"ID3\x04\x00", MediaKind.MP3),
        (b"\xff\xfb\x90\x00", MediaKind.MP3),
        (b"fLaC\x00", MediaKind.FLAC),
        (b"OggS\x00", MediaKind.OGG),
        (b"%PDF-1.7", MediaKind.PDF),
        (b"<!DOCTYPE html><html>", MediaKind.HTML),
        ("# 标题\n正文".encode(), MediaKind.TEXT),
        (b"PK\x03\x04not-a-zip", MediaKind.UNKNOWN),
        (b"\x00\x01\x02", MediaKind.UNKNOWN),
        (b"", MediaKind.UNKNOWN),
    ],
)
def test_sniff(data: bytes, kind: MediaKind) -> None:
    assert sniff(data) == kind


def test_utf8_cut_at_the_sniff_window_is_still_text() -> None:
    assert sniff(("汉" * 5000).encode()) == MediaKind.TEXT
