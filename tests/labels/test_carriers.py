from __future__ import annotations

import io
import json
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
from mutagen.flac import FLAC
from mutagen.id3 import ID3
from mutagen.oggvorbis import OggVorbis
from PIL import Image
from pypdf import PdfReader

from culturebridge.errors import CorruptMedia, UnsupportedMedia
from culturebridge.labels import AIGCLabel, MediaKind, produced, read_labels, sniff, write_label
from culturebridge.labels.xmp import COMPOSITE, TRAINED

ALL = [
    "a.png",
    "a.jpg",
    "a.webp",
    "ll.webp",
    "tail.mp4",
    "fast.mp4",
    "a.mov",
    "a.m4a",
    "a.mp3",
    "a.wav",
    "a.flac",
    "a.ogg",
    "a.opus",
    "a.pdf",
    "a.docx",
    "a.md",
    "fm.md",
    "a.html",
]
AV = {"tail.mp4", "fast.mp4", "a.mov", "a.m4a", "a.mp3", "a.wav", "a.flac", "a.ogg", "a.opus"}


def _decodes(path: Path) -> None:
    done = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-f", "null", "-"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0 and done.stderr == "", done.stderr


@pytest.mark.parametrize("name", ALL)
def test_round_trip_every_carrier(
    name: str, media: dict[str, bytes], label: AIGCLabel, tmp_path: Path
) -> None:
    original = media[name]
    kind, before = read_labels(original)
    assert before == []
    once = write_label(original, label)
    twice = write_label(once, label)  # rewriting replaces, never duplicates
    kind2, found = read_labels(twice)
    assert kind2 == kind
    assert [f.label for f in found] == [label] * len(found) and found
    assert all(f.issues == () for f in found)
    path = tmp_path / name
    path.write_bytes(twice)
    if name in AV:
        _decodes(path)
    if kind in (MediaKind.PNG, MediaKind.JPEG, MediaKind.WEBP):
        with Image.open(path) as img:
            img.load()
            with Image.open(io.BytesIO(original)) as orig:
                assert img.tobytes() == orig.tobytes()  # pixels untouched


@pytest.mark.parametrize("name", ["a.png", "a.jpg", "a.webp"])
def test_exiftool_reads_our_xmp(
    name: str, media: dict[str, bytes], label: AIGCLabel, tmp_path: Path
) -> None:
    path = tmp_path / name
    path.write_bytes(write_label(media[name], label, digital_source_type=COMPOSITE))
    out = subprocess.run(
        ["exiftool", "-j", "-XMP:all", str(path)], capture_output=True, text=True, check=True
    )
    tags = json.loads(out.stdout)[0]
    assert json.loads(tags["Aigc"]) == label.to_dict()  # TC260:AIGC, inner form
    assert tags["DigitalSourceType"] == COMPOSITE


@pytest.mark.parametrize("name", ["tail.mp4", "fast.mp4", "a.mov", "a.m4a"])
def test_ffprobe_shows_the_mp4_tag(
    name: str, media: dict[str, bytes], label: AIGCLabel, tmp_path: Path
) -> None:
    path = tmp_path / name
    path.write_bytes(write_label(media[name], label))
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_format", "-of", "json", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(out.stdout)["format"]["tags"]["AIGC"] == label.to_json()


def test_mutagen_reads_id3_and_vorbis(media: dict[str, bytes], label: AIGCLabel) -> None:
    mp3 = ID3(io.BytesIO(write_label(media["a.mp3"], label)))  # type: ignore[no-untyped-call]
    assert mp3.getall("TXXX:AIGC")[0].text == [label.to_json()]  # type: ignore[no-untyped-call]
    flac: Any = FLAC(io.BytesIO(write_label(media["a.flac"], label)))  # type: ignore[no-untyped-call]
    assert flac.tags["AIGC"] == [label.to_json()]
    ogg: Any = OggVorbis(io.BytesIO(write_label(media["a.ogg"], label)))  # type: ignore[no-untyped-call]
    assert ogg.tags["AIGC"] == [label.to_json()]


def test_pdf_update_is_incremental_and_opens(media: dict[str, bytes], label: AIGCLabel) -> None:
    out = write_label(media["a.pdf"], label)
    assert out.startswith(media["a.pdf"])  # original bytes kept (ISO 32000 §7.5.6)
    reader = PdfReader(io.BytesIO(out))
    assert len(reader.pages) == 1
    assert reader.metadata is not None and str(reader.metadata["/AIGC"]) == label.to_json()


def test_docx_custom_property_and_other_parts_kept(
    media: dict[str, bytes], label: AIGCLabel
) -> None:
    out = write_label(media["a.docx"], label)
    with zipfile.ZipFile(io.BytesIO(out)) as zf:
        assert zf.read("word/document.xml") == zipfile.ZipFile(io.BytesIO(media["a.docx"])).read(
            "word/document.xml"
        )
        assert "docProps/custom.xml" in zf.read("[Content_Types].xml").decode()
        assert "custom-properties" in zf.read("_rels/.rels").decode()
    import docx

    doc = docx.Document(io.BytesIO(out))
    assert doc.paragraphs[0].text == "西游记 改编"


def test_markdown_front_matter_keeps_other_keys(media: dict[str, bytes], label: AIGCLabel) -> None:
    out = write_label(write_label(media["fm.md"], label), label).decode()
    assert out.count("AIGC:") == 1
    assert "title: 白蛇传" in out and "  - legend" in out and out.endswith("Body text.\n")


def test_html_meta_single_and_escaped(media: dict[str, bytes], label: AIGCLabel) -> None:
    out = write_label(write_label(media["a.html"], label), label).decode()
    assert out.count('name="AIGC"') == 1 and "&quot;" in out


def test_png_keeps_foreign_xmp_properties(media: dict[str, bytes], label: AIGCLabel) -> None:
    from culturebridge.labels.carriers.png import _chunk

    foreign = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        b'<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" dc:format="image/png"/>'
        b"</rdf:RDF></x:xmpmeta>"
    )
    png = media["a.png"]
    with_xmp = (
        png[:33] + _chunk(b"iTXt", b"XML:com.adobe.xmp\x00\x00\x00\x00\x00" + foreign) + png[33:]
    )
    out = write_label(with_xmp, label)
    assert b'dc:format="image/png"' in out
    assert [f.digital_source_type for f in read_labels(out)[1] if f.carrier.endswith("xmp")] == [
        TRAINED
    ]


def test_jpeg_exif_user_comment_is_read(label: AIGCLabel) -> None:
    img = Image.new("RGB", (16, 16))
    exif = Image.Exif()
    comment = b"ASCII\x00\x00\x00" + label.to_json().encode()
    exif.get_ifd(0x8769)[0x9286] = comment
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif.tobytes())
    found = read_labels(out.getvalue())[1]
    assert [(f.carrier, f.label) for f in found] == [("jpeg/EXIF-UserComment", label)]


def test_sniffing_ignores_names(media: dict[str, bytes]) -> None:
    assert sniff(media["a.png"]) == MediaKind.PNG
    assert sniff(media["a.mp3"]) == MediaKind.MP3
    assert sniff(media["a.docx"]) == MediaKind.OOXML
    assert sniff(b"\x00\x01\x02binary") == MediaKind.UNKNOWN
    with pytest.raises(UnsupportedMedia):
        write_label(b"\x00\x01\x02binary", produced("P", "1"))


@pytest.mark.parametrize(
    "name", ["a.png", "a.jpg", "a.webp", "fast.mp4", "a.wav", "a.pdf", "a.docx", "a.flac", "a.mp3"]
)
def test_truncated_files_raise_corrupt_media(
    name: str, media: dict[str, bytes], label: AIGCLabel
) -> None:
    data = media[name]
    for cut in (len(data) // 3, len(data) - 7):
        truncated = data[:cut]
        try:
            read_labels(truncated)
            out = write_label(truncated, label)
        except (CorruptMedia, UnsupportedMedia):
            continue
        # Formats whose tail is media payload (MP3/FLAC frames) may still label cleanly.
        assert read_labels(out)[1][0].label == label
