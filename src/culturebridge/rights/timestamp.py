"""RFC 3161 trusted timestamps on checkpoints: request a token from a TSA, verify it offline.

The message imprint is SHA-256 of the exact signed checkpoint note text (UTF-8), so the
token proves the checkpoint — and every entry it commits to — existed at the TSA's time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import rfc3161ng
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.x509.oid import ExtendedKeyUsageOID
from pyasn1.codec.der import decoder, encoder

from culturebridge.errors import TimestampFailed, VerificationFailed

_CHECK = "timestamp"


@dataclass(frozen=True)
class TimestampAuthority:
    """An RFC 3161 TSA reached over HTTP(S)."""

    url: str
    timeout: float = 10.0

    def timestamp(self, data: bytes) -> bytes:
        """A DER TimeStampToken over SHA-256(data), with the TSA certificate included."""
        stamper = rfc3161ng.RemoteTimestamper(
            self.url, hashname="sha256", include_tsa_certificate=True, timeout=self.timeout
        )
        try:
            token = stamper.timestamp(data=data)
        except Exception as exc:  # rfc3161ng raises requests, pyasn1 and its own errors alike
            raise TimestampFailed(
                f"the timestamp authority at {self.url} failed: {exc}",
                hint="check the TSA URL in the settings and that the TSA is reachable",
            ) from exc
        if not isinstance(token, bytes):
            raise TimestampFailed(f"the timestamp authority at {self.url} returned no token")
        verify_timestamp(token, data)  # never store a token we could not verify later
        return token


@dataclass(frozen=True)
class TimestampInfo:
    """What a verified token says: when, and which TSA certificate signed it."""

    time: datetime
    tsa_subject: str
    anchored: bool  # True when the signer is a given trusted certificate or issued by one


_SIGNING_CERTIFICATE = ("1.2.840.113549.1.9.16.2.12", "1.2.840.113549.1.9.16.2.47")  # ESS v1, v2


def _signer_certificate(token: bytes) -> x509.Certificate:
    tst, rest = decoder.decode(token, asn1Spec=rfc3161ng.TimeStampToken())
    if rest or encoder.encode(tst) != token:
        raise ValueError("the token is not canonical DER")
    certs = tst.content["certificates"]
    if not certs or len(certs) == 0:
        raise ValueError("the token carries no TSA certificate")
    der = encoder.encode(certs[0][0])
    cert = x509.load_der_x509_certificate(der)
    _check_structure(tst, cert)
    # RFC 3161 §2.4.1 / RFC 5035: the signed ESS signing-certificate attribute names the
    # signer's certificate by hash; without this the embedded certificate is unauthenticated.
    wanted = (hashlib.sha1(der).digest(), hashlib.sha256(der).digest())
    attributes = tst.content["signerInfos"][0]["authenticatedAttributes"]
    for attribute in attributes:
        if str(attribute[0]) in _SIGNING_CERTIFICATE:
            value = encoder.encode(attribute[1])
            if any(h in value for h in wanted):
                return cert
    raise ValueError("the signed attributes do not name the embedded TSA certificate")


_SIGNED_DATA = "1.2.840.113549.1.7.2"
_RSA_SIGNATURES = {"1.2.840.113549.1.1.1", "1.2.840.113549.1.1.11", "1.2.840.113549.1.1.12", "1.2.840.113549.1.1.13"}


def _check_structure(tst: Any, cert: x509.Certificate) -> None:
    # rfc3161ng checks imprint and signature only; the CMS fields around them (RFC 5652
    # §5.1, §5.3) must also say what the signature means, or a changed byte goes unnoticed.
    if str(tst["contentType"]) != _SIGNED_DATA:
        raise ValueError("the token is not CMS SignedData")
    signed = tst.content
    signer = signed["signerInfos"][0]
    if len(signed["signerInfos"]) != 1 or int(signed["version"]) not in (1, 3) or int(signer["version"]) != 1:
        raise ValueError("the token must have exactly one version-1 signer")
    digest_alg = encoder.encode(signer["digestAlgorithm"])
    if digest_alg not in {encoder.encode(a) for a in signed["digestAlgorithms"]}:
        raise ValueError("the signer's digest algorithm is not declared in the SignedData")
    sid = signer["issuerAndSerialNumber"]
    if int(sid["serialNumber"]) != cert.serial_number or encoder.encode(sid["issuer"]) != cert.issuer.public_bytes():
        raise ValueError("the signer identifier does not name the embedded TSA certificate")
    algorithm = signer["digestEncryptionAlgorithm"]
    if str(algorithm["algorithm"]) not in _RSA_SIGNATURES:
        raise ValueError("the token is not signed with RSA PKCS#1 v1.5")
    params = algorithm["parameters"]
    if params.hasValue() and bytes(params) not in (b"\x05\x00",):
        raise ValueError("unexpected signature algorithm parameters")


def verify_timestamp(token: bytes, data: bytes, trusted: Sequence[x509.Certificate] = ()) -> TimestampInfo:
    """Verify a token's signature and imprint over `data`; with `trusted`, also its anchor."""
    try:
        cert = _signer_certificate(token)
        rfc3161ng.check_timestamp(token, certificate=b"", data=data, hashname="sha256")
        when = rfc3161ng.get_timestamp(token, naive=False)
    except Exception as exc:  # pyasn1, rfc3161ng and cryptography raise many kinds on damaged DER
        raise VerificationFailed(_CHECK, f"the RFC 3161 token does not verify over the checkpoint: {exc or type(exc).__name__}") from exc
    try:
        eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    except x509.ExtensionNotFound as exc:
        raise VerificationFailed(_CHECK, "the TSA certificate has no extended key usage") from exc
    if not eku.critical or ExtendedKeyUsageOID.TIME_STAMPING not in eku.value:
        raise VerificationFailed(_CHECK, "the TSA certificate lacks the critical timeStamping key usage (RFC 3161 §2.3)")
    anchored = False
    for anchor in trusted:
        if cert == anchor:
            anchored = True
            break
        try:
            cert.verify_directly_issued_by(anchor)
        except (ValueError, TypeError, InvalidSignature):
            continue
        anchored = True
        break
    if trusted and not anchored:
        raise VerificationFailed(_CHECK, f"the TSA certificate {cert.subject.rfc4514_string()!r} is not trusted")
    if not when.tzinfo:
        when = when.replace(tzinfo=UTC)
    return TimestampInfo(when, cert.subject.rfc4514_string(), anchored)
