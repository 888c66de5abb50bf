"""Rights claims: what a creator asserts about a work, signed with their Ed25519 identity key.

The signature covers the RFC 8785 canonical JSON of the claim object; the signed claim —
`{"claim": ..., "public_key": base64, "signature": base64}`, canonical JSON too — is the
exact leaf the transparency log stores, so its leaf hash commits to claim, key and signature.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from culturebridge.errors import MalformedClaim, SignatureInvalid
from culturebridge.rights.jcs import canonicalize, parse_json
from culturebridge.rights.keys import public_key_bytes, public_key_from_bytes

CLAIM_TYPE = "culturebridge.rights-claim/v1"
# SPDX identifiers of the Creative Commons 4.0 licences, plus our two non-CC terms.
CC_LICENCES = (
    "CC0-1.0", "CC-BY-4.0", "CC-BY-SA-4.0", "CC-BY-NC-4.0", "CC-BY-NC-SA-4.0", "CC-BY-ND-4.0", "CC-BY-NC-ND-4.0",
)
ALL_RIGHTS_RESERVED = "all-rights-reserved"
CUSTOM = "custom"
LICENCES = (*CC_LICENCES, ALL_RIGHTS_RESERVED, CUSTOM)
_HEX64 = re.compile(r"[0-9a-f]{64}")
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
_MAX_TEXT = 20_000


@dataclass(frozen=True)
class AssetDigest:
    """One asset of the work: its SHA-256 and optional perceptual fingerprints (name → value)."""

    sha256: str
    fingerprints: tuple[tuple[str, str], ...] = ()

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {"sha256": self.sha256}
        if self.fingerprints:
            data["fingerprints"] = dict(self.fingerprints)
        return data


@dataclass(frozen=True)
class Licence:
    """A CC 4.0 licence or CC0 (SPDX id), all rights reserved, or custom terms text."""

    id: str
    terms: str | None = None

    def to_json(self) -> dict[str, object]:
        return {"id": self.id} if self.terms is None else {"id": self.id, "terms": self.terms}


@dataclass(frozen=True)
class SourceRef:
    """The source work's claim in the log, for a derivative: its leaf index and leaf hash."""

    leaf_index: int
    leaf_hash: bytes

    def to_json(self) -> dict[str, object]:
        return {"leaf_index": self.leaf_index, "leaf_hash": base64.b64encode(self.leaf_hash).decode()}


@dataclass(frozen=True)
class Claim:
    """A rights claim over a work and its assets."""

    work_id: str
    assets: tuple[AssetDigest, ...]
    rights_holder: str
    licence: Licence
    time: datetime
    source: SourceRef | None = None

    def to_json(self) -> dict[str, object]:
        """The claim object (the signed payload, before canonicalisation)."""
        return {
            "type": CLAIM_TYPE,
            "work_id": self.work_id,
            "assets": [a.to_json() for a in self.assets],
            "rights_holder": self.rights_holder,
            "licence": self.licence.to_json(),
            "source": None if self.source is None else self.source.to_json(),
            "time": self.time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }

    def canonical_bytes(self) -> bytes:
        """The RFC 8785 bytes that are signed."""
        return canonicalize(self.to_json())


def new_claim(
    work_id: str,
    asset_sha256: Sequence[str],
    rights_holder: str,
    licence: Licence,
    *,
    source: SourceRef | None = None,
    fingerprints: Mapping[str, Mapping[str, str]] | None = None,
    time: datetime | None = None,
) -> Claim:
    """Build and validate a claim; `fingerprints` maps an asset's SHA-256 to its fingerprints."""
    prints = fingerprints or {}
    assets = tuple(AssetDigest(h, tuple(sorted(prints.get(h, {}).items()))) for h in asset_sha256)
    when = (time or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    claim = Claim(work_id, assets, rights_holder, licence, when, source)
    return claim_from_json(claim.to_json())  # one validator for built and parsed claims


def _text(obj: Mapping[str, object], key: str, *, optional: bool = False) -> str | None:
    value = obj.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > _MAX_TEXT:
        raise MalformedClaim(f"claim field {key!r} must be a non-empty string of at most {_MAX_TEXT} characters")
    return value


def _object(value: object, what: str, allowed: set[str]) -> Mapping[str, object]:
    if not isinstance(value, dict):
        raise MalformedClaim(f"{what} must be a JSON object")
    extra = set(value) - allowed
    if extra:
        raise MalformedClaim(f"{what} has unknown members {sorted(extra)}")
    return value


def claim_from_json(value: object) -> Claim:
    """Validate a claim object strictly; MalformedClaim naming the bad field."""
    obj = _object(value, "the claim", {"type", "work_id", "assets", "rights_holder", "licence", "source", "time"})
    if obj.get("type") != CLAIM_TYPE:
        raise MalformedClaim(f"claim type must be {CLAIM_TYPE!r}")
    assets_json = obj.get("assets")
    if not isinstance(assets_json, list) or not assets_json:
        raise MalformedClaim("claim field 'assets' must be a non-empty list", hint="claim at least one asset's SHA-256")
    assets: list[AssetDigest] = []
    for item in assets_json:
        a = _object(item, "an asset", {"sha256", "fingerprints"})
        digest = a.get("sha256")
        if not isinstance(digest, str) or not _HEX64.fullmatch(digest):
            raise MalformedClaim("an asset's 'sha256' must be 64 lowercase hex digits")
        prints = a.get("fingerprints", {})
        if not isinstance(prints, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in prints.items()):
            raise MalformedClaim("an asset's 'fingerprints' must map names to strings")
        assets.append(AssetDigest(digest, tuple(sorted(prints.items()))))
    lic = _object(obj.get("licence"), "the licence", {"id", "terms"})
    lic_id = lic.get("id")
    if lic_id not in LICENCES:
        raise MalformedClaim(f"licence {lic_id!r} is not one of {', '.join(LICENCES)}")
    terms = _text(lic, "terms", optional=True)
    if (lic_id == CUSTOM) != (terms is not None):
        raise MalformedClaim("licence 'terms' is required for 'custom' and only for it")
    source: SourceRef | None = None
    if obj.get("source") is not None:
        src = _object(obj["source"], "the source", {"leaf_index", "leaf_hash"})
        index, leaf = src.get("leaf_index"), src.get("leaf_hash")
        if not isinstance(index, int) or isinstance(index, bool) or index < 0 or not isinstance(leaf, str):
            raise MalformedClaim("the source needs a 'leaf_index' ≥ 0 and a base64 'leaf_hash'")
        source = SourceRef(index, _b64(leaf, "source leaf_hash", 32))
    time_text = obj.get("time")
    if not isinstance(time_text, str) or not _TIME.fullmatch(time_text):
        raise MalformedClaim("claim field 'time' must be UTC as YYYY-MM-DDTHH:MM:SSZ")
    try:
        when = datetime.strptime(time_text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError as exc:
        raise MalformedClaim(f"claim time {time_text!r} is not a real date") from exc
    work_id, holder = _text(obj, "work_id"), _text(obj, "rights_holder")
    assert work_id is not None and holder is not None
    return Claim(work_id, tuple(assets), holder, Licence(str(lic_id), terms), when, source)


def _b64(text: str, what: str, length: int) -> bytes:
    try:
        raw = base64.b64decode(text, validate=True)
    except binascii.Error as exc:
        raise MalformedClaim(f"{what} is not base64") from exc
    if len(raw) != length:
        raise MalformedClaim(f"{what} must be {length} bytes, not {len(raw)}")
    return raw


@dataclass(frozen=True)
class SignedClaim:
    """A claim with its creator's Ed25519 signature and public key: the log leaf."""

    claim: Claim
    signature: bytes
    public_key: bytes

    def to_json(self) -> dict[str, object]:
        return {
            "claim": self.claim.to_json(),
            "public_key": base64.b64encode(self.public_key).decode(),
            "signature": base64.b64encode(self.signature).decode(),
        }

    def to_leaf(self) -> bytes:
        """The exact leaf bytes stored in the log (RFC 8785 canonical JSON)."""
        return canonicalize(self.to_json())

    def verify(self) -> Claim:
        """Return the claim if the signature verifies with the embedded key; SignatureInvalid otherwise."""
        try:
            public_key_from_bytes(self.public_key).verify(self.signature, self.claim.canonical_bytes())
        except InvalidSignature as exc:
            raise SignatureInvalid(
                "claim-signature", "the creator's signature does not match the claim",
                hint="the claim was altered after signing, or signed by another key",
            ) from exc
        return self.claim


def sign_claim(claim: Claim, key: Ed25519PrivateKey) -> SignedClaim:
    """Sign a claim with a creator's identity key."""
    return SignedClaim(claim, key.sign(claim.canonical_bytes()), public_key_bytes(key))


def signed_claim_from_leaf(leaf: bytes) -> SignedClaim:
    """Parse log leaf bytes; they must be exactly the canonical JSON of a signed claim."""
    obj = _object(parse_json(leaf), "the signed claim", {"claim", "public_key", "signature"})
    pk, sig = obj.get("public_key"), obj.get("signature")
    if not isinstance(pk, str) or not isinstance(sig, str):
        raise MalformedClaim("a signed claim needs base64 'public_key' and 'signature'")
    signed = SignedClaim(claim_from_json(obj.get("claim")), _b64(sig, "signature", 64), _b64(pk, "public_key", 32))
    if signed.to_leaf() != leaf:
        raise MalformedClaim("the leaf is not in RFC 8785 canonical form")
    return signed
