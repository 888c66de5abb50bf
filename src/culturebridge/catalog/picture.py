"""Decode a picture reduced, never holding its full-size raster (PNG in strips of rows).

Pillow decodes a PNG into one full-size raster before anything can reduce it: a 7999×7999
RGB image is 256 MB in Pillow's 4-byte pixels, plus a copy for each conversion. JPEG can be
decoded reduced in the DCT domain (`Image.draft`); PNG cannot. Its image data is one zlib
stream of rows, each row filtered against the row above and the pixel to its left (PNG,
W3C Third Edition, §7.3 and §9 "Filtering"), so a non-interlaced PNG is decoded here in
strips: the IDAT stream is inflated incrementally, never more than one strip's bytes at a
time, and each strip is decoded by Pillow as a small PNG of its own.

Filters need the unfiltered row above, so each strip is decoded twice, both times by
Pillow: first as a "raw" 8-bit image whose pixel size equals the original's filter unit
(bpp, §9.2: 1, 2, 3 or 4 bytes as greyscale, grey+alpha, RGB, RGBA; 6 and 8 bytes as two
RGB or RGBA lanes, since a filter byte only ever refers to the same byte of the pixel to the
left and above), headed by the previous strip's last unfiltered row with filter type 0 —
that gives the strip's unfiltered bytes exactly; then in the original format with every row
unfiltered (filter type 0) and the original PLTE/tRNS, so Pillow turns bit depths, palettes
and transparency into pixels as it always does. The strip is box-reduced and pasted into
the reduced result. Memory per decode is bounded by `STRIP_BYTES` plus the reduced image.

An interlaced (Adam7) PNG's image data is its seven passes one after another, each a small
non-interlaced image of a sub-grid with its own filter bytes (§8.2). Pass 1 holds every 8th
pixel of every 8th row, passes 1-3 every 4th of every 4th, passes 1-5 every 2nd of every 2nd:
those passes are decoded with the same strip machinery into that sub-grid (`adam7_grid`), which
is then box-reduced to the size asked; the remaining passes are inflated and length-checked
but not decoded, so a truncated file is still refused. The result is subsampled, not averaged.

JPEG is reduced in the DCT domain (`Image.draft`). Other formats (GIF, TIFF, WebP, BMP) have
no reduced decode in Pillow and a progressive JPEG's decoder holds every coefficient: those
are refused before `load()` allocates anything when the whole-image buffer would exceed
`max_whole_pixels` pixels at 4 bytes (the `max_whole_decode_pixels` setting); docs/security.md
lists what each costs.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from PIL import Image

from culturebridge.errors import PictureTooLargeToDecode

if TYPE_CHECKING:  # numpy is imported on first use: the catalog loads in every process
    import numpy as np

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
STRIP_BYTES = 4 << 20  # inflated image bytes decoded at a time
REDUCIBLE = ("L", "LA", "RGB", "RGBA", "RGBX", "CMYK", "I", "F")
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # colour type -> samples per pixel (§11.2.2)
DEFAULT_MAX_WHOLE_PIXELS = 16_000_000  # the max_whole_decode_pixels setting's default
ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))  # §8.2
_GRID_PASSES = {8: 1, 4: 3, 2: 5}  # grid step -> the first passes that hold exactly its pixels
_RAW_COLOUR = {1: 0, 2: 4, 3: 2, 4: 6}  # bytes per pixel -> 8-bit colour type with that pixel size


@dataclass(frozen=True)
class PngLayout:
    width: int
    height: int
    depth: int
    colour: int
    interlaced: bool
    extra: bytes  # PLTE and tRNS chunks, copied into each strip
    idat: tuple[tuple[int, int], ...]  # (offset, length) of each IDAT chunk's data

    @property
    def bpp(self) -> int:
        """Bytes per complete pixel, rounded up to one: the filters' unit (§9.2)."""
        return max(1, _CHANNELS[self.colour] * self.depth // 8)

    @property
    def row_bytes(self) -> int:
        return (self.width * _CHANNELS[self.colour] * self.depth + 7) // 8


def png_layout(data: bytes) -> PngLayout | None:
    """The chunks of a PNG file, or None when `data` is not one this module decodes in strips."""
    if not data.startswith(PNG_SIGNATURE):
        return None
    pos, header, extra, idat = len(PNG_SIGNATURE), None, b"", []
    while pos + 12 <= len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        body_at = pos + 8
        if body_at + length + 4 > len(data):
            raise ValueError(f"PNG chunk {kind!r} is truncated")
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", data[body_at:body_at + 13])
        elif kind in (b"PLTE", b"tRNS"):
            extra += data[pos:body_at + length + 4]
        elif kind == b"IDAT":
            crc = struct.unpack(">I", data[body_at + length:body_at + length + 4])[0]
            if zlib.crc32(data[body_at:body_at + length], zlib.crc32(kind)) != crc:
                raise ValueError("PNG image data is damaged (IDAT CRC mismatch)")
            idat.append((body_at, length))
        elif kind == b"IEND":
            break
        pos = body_at + length + 4
    if header is None or not idat:
        raise ValueError("PNG has no header or no image data")
    width, height, depth, colour, _compression, _filter, interlace = header
    if colour not in _CHANNELS or width == 0 or height == 0:
        raise ValueError(f"PNG colour type {colour} or size {width}x{height} is not valid")
    return PngLayout(width, height, depth, colour, interlace == 1, extra, tuple(idat))


def open_reduced(data: bytes, max_side: int, *, max_whole_pixels: int = DEFAULT_MAX_WHOLE_PIXELS) -> Image.Image:
    """The picture box-reduced by the smallest integer factor that brings its longest side to
    at most `max_side` (unreduced when it already fits), loaded. An interlaced PNG is reduced
    from its Adam7 sub-grid (`adam7_grid`) instead, to at most `max_side` too. Raises what
    Pillow raises for damaged files (OSError, ValueError, SyntaxError, EOFError), and
    PictureTooLargeToDecode for a picture that only decodes whole and has more than
    `max_whole_pixels` pixels."""
    img = Image.open(io.BytesIO(data))
    factor = -(-max(img.size) // max_side)
    if factor > 1 and img.format == "PNG":
        layout = png_layout(data)
        if layout is not None:
            if layout.interlaced:
                grid = adam7_grid(data, layout, 8 if factor >= 8 else 4 if factor >= 4 else 2)
                _keep_info(grid, img.info)
                img.close()
                rest = -(-max(grid.size) // max_side)
                return grid if rest <= 1 else _keep_info(grid.reduce(rest), grid.info)
            reduced = _reduce_png(data, layout, factor, img.info)
            img.close()
            return reduced
    _refuse_whole(img, max_whole_pixels)
    if factor > 1 and img.format == "JPEG":  # DCT scaling by 1/2, 1/4 or 1/8, at most `factor`
        img.draft("RGB", (-(-img.size[0] // factor), -(-img.size[1] // factor)))
    img.load()
    factor = -(-max(img.size) // max_side)
    if factor <= 1:
        return img
    return reducible(img).reduce(factor)


def check_decodes(data: bytes, *, max_whole_pixels: int = DEFAULT_MAX_WHOLE_PIXELS) -> None:
    """Decode the whole picture and keep nothing; raise if damaged. A PNG is decoded strip by
    strip (an interlaced one pass by pass), a JPEG at 1/8 scale (every coefficient is still
    read); any other format whole, and only when it has at most `max_whole_pixels` pixels."""
    layout = png_layout(data)
    if layout is not None:
        stream = _Inflater(data, layout)
        for *_, sub in _passes(layout):
            for _ in _strips(stream, sub, 1):
                pass
        return
    with Image.open(io.BytesIO(data)) as img:
        _refuse_whole(img, max_whole_pixels)
        if img.format == "JPEG":
            img.draft(None, (-(-img.size[0] // 8), -(-img.size[1] // 8)))
        img.load()


def _refuse_whole(img: Image.Image, max_whole_pixels: int) -> None:
    """Refuse, before Pillow allocates it at load(), a whole-image buffer over the budget of
    `max_whole_pixels` pixels at 4 bytes: the full raster of a format decoded whole (GIF, TIFF,
    WebP, BMP...), or the DCT coefficients a progressive JPEG's decoder keeps for every block
    whatever the output scale (ITU-T T.81 Annex G: 2 bytes a coefficient, one per sample)."""
    width, height = img.size
    if img.format == "JPEG":
        if not img.info.get("progressive"):
            return  # baseline: decoded in DCT-scaled rows, one band of blocks at a time
        layer = getattr(img, "layer", None) or [("", 1, 1, 0)]
        h_max, v_max = max(c[1] for c in layer), max(c[2] for c in layer)
        samples = sum(c[1] * c[2] for c in layer) / (h_max * v_max)  # per pixel, after subsampling
        if width * height * samples * 2 <= 4 * max_whole_pixels:
            return
        raise PictureTooLargeToDecode(f"progressive JPEG {width}x{height}", max_whole_pixels)
    if width * height > max_whole_pixels:
        raise PictureTooLargeToDecode(f"{img.format or 'image'} {width}x{height}", max_whole_pixels)


def reducible(img: Image.Image) -> Image.Image:
    """`img` in a mode `Image.reduce` accepts (palettes and odd depths become RGB or RGBA)."""
    if img.mode in REDUCIBLE:
        return img
    return img.convert("RGBA" if "A" in img.getbands() or "transparency" in img.info else "RGB")


def _keep_info(img: Image.Image, info: Mapping[Any, Any]) -> Image.Image:
    img.info.update({k: v for k, v in info.items() if k in ("exif", "dpi", "icc_profile")})
    return img


def _reduce_png(data: bytes, layout: PngLayout, factor: int, info: Mapping[Any, Any]) -> Image.Image:
    out: Image.Image | None = None
    y = 0
    for strip in png_strips(data, layout, factor):
        small = reducible(strip).reduce(factor)
        if out is None:
            out = Image.new(small.mode, (-(-layout.width // factor), -(-layout.height // factor)))
        out.paste(small, (0, y))
        y += small.height
    assert out is not None
    return _keep_info(out, info)


def adam7_grid(data: bytes, layout: PngLayout, step: int) -> Image.Image:
    """Every `step`-th pixel of every `step`-th row (step 8, 4 or 2) of an interlaced PNG, in
    `reducible` mode: the first 1, 3 or 5 Adam7 passes, which hold exactly those pixels
    (§8.2), decoded strip by strip; the later passes are inflated and checked, not decoded."""
    import numpy as np

    used = _GRID_PASSES[step]
    stream = _Inflater(data, layout)
    grid: np.ndarray | None = None
    for number, x0, y0, dx, dy, sub in _passes(layout):
        if number > used:
            for _ in _inflated_rows(stream, sub, max(1, STRIP_BYTES // (sub.row_bytes + 1))):
                pass
            if stream.short:
                raise ValueError(f"PNG image data is truncated (Adam7 pass {number})")
            continue
        row, cols = y0 // step, slice(x0 // step, x0 // step + sub.width * (dx // step), dx // step)
        for strip in _strips(stream, sub, 1):
            pixels = np.asarray(reducible(strip))
            if grid is None:
                grid = np.zeros((-(-layout.height // step), -(-layout.width // step), *pixels.shape[2:]), pixels.dtype)
            n = pixels.shape[0]
            grid[row:row + n * (dy // step):dy // step, cols] = pixels
            row += n * (dy // step)
    assert grid is not None  # pass 1 is never empty (§8.2: it holds pixel 0,0)
    return Image.fromarray(grid)


def _passes(layout: PngLayout) -> Iterator[tuple[int, int, int, int, int, PngLayout]]:
    """(number, x0, y0, dx, dy, layout of the pass as a non-interlaced image) of each non-empty
    pass in stream order: the whole image for a non-interlaced PNG, else the Adam7 passes."""
    if not layout.interlaced:
        yield 1, 0, 0, 1, 1, layout
        return
    for number, (x0, y0, dx, dy) in enumerate(ADAM7, 1):
        width, height = -(-(layout.width - x0) // dx), -(-(layout.height - y0) // dy)
        if width > 0 and height > 0:  # an empty pass has no bytes, not even filter bytes (§8.2)
            yield number, x0, y0, dx, dy, replace(layout, width=width, height=height, interlaced=False)


def png_strips(data: bytes, layout: PngLayout, multiple: int) -> Iterator[Image.Image]:
    """The rows of a non-interlaced PNG as images of a few rows each (a multiple of `multiple`)."""
    return _strips(_Inflater(data, layout), layout, multiple)


def _strips(stream: _Inflater, layout: PngLayout, multiple: int) -> Iterator[Image.Image]:
    import numpy as np

    stride = layout.row_bytes + 1
    per_strip = max(multiple, STRIP_BYTES // stride // multiple * multiple)
    previous = np.zeros(layout.row_bytes, dtype=np.uint8)  # each pass starts on a zero row (§8.2)
    done = 0
    for filtered in _inflated_rows(stream, layout, per_strip):
        n = filtered.shape[0]
        unfiltered = _unfilter(layout, previous, filtered)
        previous = unfiltered[-1]
        body = np.zeros((n, stride), dtype=np.uint8)
        body[:, 1:] = unfiltered
        strip = _decode(_png(layout.width, n, layout.depth, layout.colour, layout.extra, body.tobytes()))
        done += n
        yield strip
    if done < layout.height:
        raise ValueError(f"PNG image data is truncated ({done} of {layout.height} rows)")


class _Inflater:
    """The PNG's IDAT stream inflated on demand, never more than the bytes asked for at once."""

    def __init__(self, data: bytes, layout: PngLayout) -> None:
        self._inflater = zlib.decompressobj()
        self._chunks = (memoryview(data)[at:at + length] for at, length in layout.idat)
        self._pending = bytearray()
        self.short = False  # the stream ended before a read was satisfied

    def read(self, size: int) -> bytes:
        while len(self._pending) < size:
            source: bytes | memoryview | None = self._inflater.unconsumed_tail or next(self._chunks, None)
            got = self._inflater.decompress(source if source is not None else b"", size - len(self._pending))
            if not got and source is None:
                self.short = True
                break
            self._pending += got
        out = bytes(self._pending[:size])
        del self._pending[:size]
        return out


def _inflated_rows(stream: _Inflater, layout: PngLayout, per_strip: int) -> Iterator[np.ndarray]:
    import numpy as np

    stride = layout.row_bytes + 1
    left = layout.height
    while left > 0:
        got = stream.read(min(per_strip, left) * stride)
        if len(got) < stride:
            return  # the stream ended early: the caller reports the missing rows
        block = np.frombuffer(got[:len(got) // stride * stride], dtype=np.uint8).reshape(-1, stride)
        if int(block[:, 0].max()) > 4:
            raise ValueError("PNG image data is damaged (unknown filter type)")
        left -= block.shape[0]
        yield block
        if stream.short:
            return


def _unfilter(layout: PngLayout, previous: np.ndarray, filtered: np.ndarray) -> np.ndarray:
    """Undo the rows' filters, using Pillow's own decoder on lanes of at most 4 bytes per pixel."""
    import numpy as np

    n, bpp = filtered.shape[0], layout.bpp
    lanes = 1 if bpp <= 4 else 2
    width = layout.row_bytes // bpp
    lane_bpp = bpp // lanes
    out = np.empty((n, layout.row_bytes), dtype=np.uint8)
    for lane in range(lanes):
        if lanes == 1:
            above, rows = previous, filtered[:, 1:]
        else:
            above = previous.reshape(width, bpp)[:, lane * lane_bpp:(lane + 1) * lane_bpp].reshape(-1)
            rows = filtered[:, 1:].reshape(n, width, bpp)[:, :, lane * lane_bpp:(lane + 1) * lane_bpp].reshape(n, -1)
        body = np.empty((n + 1, rows.shape[1] + 1), dtype=np.uint8)
        body[0, 0], body[0, 1:] = 0, above
        body[1:, 0], body[1:, 1:] = filtered[:, 0], rows
        raw = np.asarray(_decode(_png(rows.shape[1] // lane_bpp, n + 1, 8, _RAW_COLOUR[lane_bpp], b"", body.tobytes())),
                         dtype=np.uint8).reshape(n + 1, -1)[1:]
        if lanes == 1:
            out[:] = raw
        else:
            out.reshape(n, width, bpp)[:, :, lane * lane_bpp:(lane + 1) * lane_bpp] = raw.reshape(n, width, lane_bpp)
    return out


def _png(width: int, height: int, depth: int, colour: int, extra: bytes, rows: bytes) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(body, zlib.crc32(kind)))

    header = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    return PNG_SIGNATURE + chunk(b"IHDR", header) + extra + chunk(b"IDAT", zlib.compress(rows, 0)) + chunk(b"IEND", b"")


def _decode(png: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(png))
    img.load()
    return img
