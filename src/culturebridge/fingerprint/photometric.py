"""Photometric verification: does the reference look like the query where the keypoints put it?

A keypoint alignment is a geometric claim: the query is the reference's region seen through
one similarity transform. Its inliers can be chance agreements. Two regions of one repeating
pattern (tiles, a wood grain, soft abstract swirls) hold look-alike corners at a consistent
offset, so RANSAC finds 10-25 inliers between regions that were never the same pixels. The
test geometry cannot make is photometric: warp the reference by the alignment and compare it
with the query pixel by pixel, as direct (pixel-based) image alignment does, with a robust
error metric and a bias-and-gain model for exposure differences (R. Szeliski, *Computer
Vision: Algorithms and Applications*, the chapter on image alignment: pixel-based alignment).
Both fingerprints already keep a 48-px CIELAB thumbnail (`layout`), so the comparison needs no
pixels the library does not hold.

A copy is allowed a change of its colours under either of two models, each fitted by least
squares on the best-agreeing 70% of the overlap, refitted, so that a caption strip or a logo
does not bend the fit:
- in CIELAB, one change of brightness and contrast (L* = g L*_ref + o) and one of saturation
  (a*, b* scaled by s): a contrast or colour-saturation edit;
- in RGB, one gain and offset on all three channels, clipped to 0-255: a brightened copy, whose
  highlights clip channel by channel and so change hue, which the first model cannot follow.
The agreement is the larger share of the overlap whose colour difference under a model is under
`AGREE_DELTA_E` (CIE 1976 ΔE*ab). A copy agrees over most of its frame; a pattern's other
region, placed where its corners happen to fit, agrees only where the pattern's colours repeat.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
import numpy.typing as npt

from culturebridge.fingerprint.layout import Layout

AGREE_DELTA_E = 12.0  # ΔE*ab under which a thumbnail pixel agrees, once the fits are applied
_FIT_KEEP = 0.7  # share of the overlap each refit keeps: a caption strip hides up to ~30%
_FIT_ROUNDS = 2
_MIN_OVERLAP = 16  # thumbnail pixels of overlap below which nothing is said


def agreement(
    query: Layout,
    reference: Layout,
    matrix: Sequence[float],
    query_frame: tuple[float, float],
    reference_frame: tuple[float, float],
    *,
    mirrored: bool = False,
) -> float | None:
    """Share of the query's thumbnail whose colours agree with the reference's warped onto it.

    `matrix` is the alignment's 2x3 similarity transform (row by row) from the query's keypoint
    frame to the reference's (`query_frame`, `reference_frame`: their widths and heights); with
    `mirrored` it maps to the reference's mirror image. None when the two overlap too little
    for a share to mean anything.
    """
    if mirrored:
        reference = np.ascontiguousarray(reference[:, ::-1])
    qh, qw = query.shape[:2]
    rh, rw = reference.shape[:2]
    to_reference = np.vstack([np.asarray(matrix, np.float64).reshape(2, 3), [0.0, 0.0, 1.0]])
    # Query thumbnail pixels -> query frame -> reference frame -> reference thumbnail pixels.
    transform = (
        np.diag([rw / reference_frame[0], rh / reference_frame[1], 1.0])
        @ to_reference
        @ np.diag([query_frame[0] / qw, query_frame[1] / qh, 1.0])
    )
    warped = cv2.warpAffine(
        reference.astype(np.float32), transform[:2], (qw, qh),
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_CONSTANT, borderValue=(-1, -1, -1),
    )  # fmt: skip
    inside = (warped[..., 0] >= 0).astype(np.uint8)
    overlap = cv2.erode(inside, np.ones((3, 3), np.uint8)).astype(bool)  # no pixel blended with the border
    if int(overlap.sum()) < _MIN_OVERLAP:
        return None
    q8, r8 = query.astype(np.float32)[overlap], warped[overlap]
    q = _lab(q8)
    shares = (float((_lab_model(q, _lab(r8)) < AGREE_DELTA_E).mean()), float((_rgb_model(q, q8, r8) < AGREE_DELTA_E).mean()))
    return round(max(shares), 4)


def _lab_model(q: npt.NDArray[np.float32], r: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
    """ΔE*ab of each query pixel from the reference's under one L* gain and offset and one chroma gain."""
    lightness = _fit(r[:, 0], q[:, 0], offset=True)
    chroma = _fit(r[:, 1:].ravel(), q[:, 1:].ravel(), offset=False).reshape(-1, 2)
    squared = (q[:, 0] - lightness) ** 2 + ((q[:, 1:] - chroma) ** 2).sum(axis=1)
    return np.asarray(np.sqrt(squared), np.float64)


def _rgb_model(q: npt.NDArray[np.float32], q8: npt.NDArray[np.float32], r8: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
    """ΔE*ab of each query pixel (`q` L*a*b*, `q8` OpenCV 8-bit CIELAB) from the reference's
    (`r8`) under one gain and offset on R, G and B, clipped as a brightened picture is."""
    query_rgb, reference_rgb = _rgb(q8), _rgb(r8)
    unclipped = (query_rgb.max(axis=1) < 254) & (query_rgb.min(axis=1) > 1)  # clipped pixels say nothing of g, o
    keep = np.ones(len(q), bool)
    delta_e = np.zeros(len(q))
    for _ in range(_FIT_ROUNDS):
        use = keep & unclipped if int((keep & unclipped).sum()) >= _MIN_OVERLAP else keep
        gain, offset = _line(reference_rgb[use].ravel(), query_rgb[use].ravel(), offset=True)
        predicted = np.clip(gain * reference_rgb + offset, 0, 255).astype(np.uint8)
        lab = _lab(cv2.cvtColor(predicted[None], cv2.COLOR_RGB2Lab)[0].astype(np.float32))
        delta_e = np.sqrt(((q - lab) ** 2).sum(axis=1).astype(np.float64))
        keep = _best(delta_e)
    return delta_e


def _lab(pixels: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """OpenCV 8-bit CIELAB (L* x 255/100, a* + 128, b* + 128) to L*, a*, b*."""
    out = pixels.copy()
    out[:, 0] *= 100 / 255
    out[:, 1:] -= 128
    return out


def _rgb(lab8: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
    """OpenCV 8-bit CIELAB pixels (n, 3) as RGB 0-255."""
    pixels = np.clip(np.rint(lab8), 0, 255).astype(np.uint8)[None]
    return np.asarray(cv2.cvtColor(pixels, cv2.COLOR_Lab2RGB)[0], np.float64)


def _fit(x: npt.NDArray[np.float32], y: npt.NDArray[np.float32], *, offset: bool) -> npt.NDArray[np.float64]:
    """y predicted from x by least squares (y = g x [+ o]), refitted on the best-fitting share."""
    xs, ys = x.astype(np.float64), y.astype(np.float64)
    keep = np.ones(len(xs), bool)
    predicted = xs
    for _ in range(_FIT_ROUNDS):
        gain, shift = _line(xs[keep], ys[keep], offset=offset)
        predicted = gain * xs + shift
        keep = _best(np.abs(ys - predicted))
    return predicted


def _line(x: npt.NDArray[np.float64], y: npt.NDArray[np.float64], *, offset: bool) -> tuple[float, float]:
    """Least-squares gain and offset of y = g x + o (o = 0 unless `offset`), in closed form."""
    if offset:
        dx = x - x.mean()
        spread = float(dx @ dx)
        gain = float(dx @ (y - y.mean())) / spread if spread > 0 else 1.0
        return gain, float(y.mean()) - gain * float(x.mean())
    power = float(x @ x)
    return (float(x @ y) / power if power > 0 else 1.0), 0.0


def _best(residual: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
    """The pixels whose residual is within the best `_FIT_KEEP` share."""
    k = min(len(residual) - 1, int(_FIT_KEEP * (len(residual) - 1)))
    return np.asarray(residual <= np.partition(residual, k)[k], bool)
