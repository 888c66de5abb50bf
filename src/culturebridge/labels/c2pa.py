"""C2PA manifests (C2PA 2.x): sign with `c2pa.actions`/`c2pa.created`, read back and validate.

The signing chain is a local CA and a leaf certificate (X.509 v3 with O and an EKU, as
C2PA §14.5 requires; a self-signed leaf is rejected). Validation runs offline (`ta_url`
None); our own CA can be given as a trust anchor so our manifests validate as Trusted.
"""

from __future__ import annotations

import datetime
import io
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import c2pa as _c2pa
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from culturebridge.errors import C2paSigningError, SigningCredentialsMissing, UnsupportedMedia
from culturebridge.labels.sniff import MediaKind
from culturebridge.labels.xmp import TRAINED

# Media types c2pa-python embeds into, by sniffed kind (C2PA covers images, audio, video).
# FLAC is left out: c2pa-rs rewrites the metadata blocks and drops our Vorbis comment.
MIME: dict[MediaKind, str] = {
    MediaKind.PNG: "image/png",
    MediaKind.JPEG: "image/jpeg",
    MediaKind.WEBP: "image/webp",
    MediaKind.MP4: "video/mp4",
    MediaKind.MP3: "audio/mpeg",
    MediaKind.WAV: "audio/wav",
    MediaKind.PDF: "application/pdf",
}
CHAIN_FILE = "c2pa-chain.pem"
KEY_FILE = "c2pa-signer.key"
CA_FILE = "c2pa-ca.pem"
CA_KEY_FILE = "c2pa-ca.key"
_PARENT_LABEL = "parent"  # the parentOf ingredient's label, referenced by `c2pa.opened`


@dataclass(frozen=True)
class Credentials:
    """A leaf+CA certificate chain (PEM), the leaf's private key (PEM) and the CA (PEM)."""

    chain_pem: bytes
    key_pem: bytes
    ca_pem: bytes


@dataclass(frozen=True)
class Parent:
    """The source work of a derivative, added as a `parentOf` ingredient."""

    data: bytes
    mime: str
    title: str


@dataclass(frozen=True)
class C2paReport:
    """What a C2PA manifest store says: presence, validation state, AI source types."""

    present: bool
    validation_state: str | None  # "Invalid", "Valid" or "Trusted" (C2PA 2.x §15)
    digital_source_types: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()
    parents: tuple[str, ...] = ()
    failures: tuple[str, ...] = ()


def _name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
        ]
    )


def _usage(*, sign: bool, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=sign,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _write_secret(path: Path, blob: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(blob)
    os.chmod(path, 0o600)


def make_credentials(organisation: str, *, now: datetime.datetime | None = None) -> Credentials:
    """A fresh local CA -> leaf chain for ES256 C2PA signing (pure: nothing written)."""
    now = now or datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name(f"{organisation} C2PA CA", organisation)
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(sign=False, ca=True), critical=True)
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(_name(f"{organisation} C2PA signer", organisation))
        .issuer_name(ca_name)
        .public_key(leaf_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=730))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(sign=True, ca=False), critical=True)
        # C2PA §14.5.1: the signer EKU must be one of the listed purposes (email protection ok).
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(leaf_key.public_key()), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    ca_pem = ca.public_bytes(pem)
    return Credentials(leaf.public_bytes(pem) + ca_pem, _pem_key(leaf_key), ca_pem)


def create_signing_chain(directory: Path, organisation: str = "culturebridge") -> Credentials:
    """Create a CA -> leaf chain in `directory` (keys mode 0600); the lead's `init` calls it."""
    directory.mkdir(parents=True, exist_ok=True)
    creds = make_credentials(organisation)
    (directory / CHAIN_FILE).write_bytes(creds.chain_pem)
    (directory / CA_FILE).write_bytes(creds.ca_pem)
    _write_secret(directory / KEY_FILE, creds.key_pem)
    # The CA key is not needed to sign manifests; we keep none (a new chain is cheap).
    return creds


def load_credentials(directory: Path) -> Credentials:
    """Read a chain made by `create_signing_chain`."""
    try:
        return Credentials(
            (directory / CHAIN_FILE).read_bytes(),
            (directory / KEY_FILE).read_bytes(),
            (directory / CA_FILE).read_bytes(),
        )
    except OSError as exc:
        raise SigningCredentialsMissing(
            f"C2PA credentials unreadable in {directory}: {exc.strerror}",
            hint="create them with `culturebridge init` or labels.create_signing_chain",
        ) from None


def mime_for(kind: MediaKind) -> str:
    """The media type c2pa-python needs for a sniffed kind, or UnsupportedMedia."""
    mime = MIME.get(kind)
    if mime is None:
        raise UnsupportedMedia(f"C2PA manifests are not embedded in {kind.value} files here")
    return mime


def _manifest(title: str, source_type: str, *, edited: bool = False) -> dict[str, Any]:
    # C2PA 2.x §18.15 actions: `c2pa.created` with the IPTC digital source type; for a
    # derivative the source work rides along as the `parentOf` ingredient. An edit of an
    # earlier file opens it (the first action must be created or opened, naming the parent
    # ingredient) and then records `c2pa.edited` with the source type of the change.
    actions: list[dict[str, Any]] = [{"action": "c2pa.created", "digitalSourceType": source_type}]
    if edited:
        actions = [
            {"action": "c2pa.opened", "parameters": {"ingredientIds": [_PARENT_LABEL]}},
            {"action": "c2pa.edited", "digitalSourceType": source_type},
        ]
    return {
        "claim_generator_info": [{"name": "culturebridge", "version": "0.1.0"}],
        "title": title,
        "assertions": [{"label": "c2pa.actions", "data": {"actions": actions}}],
    }


def sign(
    data: bytes,
    mime: str,
    credentials: Credentials,
    *,
    title: str,
    digital_source_type: str = TRAINED,
    parent: Parent | None = None,
    thumbnail: bool = True,
    edited: bool = False,
) -> bytes:
    """`data` with an embedded C2PA manifest declaring AI creation (and its parent, if any).

    `edited`: the file is an edit of `parent` (`c2pa.opened` + `c2pa.edited`), not a creation.
    """
    if edited and parent is None:
        raise C2paSigningError("an edit needs the edited file as parent", hint="pass parent=")
    try:
        info = _c2pa.C2paSignerInfo(
            alg=b"es256",
            sign_cert=credentials.chain_pem,
            private_key=credentials.key_pem,
            ta_url=None,
        )
        signer = _c2pa.Signer.from_info(info)
        # The claim thumbnail costs ~0.3 s on a 1024 px image; bulk runs may skip it.
        context = (
            None
            if thumbnail
            else _c2pa.Context.from_dict({"builder": {"thumbnail": {"enabled": False}}})
        )
        builder = _c2pa.Builder(_manifest(title, digital_source_type, edited=edited), context=context)
        if parent is not None:
            ingredient = {"title": parent.title, "relationship": "parentOf", "label": _PARENT_LABEL}
            builder.add_ingredient(ingredient, parent.mime, io.BytesIO(parent.data))
        out = io.BytesIO()
        builder.sign(signer, mime, io.BytesIO(data), out)
        return out.getvalue()
    except _c2pa.C2paError as exc:
        raise C2paSigningError(
            f"C2PA signing failed: {exc}", hint="check the certificate chain"
        ) from None


def _trust_context(ca_pem: bytes) -> Any:
    settings = {
        "trust": {"trust_anchors": ca_pem.decode("ascii")},
        "verify": {"verify_trust": True},
    }
    return _c2pa.Context.from_dict(settings)


def read(data: bytes, mime: str, *, trust_anchor_pem: bytes | None = None) -> C2paReport:
    """Validate the embedded manifest store offline; absent store -> present=False."""
    try:
        context = _trust_context(trust_anchor_pem) if trust_anchor_pem else None
        reader = _c2pa.Reader(mime, io.BytesIO(data), context=context)
        store = json.loads(reader.json())
        state = reader.get_validation_state()
    except _c2pa.C2paError as exc:
        text = str(exc)
        if "ManifestNotFound" in text or "JumbfNotFound" in text or "no JUMBF" in text.lower():
            return C2paReport(False, None)
        if "could not be parsed" in text or "NotSupported" in text:
            # The asset itself is unreadable to c2pa-rs: we cannot tell whether a store exists.
            return C2paReport(False, None, failures=(text,))
        return C2paReport(True, "Invalid", failures=(text,))
    return _report(store, state)


def _report(store: dict[str, Any], state: str | None) -> C2paReport:
    active = store.get("manifests", {}).get(store.get("active_manifest", ""), {})
    types: list[str] = []
    actions: list[str] = []
    for assertion in active.get("assertions", []):
        if str(assertion.get("label", "")).startswith("c2pa.actions"):
            for act in assertion.get("data", {}).get("actions", []):
                actions.append(str(act.get("action", "")))
                if act.get("digitalSourceType"):
                    types.append(str(act["digitalSourceType"]))
    parents = tuple(
        str(i.get("title", ""))
        for i in active.get("ingredients", [])
        if i.get("relationship") == "parentOf"
    )
    failures = tuple(
        str(s.get("code", ""))
        for s in store.get("validation_status", [])
        if s.get("code") != "signingCredential.untrusted"
    )
    return C2paReport(True, state, tuple(types), tuple(actions), parents, failures)
