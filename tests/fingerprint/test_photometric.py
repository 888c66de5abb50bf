"""Photometric verification: a copy's colours agree where its keypoints put it; a pattern's other
region, aligned by look-alike corners, does not."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageEnhance, ImageOps

from culturebridge.fingerprint import photometric
from culturebridge.fingerprint.image import (
    AGREE_MIN,
    MIN_INLIERS,
    ImageFingerprint,
    align,
    compare_images,
    fingerprint_array,
    query_fingerprint_array,
)
from culturebridge.fingerprint.photometric import agreement

from .conftest import photo, truchet


def _agreement(query: ImageFingerprint, reference: ImageFingerprint) -> float | None:
    """The agreement under the best alignment of the query with the reference or its mirror."""
    found = [a for k, view in enumerate(reference.views) if (a := align(query.views[0], view, mirrored=k == 1))]
    best = max(found, key=lambda a: a.inliers)
    assert best.inliers >= MIN_INLIERS
    assert query.query_layout is not None and reference.query_layout is not None
    view = reference.views[1 if best.mirrored else 0]
    return agreement(query.query_layout, reference.query_layout, best.matrix, query.views[0].frame(), view.frame(),
                     mirrored=best.mirrored)  # fmt: skip


@pytest.fixture(scope="module")
def astronaut() -> Image.Image:
    return photo("astronaut")


def _caption(img: Image.Image) -> Image.Image:
    out = img.copy()
    w, h = out.size
    ImageDraw.Draw(out).rectangle((0, int(h * 0.78), w, h), fill=(20, 20, 20))
    return out


@pytest.mark.parametrize(
    "disguise",
    [
        lambda im: im.crop((50, 50, 462, 462)),
        lambda im: im.rotate(4, resample=Image.Resampling.BICUBIC).crop((40, 40, 472, 472)),
        lambda im: ImageEnhance.Brightness(im).enhance(0.7),
        lambda im: ImageEnhance.Contrast(ImageEnhance.Color(im).enhance(1.4)).enhance(0.8),
        lambda im: ImageOps.mirror(im.crop((30, 0, 512, 482))),
        _caption,
    ],
    ids=["crop", "rotate+crop", "darker", "saturation+contrast", "mirror+crop", "caption strip"],
)
def test_a_copy_agrees_under_its_alignment(astronaut: Image.Image, disguise: object) -> None:
    reference = fingerprint_array(np.asarray(astronaut))
    query = query_fingerprint_array(np.asarray(disguise(astronaut)))  # type: ignore[operator]
    share = _agreement(query, reference)
    assert share is not None and share >= 0.7


def test_the_wrong_placement_does_not_agree(astronaut: Image.Image) -> None:
    reference = fingerprint_array(np.asarray(astronaut))
    query = query_fingerprint_array(np.asarray(astronaut.crop((50, 50, 462, 462))))
    found = align(query.views[0], reference.views[0])
    assert found is not None and query.query_layout is not None and reference.query_layout is not None
    frames = query.views[0].frame(), reference.views[0].frame()
    right = agreement(query.query_layout, reference.query_layout, found.matrix, *frames)
    m = np.array(found.matrix).reshape(2, 3)
    m[:, 2] += (120.0, -80.0)  # the same scale, placed elsewhere in the reference
    wrong = agreement(query.query_layout, reference.query_layout, tuple(m.ravel()), *frames)
    mirrored = agreement(query.query_layout, reference.query_layout, found.matrix, *frames, mirrored=True)
    assert right is not None and wrong is not None and mirrored is not None
    assert right >= 0.8 and wrong < AGREE_MIN and mirrored < AGREE_MIN, (right, wrong, mirrored)


def test_too_little_overlap_says_nothing(astronaut: Image.Image) -> None:
    fp = fingerprint_array(np.asarray(astronaut))
    assert fp.layout is not None
    off = (1.0, 0.0, 505.0, 0.0, 1.0, 505.0)  # the query lands in the reference's far corner
    assert agreement(fp.layout, fp.layout, off, (512.0, 512.0), (512.0, 512.0)) is None


@pytest.mark.parametrize("seed", [1, 3, 5])
def test_a_patterns_other_region_is_aligned_by_keypoints_but_not_matched(seed: int) -> None:
    pattern = truchet(seed)
    reference = fingerprint_array(np.asarray(pattern.crop((600, 0, 1200, 600))))
    other = query_fingerprint_array(np.asarray(pattern.crop((1800, 0, 2400, 600))))
    result = compare_images(other, reference)
    # The corners alone would call it a copy: the alignment has enough inliers, spread wide.
    assert result.alignment is not None and result.alignment.inliers >= MIN_INLIERS
    assert result.alignment.extent >= 0.15
    assert result.agreement is not None and result.agreement < AGREE_MIN
    assert result.inliers == 0 and not result.is_match


def test_a_brightened_copy_agrees_although_its_highlights_clip_and_change_hue() -> None:
    coffee = photo("coffee")
    reference = fingerprint_array(np.asarray(coffee))
    query = query_fingerprint_array(np.asarray(ImageEnhance.Brightness(coffee).enhance(1.8)))
    share = _agreement(query, reference)
    assert share is not None and share >= AGREE_MIN + 0.15
    # One lightness and one saturation change alone do not follow the clipped channels.
    found = align(query.views[0], reference.views[0])
    assert found is not None and query.query_layout is not None and reference.query_layout is not None
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(photometric, "_rgb_model", lambda q, q8, r8: np.full(len(q), np.inf))
        lab_only = agreement(query.query_layout, reference.query_layout, found.matrix, query.views[0].frame(),
                             reference.views[0].frame())  # fmt: skip
    assert lab_only is not None and lab_only < AGREE_MIN


def test_odd_layouts_and_transforms_get_an_answer_not_a_crash() -> None:
    rng = np.random.default_rng(4)
    flat = np.full((36, 48, 3), (128, 128, 128), np.uint8)
    sliver = rng.integers(0, 256, (8, 48, 3), dtype=np.uint8)
    tall = rng.integers(0, 256, (48, 8, 3), dtype=np.uint8)
    noise = rng.integers(0, 256, (48, 48, 3), dtype=np.uint8)
    transforms = [
        (1.0, 0.0, 0.0, 0.0, 1.0, 0.0),
        (4.0, 0.0, -900.0, 0.0, 4.0, -900.0),  # blown up 4x, mostly outside
        (0.25, 0.0, 0.0, 0.0, 0.25, 0.0),
        (1.0, 0.0, 1e6, 0.0, 1.0, 1e6),  # nowhere near
        (0.98, -0.17, 40.0, 0.17, 0.98, -30.0),  # turned 10 degrees
    ]
    for query in (flat, sliver, tall, noise):
        for reference in (flat, sliver, tall, noise):
            for matrix in transforms:
                for mirrored in (False, True):
                    share = agreement(query, reference, matrix, (512.0, 384.0), (512.0, 85.0), mirrored=mirrored)
                    assert share is None or 0.0 <= share <= 1.0
    # Even colours agree with even colours: a flat pair says "agree", and the inliers decide.
    assert agreement(flat, flat, transforms[0], (512.0, 384.0), (512.0, 384.0)) == 1.0
