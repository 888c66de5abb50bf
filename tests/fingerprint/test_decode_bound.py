"""Huge images are fingerprinted from a reduced decode: memory per decode is bounded."""

from __future__ import annotations

import io

from PIL import Image

from culturebridge.fingerprint.image import DECODE_SIDE, decode_image, fingerprint_image


def _encoded(size: tuple[int, int], fmt: str, mode: str = "RGB") -> bytes:
    img = Image.new(mode, size, 7 if mode in ("P", "L") else (200, 120, 40))
    if mode == "RGB":
        img.paste((20, 60, 200), (size[0] // 4, size[1] // 4, size[0] // 2, size[1] // 2))
    out = io.BytesIO()
    img.save(out, fmt)
    return out.getvalue()


def test_a_huge_png_is_decoded_reduced() -> None:
    rgb = decode_image(_encoded((7000, 3500), "PNG"))
    assert max(rgb.shape[:2]) <= DECODE_SIDE and rgb.shape[1] == 2 * rgb.shape[0]


def test_a_huge_jpeg_decodes_in_draft_mode_and_small_images_are_untouched() -> None:
    rgb = decode_image(_encoded((6000, 4000), "JPEG"))
    assert max(rgb.shape[:2]) <= DECODE_SIDE
    assert decode_image(_encoded((640, 480), "PNG")).shape == (480, 640, 3)


def test_a_huge_palette_image_still_fingerprints() -> None:
    assert fingerprint_image(_encoded((5000, 5000), "PNG", mode="P")).hashes
