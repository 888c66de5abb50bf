from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from culturebridge.errors import MalformedClaim, SignatureInvalid
from culturebridge.rights.claims import (
    CC_LICENCES,
    Licence,
    SignedClaim,
    SourceRef,
    claim_from_json,
    new_claim,
    sign_claim,
    signed_claim_from_leaf,
)
from culturebridge.rights.jcs import canonicalize
from culturebridge.rights.merkle import leaf_hash

DIGEST = hashlib.sha256(b"asset").hexdigest()
WHEN = datetime(2026, 11, 23, 12, 0, 5, tzinfo=UTC)


def test_claim_json_is_canonical_and_complete() -> None:
    claim = new_claim("work-1", [DIGEST], "Studio 山水", Licence("CC-BY-NC-4.0"), time=WHEN,
                      fingerprints={DIGEST: {"pdq": "ab12"}})
    assert claim.to_json() == {
        "type": "culturebridge.rights-claim/v1", "work_id": "work-1",
        "assets": [{"sha256": DIGEST, "fingerprints": {"pdq": "ab12"}}], "rights_holder": "Studio 山水",
        "licence": {"id": "CC-BY-NC-4.0"}, "source": None, "time": "2026-11-23T12:00:05Z",
    }
    assert claim.canonical_bytes() == json.dumps(claim.to_json(), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def test_every_licence_kind_is_accepted() -> None:
    for lid in CC_LICENCES:
        new_claim("w", [DIGEST], "h", Licence(lid))
    new_claim("w", [DIGEST], "h", Licence("all-rights-reserved"))
    new_claim("w", [DIGEST], "h", Licence("custom", "Museum display only; no remixes."))


@pytest.mark.parametrize("licence", [Licence("CC-BY-3.0"), Licence("custom"), Licence("CC0-1.0", "extra")])
def test_bad_licences_are_refused(licence: Licence) -> None:
    with pytest.raises(MalformedClaim, match="licence"):
        new_claim("w", [DIGEST], "h", licence)


def test_signed_claim_round_trips_through_leaf_bytes() -> None:
    key = Ed25519PrivateKey.generate()
    source = SourceRef(7, leaf_hash(b"the source claim"))
    claim = new_claim("derived", [DIGEST, "0" * 64], "Creator", Licence("CC-BY-SA-4.0"), source=source, time=WHEN)
    signed = sign_claim(claim, key)
    leaf = signed.to_leaf()
    assert leaf == canonicalize(json.loads(leaf))
    parsed = signed_claim_from_leaf(leaf)
    assert parsed == signed
    assert parsed.verify() == claim
    assert claim_from_json(claim.to_json()).source == source


def test_altered_claim_or_other_key_fails_verification() -> None:
    key = Ed25519PrivateKey.generate()
    signed = sign_claim(new_claim("w", [DIGEST], "Alice", Licence("CC0-1.0"), time=WHEN), key)
    altered = SignedClaim(new_claim("w", [DIGEST], "Mallory", Licence("CC0-1.0"), time=WHEN), signed.signature, signed.public_key)
    with pytest.raises(SignatureInvalid) as info:
        altered.verify()
    assert info.value.check == "claim-signature"
    other = sign_claim(signed.claim, Ed25519PrivateKey.generate())
    with pytest.raises(SignatureInvalid):
        SignedClaim(signed.claim, other.signature, signed.public_key).verify()


@pytest.mark.parametrize(
    "leaf",
    [
        b"",
        b"[]",
        b'{"claim":{},"public_key":"","signature":""}',
    ],
)
def test_malformed_leaves_are_refused(leaf: bytes) -> None:
    with pytest.raises(MalformedClaim):
        signed_claim_from_leaf(leaf)


def test_non_canonical_leaf_is_refused() -> None:
    signed = sign_claim(new_claim("w", [DIGEST], "h", Licence("CC0-1.0"), time=WHEN), Ed25519PrivateKey.generate())
    spaced = json.dumps(signed.to_json(), indent=1).encode()
    with pytest.raises(MalformedClaim, match="canonical"):
        signed_claim_from_leaf(spaced)


@pytest.mark.parametrize(
    ("field", "value"),
    [("work_id", ""), ("assets", []), ("assets", [{"sha256": "XYZ"}]), ("time", "2026-13-01T00:00:00Z"),
     ("time", "yesterday"), ("type", "other"), ("extra", 1), ("source", {"leaf_index": -1, "leaf_hash": ""})],
)
def test_bad_claim_fields_are_refused(field: str, value: object) -> None:
    data = new_claim("w", [DIGEST], "h", Licence("CC0-1.0"), time=WHEN).to_json()
    data[field] = value
    with pytest.raises(MalformedClaim):
        claim_from_json(data)
