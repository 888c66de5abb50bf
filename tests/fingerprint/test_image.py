"""Image fingerprints: PDQ plus ORB/RANSAC against the transformations of the brief."""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont, ImageOps

from culturebridge.errors import MalformedFingerprint, MediaTooLarge, UndecodableMedia
from culturebridge.fingerprint.image import (
    AGREE_MIN,
    MIN_INLIERS,
    OVERLAY_MARGIN,
    PDQ_MATCH_DISTANCE,
    Box,
    ImageFingerprint,
    compare_images,
    decode_image,
    fingerprint_array,
    fingerprint_image,
    hamming,
    query_fingerprint_array,
    trim_borders,
)
from culturebridge.labels.explicit import label_image, plate_boxes

from .conftest import CJK_FONT, encode, photo, procedural


def _jpeg(img: Image.Image, quality: int) -> Image.Image:
    return Image.open(io.BytesIO(encode(img, "JPEG", quality=quality))).convert("RGB")


def _crop(frac: float) -> Callable[[Image.Image], Image.Image]:
    def apply(img: Image.Image) -> Image.Image:
        w, h = img.size
        return img.crop((int(frac * w), int(frac * h), w, h))

    return apply


def _text(img: Image.Image) -> Image.Image:
    out = img.copy()
    w, h = out.size
    font = ImageFont.truetype(CJK_FONT, max(8, int(h * 0.05)))
    ImageDraw.Draw(out).text((int(w * 0.03), int(h * 0.9)), "AI生成", font=font, fill="white")
    return out


def _letterbox(img: Image.Image) -> Image.Image:
    w, h = img.size
    return ImageOps.expand(img.resize((w, int(h * 0.8))), border=(0, int(h * 0.1)), fill=0)


TRANSFORMS: dict[str, Callable[[Image.Image], Image.Image]] = {
    "resize50": lambda im: im.resize((im.size[0] // 2, im.size[1] // 2)),
    "jpeg30": lambda im: _jpeg(im, 30),
    "crop5": _crop(0.05),
    "crop10": _crop(0.10),
    "mirror": ImageOps.mirror,
    "text": _text,
    "bright+20": lambda im: ImageEnhance.Brightness(im).enhance(1.2),
    "bright-20": lambda im: ImageEnhance.Brightness(im).enhance(0.8),
    "letterbox": _letterbox,
    "rotate3": lambda im: im.rotate(3, resample=Image.Resampling.BILINEAR),
    "crop+mirror+jpeg": lambda im: _jpeg(ImageOps.mirror(_crop(0.05)(im)), 50),
}


@pytest.fixture(scope="module")
def sources() -> list[Image.Image]:
    return [photo("astronaut"), photo("coffee"), procedural(1)]


@pytest.fixture(scope="module")
def references(sources: list[Image.Image]) -> list[ImageFingerprint]:
    return [fingerprint_array(np.asarray(im)) for im in sources]


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
def test_transformed_copy_matches_its_source_only(
    name: str, sources: list[Image.Image], references: list[ImageFingerprint]
) -> None:
    for i, src in enumerate(sources):
        query = fingerprint_image(encode(TRANSFORMS[name](src)))
        scores = [compare_images(query, ref) for ref in references]
        assert scores[i].is_match, (name, i, scores[i])
        assert not any(s.is_match for j, s in enumerate(scores) if j != i), (name, i, scores)


def test_pdq_alone_matches_mild_edits_but_misses_a_crop(sources: list[Image.Image]) -> None:
    ref = fingerprint_array(np.asarray(sources[0]))
    jpeg = fingerprint_array(np.asarray(_jpeg(sources[0], 30)))
    crop = fingerprint_array(np.asarray(_crop(0.05)(sources[0])))
    assert hamming(ref.hashes[0].bits, jpeg.hashes[0].bits) <= 31
    assert hamming(ref.hashes[0].bits, crop.hashes[0].bits) > 31
    assert ref.quality >= 50


def test_trim_borders_removes_letterbox() -> None:
    img = np.asarray(_letterbox(procedural(3)))
    trimmed = trim_borders(img)
    assert trimmed.shape[0] < img.shape[0] * 0.85
    assert trimmed.shape[1] == img.shape[1]


def test_fingerprint_bytes_round_trip(sources: list[Image.Image]) -> None:
    fp = fingerprint_image(encode(sources[0]))
    back = ImageFingerprint.from_bytes(fp.to_bytes())
    assert back.hashes == fp.hashes
    assert len(back.views) == len(fp.views) == 2
    for got, want in zip(back.views, fp.views):
        assert np.array_equal(got.descriptors, want.descriptors)
        assert np.allclose(got.points, want.points)
    with pytest.raises(MalformedFingerprint):
        ImageFingerprint.from_bytes(fp.to_bytes()[:50])
    with pytest.raises(MalformedFingerprint):
        ImageFingerprint.from_bytes(b"garbage")


def test_empty_and_truncated_files_are_clear_errors(sources: list[Image.Image]) -> None:
    with pytest.raises(UndecodableMedia, match="empty"):
        decode_image(b"")
    data = encode(sources[0], "JPEG", quality=90)
    with pytest.raises(UndecodableMedia):
        decode_image(data[: len(data) // 3])
    with pytest.raises(UndecodableMedia):
        decode_image(b"not an image at all" * 10)


def test_decompression_bomb_is_refused() -> None:
    bomb = encode(Image.new("1", (12000, 12000)))  # tiny PNG, 144 Mpx decoded
    with pytest.raises(MediaTooLarge):
        decode_image(bomb)
    with pytest.raises(MediaTooLarge):
        decode_image(encode(Image.new("L", (300, 300))), max_pixels=10_000)


def test_query_fingerprint_has_one_view_and_still_finds_a_mirrored_copy(
    sources: list[Image.Image], references: list[ImageFingerprint]
) -> None:
    query = query_fingerprint_array(np.asarray(ImageOps.mirror(_crop(0.1)(sources[0]))))
    assert len(query.views) == 1
    assert compare_images(query, references[0]).is_match
    assert not compare_images(query, references[1]).is_match


def test_two_pictures_carrying_the_platform_label_are_not_matched_by_it() -> None:
    # Every AI picture shows the explicit label (GB 45438-2025 §4.1). The plates of two unrelated
    # pictures align with 53 inliers, wide enough to count: only their colours tell them apart.
    def labelled(name: str) -> bytes:
        return label_image(encode(photo(name).resize((900, 900)), "JPEG", quality=90), "zh")

    reference = fingerprint_image(labelled("coins"))
    stranger = compare_images(query_fingerprint_array(decode_image(labelled("coffee"))), reference, layout=False)
    assert stranger.alignment is not None and stranger.alignment.inliers >= 30  # the premise: once never verified
    assert not stranger.is_match and stranger.agreement is not None and stranger.agreement < AGREE_MIN
    copy = Image.open(io.BytesIO(labelled("coins"))).crop((45, 45, 855, 855))
    assert compare_images(query_fingerprint_array(np.asarray(copy)), reference).is_match


def _on(points: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
    x0, y0, x1, y1 = box
    return (points[:, 0] >= x0) & (points[:, 0] <= x1) & (points[:, 1] >= y0) & (points[:, 1] <= y1)


def test_no_keypoint_is_looked_for_on_an_overlay_or_beside_it_in_either_view() -> None:
    rgb = np.asarray(photo("astronaut").resize((900, 700)))
    box: Box = (100, 450, 420, 640)
    plain, covered = fingerprint_array(rgb), fingerprint_array(rgb, overlays=lambda _: [box])
    for k, (before, after) in enumerate(zip(plain.views, covered.views, strict=True)):
        w, h = after.frame()
        sx, sy = w / 900, h / 700
        x0, x1 = (w - box[2] * sx, w - box[0] * sx) if k == 1 else (box[0] * sx, box[2] * sx)
        grown = (x0 - OVERLAY_MARGIN + 1, box[1] * sy - OVERLAY_MARGIN + 1,
                 x1 + OVERLAY_MARGIN - 1, box[3] * sy + OVERLAY_MARGIN - 1)  # fmt: skip
        assert _on(before.points, grown).sum() >= 20  # the premise: the astronaut's suit has corners there
        assert not _on(after.points, grown).any()
        assert len(after.points) == len(before.points)  # the keypoint budget is spent elsewhere


def test_an_overlay_is_found_on_the_picture_as_given_and_mapped_through_the_border_trim() -> None:
    rgb = np.asarray(photo("coffee").resize((800, 600)))
    letterboxed = np.zeros((800, 800, 3), np.uint8)
    letterboxed[100:700] = rgb
    box: Box = (40, 420, 300, 560)
    seen: list[tuple[int, ...]] = []

    def finder(picture: np.ndarray) -> list[Box]:
        seen.append(picture.shape)
        return [box] if picture.shape[0] == 600 else [(box[0], box[1] + 100, box[2], box[3] + 100)]

    alone, boxed = fingerprint_array(rgb, overlays=finder), fingerprint_array(letterboxed, overlays=finder)
    assert seen == [(600, 800, 3), (800, 800, 3)]  # the picture before trimming
    for a, b in zip(alone.views, boxed.views, strict=True):  # trimmed to the same picture, same boxes
        assert np.array_equal(a.points, b.points) and np.array_equal(a.descriptors, b.descriptors)


def test_a_picture_without_overlays_is_fingerprinted_as_before() -> None:
    rgb = np.asarray(photo("chelsea"))
    assert fingerprint_array(rgb, overlays=plate_boxes).to_bytes() == fingerprint_array(rgb).to_bytes()
    query = query_fingerprint_array(rgb, overlays=plate_boxes)
    assert query.to_bytes() == query_fingerprint_array(rgb).to_bytes()


def test_two_labelled_pictures_do_not_align_on_the_plate_the_platform_ignores() -> None:
    # GB 45438-2025 §4.1: every AI picture shows the explicit label. Fingerprinted as the platform
    # does (the plate found and no keypoint looked for on it), the plates no longer align at all.
    def labelled(name: str, lang: str = "zh") -> bytes:
        return label_image(encode(photo(name).resize((900, 900)), "JPEG", quality=90), lang)

    stranger = decode_image(labelled("coffee"))
    unguarded = compare_images(query_fingerprint_array(stranger), fingerprint_image(labelled("coins")), layout=False)
    assert unguarded.alignment is not None and unguarded.alignment.inliers >= 30  # the premise
    reference = fingerprint_image(labelled("coins"), overlays=plate_boxes)
    found = compare_images(query_fingerprint_array(stranger, overlays=plate_boxes), reference, layout=False)
    assert found.alignment is None or found.alignment.inliers < MIN_INLIERS, found.alignment
    copy = np.asarray(Image.open(io.BytesIO(labelled("coins"))).crop((45, 45, 855, 855)))
    assert compare_images(query_fingerprint_array(copy, overlays=plate_boxes), reference).is_match
    whole = decode_image(labelled("coins", "en"))  # the same picture, labelled in English
    assert compare_images(query_fingerprint_array(whole, overlays=plate_boxes), reference).is_match


def _star_field(seed: int) -> bytes:
    """A dark sky: 400 blurred stars on black, 900 px (most of its PDQ is noise)."""
    rng = np.random.default_rng(seed)
    sky = np.zeros((900, 900, 3), np.uint8)
    sky[rng.integers(0, 900, 400), rng.integers(0, 900, 400)] = 255
    blurred = np.asarray(Image.fromarray(sky).filter(ImageFilter.GaussianBlur(1.5)), np.int32)
    return encode(Image.fromarray(np.clip(blurred * 4, 0, 255).astype(np.uint8)), "JPEG", quality=90)


def test_two_dark_labelled_pictures_are_not_matched_by_the_hash_of_their_plates() -> None:
    # On a dark picture the plate's white text is most of what PDQ describes: two unrelated
    # labelled skies hash alike. With the plate filled in from around it they do not.
    sky, other = label_image(_star_field(1), "zh"), label_image(_star_field(2), "zh")
    bare = compare_images(query_fingerprint_array(decode_image(other)), fingerprint_image(sky))
    assert bare.pdq_distance <= PDQ_MATCH_DISTANCE and bare.is_match  # the premise
    reference = fingerprint_image(sky, overlays=plate_boxes)
    stranger = compare_images(query_fingerprint_array(decode_image(other), overlays=plate_boxes), reference)
    assert stranger.pdq_distance > PDQ_MATCH_DISTANCE and not stranger.is_match
    copy = encode(Image.open(io.BytesIO(sky)), "JPEG", quality=60)  # the same labelled sky, re-encoded
    assert compare_images(query_fingerprint_array(decode_image(copy), overlays=plate_boxes), reference).is_match
