from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from culturebridge.labels import AIGCLabel, read_labels, write_label
from culturebridge.labels.carriers import mp4


def _framemd5(path: Path) -> str:
    done = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-map", "0", "-f", "framemd5", "-"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return "\n".join(line for line in done.stdout.splitlines() if not line.startswith("#"))


@pytest.mark.parametrize("name", ["fast.mp4", "tail.mp4", "a.mov"])
def test_samples_decode_identically_after_labelling(
    name: str, media: dict[str, bytes], label: AIGCLabel, tmp_path: Path
) -> None:
    before, after = tmp_path / ("b-" + name), tmp_path / ("a-" + name)
    before.write_bytes(media[name])
    after.write_bytes(write_label(media[name], label))
    assert _framemd5(before) == _framemd5(after)  # stco/co64 offsets follow the grown moov


def test_mdat_bytes_are_untouched(media: dict[str, bytes], label: AIGCLabel) -> None:
    data = media["fast.mp4"]
    out = write_label(data, label)
    start = data.index(b"mdat") - 4
    assert out.endswith(data[start:])  # moov grew in front, media payload copied verbatim


def test_existing_ffmpeg_tag_is_replaced_not_duplicated(label: AIGCLabel, tmp_path: Path) -> None:
    path = tmp_path / "tagged.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=64x64:rate=5",
            "-t",
            "1",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            "-movflags",
            "+faststart+use_metadata_tags",
            "-metadata",
            'AIGC={"AIGC":{"Label":"2","ContentProducer":"OLD"}}',
            str(path),
        ],
        check=True,
        capture_output=True,
    )
    found = read_labels(path.read_bytes())[1]
    assert [f.label.content_producer for f in found if f.label] == ["OLD"]
    out = write_label(path.read_bytes(), label)
    assert [f.label for f in read_labels(out)[1]] == [label]
    assert out.count(b"mdtaAIGC") == 1


def test_chunk_offsets_shift_only_past_moov() -> None:
    # A hand-made moov with one stco entry pointing past it and one (odd) before it.
    stco = mp4._box(
        b"stco",
        b"\x00" * 4 + (2).to_bytes(4, "big") + (4).to_bytes(4, "big") + (5000).to_bytes(4, "big"),
    )
    moov = bytearray(
        mp4._box(
            b"moov",
            mp4._box(b"trak", mp4._box(b"mdia", mp4._box(b"minf", mp4._box(b"stbl", stco)))),
        )
    )
    mp4._shift_offsets(moov, 8, len(moov), 100, 1000)
    assert moov.endswith((4).to_bytes(4, "big") + (5100).to_bytes(4, "big"))
