"""Image fingerprints: PDQ hashes plus ORB local features verified by a RANSAC homography.

PDQ (Meta's ThreatExchange PDQ hashing paper, 2019) matches re-encodes, resizes and brightness changes at Hamming <= 31, but a
5% crop, a letterbox or a 3-degree rotation moves it to ~90/256. Local features survive those:
ORB keypoints of the query are matched to the reference's and a homography is fitted with
RANSAC; the number of geometrically consistent matches (inliers) is the crop-robust evidence.
Mirroring is handled by registering the mirror image as a second view of the reference.

Smooth art (gradients, flat shapes, soft focus) has few corners and a PDQ hash of low quality,
so neither survives a crop: each fingerprint also keeps its picture's colour layout (`layout`).
"""

from __future__ import annotations

import dataclasses
import io
import struct
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt
import pdqhash
from PIL import Image, ImageOps

from culturebridge.catalog import DEFAULT_MAX_WHOLE_PIXELS, open_reduced
from culturebridge.errors import MalformedFingerprint, MediaTooLarge, UndecodableMedia
from culturebridge.fingerprint.layout import (
    LAYOUT_MATCH,
    Layout,
    LayoutMatch,
    colour_layout,
    compare_layout,
    pack_layout,
    read_layout,
    varies,
)
from culturebridge.fingerprint.photometric import agreement

PDQ_BITS = 256
PDQ_MATCH_DISTANCE = 31  # PDQ paper: match at Hamming distance <= 31
PDQ_MIN_QUALITY = 50  # PDQ paper: hashes of quality < 50 are unreliable
# Similarity-RANSAC inliers for a local-feature match: fitted on the development part of the
# real-picture benchmark (`bench/fingerprint.py --fit`) for <= 1% false matches counting
# distinct regions of one photograph; the previous homography needed 20.
MIN_INLIERS = 10
# Smallest inlier bounding box, as a fraction of the query keypoints' box: an explicit label
# 「AI生成」 at 8-12% glyph height spans <= 3.3% (measured); true copies >= 5.7%.
MIN_INLIER_EXTENT = 0.045
WIDE_EXTENT = 0.15  # inliers spread at least this wide count from MIN_INLIERS, else from 2x
# Photometric verification (`photometric.agreement`) of every alignment: the reference's colours,
# warped by the alignment, must agree with the query's over at least AGREE_MIN of the overlap.
# Chosen on the development parts (dev, dev2) of the real-picture benchmark: every copy matched
# by keypoints alone agreed over >= 0.62 of it (those with < 30 inliers over >= 0.69), while 79%
# of the chance alignments between distinct pictures (5-9 inliers) and the one distinct-region
# pair that reached 10 inliers (0.28) agreed over less than 0.45. However many inliers: a label
# that two AI pictures both carry (GB 45438-2025 §4.1) anchors alignments of 50 and more.
AGREE_MIN = 0.45
DEFAULT_MAX_PIXELS = 64_000_000
_FEATURE_SIDE = 512  # images are normalised to this longest side before ORB
# Images are fingerprinted from at most this longest side (PDQ works at 128 px, ORB at 512):
# a 7999x7999 PNG no longer takes gigabytes in full-size float copies.
DECODE_SIDE = 2048
_PDQ_SIDE = 128
_ORB_FEATURES = 400
_FAST_THRESHOLD = 5
_CLAHE = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(8, 8))
DESCRIPTOR_MATCH = 64  # max Hamming distance between two ORB descriptors (of 256 bits)
_RANSAC_PIXELS = 5.0  # reprojection error allowed, in the 512-px frame
_MIN_SCALE, _MAX_SCALE = 0.25, 4.0  # a copy is not shrunk or blown up more than 4x per side
_MAX_ANGLE = 10.0  # degrees; copies are straightened or tilted by a few degrees at most
_MAGIC = b"CBIMG1"  # v1: no frame sizes (still read)
_MAGIC2 = b"CBIMG2"  # v2: no colour layout (still read; `fingerprint backfill --all` adds it)
_MAGIC3 = b"CBIMG3"  # v3: one colour layout (still read; before v4 it was the border-trimmed picture's)
_MAGIC4 = b"CBIMG4"  # v4: the whole picture's layout and the border-trimmed one's

Rgb = npt.NDArray[np.uint8]
Box = tuple[int, int, int, int]  # x0, y0, x1, y1 in a picture's pixels, x1 and y1 exclusive
# Where a picture carries an overlay its publisher draws on many pictures: a platform's own AI
# label plate (GB 45438-2025 §5.2), found by the stage that draws it and passed in by the caller.
# Keypoints on it describe the overlay, not the work: two unrelated labelled pictures would
# align on their plates. No keypoint is looked for on it or within OVERLAY_MARGIN of it, and the
# PDQ hashes fill it in from around it (on a dark picture the plate is most of what they see).
OverlayFinder = Callable[[Rgb], Sequence[Box]]
OVERLAY_MARGIN = 16  # px of the 512-px frame: about half an ORB patch (31 px), whose descriptor sees the plate


@dataclass(frozen=True)
class PdqHash:
    """A 256-bit PDQ hash (32 bytes, big-endian bit order) and its quality 0-100."""

    bits: bytes
    quality: int

    def distance(self, other: PdqHash) -> int:
        """Hamming distance between two PDQ hashes."""
        return hamming(self.bits, other.bits)


@dataclass(frozen=True, eq=False)
class Features:
    """ORB keypoints of one view of an image (positions in the 512-px normalised image)."""

    points: npt.NDArray[np.float32]  # (n, 2)
    descriptors: npt.NDArray[np.uint8]  # (n, 32) ORB descriptors
    size: tuple[int, int] = (0, 0)  # (width, height) of the normalised image; 0: unknown

    def frame(self) -> tuple[float, float]:
        """Width and height of the normalised image (from the keypoints when not stored)."""
        if self.size[0] > 0 and self.size[1] > 0:
            return float(self.size[0]), float(self.size[1])
        if len(self.points) == 0:
            return float(_FEATURE_SIDE), float(_FEATURE_SIDE)
        top = self.points.max(axis=0)
        return max(1.0, float(top[0])), max(1.0, float(top[1]))


@dataclass(frozen=True)
class Alignment:
    """Why a query matched a reference view: the similarity transform its keypoints agree on.

    `region` is the query's frame mapped into the reference, as fractions (x0, y0, x1, y1) of
    the reference's width and height (clipped to it); `mirrored` says the match was with the
    reference's mirror image; `extent` is the inliers' bounding box over the query keypoints'.
    """

    inliers: int
    extent: float
    scale: float
    angle: float
    region: tuple[float, float, float, float]
    mirrored: bool = False
    # The transform itself, query frame to reference frame (a 2x3 matrix, row by row), for
    # checks that need more than its summary; not part of an alignment's identity.
    matrix: tuple[float, ...] = dataclasses.field(default=(), compare=False, repr=False)

    @property
    def strength(self) -> float:
        """Ordering of alignments: inliers, a hair more for wider agreement."""
        return self.inliers + self.extent


@dataclass(frozen=True, eq=False)
class ImageFingerprint:
    """PDQ hashes (as is, border-trimmed, mirrored), ORB features of the image and its mirror,
    and colour layouts (CIELAB thumbnails; None when stored by a version that did not keep them).

    `layout` is the whole picture's: what a copy is looked for in. `trimmed_layout`, kept when
    a border was trimmed, is the border-trimmed picture's: what the picture is looked for by,
    so a letterbox's bars are not part of it. The two roles differ because a plain ground at an
    edge (a scroll's paper, a sky) looks like a frame to the trim, while a copy turned or
    captioned has other corners and keeps it: looked for in the whole picture, it still fits.
    """

    hashes: tuple[PdqHash, ...]
    views: tuple[Features, ...]  # views[0] the image, views[1] (when present) its mirror
    layout: npt.NDArray[np.uint8] | None = None  # (h, w, 3) OpenCV 8-bit CIELAB
    trimmed_layout: npt.NDArray[np.uint8] | None = None

    @property
    def query_layout(self) -> npt.NDArray[np.uint8] | None:
        """The colour layout this picture is looked for by (`compare_layout`'s query)."""
        return self.layout if self.trimmed_layout is None else self.trimmed_layout

    @property
    def quality(self) -> int:
        """Quality of the primary (untrimmed) PDQ hash."""
        return self.hashes[0].quality

    def to_bytes(self) -> bytes:
        """Serialise to a compact versioned binary form (v4: each view's frame size and both
        colour layouts; v3 with one layout when no border was trimmed; v2 without a layout)."""
        # A trimmed layout is kept only beside the whole picture's.
        layouts = [] if self.layout is None else [x for x in (self.layout, self.trimmed_layout) if x is not None]
        parts = [(_MAGIC2, _MAGIC3, _MAGIC4)[len(layouts)], struct.pack(">BB", len(self.hashes), len(self.views))]
        for h in self.hashes:
            parts.append(h.bits + bytes([h.quality]))
        for view in self.views:
            parts.append(struct.pack(">IHH", len(view.descriptors), *view.size))
            parts.append(view.points.astype(">f4").tobytes())
            parts.append(view.descriptors.astype(np.uint8).tobytes())
        parts.extend(pack_layout(layout) for layout in layouts)
        return b"".join(parts)

    @classmethod
    def from_bytes(cls, data: bytes) -> ImageFingerprint:
        """Parse bytes written by `to_bytes` (this version, v3 with one layout, v2 without a
        layout, or v1, which had no frame sizes either)."""
        v4 = data.startswith(_MAGIC4)
        v3 = v4 or data.startswith(_MAGIC3)
        v2 = v3 or data.startswith(_MAGIC2)
        if not (v2 or data.startswith(_MAGIC)) or len(data) < len(_MAGIC) + 2:
            raise MalformedFingerprint("not an image fingerprint")
        nh, nv = struct.unpack_from(">BB", data, len(_MAGIC))
        pos = len(_MAGIC) + 2
        if nh == 0 or nv == 0 or len(data) < pos + nh * 33:
            raise MalformedFingerprint("image fingerprint is truncated")
        hashes = []
        for _ in range(nh):
            hashes.append(PdqHash(data[pos : pos + 32], data[pos + 32]))
            pos += 33
        views = []
        head = ">IHH" if v2 else ">I"
        for _ in range(nv):
            if len(data) < pos + struct.calcsize(head):
                raise MalformedFingerprint("image fingerprint is truncated")
            nd, *size = struct.unpack_from(head, data, pos)
            pos += struct.calcsize(head)
            if len(data) < pos + nd * 40:
                raise MalformedFingerprint("image fingerprint is truncated")
            points = np.frombuffer(data, ">f4", nd * 2, pos).astype(np.float32).reshape(nd, 2)
            pos += nd * 8
            desc = np.frombuffer(data, np.uint8, nd * 32, pos).reshape(nd, 32).copy()
            pos += nd * 32
            views.append(Features(points, desc, (size[0], size[1]) if v2 else (0, 0)))
        layouts: list[npt.NDArray[np.uint8] | None] = [None, None]
        for k in range(2 if v4 else 1 if v3 else 0):
            layouts[k], pos = read_layout(data, pos, "image fingerprint")
        if pos != len(data):
            raise MalformedFingerprint("image fingerprint has trailing bytes")
        return cls(tuple(hashes), tuple(views), *layouts)


def pack_features(features: Features) -> bytes:
    """One view's keypoints as bytes (count, frame size, points, descriptors)."""
    n = len(features.descriptors)
    return (struct.pack(">IHH", n, *features.size) + features.points.astype(">f4").tobytes()
            + features.descriptors.astype(np.uint8).tobytes())  # fmt: skip


def unpack_features(data: bytes) -> Features:
    """Parse bytes written by `pack_features`."""
    if len(data) < 8:
        raise MalformedFingerprint("keypoint block is truncated")
    n, w, h = struct.unpack_from(">IHH", data)
    if len(data) != 8 + n * 40:
        raise MalformedFingerprint("keypoint block has the wrong length")
    points = np.frombuffer(data, ">f4", n * 2, 8).astype(np.float32).reshape(n, 2)
    desc = np.frombuffer(data, np.uint8, n * 32, 8 + n * 8).reshape(n, 32).copy()
    return Features(points, desc, (w, h))


@dataclass(frozen=True)
class ImageComparison:
    """Evidence that a query image copies a reference: best PDQ distance and RANSAC inliers."""

    pdq_distance: int
    inliers: int
    alignment: Alignment | None = None
    layout: LayoutMatch | None = None  # compared only when PDQ and keypoints say no
    # Share of the overlap whose colours agree under the alignment (`photometric.agreement`);
    # measured for alignments with at least MIN_INLIERS inliers, None otherwise.
    agreement: float | None = None

    @property
    def score(self) -> float:
        """Similarity in [0, 1]; >= 0.5 means a match (PDQ <= 31, >= MIN_INLIERS inliers, or
        colour layouts that agree)."""
        pdq = 0.0
        if self.pdq_distance <= PDQ_MATCH_DISTANCE:
            pdq = 1.0 - 0.5 * self.pdq_distance / (PDQ_MATCH_DISTANCE + 1)
        orb = min(1.0, 0.5 * self.inliers / MIN_INLIERS)
        layout = 0.0
        if self.layout is not None and self.layout.is_match:
            layout = 0.5 + 0.5 * (self.layout.correlation - LAYOUT_MATCH) / (1 - LAYOUT_MATCH)
        return max(pdq, orb, min(1.0, layout))

    @property
    def is_match(self) -> bool:
        """True when either method says the query is a copy."""
        return self.score >= 0.5


def hamming(a: bytes, b: bytes) -> int:
    """Number of differing bits between two equal-length byte strings."""
    return (int.from_bytes(a, "big") ^ int.from_bytes(b, "big")).bit_count()


def decode_image(
    data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS, max_whole_pixels: int = DEFAULT_MAX_WHOLE_PIXELS
) -> Rgb:
    """Decode image bytes to an RGB array, refusing decompression bombs and damaged files, and
    pictures that only decode whole (GIF, TIFF, WebP) above `max_whole_pixels`."""
    if not data:
        raise UndecodableMedia("image", "the file is empty")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            opened = Image.open(io.BytesIO(data))
            pixels = opened.size[0] * opened.size[1]
            if pixels > max_pixels:
                raise MediaTooLarge(pixels, max_pixels)
            # A huge PNG in strips: never its full-size raster.
            img = open_reduced(data, DECODE_SIDE, max_whole_pixels=max_whole_pixels)
            rgb = (ImageOps.exif_transpose(img) or img).convert("RGB")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise MediaTooLarge(None, max_pixels) from exc
    except MediaTooLarge:
        raise
    except (OSError, ValueError, SyntaxError, struct.error, EOFError) as exc:
        raise UndecodableMedia("image", str(exc) or type(exc).__name__) from exc
    if rgb.size[0] < 8 or rgb.size[1] < 8:
        raise UndecodableMedia("image", f"image is too small ({rgb.size[0]}x{rgb.size[1]})")
    return np.asarray(rgb, dtype=np.uint8)


def pdq_hash(rgb: Rgb, *, ignore: Sequence[Box] = ()) -> PdqHash:
    """PDQ hash of an RGB array (downsampled first; PDQ itself reduces to 64x64), the `ignore`
    boxes (in `rgb`'s pixels) filled in from around them first (`cv2.inpaint`, Telea 2004):
    on a dark picture a plate's white text is most of what the hash describes."""
    small = cv2.resize(rgb, (_PDQ_SIDE, _PDQ_SIDE), interpolation=cv2.INTER_AREA)
    if ignore:
        mask = np.zeros((_PDQ_SIDE, _PDQ_SIDE), np.uint8)
        sx, sy = _PDQ_SIDE / rgb.shape[1], _PDQ_SIDE / rgb.shape[0]
        for x0, y0, x1, y1 in ignore:  # a pixel more each side: area averaging spreads the plate
            top, bottom = max(0, int(y0 * sy) - 1), int(np.ceil(y1 * sy)) + 1
            mask[top:bottom, max(0, int(x0 * sx) - 1):int(np.ceil(x1 * sx)) + 1] = 255
        small = cv2.inpaint(small, mask, 3, cv2.INPAINT_TELEA)
    vector, quality = pdqhash.compute(np.ascontiguousarray(small))
    return PdqHash(np.packbits(vector.astype(np.uint8)).tobytes(), int(quality))


def trim_box(rgb: Rgb, *, tolerance: int = 12) -> Box:
    """The part of the picture left after cutting uniform borders (letterbox, pillarbox,
    frames) whose colour matches the corners; the whole picture when there are none."""
    wide = rgb.astype(np.int16)
    grey = (wide[..., 0] + wide[..., 1] + wide[..., 2]) / 3.0  # the channel mean (10x faster than .mean)
    h, w = grey.shape
    whole = (0, 0, w, h)
    ref = float(np.median([grey[0, 0], grey[0, -1], grey[-1, 0], grey[-1, -1]]))
    flat = np.abs(grey - ref) <= tolerance
    rows = np.where(~(flat.mean(axis=1) > 0.98))[0]
    cols = np.where(~(flat.mean(axis=0) > 0.98))[0]
    if len(rows) == 0 or len(cols) == 0:
        return whole
    top, bottom, left, right = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
    if (bottom - top) < h * 0.3 or (right - left) < w * 0.3:
        return whole
    return left, top, right, bottom


def trim_borders(rgb: Rgb, *, tolerance: int = 12) -> Rgb:
    """The picture without its uniform borders (`trim_box`)."""
    x0, y0, x1, y1 = trim_box(rgb, tolerance=tolerance)
    return rgb[y0:y1, x0:x1]


def _normalise(rgb: Rgb) -> Rgb:
    h, w = rgb.shape[:2]
    scale = _FEATURE_SIDE / max(h, w)
    size = (max(8, round(w * scale)), max(8, round(h * scale)))
    out = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    return np.asarray(out, dtype=np.uint8)


def orb_features(rgb: Rgb, *, count: int = _ORB_FEATURES, ignore: Sequence[Box] = ()) -> Features:
    """ORB keypoint positions and descriptors (at most `count`) of an image normalised to 512 px,
    none on or next to the `ignore` boxes (in `rgb`'s pixels)."""
    norm = _normalise(rgb)
    # Local contrast equalisation (CLAHE, Zuiderveld 1994) and a low FAST threshold: soft-focus
    # and low-contrast photographs (bokeh, fog, wood grain) otherwise yield almost no corners.
    grey = _CLAHE.apply(cv2.cvtColor(norm, cv2.COLOR_RGB2GRAY))
    size = (int(norm.shape[1]), int(norm.shape[0]))
    orb = cv2.ORB_create(  # type: ignore[attr-defined]  # OpenCV's stubs omit the factory
        nfeatures=count, fastThreshold=_FAST_THRESHOLD
    )
    kps, desc = orb.detectAndCompute(grey, _keypoint_mask(rgb.shape[1], rgb.shape[0], size, ignore))
    if desc is None or not kps:
        return Features(np.zeros((0, 2), np.float32), np.zeros((0, 32), np.uint8), size)
    pts = np.array([kp.pt for kp in kps], dtype=np.float32)
    return Features(pts, desc.astype(np.uint8), size)


def _keypoint_mask(width: int, height: int, size: tuple[int, int], ignore: Sequence[Box]
                   ) -> npt.NDArray[np.uint8] | None:
    """ORB's detection mask for a `width` x `height` picture normalised to `size`: 0 on the
    `ignore` boxes grown by OVERLAY_MARGIN; None (look everywhere) without boxes."""
    if not ignore:
        return None
    mask = np.full((size[1], size[0]), 255, np.uint8)
    sx, sy = size[0] / width, size[1] / height
    for x0, y0, x1, y1 in ignore:
        left, right = max(0, int(x0 * sx) - OVERLAY_MARGIN), max(0, int(np.ceil(x1 * sx)) + OVERLAY_MARGIN)
        top, bottom = max(0, int(y0 * sy) - OVERLAY_MARGIN), max(0, int(np.ceil(y1 * sy)) + OVERLAY_MARGIN)
        mask[top:bottom, left:right] = 0
    return mask


def _within(boxes: Sequence[Box], kept: Box, *, mirrored: bool = False) -> list[Box]:
    """`boxes` in the coordinates of the picture cut to `kept` (and mirrored), clipped to it."""
    left, top, right, bottom = kept
    width = right - left
    out: list[Box] = []
    for x0, y0, x1, y1 in boxes:
        a, b = max(0, x0 - left), min(width, x1 - left)
        c, d = max(0, y0 - top), min(bottom - top, y1 - top)
        if a < b and c < d:
            out.append((width - b, c, width - a, d) if mirrored else (a, c, b, d))
    return out


def fingerprint_array(rgb: Rgb, *, overlays: OverlayFinder | None = None) -> ImageFingerprint:
    """Fingerprint a decoded RGB image: PDQ of it, of it border-trimmed and mirrored; ORB of both.

    Keypoints are taken from the border-trimmed picture, so a letterboxed or pillarboxed copy
    is described at the same scale as its source (trimming is idempotent on the source). What
    `overlays` finds (`OverlayFinder`) has no keypoint and is filled in before hashing.
    """
    # ORB descriptors are not mirror-invariant, so the mirror image gets its own view.
    trimmed, kept, boxes = _trimmed(rgb, overlays)
    mirror = np.ascontiguousarray(trimmed[:, ::-1])
    whole = (0, 0, rgb.shape[1], rgb.shape[0])
    hashes = [pdq_hash(rgb, ignore=boxes)]
    if trimmed.shape != rgb.shape:
        hashes.append(pdq_hash(trimmed, ignore=_within(boxes, kept)))
    hashes.append(pdq_hash(np.ascontiguousarray(rgb[:, ::-1]), ignore=_within(boxes, whole, mirrored=True)))
    views = (orb_features(trimmed, ignore=_within(boxes, kept)),
             orb_features(mirror, ignore=_within(boxes, kept, mirrored=True)))  # fmt: skip
    return ImageFingerprint(tuple(hashes), views, *_layouts(rgb, trimmed))


def query_fingerprint_array(rgb: Rgb, *, overlays: OverlayFinder | None = None) -> ImageFingerprint:
    """Fingerprint for lookups only: no mirror view (the registered side carries it)."""
    trimmed, kept, boxes = _trimmed(rgb, overlays)
    hashes = [pdq_hash(rgb, ignore=boxes)]
    if trimmed.shape != rgb.shape:
        hashes.append(pdq_hash(trimmed, ignore=_within(boxes, kept)))
    view = orb_features(trimmed, ignore=_within(boxes, kept))
    return ImageFingerprint(tuple(hashes), (view,), *_layouts(rgb, trimmed))


def _trimmed(rgb: Rgb, overlays: OverlayFinder | None) -> tuple[Rgb, Box, list[Box]]:
    """The picture without its uniform borders, the part of it that is, and the overlays found
    on the whole picture (`overlays` looks at the picture as given)."""
    kept = trim_box(rgb)
    boxes = list(overlays(rgb)) if overlays is not None else []
    return rgb[kept[1]:kept[3], kept[0]:kept[2]], kept, boxes


def _layouts(rgb: Rgb, trimmed: Rgb) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint8] | None]:
    """The whole picture's colour layout, and the border-trimmed one's when a border was trimmed."""
    return colour_layout(rgb), colour_layout(trimmed) if trimmed.shape != rgb.shape else None


def layout_varies(fingerprint: ImageFingerprint) -> bool:
    """Whether the fingerprint's colour layout varies enough to be compared (`compare_layout`)."""
    lay = fingerprint.layout
    return lay is not None and varies(lay)


def fingerprint_image(
    data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS, max_whole_pixels: int = DEFAULT_MAX_WHOLE_PIXELS,
    overlays: OverlayFinder | None = None,
) -> ImageFingerprint:
    """Fingerprint image bytes (any format Pillow reads), ignoring what `overlays` finds."""
    rgb = decode_image(data, max_pixels=max_pixels, max_whole_pixels=max_whole_pixels)
    return fingerprint_array(rgb, overlays=overlays)


def pdq_distance(query: ImageFingerprint, reference: ImageFingerprint) -> int:
    """Smallest Hamming distance between usable (quality >= 50) hashes of the two images."""
    best = PDQ_BITS
    for q in query.hashes:
        for r in reference.hashes:
            if q.quality >= PDQ_MIN_QUALITY and r.quality >= PDQ_MIN_QUALITY:
                best = min(best, q.distance(r))
    return best


def match_descriptors(
    query: npt.NDArray[np.uint8], reference: npt.NDArray[np.uint8]
) -> list[tuple[int, int]]:
    """Mutual nearest-neighbour pairs (query index, reference index) within 64 bits, best first."""
    if len(query) == 0 or len(reference) == 0:
        return []
    matcher = cv2.BFMatcher(cv2.NORM_HAMMING, crossCheck=True)
    matches = sorted(matcher.match(query, reference), key=lambda m: m.distance)
    return [(m.queryIdx, m.trainIdx) for m in matches if m.distance <= DESCRIPTOR_MATCH]


def align(query: Features, reference: Features, *, mirrored: bool = False) -> Alignment | None:
    """The similarity transform (scale, rotation, shift) most query keypoints agree on, or None.

    A copy that is cropped, resized, letterboxed or turned by a few degrees is a similarity
    transform of its source; RANSAC (Fischler & Bolles 1981) over the 4-parameter model
    (`cv2.estimateAffinePartial2D`) keeps the pairs consistent with one. Two distinct regions
    of one photograph share texture (grass, waves, brick) but not one rigid placement, so their
    chance agreements are few and scattered; plausibility bounds on scale and angle and the
    inliers' extent reject the rest.
    """
    pairs = match_descriptors(query.descriptors, reference.descriptors)
    if len(pairs) < 6:
        return None
    src = query.points[[i for i, _ in pairs]]
    dst = reference.points[[j for _, j in pairs]]
    m, mask = cv2.estimateAffinePartial2D(
        src, dst, method=cv2.RANSAC, ransacReprojThreshold=_RANSAC_PIXELS, maxIters=1000,
        confidence=0.995, refineIters=5,
    )  # fmt: skip
    if m is None or mask is None:
        return None
    inl = mask.ravel().astype(bool)
    scale = float(np.hypot(m[0, 0], m[1, 0]))
    angle = float(np.degrees(np.arctan2(m[1, 0], m[0, 0])))
    if not (_MIN_SCALE <= scale <= _MAX_SCALE) or abs(angle) > _MAX_ANGLE:
        return None
    extent = _extent(src[inl], query.points)
    w, h = reference.frame()
    qw, qh = query.frame()
    corners = np.array([[0, 0, 1], [qw, 0, 1], [qw, qh, 1], [0, qh, 1]], np.float64) @ m.T
    x0, y0 = np.clip(corners.min(axis=0) / (w, h), 0, 1)
    x1, y1 = np.clip(corners.max(axis=0) / (w, h), 0, 1)
    region = (round(float(x0), 3), round(float(y0), 3), round(float(x1), 3), round(float(y1), 3))
    matrix = tuple(float(v) for v in m.ravel())
    return Alignment(int(inl.sum()), round(extent, 4), round(scale, 3), round(angle, 2), region, mirrored, matrix)


def _extent(inliers: npt.NDArray[np.float32], points: npt.NDArray[np.float32]) -> float:
    """Area of the inliers' bounding box over that of all the query's keypoints."""
    span = points.max(axis=0) - points.min(axis=0)
    area = float(span[0] * span[1])
    if area <= 0 or len(inliers) == 0:
        return 0.0
    box = inliers.max(axis=0) - inliers.min(axis=0)
    return float(box[0] * box[1]) / area


def compare_images(query: ImageFingerprint, reference: ImageFingerprint, *, layout: bool = True) -> ImageComparison:
    """Compare a query with a reference: best PDQ distance and the best alignment over the views,
    and, when neither says copy (and `layout` is on), where the query's colour layout fits."""
    q = query.views[0]
    best: Alignment | None = None
    for k, view in enumerate(reference.views):
        found = align(q, view, mirrored=k == 1)
        if found is not None and (best is None or found.strength > best.strength):
            best = found
    view = reference.views[1 if best is not None and best.mirrored and len(reference.views) > 1 else 0]
    # Both layouts are of the border-trimmed pictures, the frames the keypoints were found in.
    inliers, agrees = verified_inliers(best, q, view, query.query_layout, reference.query_layout)
    result = ImageComparison(pdq_distance(query, reference), inliers, best, agreement=agrees)
    return with_layout(result, query, reference) if layout else result


def verified_inliers(
    found: Alignment | None,
    query: Features,
    reference: Features,
    looked_for: Layout | None,
    looked_in: Layout | None,
    *,
    mirrored: bool | None = None,
) -> tuple[int, float | None]:
    """The inliers that count as evidence (`counted_inliers`) once the alignment has been
    verified photometrically, and the agreement measured (or None).

    `looked_for` and `looked_in` are the colour layouts of the pictures whose keypoints `query`
    and `reference` are (None when a fingerprint keeps none: the inliers then count as before);
    `mirrored` says `reference` is a mirror image of `looked_in` (by default `found.mirrored`).
    An alignment whose colours disagree counts no inliers: geometry without the colours is a
    pattern's other region, not a copy.
    """
    inliers = counted_inliers(found)
    if found is None or inliers < MIN_INLIERS or not found.matrix:
        return inliers, None  # no evidence to verify, or an alignment that kept no transform
    if looked_for is None or looked_in is None:
        return inliers, None  # a fingerprint stored before colour layouts: counted as before
    flipped = found.mirrored if mirrored is None else mirrored
    agrees = agreement(looked_for, looked_in, found.matrix, query.frame(), reference.frame(), mirrored=flipped)
    return (0 if agrees is not None and agrees < AGREE_MIN else inliers), agrees


def with_layout(result: ImageComparison, query: ImageFingerprint, reference: ImageFingerprint) -> ImageComparison:
    """A comparison that PDQ and keypoints did not decide, completed with the colour layouts'."""
    looked_for = query.query_layout
    if result.is_match or looked_for is None or reference.layout is None:
        return result
    return dataclasses.replace(result, layout=compare_layout(looked_for, reference.layout))


def counted_inliers(found: Alignment | None) -> int:
    """Inliers that count as evidence: spread wide, or twice as many when they sit in a patch.

    A shared label or logo aligns a patch of keypoints (extent <= 8% measured with the label
    「AI生成」 at 8-12% glyph height); a copy's agreement spreads over the picture.
    """
    if found is None or found.extent < MIN_INLIER_EXTENT:
        return 0
    if found.extent >= WIDE_EXTENT or found.inliers >= 2 * MIN_INLIERS:
        return found.inliers
    return 0
