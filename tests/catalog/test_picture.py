"""PNGs decoded in strips give exactly what Pillow gives for the whole image, and damage is refused.

The PNGs are written here with every filter type (PNG §9.2: None, Sub, Up, Average, Paeth),
chosen per row at random, in every colour type and the bit depths Pillow reads.
"""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from culturebridge.catalog import picture
from culturebridge.catalog.picture import check_decodes, open_reduced, reducible

CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


def _paeth(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    a, b, c = (x.astype(np.int16) for x in (a, b, c))
    p = a + b - c
    pa, pb, pc = np.abs(p - a), np.abs(p - b), np.abs(p - c)
    return np.where((pa <= pb) & (pa <= pc), a, np.where(pb <= pc, b, c)).astype(np.uint8)


def encode_png(raw: np.ndarray, width: int, depth: int, colour: int, *, seed: int = 0, extra: bytes = b"") -> bytes:
    """A PNG of `raw` (rows of packed samples, uint8) with a random filter type on every row."""
    rng = np.random.default_rng(seed)
    bpp = max(1, CHANNELS[colour] * depth // 8)
    height, row_bytes = raw.shape
    above = np.zeros(row_bytes, dtype=np.uint8)
    out = bytearray()
    for y in range(height):
        row = raw[y]
        left = np.concatenate([np.zeros(bpp, np.uint8), row[:-bpp]])
        upleft = np.concatenate([np.zeros(bpp, np.uint8), above[:-bpp]])
        kind = int(rng.integers(0, 5))
        predicted = [np.zeros_like(row), left, above,
                     ((left.astype(np.uint16) + above) // 2).astype(np.uint8), _paeth(left, above, upleft)][kind]
        out += bytes([kind]) + (row - predicted).astype(np.uint8).tobytes()
        above = row

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(body, zlib.crc32(kind)))

    header = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    return (picture.PNG_SIGNATURE + chunk(b"IHDR", header) + extra
            + chunk(b"IDAT", zlib.compress(bytes(out), 6)) + chunk(b"IEND", b""))


CASES = [(0, 8), (0, 1), (0, 4), (0, 16), (2, 8), (2, 16), (3, 8), (3, 2), (4, 8), (4, 16), (6, 8), (6, 16)]


@pytest.mark.parametrize(("colour", "depth"), CASES)
def test_strips_decode_exactly_what_pillow_decodes_whole(colour: int, depth: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(picture, "STRIP_BYTES", 3000)  # many strips, and strips that end mid-box
    width, height = 203, 157
    rng = np.random.default_rng(colour * 100 + depth)
    row_bytes = (width * CHANNELS[colour] * depth + 7) // 8
    smooth = (np.add.outer(np.arange(height), np.arange(row_bytes)) % 256).astype(np.uint8)
    raw = np.where(rng.random((height, row_bytes)) < 0.3, rng.integers(0, 256, (height, row_bytes)), smooth)
    raw = raw.astype(np.uint8)
    extra = b""
    if colour == 3:
        palette = rng.integers(0, 256, 3 * (1 << depth), dtype=np.uint8).tobytes()
        trns = bytes(range(0, 256, 37))
        extra = (struct.pack(">I", len(palette)) + b"PLTE" + palette + struct.pack(">I", zlib.crc32(palette, zlib.crc32(b"PLTE")))
                 + struct.pack(">I", len(trns)) + b"tRNS" + trns + struct.pack(">I", zlib.crc32(trns, zlib.crc32(b"tRNS"))))
    data = encode_png(raw, width, depth, colour, seed=depth, extra=extra)
    whole = Image.open(io.BytesIO(data))
    whole.load()
    for side, factor in ((70, 3), (101, 3), (60, 4)):
        expected = reducible(whole).reduce(factor)
        got = open_reduced(data, side)
        assert got.mode == expected.mode and got.size == expected.size
        assert np.array_equal(np.asarray(got), np.asarray(expected)), (colour, depth, side)
    check_decodes(data)


def test_damaged_pngs_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(picture, "STRIP_BYTES", 3000)
    raw = np.random.default_rng(1).integers(0, 256, (120, 300), dtype=np.uint8)
    data = encode_png(raw, 100, 8, 2)
    at = data.index(b"IDAT")
    cut = data[:at + 4 + 500]
    with pytest.raises((ValueError, OSError)):
        open_reduced(cut, 30)
    with pytest.raises(ValueError, match="CRC"):
        check_decodes(data[:at + 50] + bytes([data[at + 50] ^ 1]) + data[at + 51:])
    short = encode_png(raw[:60], 100, 8, 2)  # the header says 120 rows, the data holds 60
    short = short.replace(struct.pack(">II", 100, 60), struct.pack(">II", 100, 120), 1)
    ihdr = short.index(b"IHDR")
    body = short[ihdr + 4:ihdr + 17]
    short = short[:ihdr + 17] + struct.pack(">I", zlib.crc32(body, zlib.crc32(b"IHDR"))) + short[ihdr + 21:]
    with pytest.raises(ValueError, match="truncated"):
        check_decodes(short)
