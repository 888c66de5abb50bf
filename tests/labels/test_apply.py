from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from culturebridge.errors import InvalidInput, LabelConflict
from culturebridge.labels import (
    CodeState,
    LabelRequest,
    Verdict,
    apply_labels,
    c2pa,
    check_bytes,
    create_signing_chain,
    produced,
    verify_codes,
    write_label,
)
from culturebridge.labels.xmp import COMPOSITE


@pytest.fixture(scope="module")
def creds(tmp_path_factory: pytest.TempPathFactory) -> c2pa.Credentials:
    return create_signing_chain(tmp_path_factory.mktemp("c2pa"))


def test_producer_label_signed_and_verified(media: dict[str, bytes]) -> None:
    key = Ed25519PrivateKey.generate()
    applied = apply_labels(
        media["a.mp3"], LabelRequest(producer="CB", produce_id="w1"), label_key=key
    )
    assert verify_codes(applied.label, (key.public_key(),)) == (CodeState.VALID, CodeState.ABSENT)


def test_publishing_keeps_the_producers_label(media: dict[str, bytes]) -> None:
    theirs = produced("OTHERGEN", "abc")
    data = write_label(media["a.png"], theirs)
    applied = apply_labels(data, LabelRequest(propagator="CULTUREBRIDGE", propagate_id="p1"))
    assert applied.label.same_producer(theirs)
    assert applied.label.content_propagator == "CULTUREBRIDGE"


def test_never_overwrites_another_producer(media: dict[str, bytes]) -> None:
    data = write_label(media["a.png"], produced("OTHERGEN", "abc"))
    with pytest.raises(LabelConflict):
        apply_labels(data, LabelRequest(producer="CB", produce_id="mine"))


def test_no_label_and_no_producer_is_refused(media: dict[str, bytes]) -> None:
    with pytest.raises(InvalidInput):
        apply_labels(media["a.png"], LabelRequest(propagator="CB"))


def test_full_image_pipeline_is_compliant(media: dict[str, bytes], creds: c2pa.Credentials) -> None:
    request = LabelRequest(producer="CB", produce_id="w1", explicit_lang="zh", composite=True)
    parent = c2pa.Parent(media["a.jpg"], "image/jpeg", "original scan")
    applied = apply_labels(media["a.jpg"], request, c2pa_credentials=creds, parent=parent)
    assert applied.c2pa_state == "Trusted"
    report = check_bytes(applied.data, trust_anchor_pem=creds.ca_pem)
    assert report.verdict == Verdict.COMPLIANT, report.reasons
    assert report.explicit_label == "zh" and report.iptc_source_type == COMPOSITE
    assert report.c2pa is not None and report.c2pa.parents == ("original scan",)


def test_foreign_c2pa_is_not_silently_broken(
    media: dict[str, bytes], creds: c2pa.Credentials
) -> None:
    signed = c2pa.sign(
        write_label(media["a.png"], produced("GEN", "1")), "image/png", creds, title="theirs"
    )
    with pytest.raises(LabelConflict):
        apply_labels(signed, LabelRequest(propagator="CB"))
    resigned = apply_labels(signed, LabelRequest(propagator="CB"), c2pa_credentials=creds)
    assert resigned.c2pa_state == "Trusted"
    assert c2pa.read(resigned.data, "image/png").parents == ("original",)


def test_explicit_text_label(media: dict[str, bytes]) -> None:
    applied = apply_labels(media["a.md"], LabelRequest(producer="CB", explicit_lang="en"))
    report = check_bytes(applied.data)
    assert report.explicit_label == "en" and report.verdict == Verdict.COMPLIANT


def test_video_pipeline_explicit_implicit_and_c2pa(
    media: dict[str, bytes], creds: c2pa.Credentials
) -> None:
    request = LabelRequest(producer="CB", produce_id="v1", explicit_lang="zh")
    applied = apply_labels(media["fast.mp4"], request, c2pa_credentials=creds)
    report = check_bytes(applied.data, trust_anchor_pem=creds.ca_pem)
    assert report.verdict == Verdict.COMPLIANT, report.reasons
    assert report.explicit_label == "zh" and report.c2pa is not None
    assert report.c2pa.validation_state == "Trusted"


def test_audio_only_mp4_gets_an_audible_notice(media: dict[str, bytes]) -> None:
    request = LabelRequest(producer="CB", explicit_lang="en", spoken=False)
    applied = apply_labels(media["a.m4a"], request)
    assert len(applied.data) > len(media["a.m4a"])
    assert check_bytes(applied.data).label == applied.label


def test_propagating_an_exif_labelled_jpeg_keeps_the_original(media: dict[str, bytes]) -> None:
    import io

    from PIL import Image

    theirs = produced("OTHERGEN", "e1")
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9286] = b"ASCII\x00\x00\x00" + theirs.to_json().encode()
    buf = io.BytesIO()
    Image.new("RGB", (32, 32)).save(buf, "JPEG", exif=exif.tobytes())
    applied = apply_labels(buf.getvalue(), LabelRequest(propagator="CB", propagate_id="p9"))
    report = check_bytes(applied.data)
    assert report.verdict == Verdict.COMPLIANT, report.reasons
    assert report.label == applied.label and applied.label.same_producer(theirs)
    assert {f.carrier for f in report.found} == {"jpeg/EXIF-UserComment", "jpeg/APP1-XMP"}
