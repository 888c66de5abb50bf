from __future__ import annotations

import pytest

from culturebridge.catalog.sniff import check_claimed_name, family, sniff
from culturebridge.errors import UnsupportedMedia
from tests.factories import jpeg_bytes, png_bytes, wav_bytes


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (png_bytes(), "image/png"),
        (jpeg_bytes(), "image/jpeg"),
        (wav_bytes(), "audio/wav"),
        (b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00", "video/mp4"),
        (b"\x00\x00\x00\x18ftypM4A \x00\x00\x02\x00", "audio/mp4"),
        (b"ID3\x04\x00\x00\x00\x00\x00\x00", "audio/mpeg"),
        (b"fLaC\x00\x00\x00\x22", "audio/flac"),
        (b"OggS\x00\x02", "audio/ogg"),
        (b"%PDF-1.7\n", "application/pdf"),
        ("孙悟空三打白骨精".encode(), "text/plain"),
    ],
)
def test_content_decides_the_type(data: bytes, expected: str) -> None:
    assert sniff(data[:4096]) == expected


def test_text_cut_mid_character_at_the_head_boundary_is_still_text() -> None:
    head = ("西" * 2000).encode()[:4096]  # 3-byte characters: the cut falls inside one
    assert sniff(head) == "text/plain"


@pytest.mark.parametrize("data", [b"\x00\x01\x02\x03binary", b"", bytes(range(256))])
def test_unknown_binary_is_refused(data: bytes) -> None:
    with pytest.raises(UnsupportedMedia):
        sniff(data)


def test_a_name_that_lies_about_the_content_is_refused() -> None:
    with pytest.raises(UnsupportedMedia, match="named as audio"):
        check_claimed_name("image/png", "song.mp3")
    check_claimed_name("image/png", "picture.PNG")
    check_claimed_name("image/jpeg", "picture.png")  # same family: a common harmless mislabel
    check_claimed_name("image/png", "no-extension")
    assert family("application/pdf") == "document"
