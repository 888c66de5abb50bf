"""Colour layouts: smooth art found where it was cut, and not taken for its neighbour."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from culturebridge.errors import MalformedFingerprint
from culturebridge.fingerprint.image import (
    ImageFingerprint,
    compare_images,
    fingerprint_array,
    query_fingerprint_array,
)
from culturebridge.fingerprint.layout import LAYOUT_MAX_CHROMA, compare_layout

from .conftest import smooth_art


def test_layout_of_a_cropped_smooth_picture_is_found_where_it_was_cut() -> None:
    art = smooth_art(2)  # no edge even enough to be trimmed as a border: the frame is exact
    reference = fingerprint_array(np.asarray(art.crop((0, 0, 600, 600))))
    assert reference.layout is not None and max(reference.layout.shape[:2]) == 48
    query = query_fingerprint_array(np.asarray(art.crop((60, 0, 540, 480))))  # 20% off, shifted
    assert query.layout is not None
    found = compare_layout(query.layout, reference.layout)
    assert found is not None and found.is_match
    assert found.correlation >= 0.95 and not found.mirrored
    # Soft colour fields correlate almost as well a few pixels (of 48) off: where is approximate.
    assert found.scale == pytest.approx(0.8, abs=0.1)
    x0, y0, x1, y1 = found.region
    assert (x0, y0) == pytest.approx((0.1, 0.0), abs=0.12)
    assert (x1, y1) == pytest.approx((0.9, 0.8), abs=0.12)
    mirrored = compare_layout(np.ascontiguousarray(query.layout[:, ::-1]), reference.layout)
    assert mirrored is not None and mirrored.is_match and mirrored.mirrored
    turned = query_fingerprint_array(np.asarray(art.crop((60, 0, 540, 480)).rotate(4, resample=Image.Resampling.BICUBIC)))
    assert turned.layout is not None
    assert (got := compare_layout(turned.layout, reference.layout)) is not None and got.is_match


@pytest.mark.parametrize("strip", ["bottom", "top"])
def test_layout_of_smooth_art_under_an_opaque_caption_strip_is_found_by_the_rest(strip: str) -> None:
    art = smooth_art(2)  # no edge of it is even enough to be trimmed as a border: the frame is exact
    reference = fingerprint_array(np.asarray(art.crop((0, 0, 600, 600))))
    copy = art.crop((30, 30, 570, 570))  # 10% off
    covered = 0.82 if strip == "bottom" else 0.0  # an opaque strip over 18% of the height, with text
    box = (0, round(540 * covered), 540, round(540 * (covered + 0.18)))
    draw = ImageDraw.Draw(copy)
    draw.rectangle(box, fill=(20, 20, 20))
    draw.text((box[0] + 20, box[1] + 30), "daily picks 每日推荐", fill="white", font_size=36)
    query = query_fingerprint_array(np.asarray(copy))
    assert query.layout is not None and reference.layout is not None
    found = compare_layout(query.layout, reference.layout)
    assert found is not None and found.is_match and not found.mirrored
    x0, y0, x1, y1 = found.region  # the whole frame of the copy, strip included
    assert (x0, y0, x1, y1) == pytest.approx((0.05, 0.05, 0.95, 0.95), abs=0.03)


def test_smooth_art_on_a_plain_ground_is_found_turned_though_the_ground_looks_like_a_frame() -> None:
    # A scroll's plain paper above and below the painting: a border trim takes it for a
    # letterbox, but a copy turned 4° has black corners and keeps it.
    art = np.asarray(smooth_art(2).crop((0, 0, 600, 360)))
    scroll = np.empty((600, 600, 3), np.uint8)
    scroll[:] = (226, 214, 188)
    scroll[120:480] = art
    reference = fingerprint_array(scroll)
    assert reference.trimmed_layout is not None  # the paper was trimmed as a border ...
    assert reference.layout is not None and reference.layout.shape[:2] == (48, 48)  # ... and kept
    turned = fingerprint_array(np.asarray(Image.fromarray(scroll).rotate(4, resample=Image.Resampling.BICUBIC)))
    assert turned.trimmed_layout is None  # black corners: nothing looks like a frame
    assert compare_images(turned, reference).is_match
    found = compare_images(turned, reference).layout
    assert found is not None and found.is_match


@pytest.mark.parametrize("bars", [((75, 75), (0, 0)), ((0, 0), (233, 233))], ids=["letterbox", "pillarbox"])
def test_smooth_art_letterboxed_is_looked_for_without_its_bars(bars: tuple[tuple[int, int], ...]) -> None:
    art = np.asarray(smooth_art(2).crop((0, 0, 600, 600)))
    reference = fingerprint_array(art)
    boxed = fingerprint_array(np.pad(art, (*bars, (0, 0))))
    assert boxed.trimmed_layout is not None and boxed.query_layout is boxed.trimmed_layout
    got = compare_images(boxed, reference)
    assert got.is_match and got.layout is not None and got.layout.region == pytest.approx((0, 0, 1, 1), abs=0.08)


def test_layout_does_not_take_another_region_or_another_colouring_for_a_copy() -> None:
    art = smooth_art(3)
    reference = fingerprint_array(np.asarray(art.crop((0, 0, 600, 600))))
    assert reference.layout is not None
    other_region = query_fingerprint_array(np.asarray(art.crop((600, 0, 1200, 600))))
    assert other_region.layout is not None
    got = compare_layout(other_region.layout, reference.layout)
    assert got is None or not got.is_match
    # Same shapes, other colours (channels swapped): correlated, but not the same picture.
    recoloured = np.asarray(art.crop((0, 0, 600, 600)))[..., ::-1]
    swapped = query_fingerprint_array(np.ascontiguousarray(recoloured))
    assert swapped.layout is not None
    got = compare_layout(swapped.layout, reference.layout)
    assert got is not None and not got.is_match and got.chroma > LAYOUT_MAX_CHROMA


@pytest.mark.parametrize("gain", [0.6, 0.75])
def test_a_darkened_copy_of_smooth_art_keeps_its_hues_once_the_lightness_change_is_allowed_for(
    gain: float,
) -> None:
    # A gain on RGB scales L* + 16, a* and b* alike; darker colours have proportionally less
    # chroma, which a plain |a*| + |b*| comparison takes for other hues.
    for seed in (3, 4, 5, 11):
        art = smooth_art(seed)
        reference = fingerprint_array(np.asarray(art))
        dark = (np.asarray(art.crop((60, 30, 1140, 570)), np.float32) * gain).round().astype(np.uint8)
        query = query_fingerprint_array(dark)
        assert reference.layout is not None and query.query_layout is not None
        got = compare_layout(query.query_layout, reference.layout)
        assert got is not None and got.is_match, (seed, got)


def test_an_even_picture_has_no_layout_to_compare() -> None:
    flat = query_fingerprint_array(np.full((300, 300, 3), 128, np.uint8))
    reference = fingerprint_array(np.asarray(smooth_art(3).crop((0, 0, 600, 600))))
    assert flat.layout is not None and reference.layout is not None
    assert compare_layout(flat.layout, reference.layout) is None
    assert not compare_images(flat, reference).is_match


def _dark_layout() -> np.ndarray:
    """A CIELAB layout (OpenCV 8-bit) of a black picture: L* 0, neutral a* and b*."""
    layout = np.zeros((48, 48, 3), np.uint8)
    layout[..., 1:] = 128
    return layout


def test_a_dark_picture_under_a_caption_is_not_matched_by_its_even_part() -> None:
    # A star field under a caption strip: the strip makes the centre vary, and the band above it
    # holds one faint star. That band's single level of noise correlates perfectly with a window
    # of another dark picture holding one star there; a band so even is not compared.
    query = _dark_layout()
    query[40:, :, 0] = 16  # the caption strip, with its text
    query[42:46, 4:30, 0] = 200
    query[14, 20, 0] = 6  # one faint star above it
    other = _dark_layout()
    for y, x in ((5, 7), (20, 30), (33, 12), (12, 40)):
        other[y, x, 0] = 90  # another star field
    found = compare_layout(query, other)
    assert found is None or found.correlation < 0.5


def test_layout_survives_the_byte_form_and_older_forms_still_load() -> None:
    fp = fingerprint_array(np.asarray(smooth_art(2).crop((0, 0, 640, 400))))
    assert fp.trimmed_layout is None  # nothing trimmed: one layout, the v3 form
    assert fp.layout is not None and fp.layout.shape == (30, 48, 3)
    data = fp.to_bytes()
    assert data.startswith(b"CBIMG3")
    back = ImageFingerprint.from_bytes(data)
    assert back.layout is not None and np.array_equal(back.layout, fp.layout)
    framed = fingerprint_array(np.pad(np.asarray(smooth_art(5).crop((0, 0, 640, 400))), ((60, 60), (0, 0), (0, 0))))
    assert framed.trimmed_layout is not None and framed.layout is not None
    both = ImageFingerprint.from_bytes(framed.to_bytes())
    assert framed.to_bytes().startswith(b"CBIMG4") and both.layout is not None and both.trimmed_layout is not None
    assert np.array_equal(both.layout, framed.layout) and np.array_equal(both.trimmed_layout, framed.trimmed_layout)
    with pytest.raises(MalformedFingerprint):
        ImageFingerprint.from_bytes(framed.to_bytes()[:-1])
    older = ImageFingerprint(fp.hashes, fp.views).to_bytes()  # as stored before layouts
    assert older.startswith(b"CBIMG2") and ImageFingerprint.from_bytes(older).layout is None
    with pytest.raises(MalformedFingerprint, match="colour layout"):
        ImageFingerprint.from_bytes(data[: -(30 * 48 * 3) - 2] + bytes([30, 49]) + bytes(30 * 49 * 3))
    with pytest.raises(MalformedFingerprint):
        ImageFingerprint.from_bytes(data[:-1])


def test_a_stored_layout_too_small_to_compare_is_refused_not_compared() -> None:
    fp = fingerprint_array(np.asarray(smooth_art(2).crop((0, 0, 640, 400))))
    head = fp.to_bytes()[: -(30 * 48 * 3) - 2]
    # 1 px wide: half its width is 0 px, which OpenCV's resize would fail on in every match.
    with pytest.raises(MalformedFingerprint, match="colour layout"):
        ImageFingerprint.from_bytes(head + bytes([30, 1]) + bytes(30 * 1 * 3))
    assert fp.layout is not None and compare_layout(fp.layout, np.zeros((30, 1, 3), np.uint8)) is None
    tiny = ImageFingerprint(fp.hashes, fp.views, np.zeros((8, 8, 3), np.uint8))
    assert ImageFingerprint.from_bytes(tiny.to_bytes()).layout is not None  # the smallest written
