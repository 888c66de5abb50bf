"""The Library: registration from rows, matching of every kind, save/load."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import ImageOps

from culturebridge.errors import InvalidInput, MalformedFingerprint, NotFound
from culturebridge.fingerprint.audio import fingerprint_audio
from culturebridge.fingerprint.image import (
    MIN_INLIERS,
    ImageFingerprint,
    fingerprint_array,
    fingerprint_image,
    query_fingerprint_array,
)
from culturebridge.fingerprint.layout import LAYOUT_MATCH
from culturebridge.fingerprint.matcher import Evidence, Fingerprint, Library, unmatchable_reason
from culturebridge.fingerprint.report import _why
from culturebridge.fingerprint.text import fingerprint_text
from culturebridge.fingerprint.video import fingerprint_frames, fingerprint_video

from .conftest import dim_pan, encode, pan, photo, procedural, run_ffmpeg, smooth_art
from .test_text import ENGLISH, LEGEND


@pytest.fixture(scope="module")
def library(reference_video: Path, reference_audio: Path) -> Library:
    lib = Library()
    lib.add(
        "w-astro",
        "a-astro",
        Fingerprint("image", fingerprint_array(np.asarray(photo("astronaut")))),
    )
    lib.add("w-proc", "a-proc", Fingerprint("image", fingerprint_array(np.asarray(procedural(11)))))
    lib.add("w-video", "a-video", Fingerprint("video", fingerprint_video(reference_video)))
    lib.add("w-audio", "a-audio", Fingerprint("audio", fingerprint_audio(reference_audio)))
    lib.add("w-legend", "a-legend", Fingerprint("text", fingerprint_text(LEGEND)))
    lib.add("w-english", "a-english", Fingerprint("text", fingerprint_text(ENGLISH)))
    return lib


def test_image_copy_matches_only_its_work(library: Library) -> None:
    img = photo("astronaut")
    w, h = img.size
    query = ImageOps.mirror(img.crop((int(0.08 * w), 0, w, int(0.92 * h))))
    matches = library.match(
        Fingerprint("image", fingerprint_image(encode(query, "JPEG", quality=40)))
    )
    assert [(m.work_id, m.kind) for m in matches] == [("w-astro", "image")]
    assert 0.5 <= matches[0].score <= 1.0 and matches[0].span is None
    unrelated = fingerprint_image(encode(photo("coffee")))
    assert library.match(Fingerprint("image", unrelated)) == []


def test_smooth_art_is_found_by_its_colour_layout_and_not_taken_for_its_neighbour() -> None:
    art = smooth_art(3)
    lib = Library()
    lib.add("w-left", "a-left", Fingerprint("image", fingerprint_array(np.asarray(art.crop((0, 0, 600, 600))))))
    lib.add("w-right", "a-right", Fingerprint("image", fingerprint_array(np.asarray(art.crop((600, 0, 1200, 600))))))
    for seed in range(5):
        lib.add(f"w-{seed}", f"a-{seed}", Fingerprint("image", fingerprint_array(np.asarray(procedural(seed)))))
    lib.rebuild()
    copy = art.crop((60, 30, 540, 510))  # 20% off the left region; no keypoints, weak PDQ
    matches = lib.match(Fingerprint("image", query_fingerprint_array(np.asarray(copy))))
    assert [m.work_id for m in matches] == ["w-left"]
    evidence = matches[0].evidence
    assert evidence is not None and evidence.method == "layout"
    assert evidence.correlation is not None and evidence.correlation >= LAYOUT_MATCH
    assert evidence.region is not None and evidence.inliers is None
    assert "colour layout correlation" in _why(evidence)
    # Without the layout (a fingerprint stored before it was kept) the copy is not found.
    plain = query_fingerprint_array(np.asarray(copy))
    assert lib.match(Fingerprint("image", ImageFingerprint(plain.hashes, plain.views))) == []


def test_video_clip_match_carries_its_time_span(
    library: Library, reference_video: Path, tmp_path: Path
) -> None:
    clip = tmp_path / "clip.mp4"
    run_ffmpeg(
        "-ss", "21", "-t", "10", "-i", str(reference_video), "-vf", "scale=200:150", str(clip)
    )
    (m,) = library.match(Fingerprint("video", fingerprint_video(clip)))
    assert (m.work_id, m.kind) == ("w-video", "video")
    assert m.span is not None and m.span.unit == "seconds"
    assert abs(m.span.reference_start - 21) <= 1 and abs(m.span.reference_end - 31) <= 1


def test_a_dim_mirrored_clip_is_found_among_several_films() -> None:
    # No frame has a usable PDQ hash: the keypoint index puts the film forward (the clip's
    # descriptors are near the registered mirror images') and the mirror images' keypoints
    # align with the clip's.
    frames = dim_pan(photo("astronaut"))
    lib = Library()
    for name in ("coffee", "chelsea", "rocket", "cat", "immunohistochemistry", "hubble_deep_field"):
        lib.add(f"w-{name}", f"a-{name}", Fingerprint("video", fingerprint_frames(dim_pan(photo(name)))))
    lib.add("w-dim", "a-dim", Fingerprint("video", fingerprint_frames(frames)))
    clip = fingerprint_frames([np.ascontiguousarray(f[12:228, 16:304, :][:, ::-1]) for f in frames[3:11]])
    (match,) = lib.match(Fingerprint("video", clip))
    assert match.work_id == "w-dim"
    assert match.evidence is not None and match.evidence.frames_by is not None
    assert match.evidence.frames_by[:2] == (0, len(clip.frames))  # all by keypoints


def test_a_cropped_clip_of_smooth_art_is_found_among_several_films_by_its_layouts() -> None:
    # No frame has a usable PDQ hash or keypoints: the frames' layout codes put the film forward.
    frames = pan(smooth_art(3), width=0.6)
    lib = Library()
    for seed in (4, 5, 6, 7, 8):
        lib.add(f"w-{seed}", f"a-{seed}", Fingerprint("video", fingerprint_frames(pan(smooth_art(seed)))))
    lib.add("w-dim", "a-dim", Fingerprint("video", fingerprint_frames(dim_pan(photo("astronaut")))))
    lib.add("w-smooth", "a-smooth", Fingerprint("video", fingerprint_frames(frames)))
    clip = fingerprint_frames([np.ascontiguousarray(f[18:222, 24:296]) for f in frames[2:10]])
    (match,) = lib.match(Fingerprint("video", clip))
    assert match.work_id == "w-smooth"
    assert match.span is not None and abs(match.span.reference_start - 2) <= 1
    # The match says it rests on the frames' layouts, and the JSON form keeps that.
    evidence = match.evidence
    assert evidence is not None and evidence.frames_by is not None
    pdq, keypoints, layout = evidence.frames_by
    assert pdq == keypoints == 0 and layout >= 0.8 * len(clip.frames)
    assert "matched by colour layout" in _why(evidence)
    assert Evidence.from_dict(json.loads(json.dumps(evidence.to_dict()))) == evidence


def test_a_video_with_nothing_to_compare_is_unmatchable_and_smooth_art_is_not() -> None:
    grey = [np.full((240, 320, 3), 90 + k, np.uint8) for k in range(6)]
    reason = unmatchable_reason(Fingerprint("video", fingerprint_frames(grey)))
    assert reason is not None and "featureless video" in reason and "colour layouts" in reason
    assert unmatchable_reason(Fingerprint("video", fingerprint_frames(pan(smooth_art(3))))) is None


def test_a_video_whose_frames_comparison_would_never_count_is_unmatchable() -> None:
    # Two small squares on grey: a weak PDQ hash, an even layout, and 30-odd ORB corners per
    # frame, too few for `compare_videos` to count the frame. No share can ever be measured,
    # so the video is said to be unmatchable rather than registered as one that can match.
    frames = []
    for k in range(6):
        f = np.full((240, 320, 3), 120, np.uint8)
        f[100:105, 100 + 5 * k : 105 + 5 * k] = 200
        f[60 + 5 * k : 65 + 5 * k, 200:205] = 200
        frames.append(f)
    video = fingerprint_frames(frames)
    assert all(MIN_INLIERS <= len(k.descriptors) for k in video.keypoints())  # enough to align
    reason = unmatchable_reason(Fingerprint("video", video))
    assert reason is not None and "featureless video" in reason


def test_audio_excerpt_match_carries_its_time_span(
    library: Library, reference_audio: Path, tmp_path: Path
) -> None:
    clip = tmp_path / "clip.mp3"
    run_ffmpeg("-ss", "8", "-t", "10", "-i", str(reference_audio), "-b:a", "128k", str(clip))
    (m,) = library.match(Fingerprint("audio", fingerprint_audio(clip)))
    assert (m.work_id, m.kind) == ("w-audio", "audio")
    assert m.span is not None and abs(m.span.reference_start - 8) < 0.3
    assert m.score > 0.9


def test_text_passage_match_carries_character_spans(library: Library) -> None:
    query = "前言。" + LEGEND[14:70] + "后记。"
    matches = library.match(Fingerprint("text", fingerprint_text(query)))
    assert {m.work_id for m in matches} == {"w-legend"}
    span = matches[0].span
    assert span is not None and span.unit == "characters"
    assert 14 <= span.reference_start <= 20 and 60 <= span.reference_end <= 70
    assert 3 <= span.query_start <= 9


def test_rows_rebuild_and_save_load_give_the_same_answers(library: Library, tmp_path: Path) -> None:
    rows = list(library.rows())
    assert [r[2] for r in rows] == ["image", "image", "video", "audio", "text", "text"]
    rebuilt = Library.from_rows(rows)
    library.save(tmp_path / "lib")
    loaded = Library.load(tmp_path / "lib")
    query = Fingerprint("text", fingerprint_text(LEGEND))
    assert rebuilt.match(query) == loaded.match(query) == library.match(query)
    assert [r[3] for r in loaded.rows()] == [r[3] for r in rows]


def test_a_library_with_a_loader_holds_only_lookup_structures_and_answers_the_same(library: Library) -> None:
    stored = {asset_id: data for _, asset_id, _, data in library.rows()}
    asked: list[str] = []

    def load(asset_ids: list[str]) -> dict[str, bytes]:
        asked.extend(asset_ids)
        return {a: stored[a] for a in asset_ids if a in stored}

    lean = Library.from_rows(library.rows(), load, cache_entries=1)
    assert lean.resident_bytes() < library.resident_bytes() - 20_000  # no image's full fingerprint held
    img = photo("astronaut")
    queries = [
        Fingerprint("image", fingerprint_image(encode(ImageOps.mirror(img), "JPEG", quality=40))),
        Fingerprint("image", fingerprint_image(encode(photo("coffee")))),
        Fingerprint("text", fingerprint_text("前言。" + LEGEND[14:70] + "后记。")),
        Fingerprint("image", fingerprint_image(encode(img.crop((0, 0, 400, 400))))),
    ]
    for query in queries:
        assert lean.match(query) == library.match(query)
    assert set(asked) <= {"a-astro", "a-proc", "a-legend", "a-english"}  # candidates only
    assert len(lean._cache) == 1  # the LRU keeps at most cache_entries fingerprints
    assert [r[3] for r in lean.rows()] == list(stored.values())
    del stored["a-astro"]  # a row deleted since the library was built: skipped, not an error
    lean._cache.clear()
    assert lean.match(queries[0]) == [] and [r[1] for r in lean.rows()][:1] == ["a-proc"]


def test_bad_library_and_rows_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        Library.load(tmp_path / "missing")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "fingerprints.jsonl").write_text(
        '{"format": "culturebridge.fingerprint-library/1"}\n{"kind": 1}\n'
    )
    with pytest.raises(MalformedFingerprint):
        Library.load(tmp_path / "bad")
    with pytest.raises(InvalidInput):
        Library.from_rows([("w", "a", "smell", b"")])
    with pytest.raises(MalformedFingerprint):
        Library.from_rows([("w", "a", "image", b"CBIMG1")])
    shutil.rmtree(tmp_path / "bad")


def test_short_quote_inside_a_long_registered_text_is_found() -> None:
    long_text = "".join(f"第{i}回。" + LEGEND[(i * 7) % 60 :] for i in range(30)) + ENGLISH
    lib = Library()
    lib.add("w-long", "a-long", Fingerprint("text", fingerprint_text(long_text)))
    quote = ENGLISH[40:140]
    matches = lib.match(Fingerprint("text", fingerprint_text("He wrote: " + quote)))
    assert [m.work_id for m in matches] == ["w-long"]
    span = matches[0].span
    assert span is not None and span.reference_start >= len(long_text) - len(ENGLISH) + 30
