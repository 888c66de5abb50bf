"""PNGs decoded in strips give exactly what Pillow gives for the whole image, and damage is refused.

The PNGs are written here with every filter type (PNG §9.2: None, Sub, Up, Average, Paeth),
chosen per row at random, in every colour type and the bit depths Pillow reads.
"""

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
import pytest
from PIL import Image

from culturebridge.catalog import picture
from culturebridge.catalog.picture import check_decodes, open_reduced, reducible
from culturebridge.catalog.probe import probe
from culturebridge.errors import FileTooLarge, PictureTooLargeToDecode

CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


def _paeth(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    a, b, c = (x.astype(np.int16) for x in (a, b, c))
    p = a + b - c
    pa, pb, pc = np.abs(p - a), np.abs(p - b), np.abs(p - c)
    return np.where((pa <= pb) & (pa <= pc), a, np.where(pb <= pc, b, c)).astype(np.uint8)


def filter_rows(raw: np.ndarray, bpp: int, rng: np.random.Generator) -> bytes:
    """`raw` (rows of packed samples, uint8) with a random filter type on every row (§9.2)."""
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
    return bytes(out)


def chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(body, zlib.crc32(kind)))


def encode_png(raw: np.ndarray, width: int, depth: int, colour: int, *, seed: int = 0, extra: bytes = b"") -> bytes:
    """A PNG of `raw` (rows of packed samples, uint8) with a random filter type on every row."""
    bpp = max(1, CHANNELS[colour] * depth // 8)
    height = raw.shape[0]
    header = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    return (picture.PNG_SIGNATURE + chunk(b"IHDR", header) + extra
            + chunk(b"IDAT", zlib.compress(filter_rows(raw, bpp, np.random.default_rng(seed)), 6)) + chunk(b"IEND", b""))


def pack(samples: np.ndarray, depth: int) -> np.ndarray:
    """(h, w, channels) sample values as rows of packed bytes, most significant bit first (§7.2)."""
    h = samples.shape[0]
    if depth == 16:
        return samples.astype(">u2").view(np.uint8).reshape(h, -1)
    if depth == 8:
        return samples.astype(np.uint8).reshape(h, -1)
    bits = (samples.reshape(h, -1, 1) >> np.arange(depth - 1, -1, -1)) & 1
    return np.packbits(bits.reshape(h, -1).astype(np.uint8), axis=1)


def encode_adam7(samples: np.ndarray, depth: int, colour: int, *, seed: int = 0, extra: bytes = b"") -> bytes:
    """An interlaced PNG of `samples` (h, w, channels): the seven Adam7 passes one after another,
    each a small image with its own random filter types; empty passes have no bytes (§8.2)."""
    rng = np.random.default_rng(seed)
    bpp = max(1, CHANNELS[colour] * depth // 8)
    height, width = samples.shape[:2]
    body = b""
    for x0, y0, dx, dy in picture.ADAM7:
        sub = samples[y0::dy, x0::dx]
        if sub.size:
            body += filter_rows(pack(sub, depth), bpp, rng)
    header = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 1)
    return (picture.PNG_SIGNATURE + chunk(b"IHDR", header) + extra
            + chunk(b"IDAT", zlib.compress(body, 6)) + chunk(b"IEND", b""))


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
        extra = chunk(b"PLTE", palette) + chunk(b"tRNS", trns)
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


def _palette(rng: np.random.Generator, depth: int) -> bytes:
    return chunk(b"PLTE", rng.integers(0, 256, 3 * (1 << depth), dtype=np.uint8).tobytes()) + chunk(b"tRNS", bytes(range(0, 256, 37)))


@pytest.mark.parametrize(("colour", "depth"), CASES)
def test_adam7_grids_are_pillows_whole_decode_subsampled(colour: int, depth: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Passes 1, 1-3 and 1-5 of an interlaced PNG hold exactly every 8th, 4th and 2nd pixel
    of every 8th, 4th and 2nd row of what Pillow decodes from the whole file."""
    monkeypatch.setattr(picture, "STRIP_BYTES", 500)  # many strips in every pass
    rng = np.random.default_rng(colour * 100 + depth + 7)
    for width, height in ((203, 157), (13, 3), (1, 9)):  # the small ones have empty passes
        samples = rng.integers(0, 1 << depth, (height, width, CHANNELS[colour]), dtype=np.uint32)
        data = encode_adam7(samples, depth, colour, seed=depth, extra=_palette(rng, depth) if colour == 3 else b"")
        layout = picture.png_layout(data)
        assert layout is not None and layout.interlaced
        whole = Image.open(io.BytesIO(data))
        whole.load()
        full = np.asarray(reducible(whole))
        for step in (8, 4, 2):
            got = picture.adam7_grid(data, layout, step)
            assert got.mode == reducible(whole).mode
            assert np.array_equal(np.asarray(got), full[::step, ::step]), (colour, depth, width, height, step)
        check_decodes(data)


def test_an_interlaced_png_is_reduced_from_its_passes_to_the_size_asked() -> None:
    rng = np.random.default_rng(5)
    samples = rng.integers(0, 256, (157, 203, 3), dtype=np.uint32)
    data = encode_adam7(samples, 8, 2)
    whole = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
    for side, step, rest in ((25, 8, 2), (40, 4, 2), (51, 4, 1), (101, 2, 2), (102, 2, 1), (70, 2, 2)):
        got = open_reduced(data, side)
        assert max(got.size) <= side
        expected = Image.fromarray(np.ascontiguousarray(whole[::step, ::step]))
        expected = expected.reduce(rest) if rest > 1 else expected
        assert np.array_equal(np.asarray(got), np.asarray(expected)), side
    assert np.array_equal(np.asarray(open_reduced(data, 203)), whole)  # fits: decoded whole, unreduced


def test_damaged_interlaced_pngs_are_refused() -> None:
    samples = np.random.default_rng(2).integers(0, 256, (120, 100, 3), dtype=np.uint32)
    data = encode_adam7(samples, 8, 2)
    layout = picture.png_layout(data)
    assert layout is not None
    idat = layout.idat[0]
    body = zlib.decompress(data[idat[0]:idat[0] + idat[1]])
    for cut in (body[:-50], body[:len(body) // 2]):  # the last pass, then a middle one, cut short
        short = data[:idat[0] - 8] + chunk(b"IDAT", zlib.compress(cut)) + chunk(b"IEND", b"")
        with pytest.raises(ValueError, match="truncated"):
            check_decodes(short)
        with pytest.raises(ValueError, match="truncated"):
            open_reduced(short, 30)  # pass 1 is whole: the later passes are still checked
    bad = bytearray(body)
    bad[-(100 * 3 + 1) * 60] = 9  # a filter byte of pass 7
    broken = data[:idat[0] - 8] + chunk(b"IDAT", zlib.compress(bytes(bad))) + chunk(b"IEND", b"")
    with pytest.raises(ValueError, match="filter type"):
        open_reduced(broken, 30)


def write_huge_adam7(path: Path, side: int) -> None:
    """A `side`x`side` interlaced RGB PNG written pass by pass, row by row (never whole in
    memory), every filter type used: big checks, so the file is small."""
    squeeze = zlib.compressobj(9)
    rng = np.random.default_rng(0)
    with path.open("wb") as out:
        out.write(picture.PNG_SIGNATURE + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 1)))
        idat = bytearray()
        for x0, y0, dx, dy in picture.ADAM7:
            xs = np.arange(x0, side, dx)
            for y in range(y0, side, dy * 64):  # 64 pass rows at a time
                ys = np.arange(y, min(side, y + dy * 64), dy)
                grid = ((xs[None, :] + ys[:, None]) // 64 % 2 * 200)[:, :, None] + np.array([0, 20, 40])
                idat += squeeze.compress(filter_rows(grid.astype(np.uint8).reshape(len(ys), -1), 3, rng))
        idat += squeeze.flush()
        out.write(chunk(b"IDAT", bytes(idat)) + chunk(b"IEND", b""))


CHILD = """
import json, resource, sys
from pathlib import Path
from culturebridge.catalog import check_decodes, open_reduced
from culturebridge.errors import PictureTooLargeToDecode
warm = Path(sys.argv[2]).read_bytes()
open_reduced(warm, 2048); check_decodes(warm)  # libraries loaded, buffers warm
data = Path(sys.argv[1]).read_bytes()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
got = []
for decode in (lambda: list(open_reduced(data, 2048).size), lambda: check_decodes(data)):
    try:
        got.append(decode())
    except PictureTooLargeToDecode:
        got.append("refused")
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"got": got, "grew_kib": after - before}))
"""


def _peak_in_child(path: Path, warm: Path) -> dict[str, object]:
    done = subprocess.run([sys.executable, "-c", CHILD, str(path), str(warm)], capture_output=True, text=True,
                          check=False, timeout=600, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_a_7999_px_interlaced_png_is_decoded_without_its_full_size_raster(tmp_path: Path) -> None:
    """A child reducing (to 2048 px, as the fingerprint job does) and checking (as the upload
    does) a 7999x7999 Adam7 PNG grows far less than the full raster (7999*7999*4 = 244 MiB;
    Pillow's whole decode grew by 199 MiB); measured: +12 MiB."""
    huge, warm = tmp_path / "huge.png", tmp_path / "warm.png"
    write_huge_adam7(huge, 7999)
    write_huge_adam7(warm, 1200)
    assert huge.stat().st_size < 2_000_000
    result = _peak_in_child(huge, warm)
    assert result["got"] == [[2000, 2000], None]
    assert isinstance(result["grew_kib"], int) and result["grew_kib"] < 48 * 1024, result  # bound: 48 MiB


def test_a_huge_gif_is_refused_before_its_raster_is_allocated(tmp_path: Path) -> None:
    """GIF has no reduced decode: a 5000x4000 one (20 MP, over the 16 MP default) is refused
    from its header, before anything is allocated (decoding it whole grew the process by 44 MiB)."""
    big, warm = tmp_path / "big.gif", tmp_path / "warm.png"
    image = Image.new("L", (5000, 4000), 7)
    image.paste(200, (100, 100, 2500, 2500))
    image.save(big)
    write_huge_adam7(warm, 1200)
    result = _peak_in_child(big, warm)
    assert result["got"] == ["refused", "refused"]
    assert isinstance(result["grew_kib"], int) and result["grew_kib"] < 4 * 1024, result


@pytest.mark.parametrize(("fmt", "options"), [("GIF", {}), ("TIFF", {"compression": "tiff_deflate"}),
                                              ("WEBP", {"lossless": True}), ("BMP", {}),
                                              ("JPEG", {"progressive": True})])
def test_whole_decodes_are_held_to_their_budget(fmt: str, options: dict[str, object], tmp_path: Path) -> None:
    image = Image.new("RGB", (400, 300), (9, 90, 200))
    image.paste((200, 30, 30), (50, 50, 200, 200))
    out = io.BytesIO()
    image.save(out, fmt, **options)
    data = out.getvalue()
    # under budget: decoded as before (a progressive JPEG's 4:2:0 coefficients: 3 bytes a pixel)
    assert open_reduced(data, 100, max_whole_pixels=120_000).size == (100, 75)
    check_decodes(data, max_whole_pixels=120_000)
    limit = 50_000 if fmt == "JPEG" else 119_999  # 120,000 pixels; 360,000 bytes of coefficients
    with pytest.raises(PictureTooLargeToDecode, match="max_whole_decode_pixels"):
        open_reduced(data, 100, max_whole_pixels=limit)
    with pytest.raises(PictureTooLargeToDecode):
        check_decodes(data, max_whole_pixels=limit)
    path = tmp_path / f"picture.{fmt.lower()}"
    path.write_bytes(data)
    media_type = {"GIF": "image/gif", "TIFF": "image/tiff", "WEBP": "image/webp", "BMP": "image/bmp", "JPEG": "image/jpeg"}[fmt]
    with pytest.raises(FileTooLarge):  # the upload check refuses it with the same limit
        probe(path, media_type, 64_000_000, max_whole_pixels=limit)
    assert probe(path, media_type, 64_000_000, max_whole_pixels=120_000).width == 400


def test_a_baseline_jpeg_and_pngs_never_meet_the_whole_decode_budget() -> None:
    image = Image.new("RGB", (400, 300), (9, 90, 200))
    for fmt in ("JPEG", "PNG"):
        out = io.BytesIO()
        image.save(out, fmt)
        assert open_reduced(out.getvalue(), 100, max_whole_pixels=1000).size == (100, 75)
        check_decodes(out.getvalue(), max_whole_pixels=1000)
