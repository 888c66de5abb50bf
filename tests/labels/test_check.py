from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from culturebridge.errors import NotFound
from culturebridge.labels import (
    AIGCLabel,
    CodeState,
    LabelKind,
    Verdict,
    check_bytes,
    check_file,
    platform_tier,
    produced,
    sign_producer,
    write_label,
)
from culturebridge.labels.carriers.png import _chunk
from culturebridge.labels.xmp import TRAINED, build_packet


def _png_with_text(png: bytes, key: bytes, value: bytes) -> bytes:
    return png[:33] + _chunk(b"tEXt", key + b"\x00" + value) + png[33:]


def test_labelled_file_is_compliant(
    media: dict[str, bytes], label: AIGCLabel, tmp_path: Path
) -> None:
    path = tmp_path / "x.png"
    path.write_bytes(write_label(media["a.png"], label))
    report = check_file(path)
    assert report.verdict == Verdict.COMPLIANT, report.reasons
    assert report.label == label and report.tier == "AI生成"
    assert report.iptc_source_type == TRAINED
    assert len(report.found) == 2 and report.c2pa is not None and not report.c2pa.present
    assert "no explicit label of ours" in " ".join(report.findings)
    assert report.to_dict()["label"]["ContentProducer"] == "CBTEST01"


def test_unlabelled_file_has_no_label(media: dict[str, bytes]) -> None:
    report = check_bytes(media["a.jpg"])
    assert report.verdict == Verdict.NO_LABEL and report.tier is None


def test_lying_extension_is_a_finding(media: dict[str, bytes], tmp_path: Path) -> None:
    path = tmp_path / "photo.mp3"
    path.write_bytes(media["a.png"])
    report = check_file(path)
    assert report.kind.value == "png"
    assert any("extension .mp3" in f for f in report.findings)


def test_two_conflicting_labels_are_non_compliant(
    media: dict[str, bytes], label: AIGCLabel
) -> None:
    other = produced("SOMEONE", "z9", LabelKind.SUSPECTED)
    data = _png_with_text(write_label(media["a.png"], label), b"AIGC", other.to_json().encode())
    report = check_bytes(data)
    assert report.verdict == Verdict.NON_COMPLIANT
    assert any("conflicting AIGC labels" in r for r in report.reasons)
    assert report.tier == "AI生成"


def test_malformed_json_is_reported_not_raised(media: dict[str, bytes]) -> None:
    report = check_bytes(_png_with_text(media["a.png"], b"AIGC", b'{"AIGC":{"Label":'))
    assert report.verdict == Verdict.NON_COMPLIANT
    assert "not JSON" in report.reasons[0]


def test_ten_megabyte_field_is_bounded(media: dict[str, bytes]) -> None:
    report = check_bytes(_png_with_text(media["a.png"], b"AIGC", b"A" * 10_000_000))
    assert report.verdict == Verdict.NON_COMPLIANT
    assert len(report.found[0].raw) < 1000


def test_missing_wrapper_and_empty_producer_are_reasons(media: dict[str, bytes]) -> None:
    report = check_bytes(_png_with_text(media["a.png"], b"AIGC", b'{"Label":"1"}'))
    assert report.verdict == Verdict.NON_COMPLIANT
    assert any("wrapper" in r for r in report.reasons) and any(
        "ContentProducer" in r for r in report.reasons
    )


def test_iptc_without_gb_label_is_non_compliant(media: dict[str, bytes]) -> None:
    packet = build_packet("", TRAINED).replace(b'    TC260:AIGC=""\n', b"")
    assert b"TC260:AIGC" not in packet
    data = (
        media["a.png"][:33]
        + _chunk(b"iTXt", b"XML:com.adobe.xmp\x00\x00\x00\x00\x00" + packet)
        + media["a.png"][33:]
    )
    report = check_bytes(data)
    assert report.iptc_source_type == TRAINED
    assert report.verdict == Verdict.NON_COMPLIANT and report.tier == "AI生成"


def test_altered_signed_label_fails_integrity(media: dict[str, bytes]) -> None:
    key = Ed25519PrivateKey.generate()
    signed = sign_producer(produced("CB", "w1"), key)
    good = check_bytes(write_label(media["a.wav"], signed), public_keys=(key.public_key(),))
    assert (
        good.integrity == (CodeState.VALID, CodeState.ABSENT) and good.verdict == Verdict.COMPLIANT
    )
    forged = AIGCLabel(LabelKind.GENERATED, "CB", "w2", signed.reserved_code1)
    bad = check_bytes(write_label(media["a.wav"], forged), public_keys=(key.public_key(),))
    assert bad.verdict == Verdict.NON_COMPLIANT and bad.integrity == (
        CodeState.INVALID,
        CodeState.ABSENT,
    )


@pytest.mark.parametrize("name", ["a.png", "fast.mp4", "a.pdf"])
def test_truncated_file_is_unreadable_not_a_crash(name: str, media: dict[str, bytes]) -> None:
    report = check_bytes(media[name][: len(media[name]) // 2], check_video=False)
    assert report.verdict in (Verdict.UNREADABLE, Verdict.NO_LABEL)


def test_missing_path_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        check_file(tmp_path / "nope.png")


def test_platform_tiers_follow_article_6() -> None:
    assert platform_tier(produced("a", "b", LabelKind.POSSIBLY)) == "可能为AI生成"
    assert platform_tier(None, uploader_declared=True) == "可能为AI生成"
    assert platform_tier(None, traces_detected=True) == "疑似AI生成"
    assert platform_tier(None, metadata_ai=True) == "AI生成"
    assert platform_tier(None) is None
