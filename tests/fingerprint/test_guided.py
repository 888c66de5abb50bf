"""Guided frame matching: weak agreements accepted only at the clip's offset and placement."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from culturebridge.fingerprint.guided import GUIDED_ANCHORS, best_offset, guided_matches
from culturebridge.fingerprint.image import Features, orb_features
from culturebridge.fingerprint.video import FRAME_KEYPOINTS

from .conftest import pan, photo

OFFSET = 2  # query frame i is reference frame i + 2


def _features(frames: list[npt.NDArray[np.uint8]]) -> list[Features]:
    return [orb_features(f, count=FRAME_KEYPOINTS) for f in frames]


def _crop(frame: npt.NDArray[np.uint8], box: tuple[float, float, float, float]) -> npt.NDArray[np.uint8]:
    """The part of a frame between fractions (x0, y0, x1, y1) of its sides."""
    h, w = frame.shape[:2]
    x0, y0, x1, y1 = box
    return np.ascontiguousarray(frame[int(y0 * h):int(y1 * h), int(x0 * w):int(x1 * w)])


def _setup(anchors: int, box: tuple[float, float, float, float] = (0.05, 0.05, 0.95, 0.95)
           ) -> tuple[list[Features], list[Features], npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:  # fmt: skip
    """A reference pan, a cropped clip of it starting OFFSET frames in, and the first `anchors`
    clip frames marked as already matched."""
    frames = pan(photo("astronaut"), 12)
    reference = _features(frames)
    clip = _features([_crop(f, box) for f in frames[OFFSET:OFFSET + 8]])
    near = np.zeros((len(clip), len(reference)), bool)
    for i in range(anchors):
        near[i, i + OFFSET] = True
    return clip, reference, near, np.asarray(~near.any(axis=1), bool)


def test_best_offset_counts_frames_within_one_of_a_diagonal() -> None:
    near = np.zeros((6, 10), bool)
    for i, j in ((0, 3), (1, 4), (2, 6), (4, 7)):  # offset 3, one frame off at i=2
        near[i, j] = True
    near[5, 0] = True  # a stray match elsewhere
    assert best_offset(near) == (3, 4)
    assert best_offset(np.zeros((3, 4), bool)) == (0, 0)


def test_frames_at_the_offset_and_placement_of_the_anchors_are_matched() -> None:
    clip, reference, near, rows = _setup(GUIDED_ANCHORS)
    out = guided_matches(clip, [reference], near, rows)
    matched = np.flatnonzero(out.any(axis=1)).tolist()
    assert matched == list(range(GUIDED_ANCHORS, len(clip)))
    for i in matched:  # each at the reference frame the offset puts it, give or take the window
        (j,) = np.flatnonzero(out[i]).tolist()
        assert abs(j - (i + OFFSET)) <= 2
    assert not out[:GUIDED_ANCHORS].any()  # only the rows asked for


def test_too_few_anchors_guide_nothing() -> None:
    clip, reference, near, rows = _setup(GUIDED_ANCHORS - 1)
    assert not guided_matches(clip, [reference], near, rows).any()


def test_anchors_whose_keypoints_do_not_align_guide_nothing() -> None:
    # Anchors claimed against frames of another picture: their placement is unknown.
    clip, _, near, rows = _setup(GUIDED_ANCHORS)
    other = _features(pan(photo("coffee"), 12))
    assert not guided_matches(clip, [other], near, rows).any()


def test_the_same_content_placed_elsewhere_is_not_matched() -> None:
    # Anchors are the whole frame; the other clip frames show a small corner region at half
    # scale: right content and offset, but not where the anchors put the clip.
    clip, reference, near, rows = _setup(GUIDED_ANCHORS)
    corner, _, _, _ = _setup(0, box=(0.45, 0.45, 0.95, 0.95))
    mixed = clip[:GUIDED_ANCHORS] + corner[GUIDED_ANCHORS:]
    assert guided_matches(clip, [reference], near, rows).any()
    assert not guided_matches(mixed, [reference], near, rows).any()
