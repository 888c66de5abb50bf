"""vPDQ video fingerprints: re-encodes, downscales and excerpts, and bad video files."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from culturebridge.errors import MalformedFingerprint, NoMediaContent, UndecodableMedia
from culturebridge.fingerprint.image import MIN_INLIERS, PDQ_MIN_QUALITY, Features, orb_features
from culturebridge.fingerprint.layout import Layout, colour_layout
from culturebridge.fingerprint.video import (
    FRAME_KEYPOINTS,
    VideoFingerprint,
    compare_videos,
    fingerprint_frames,
    fingerprint_video,
    local_matches,
)

from .conftest import dim_pan, make_video, pan, photo, run_ffmpeg, smooth_art, truchet


@pytest.fixture(scope="module")
def reference(reference_video: Path) -> VideoFingerprint:
    return fingerprint_video(reference_video)


def test_reencoded_downscaled_copy_matches(
    reference_video: Path, reference: VideoFingerprint, tmp_path: Path
) -> None:
    copy = tmp_path / "copy.mp4"
    run_ffmpeg("-i", str(reference_video), "-vf", "scale=160:120", "-crf", "35", str(copy))
    result = compare_videos(fingerprint_video(copy), reference)
    assert result.is_match
    assert result.query_fraction >= 0.8 and result.reference_fraction >= 0.8
    assert result.offset_seconds == 0


def test_ten_second_excerpt_is_found_with_its_offset(
    reference_video: Path, reference: VideoFingerprint, tmp_path: Path
) -> None:
    clip = tmp_path / "clip.mp4"
    run_ffmpeg(
        "-ss", "15.4", "-t", "10", "-i", str(reference_video), "-vf", "scale=240:180", str(clip)
    )
    query = fingerprint_video(clip)
    assert len(query.frames) == 10
    result = compare_videos(query, reference)
    assert result.is_match
    assert abs(result.offset_seconds - 15.4) <= 1.0
    assert result.reference_fraction < 0.5  # the excerpt covers only part of the reference


def test_a_different_video_does_not_match(reference: VideoFingerprint, tmp_path: Path) -> None:
    other = fingerprint_video(make_video(tmp_path / "other.mp4", 12, seed=99))
    assert not compare_videos(other, reference).is_match
    assert compare_videos(other, reference).query_fraction < 0.2


def test_a_dim_mirrored_cropped_clip_is_found_by_the_mirror_images_keypoints() -> None:
    frames = dim_pan(photo("astronaut"))
    reference = fingerprint_frames(frames)
    assert all(f.quality < PDQ_MIN_QUALITY for f in reference.frames)  # vPDQ alone counts no frame
    clip = fingerprint_frames(
        [np.ascontiguousarray(f[12:228, 16:304, :][:, ::-1]) for f in frames[3:11]]
    )
    result = compare_videos(clip, reference)
    assert result.is_match
    assert abs(result.offset_seconds - 3) <= 1
    # Without the mirror image's keypoints the same clip is not found.
    assert not compare_videos(clip, dataclasses.replace(reference, local_mirrored=())).is_match
    other = fingerprint_frames(dim_pan(photo("coffee")))
    assert compare_videos(clip, other).query_fraction == 0


def test_a_cropped_mirrored_clip_of_smooth_art_is_found_by_its_frames_colour_layouts() -> None:
    frames = pan(smooth_art(3), left=0.0, width=0.6)
    reference = fingerprint_frames(frames)
    assert all(f.quality < PDQ_MIN_QUALITY for f in reference.frames)  # vPDQ alone counts no frame
    assert all(len(k.descriptors) < MIN_INLIERS for k in reference.keypoints())  # nor do keypoints
    clip = fingerprint_frames([np.ascontiguousarray(f[18:222, 24:296][:, ::-1]) for f in frames[3:11]])
    result = compare_videos(clip, reference)
    assert result.is_match
    assert abs(result.offset_seconds - 3) <= 1
    # Without the reference frames' layouts (a fingerprint of the format before) it is not found.
    assert not compare_videos(clip, dataclasses.replace(reference, layouts=())).is_match
    # Neither other smooth art nor another region of the same picture is taken for it.
    for other in (pan(smooth_art(4)), pan(smooth_art(5)), pan(smooth_art(3), left=0.4, width=0.6)):
        assert compare_videos(clip, fingerprint_frames(other)).query_fraction < 0.5


def test_against_a_fingerprint_stored_before_layouts_a_clip_is_judged_as_before() -> None:
    # Eight dim frames (matched by keypoints) then four smooth ones (only a layout to compare).
    frames = dim_pan(photo("astronaut"))[:8] + pan(smooth_art(3), n=4)
    earlier = dataclasses.replace(fingerprint_frames(frames), layouts=())
    clip = fingerprint_frames([np.ascontiguousarray(f[12:228, 16:304]) for f in frames])
    result = compare_videos(clip, earlier)
    # The smooth frames cannot be compared with the earlier form, so they do not count against
    # the clip: 8 of 8 matchable frames, as before layouts were kept.
    assert result.is_match and result.matched_by == (0, 8, 0)
    assert result == compare_videos(dataclasses.replace(clip, layouts=()), earlier)


def test_fingerprint_bytes_round_trip(reference: VideoFingerprint) -> None:
    assert reference.local_mirrored and len(reference.local_mirrored) == len(reference.frames)
    assert len(reference.layouts) == len(reference.frames)
    again = VideoFingerprint.from_bytes(reference.to_bytes())
    assert again == reference
    assert all(np.array_equal(a, b) for a, b in zip(again.layouts, reference.layouts, strict=True))
    assert reference.duration == 40
    for earlier in (  # written before the frames' layouts, and before the mirror images' keypoints
        dataclasses.replace(reference, layouts=()),
        dataclasses.replace(reference, local_mirrored=(), layouts=()),
    ):
        assert VideoFingerprint.from_bytes(earlier.to_bytes()) == earlier
        assert earlier != reference
    odd = dataclasses.replace(reference, local_mirrored=reference.local_mirrored[:3])
    with pytest.raises(MalformedFingerprint, match="keypoints for a different number of frames"):
        VideoFingerprint.from_bytes(odd.to_bytes())
    odd = dataclasses.replace(reference, layouts=reference.layouts[:3])
    with pytest.raises(MalformedFingerprint, match="layouts for a different number of frames"):
        VideoFingerprint.from_bytes(odd.to_bytes())
    with pytest.raises(MalformedFingerprint, match="colour layout is truncated"):
        VideoFingerprint.from_bytes(reference.to_bytes()[:-5])


def test_bad_video_files_are_clear_errors(tmp_path: Path) -> None:
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(UndecodableMedia):
        fingerprint_video(empty)
    audio_only = tmp_path / "tone.m4a"
    run_ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=1", str(audio_only))
    with pytest.raises(NoMediaContent, match="no video stream"):
        fingerprint_video(audio_only)
    full = tmp_path / "t.mkv"
    run_ffmpeg("-f", "lavfi", "-i", "testsrc=size=320x240:rate=10", "-t", "3", "-c:v", "libx264",
               "-preset", "ultrafast", str(full))  # fmt: skip
    header_only = tmp_path / "header.mkv"
    header_only.write_bytes(full.read_bytes()[:1200])
    with pytest.raises(NoMediaContent, match="no decodable frames"):
        fingerprint_video(header_only)


def test_frames_of_a_patterns_other_region_are_not_matched_by_keypoints_alone() -> None:
    pattern = truchet(3)
    here = [np.asarray(pattern.crop((600 + 10 * k, 0, 1200 + 10 * k, 600))) for k in range(4)]
    there = [np.asarray(pattern.crop((1800 + 10 * k, 0, 2400 + 10 * k, 600))) for k in range(4)]

    def frames(pictures: list[npt.NDArray[np.uint8]]) -> tuple[list[Features], list[Layout]]:
        return [orb_features(p, count=FRAME_KEYPOINTS) for p in pictures], [colour_layout(p) for p in pictures]

    reference, reference_layouts = frames(here)
    other, other_layouts = frames(there)
    # The corners alone align some of the other region's frames with the reference's.
    assert local_matches(other, reference).any()
    assert not local_matches(other, reference, layouts=(other_layouts, reference_layouts)).any()
    # A copy's cropped frames still match, with their colours.
    shots = pan(photo("astronaut"), 4)
    source, source_layouts = frames(shots)
    cropped, cropped_layouts = frames([np.ascontiguousarray(f[20:-20, 30:-30]) for f in shots])
    assert local_matches(cropped, source, layouts=(cropped_layouts, source_layouts)).any(axis=1).all()
    # Mirrored frames against the mirror side, with 60 keypoints a frame (alignments of 19-24
    # inliers, once the only ones whose colours were compared): against the mirrored layout they
    # agree; against the layout as stored they would not.
    flipped_pictures = [np.ascontiguousarray(f[20:-20, 30:-30][:, ::-1]) for f in shots]
    flipped = [orb_features(p, count=60) for p in flipped_pictures]
    flipped_layouts = [colour_layout(p) for p in flipped_pictures]
    mirror_side = [orb_features(np.ascontiguousarray(f[:, ::-1]), count=60) for f in shots]
    assert all(0 < len(f.descriptors) <= 60 for f in flipped)
    found = local_matches(flipped, mirror_side, layouts=(flipped_layouts, source_layouts), mirrored=True)
    assert found.any(axis=1).all()
    unflipped = local_matches(flipped, mirror_side, layouts=(flipped_layouts, source_layouts), mirrored=False)
    assert not unflipped.any()
