from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from culturebridge.errors import C2paSigningError, SigningCredentialsMissing, UnsupportedMedia
from culturebridge.labels import AIGCLabel, MediaKind, c2pa, read_labels, write_label
from culturebridge.labels.xmp import COMPOSITE, TRAINED


@pytest.fixture(scope="module")
def creds(tmp_path_factory: pytest.TempPathFactory) -> c2pa.Credentials:
    return c2pa.create_signing_chain(tmp_path_factory.mktemp("keys") / "c2pa")


def test_chain_on_disk_is_ca_then_leaf_with_private_keys_0600(tmp_path: Path) -> None:
    made = c2pa.create_signing_chain(tmp_path / "k", organisation="Museum X")
    key_mode = stat.S_IMODE((tmp_path / "k" / c2pa.KEY_FILE).stat().st_mode)
    assert key_mode == 0o600
    leaf, ca = x509.load_pem_x509_certificates(made.chain_pem)
    assert leaf.version == x509.Version.v3 and leaf.issuer == ca.subject != leaf.subject
    assert leaf.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "Museum X"
    eku = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.EMAIL_PROTECTION in eku
    assert c2pa.load_credentials(tmp_path / "k") == made


def test_missing_credentials_say_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(SigningCredentialsMissing) as info:
        c2pa.load_credentials(tmp_path)
    assert info.value.hint is not None and "init" in info.value.hint


@pytest.mark.parametrize(
    "name,mime",
    [
        ("a.png", "image/png"),
        ("a.jpg", "image/jpeg"),
        ("a.webp", "image/webp"),
        ("fast.mp4", "video/mp4"),
        ("a.mp3", "audio/mpeg"),
        ("a.wav", "audio/wav"),
    ],
)
def test_sign_then_reader_validates_and_gb_label_survives(
    name: str, mime: str, media: dict[str, bytes], label: AIGCLabel, creds: c2pa.Credentials
) -> None:
    labelled = write_label(media[name], label)
    signed = c2pa.sign(
        labelled, mime, creds, title=name, parent=c2pa.Parent(media[name], mime, "source " + name)
    )
    offline = c2pa.read(signed, mime)
    assert offline.present and offline.validation_state == "Valid"  # untrusted CA, signature valid
    trusted = c2pa.read(signed, mime, trust_anchor_pem=creds.ca_pem)
    assert trusted.validation_state == "Trusted"
    assert trusted.actions == ("c2pa.created",)
    assert trusted.digital_source_types == (TRAINED,)
    assert trusted.parents == ("source " + name,)
    assert [f.label for f in read_labels(signed)[1]] == [label] * len(read_labels(signed)[1])


def test_tampered_asset_is_invalid(media: dict[str, bytes], creds: c2pa.Credentials) -> None:
    signed = bytearray(
        c2pa.sign(media["a.wav"], "audio/wav", creds, title="t", digital_source_type=COMPOSITE)
    )
    signed[signed.index(b"data") + 1000] ^= 0xFF  # a sample byte covered by the hard binding
    report = c2pa.read(bytes(signed), "audio/wav")
    assert report.present and report.validation_state == "Invalid" and report.failures


def test_unsigned_file_has_no_manifest(media: dict[str, bytes]) -> None:
    assert c2pa.read(media["a.png"], "image/png") == c2pa.C2paReport(False, None)


def test_self_signed_leaf_is_rejected(media: dict[str, bytes]) -> None:
    import datetime

    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "me"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "me"),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=9))
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    pem = cert.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(C2paSigningError):
        c2pa.sign(media["a.png"], "image/png", c2pa.Credentials(pem, key_pem, pem), title="t")


def test_text_has_no_c2pa_mime() -> None:
    with pytest.raises(UnsupportedMedia):
        c2pa.mime_for(MediaKind.TEXT)
