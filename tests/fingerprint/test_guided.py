"""Guided frame matching: weak agreements accepted only at the clip's offset and placement."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from culturebridge.fingerprint.guided import (
    GUIDED_ANCHORS,
    GUIDED_MIN_INLIERS,
    best_offset,
    guided_matches,
)
from culturebridge.fingerprint.image import (
    MIN_INLIERS,
    Features,
    align,
    counted_inliers,
    orb_features,
)
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
    exact = np.zeros((4, 8), bool)
    for i in range(3):  # on diagonal 2 exactly: diagonals 1 and 3 count them too, within one
        exact[i, i + 2] = True
    assert best_offset(exact) == (2, 3)


def test_frames_at_the_offset_and_placement_of_the_anchors_are_matched() -> None:
    clip, reference, near, rows = _setup(GUIDED_ANCHORS)
    out = guided_matches(clip, [(reference, False)], near, rows)
    matched = np.flatnonzero(out.any(axis=1)).tolist()
    assert matched == list(range(GUIDED_ANCHORS, len(clip)))
    for i in matched:  # each at the reference frame the offset puts it, give or take the window
        (j,) = np.flatnonzero(out[i]).tolist()
        assert abs(j - (i + OFFSET)) <= 2
    assert not out[:GUIDED_ANCHORS].any()  # only the rows asked for


def test_too_few_anchors_guide_nothing() -> None:
    clip, reference, near, rows = _setup(GUIDED_ANCHORS - 1)
    assert not guided_matches(clip, [(reference, False)], near, rows).any()


def test_anchors_whose_keypoints_do_not_align_guide_nothing() -> None:
    # Anchors claimed against frames of another picture: their placement is unknown.
    clip, _, near, rows = _setup(GUIDED_ANCHORS)
    other = _features(pan(photo("coffee"), 12))
    assert not guided_matches(clip, [(other, False)], near, rows).any()


_SCENE = np.random.default_rng(7)
_W, _H = 512, 384


def _scene(n: int = 400) -> Features:
    """Keypoints of one reference frame: random places, random (mutually far) descriptors."""
    points = np.column_stack([_SCENE.uniform(0, _W, n), _SCENE.uniform(0, _H, n)]).astype(np.float32)
    return Features(points, _SCENE.integers(0, 256, (n, 32), dtype=np.uint8), (_W, _H))


def _view(scene: Features, box: tuple[float, float, float, float], shared: int) -> Features:
    """A frame showing `box` of the scene's frame, scaled up to the whole frame: `shared` of the
    scene's keypoints in the box, spread over it, and 60 keypoints of its own."""
    x0, y0, x1, y1 = box
    inside = np.flatnonzero((scene.points[:, 0] > x0 * _W) & (scene.points[:, 0] < x1 * _W)
                            & (scene.points[:, 1] > y0 * _H) & (scene.points[:, 1] < y1 * _H))  # fmt: skip
    kept = inside[np.linspace(0, len(inside) - 1, shared).astype(int)]
    points = (scene.points[kept] - (x0 * _W, y0 * _H)) / (x1 - x0)
    own = _scene(60)
    return Features(np.concatenate([points.astype(np.float32), own.points]),
                    np.concatenate([scene.descriptors[kept], own.descriptors]), (_W, _H))  # fmt: skip


def _placed(box: tuple[float, float, float, float], shared: int
            ) -> tuple[list[Features], list[Features], npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:  # fmt: skip
    """Eight clip frames of one still reference, GUIDED_ANCHORS of them matched, showing its
    middle with 40 shared keypoints; the rest show `box` with `shared` keypoints."""
    scene = _scene()
    reference = [scene] * 12
    middle = (0.05, 0.05, 0.95, 0.95)
    clip = [_view(scene, middle, 40) if i < GUIDED_ANCHORS else _view(scene, box, shared) for i in range(8)]
    near = np.zeros((len(clip), len(reference)), bool)
    for i in range(GUIDED_ANCHORS):
        near[i, i + OFFSET] = True
    return clip, reference, near, np.asarray(~near.any(axis=1), bool)


def test_weak_agreements_count_only_where_the_anchors_are_placed() -> None:
    corner = (0.45, 0.45, 0.95, 0.95)
    for box, matched in (((0.05, 0.05, 0.95, 0.95), True), (corner, False)):
        clip, reference, near, rows = _placed(box, shared=8)
        for i in np.flatnonzero(rows).tolist():  # the premise: weak, but above the guided floor
            found = align(clip[i], reference[0])
            assert found is not None and GUIDED_MIN_INLIERS <= found.inliers < MIN_INLIERS
        assert guided_matches(clip, [(reference, False)], near, rows)[rows].any(axis=1).all() == matched


def test_frames_that_align_on_their_own_count_wherever_they_are_placed() -> None:
    # The first keypoint pass tries only the reference frames that share the most descriptors;
    # a frame it missed, aligning in the window as strongly as any match must, counts here.
    clip, reference, near, rows = _placed((0.45, 0.45, 0.95, 0.95), shared=30)
    assert all(counted_inliers(align(clip[i], reference[0])) >= MIN_INLIERS for i in np.flatnonzero(rows))
    out = guided_matches(clip, [(reference, False)], near, rows)
    assert out[rows].any(axis=1).all()
    k, _ = best_offset(near)
    for i, j in np.argwhere(out).tolist():  # the nearest frame to where the offset puts it
        assert j == i + k
