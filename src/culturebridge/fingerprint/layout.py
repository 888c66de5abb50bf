"""Colour layouts: what is left to compare when a picture has few corners and a weak PDQ hash.

Smooth art (gradients, flat vector shapes, soft focus) has few ORB corners and a PDQ hash of low
quality, so neither survives a crop. Its colour layout does: the picture as a CIELAB thumbnail
(`colour_layout`). The centre of a query's layout is located in a reference's by normalised
cross-correlation over a range of scales (template matching, J. P. Lewis, "Fast Normalized
Cross-Correlation", 1995), which a crop, a small rotation or an overlay at the edge leaves
almost intact; `layout_code` is the small vector a library indexes to pick the references worth
that comparison.
"""

from __future__ import annotations

import functools
import struct
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from culturebridge.errors import MalformedFingerprint

Layout = npt.NDArray[np.uint8]  # a colour layout: (h, w, 3) OpenCV 8-bit CIELAB (`colour_layout`)
LAYOUT_SIDE = 48  # longest side of the CIELAB thumbnail kept for the colour-layout comparison
LAYOUT_MIN_SIDE = 8  # shortest side a thumbnail is given (a sliver's is stretched to it)
# The query's centre (84% of each side) is what is looked for: a rotation's black corners, an
# edge label or a caption strip fall outside it. A copy keeps at least 80% of each side (crop
# <= 20%), so the centre spans 0.56-1.0 of the reference's side once rotations are allowed for.
_LAYOUT_CENTRE = 0.84
_LAYOUT_SCALES = tuple(round(0.56 + 0.03 * k, 2) for k in range(15))
# Bands of the centre's rows looked for besides the whole centre: an opaque caption strip or a
# title banner hides one edge band of a re-upload (up to ~30% of its height), and the rest of
# the centre still fits.
_LAYOUT_VIEWS = ((0.0, 1.0), (0.0, 0.72), (0.28, 1.0))
_LAYOUT_REFINE = 3  # (scale, band, mirror) triples compared at full size after the half-size pass
# Decision, fitted on the development part of the real-picture benchmark (`bench/fingerprint.py
# --fit-layout`, every query against every registered tile): the centre must correlate
# >= LAYOUT_MATCH with one window of the reference, differ from it by at most LAYOUT_MAX_CHROMA
# in mean |a*| + |b*| once a change of brightness is allowed for (`_chroma_difference`: a
# gradient of the same shape in other colours is not a copy, a darker one is), and vary
# enough (std of L* >= LAYOUT_MIN_STD) for a correlation to mean anything. With chroma <= 8,
# 0.92 keeps false matches under 1% and 0.95 leaves none: looking for bands of the centre as
# well as the whole (`_LAYOUT_VIEWS`) lets distinct regions of one picture fit a little better
# (the whole centre alone left none from 0.93). Queries are looked for by the border-trimmed
# picture's layout in the whole picture's (`ImageFingerprint.query_layout`).
LAYOUT_MATCH = 0.95
LAYOUT_MAX_CHROMA = 8.0
LAYOUT_MIN_STD = 4.0
# A band of the centre whose L* varies by less than one 8-bit level is constant but for noise or
# a speck: its correlation is the noise's (a black sky above a caption, std 0.0 on the third
# round's development part), while a soft gradient's band is still worth comparing (2.3 there).
_BAND_MIN_STD = 1.0
_MAX_GAIN = 1.5  # largest change of lightness (L* + 16) the chroma comparison allows for


@dataclass(frozen=True)
class LayoutMatch:
    """Where the centre of a query's colour layout lies in a reference's, and how well it fits.

    `correlation` is the normalised cross-correlation of the CIELAB thumbnails there, `chroma`
    their mean |a*| + |b*| difference, `scale` the query's width over the reference's, `region`
    the query's frame in the reference as fractions (x0, y0, x1, y1), clipped to it.
    """

    correlation: float
    chroma: float
    scale: float
    region: tuple[float, float, float, float]
    mirrored: bool = False

    @property
    def is_match(self) -> bool:
        """True when the layouts agree closely enough to call the query a copy."""
        return self.correlation >= LAYOUT_MATCH and self.chroma <= LAYOUT_MAX_CHROMA


def colour_layout(rgb: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    """The picture as a CIELAB thumbnail, LAYOUT_SIDE px on its longest side (at least
    LAYOUT_MIN_SIDE on its shortest)."""
    h, w = rgb.shape[:2]
    k = LAYOUT_SIDE / max(h, w)
    size = tuple(min(LAYOUT_SIDE, max(LAYOUT_MIN_SIDE, round(side * k))) for side in (w, h))
    small = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA if k < 1 else cv2.INTER_LINEAR)
    return np.asarray(cv2.cvtColor(small, cv2.COLOR_RGB2LAB), np.uint8)


def pack_layout(layout: Layout) -> bytes:
    """A colour layout's stored form: height and width (one byte each), then the pixels."""
    return struct.pack(">BB", *layout.shape[:2]) + np.ascontiguousarray(layout, np.uint8).tobytes()


def read_layout(data: bytes, pos: int, owner: str) -> tuple[Layout, int]:
    """The colour layout `pack_layout` stored at `pos`, and the position after it; `owner`
    names the fingerprint in the error raised when it is truncated or misshapen."""
    if len(data) < pos + 2:
        raise MalformedFingerprint(f"{owner} is truncated")
    h, w = struct.unpack_from(">BB", data, pos)
    pos += 2
    if not (LAYOUT_MIN_SIDE <= min(h, w) and max(h, w) <= LAYOUT_SIDE) or len(data) < pos + h * w * 3:
        raise MalformedFingerprint(f"{owner}'s colour layout is truncated or misshapen")
    return np.frombuffer(data, np.uint8, h * w * 3, pos).reshape(h, w, 3).copy(), pos + h * w * 3


LAYOUT_CODE_SIZE = 48  # floats in a layout's lookup code: 4 x 4 cells x (L*, a*, b*)
_CODE_SPAN = 0.6  # the code describes the middle 60% of each side, which a 20% crop keeps


def layout_code(layout: npt.NDArray[np.uint8]) -> npt.NDArray[np.float32]:
    """A colour layout's lookup code: the mean CIELAB of 4 x 4 cells over its middle part.

    Nearby codes pick the references worth a full `compare_layout`; a crop of up to 20% moves
    the middle by at most a cell's width, which the cell means mostly absorb.
    """
    h, w = layout.shape[:2]
    m = (1 - _CODE_SPAN) / 2
    middle = layout[round(h * m) : max(round(h * m) + 1, round(h * (1 - m))),
                    round(w * m) : max(round(w * m) + 1, round(w * (1 - m)))]  # fmt: skip
    cells = cv2.resize(middle, (4, 4), interpolation=cv2.INTER_AREA)
    return np.asarray(cells, np.float32).reshape(LAYOUT_CODE_SIZE)


def layout_codes(layout: Layout) -> npt.NDArray[np.float32]:
    """The lookup codes of a layout and of its mirror image, as two rows: `compare_layout`
    looks in the mirror image too, so a mirrored copy is put forward by the second."""
    return np.stack([layout_code(layout), layout_code(np.ascontiguousarray(layout[:, ::-1]))])


def varies(layout: npt.NDArray[np.uint8]) -> bool:
    """Whether a layout's centre varies enough to be looked for (`compare_layout`)."""
    return _centre(layout) is not None


def _centre(layout: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8] | None:
    """The middle of a layout that `compare_layout` looks for, or None when it is too even."""
    h, w = layout.shape[:2]
    m = (1 - _LAYOUT_CENTRE) / 2
    centre = layout[round(h * m) : round(h * (1 - m)), round(w * m) : round(w * (1 - m))]
    if centre.shape[0] < 4 or centre.shape[1] < 4 or float(centre[..., 0].std()) < LAYOUT_MIN_STD:
        return None
    return centre


@functools.lru_cache(maxsize=64)
def _templates(
    centre: bytes, shape: tuple[int, int], rw: int, rh: int
) -> tuple[tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]], ...]:
    """A layout centre resized to each of `_LAYOUT_SCALES` of a rw x rh reference (those that fit
    in it), each at full size and, L* only, at half size.

    Cached: a query is compared with several candidates, mostly of one thumbnail shape.
    """
    arr = np.frombuffer(centre, np.uint8).reshape(*shape, 3)
    aspect = shape[1] / shape[0]
    out = []
    for s in _LAYOUT_SCALES:
        tw, th = s * rw, s * rw / aspect
        if th > rh:
            tw, th = s * rh * aspect, s * rh
        w, h = round(tw), round(th)
        if 8 <= w <= rw and 8 <= h <= rh:
            full = cv2.resize(arr, (w, h), interpolation=cv2.INTER_AREA).astype(np.float32)
            half = cv2.resize(full[..., 0], (w // 2, h // 2), interpolation=cv2.INTER_AREA)
            out.append((full, np.asarray(half, np.float32)))
    return tuple(out)


def compare_layout(query: npt.NDArray[np.uint8], reference: npt.NDArray[np.uint8]) -> LayoutMatch | None:
    """Where the centre of the query's layout best fits in the reference's (or its mirror image).

    None when the query's centre is too even for a correlation to mean anything. The centre is
    resized to each scale in `_LAYOUT_SCALES` of the reference's side and slid over the
    reference (`cv2.matchTemplate`, normalised correlation coefficient), whole and as each band
    of `_LAYOUT_VIEWS` that is not constant but for noise (`_BAND_MIN_STD`): first L* alone at
    half size, then L*, a*, b* at full size for the `_LAYOUT_REFINE` best (scale, band, mirror)
    triples. (A dark picture under a caption strip varies only in the strip; the band without
    it is constant but for a speck, which correlates perfectly with a speck of any other dark
    picture.)
    """
    centre = _centre(query)
    rh, rw = reference.shape[:2]
    if centre is None or min(rh, rw) < LAYOUT_MIN_SIDE:
        return None
    bands = [b for b, band in enumerate(_LAYOUT_VIEWS)
             if float(centre[_rows(centre.shape[0], band)][..., 0].std()) >= _BAND_MIN_STD]  # fmt: skip
    full = (reference.astype(np.float32), np.ascontiguousarray(reference[:, ::-1]).astype(np.float32))
    half = tuple(cv2.resize(v[..., 0], (rw // 2, rh // 2), interpolation=cv2.INTER_AREA) for v in full)
    coarse: list[tuple[float, int, int, int]] = []  # corr of L* at half size, template, band, mirrored
    templates = _templates(centre.tobytes(), (centre.shape[0], centre.shape[1]), rw, rh)
    for k, (_, small) in enumerate(templates):
        for b in bands:
            rows = _rows(small.shape[0], _LAYOUT_VIEWS[b])
            for mirrored, view in enumerate(half):
                if rows.stop - rows.start >= 4 and small.shape[0] <= view.shape[0] and small.shape[1] <= view.shape[1]:
                    corr = float(cv2.matchTemplate(view, small[rows], cv2.TM_CCOEFF_NORMED).max())
                    coarse.append((corr if np.isfinite(corr) else -1.0, k, b, mirrored))
    best: tuple[float, int, int, npt.NDArray[np.float32], slice, bool] | None = None  # corr, x, y, template, rows, mirror
    for _, k, b, mirrored in sorted(coarse, reverse=True)[:_LAYOUT_REFINE]:
        template = templates[k][0]
        rows = _rows(template.shape[0], _LAYOUT_VIEWS[b])
        _, corr, _, (x, y) = cv2.minMaxLoc(cv2.matchTemplate(full[mirrored], template[rows], cv2.TM_CCOEFF_NORMED))
        if np.isfinite(corr) and (best is None or corr > best[0]):
            best = (float(corr), x, y, template, rows, bool(mirrored))
    if best is None:
        return None
    corr, x, y, template, rows, mirrored = best
    h, w = template.shape[:2]
    window = full[mirrored][y : y + rows.stop - rows.start, x : x + w]
    chroma = _chroma_difference(template[rows], window)
    # The query's whole frame around its centre, in the reference's coordinates.
    y -= rows.start
    fw, fh = w / _LAYOUT_CENTRE, h / _LAYOUT_CENTRE
    x0, y0 = x - (fw - w) / 2, y - (fh - h) / 2
    if mirrored:
        x0 = rw - (x0 + fw)
    box = np.clip(np.array([x0 / rw, y0 / rh, (x0 + fw) / rw, (y0 + fh) / rh]), 0, 1)
    region = (round(float(box[0]), 3), round(float(box[1]), 3), round(float(box[2]), 3), round(float(box[3]), 3))
    scale = round(fw / rw, 3)
    return LayoutMatch(round(corr, 4), round(chroma, 2), scale, region, mirrored)


def _chroma_difference(query: npt.NDArray[np.float32], reference: npt.NDArray[np.float32]) -> float:
    """Mean |a*| + |b*| difference of two CIELAB windows (OpenCV 8-bit), once the query's change
    of brightness is allowed for.

    A brightness gain k on the RGB values scales linear light, hence X, Y and Z, by about
    k^2.2; L* + 16, a* and b* are differences and multiples of the cube roots of X, Y and Z
    (CIE 1976 L*a*b*), so all three scale by one factor, about k^0.73. That factor is measured
    on L* + 16 and applied to the reference's a* and b* before they are compared: a darkened copy
    keeps its hues, while a gradient of the same shape in other hues still differs.
    """
    gain = float(np.clip(_lightness(query) / _lightness(reference), 1 / _MAX_GAIN, _MAX_GAIN))
    return float(np.abs((query[..., 1:] - 128) - gain * (reference[..., 1:] - 128)).sum(axis=2).mean())


def _lightness(lab: npt.NDArray[np.float32]) -> float:
    """Mean L* + 16 of an OpenCV 8-bit CIELAB window (whose L channel is L* x 255 / 100)."""
    return float(lab[..., 0].mean()) * 100 / 255 + 16


def _rows(height: int, band: tuple[float, float]) -> slice:
    """The rows of a template `height` rows high that a band (fractions of its height) spans."""
    return slice(round(height * band[0]), round(height * band[1]))
