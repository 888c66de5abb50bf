"""Huge images are fingerprinted from a reduced decode: memory per decode is bounded."""

from __future__ import annotations

import io
import json
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
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


def _write_huge_png(path: Path, side: int) -> None:
    """A `side`x`side` RGB PNG written row by row (never whole in memory), every filter type used."""
    bpp, row_bytes = 3, side * 3
    x = np.arange(row_bytes)
    above = np.zeros(row_bytes, dtype=np.uint8)
    squeeze = zlib.compressobj(9)
    with path.open("wb") as out:
        header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
        out.write(b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header))
        idat = bytearray()
        for y in range(side):
            row = ((x // 3 + y) // 64 % 2 * 200 + (x % 3) * 20).astype(np.uint8)  # big checks, compressible
            left = np.concatenate([np.zeros(bpp, np.uint8), row[:-bpp]])
            kind = y % 5
            if kind == 4:  # Paeth
                upleft = np.concatenate([np.zeros(bpp, np.uint8), above[:-bpp]])
                a, b, c = (v.astype(np.int16) for v in (left, above, upleft))
                p = a + b - c
                pa, pb, pc = np.abs(p - a), np.abs(p - b), np.abs(p - c)
                predicted = np.where((pa <= pb) & (pa <= pc), a, np.where(pb <= pc, b, c)).astype(np.uint8)
            else:
                predicted = [np.zeros_like(row), left, above, ((left.astype(np.uint16) + above) // 2).astype(np.uint8)][kind]
            idat += squeeze.compress(bytes([kind]) + (row - predicted).astype(np.uint8).tobytes())
            above = row
        idat += squeeze.flush()
        out.write(_chunk(b"IDAT", bytes(idat)) + _chunk(b"IEND", b""))


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(body, zlib.crc32(kind)))


CHILD = """
import json, resource, sys
from pathlib import Path
from culturebridge.catalog import check_decodes
from culturebridge.fingerprint.image import decode_image
warm = Path(sys.argv[2]).read_bytes()
decode_image(warm); check_decodes(warm)  # libraries loaded, buffers warm
data = Path(sys.argv[1]).read_bytes()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
rgb = decode_image(data)
check_decodes(data)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"shape": list(rgb.shape), "grew_kib": after - before}))
"""


def test_a_7999_px_png_is_decoded_without_its_full_size_raster(tmp_path: Path) -> None:
    """Peak memory of a child decoding a 7999x7999 PNG (as the fingerprint job and the ingest
    check do) stays far below its full-size raster: 7999*7999*4 bytes = 244 MiB in Pillow."""
    huge, warm = tmp_path / "huge.png", tmp_path / "warm.png"
    _write_huge_png(huge, 7999)
    _write_huge_png(warm, 1200)
    assert huge.stat().st_size < 2_000_000  # a small file: the danger is what it decodes to
    done = subprocess.run([sys.executable, "-c", CHILD, str(huge), str(warm)], capture_output=True, text=True,
                          check=False, timeout=600, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["shape"] == [2000, 2000, 3]
    full_raster_kib = 7999 * 7999 * 4 // 1024
    assert result["grew_kib"] < 64 * 1024 < full_raster_kib // 3, result  # bound: 64 MiB
