"""Guided frame matching: weak keypoint agreements a clip's confirmed frames vouch for.

A frame of smooth art (gradients, soft shapes, thin line icons on a plain ground) holds few
corners that survive re-encoding, so its keypoints agree with the right reference frame on
6-9 inliers: too few to call a copy on their own (`image.MIN_INLIERS`), since two regions of
one texture reach that by chance. A copied clip, however, is the reference's frames at one
time offset under one spatial transform (the same crop, scale and mirroring throughout), and
the frames already matched say which. This is guided matching (Hartley & Zisserman, *Multiple
View Geometry*, 2nd ed., §11.3): once a transform is known from the confident matches, a
weaker agreement is accepted where it agrees with it. Here a frame left unmatched is aligned
with the reference frames within two seconds of where the offset puts it, and counts when at
least `GUIDED_MIN_INLIERS` inliers place it where the confirmed frames are placed: the same
region of the reference frame (within 5% of its sides) at the same scale (within 10%).
Another region of the same texture is placed elsewhere, and a chance agreement rarely lands
on the anchors' placement.

A frame in that window that aligns as well as any frame must on its own (`MIN_INLIERS` counted
and, given the frames' colour layouts, verified photometrically: `image.verified_inliers`)
counts wherever it is placed. The first keypoint pass verifies only the reference frames that
share the most descriptors with a query frame; in a slow pan over a fine pattern those are
often its neighbours a second or two away, aligned with a slightly different placement, and
the frame the clip actually shows is never tried.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from culturebridge.fingerprint.image import (
    MIN_INLIER_EXTENT,
    MIN_INLIERS,
    Alignment,
    Features,
    align,
    verified_inliers,
)
from culturebridge.fingerprint.layout import Layout

Side = tuple[Sequence[Features], bool]  # every reference frame's keypoints; of their mirror images?

GUIDED_MIN_INLIERS = 6  # a frame at the clip's offset, placed as its anchors are
GUIDED_ANCHORS = 3  # confirmed frames on one offset before any frame is guided
_ANCHOR_ALIGNED = 2  # anchors whose keypoints align (>= MIN_INLIERS), to know the placement
_WINDOW = 2  # reference frames either side of where the offset puts a query frame
_REGION_TOLERANCE = 0.05  # placement agreement, as a share of the reference frame's sides
_SCALE_TOLERANCE = 0.10
_MIN_KEYPOINTS = 6


def best_offset(near: npt.NDArray[np.bool_]) -> tuple[int, int]:
    """(k, n): the offset (query frame i against reference frame i + k) that the most query
    frames match within one frame of, and how many do; of equal counts, the offset that most
    match exactly."""
    nq, nr = near.shape
    # Column c + 1 of `band` says whether query frame i matches reference frame c - 1, c or
    # c + 1 (one column of padding each side), so diagonal k + 1 counts offset k.
    band = np.zeros((nq, nr + 2), bool)
    for shift in range(3):
        band[:, shift:shift + nr] |= near
    offsets = range(-(nq - 1), nr)
    if not offsets:
        return 0, 0
    k = max(offsets, key=lambda k: (int(np.trace(band, offset=k + 1)), int(np.trace(near, offset=k))))
    count = int(np.trace(band, offset=k + 1))
    return (k, count) if count else (0, 0)


def _placement(found: Alignment) -> npt.NDArray[np.float64]:
    return np.array([*found.region, found.scale], np.float64)


def _agrees(found: Alignment | None, placement: npt.NDArray[np.float64]) -> bool:
    if found is None or found.inliers < GUIDED_MIN_INLIERS or found.extent < MIN_INLIER_EXTENT:
        return False
    region_off = np.abs(np.array(found.region) - placement[:4]).max()
    return bool(region_off <= _REGION_TOLERANCE and abs(found.scale / placement[4] - 1) <= _SCALE_TOLERANCE)


def guided_matches(
    query: Sequence[Features],
    sides: Sequence[Side],
    near: npt.NDArray[np.bool_],
    rows: npt.NDArray[np.bool_],
    *,
    layouts: tuple[Sequence[Layout], Sequence[Layout]] | None = None,
) -> npt.NDArray[np.bool_]:
    """(query x reference frames): frames of `rows` (unmatched, countable) within the window
    of the offset of the frames `near` already matched that agree with their placement, with at
    least GUIDED_MIN_INLIERS inliers, or that align on their own (MIN_INLIERS, verified against
    the colour `layouts` (query's, reference's) when given). `sides` are the reference frames'
    keypoints and, when kept, their mirror images'. Nothing when fewer than GUIDED_ANCHORS
    frames lie on one offset or their keypoints do not say where they sit."""
    out = np.zeros(near.shape, bool)
    nq, nr = near.shape
    if not sides or int(near.any(axis=1).sum()) < GUIDED_ANCHORS:
        return out  # too few matched frames to be anchors on any offset
    k, anchors = best_offset(near)
    if anchors < GUIDED_ANCHORS:
        return out
    placements = []
    for i in range(nq):
        j = next((j for j in np.flatnonzero(near[i]).tolist() if abs(j - (i + k)) <= 1), None)
        if j is None:
            continue
        aligned = [a for side, _ in sides if (a := align(query[i], side[j])) is not None and a.inliers >= MIN_INLIERS]
        if aligned:
            placements.append(_placement(max(aligned, key=lambda a: a.inliers)))
    if len(placements) < _ANCHOR_ALIGNED:
        return out
    placement = np.median(np.stack(placements), axis=0)

    def counts(i: int, j: int, side: Sequence[Features], mirrored: bool) -> bool:
        looked_for, looked_in = (layouts[0][i], layouts[1][j]) if layouts else (None, None)
        found = align(query[i], side[j])
        alone, _ = verified_inliers(found, query[i], side[j], looked_for, looked_in, mirrored=mirrored)
        return alone >= MIN_INLIERS or _agrees(found, placement)

    for i in np.flatnonzero(rows).tolist():
        if len(query[i].descriptors) < _MIN_KEYPOINTS:
            continue
        # The reference frames within _WINDOW of where the offset puts this one, nearest first.
        window = sorted(range(max(0, i + k - _WINDOW), min(nr, i + k + _WINDOW + 1)), key=lambda j: abs(j - i - k))
        found = next((j for j in window for side, mirrored in sides if counts(i, j, side, mirrored)), None)
        if found is not None:
            out[i, found] = True
    return out
