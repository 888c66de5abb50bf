"""Evidence bundles: everything needed to verify a rights claim offline, in one JSON file.

The format is documented in docs/evidence-bundle.md. `verify_bundle` runs named checks in
order — parse, leaf-matches-claim, claim-signature, checkpoint-signature, inclusion,
media-hash, timestamp, source — and reports each; after the first failure the rest skip.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from culturebridge.errors import (
    Error,
    InvalidInput,
    LeafNotFound,
    MalformedBundle,
    VerificationFailed,
)
from culturebridge.rights.checkpoint import SignedCheckpoint, parse_checkpoint, verify_checkpoint
from culturebridge.rights.claims import Claim, claim_from_json, signed_claim_from_leaf
from culturebridge.rights.jcs import canonicalize, parse_json
from culturebridge.rights.keys import public_key_bytes, public_key_from_bytes
from culturebridge.rights.log import StoredCheckpoint, TransparencyLog
from culturebridge.rights.merkle import leaf_hash, verify_inclusion
from culturebridge.rights.timestamp import verify_timestamp

BUNDLE_FORMAT = "culturebridge.evidence-bundle/v1"
CHECKS = (
    "parse", "leaf-matches-claim", "claim-signature", "checkpoint-signature", "inclusion", "media-hash", "timestamp", "source",
)
MAX_BUNDLE_BYTES = 16 << 20
MAX_SOURCE_DEPTH = 16
_REQUIRED = {
    "format": str, "claim": dict, "claim_signature": str, "creator_public_key": str, "leaf": str,
    "leaf_index": int, "tree_size": int, "inclusion_proof": list, "checkpoint": str, "log_public_key": str,
}
_OPTIONAL = {"timestamp": str, "source_bundle": dict}


def build_bundle(log: TransparencyLog, index: int, *, depth: int = 0) -> dict[str, Any]:
    """The evidence bundle of log entry `index`, against the newest checkpoint covering it.

    Signs a new checkpoint when none covers the entry yet (the log needs its key then).
    A derivative's bundle embeds its source's bundle, from the same checkpoint.
    """
    checkpoint = log.latest_checkpoint()
    if checkpoint is None or checkpoint.size <= index:
        if index >= log.head()[0]:
            raise LeafNotFound(index, log.head()[0])
        checkpoint = log.sign_checkpoint()
    return _bundle_at(log, index, checkpoint, depth)


def _bundle_at(log: TransparencyLog, index: int, checkpoint: StoredCheckpoint, depth: int) -> dict[str, Any]:
    leaf = log.entry(index)
    signed = signed_claim_from_leaf(leaf)
    note = checkpoint.signed()
    log_key = log.signer.public_key if log.signer is not None else None
    if log_key is None:
        raise InvalidInput("the log was opened without its key", hint="pass the log key so the bundle names it")
    bundle: dict[str, Any] = {
        "format": BUNDLE_FORMAT,
        "claim": signed.claim.to_json(),
        "claim_signature": _b64(signed.signature),
        "creator_public_key": _b64(signed.public_key),
        "leaf": _b64(leaf),
        "leaf_index": index,
        "tree_size": checkpoint.size,
        "inclusion_proof": [_b64(h) for h in log.inclusion_proof(index, checkpoint.size)],
        "checkpoint": note.to_text(),
        "log_public_key": _b64(public_key_bytes(log_key)),
    }
    if checkpoint.timestamp_token is not None:
        bundle["timestamp"] = _b64(checkpoint.timestamp_token)
    source = signed.claim.source
    if source is not None:
        if depth >= MAX_SOURCE_DEPTH:
            raise InvalidInput(f"the chain of source claims is deeper than {MAX_SOURCE_DEPTH}")
        if source.leaf_index >= checkpoint.size or leaf_hash(log.entry(source.leaf_index)) != source.leaf_hash:
            raise InvalidInput(f"entry {index} names a source claim that is not entry {source.leaf_index} of this log")
        bundle["source_bundle"] = _bundle_at(log, source.leaf_index, checkpoint, depth + 1)
    return bundle


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


# --- verification --------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one named check."""

    name: str
    status: Literal["pass", "fail", "skip"]
    message: str


@dataclass(frozen=True)
class VerificationReport:
    """Every named check of a bundle, in order; `ok` only if none failed."""

    checks: tuple[CheckResult, ...]
    claim: Claim | None = None
    tree_size: int | None = None
    timestamp: str | None = None

    @property
    def ok(self) -> bool:
        return all(c.status != "fail" for c in self.checks)

    @property
    def failed(self) -> CheckResult | None:
        """The failing check, if any."""
        return next((c for c in self.checks if c.status == "fail"), None)

    def raise_for_failure(self) -> None:
        """Raise VerificationFailed naming the failing check, if one failed."""
        bad = self.failed
        if bad is not None:
            raise VerificationFailed(bad.name, bad.message)

    def to_json(self) -> dict[str, Any]:
        return {
            "valid": self.ok,
            "failed_check": None if self.failed is None else self.failed.name,
            "checks": [{"name": c.name, "status": c.status, "message": c.message} for c in self.checks],
            "work_id": None if self.claim is None else self.claim.work_id,
            "rights_holder": None if self.claim is None else self.claim.rights_holder,
            "licence": None if self.claim is None else self.claim.licence.id,
            "tree_size": self.tree_size,
            "timestamp": self.timestamp,
        }


@dataclass
class _Parsed:
    raw: Mapping[str, Any]
    claim: Claim
    claim_signature: bytes
    creator_key: bytes
    leaf: bytes
    leaf_index: int
    tree_size: int
    proof: list[bytes]
    note_text: str
    note: SignedCheckpoint
    log_key: Ed25519PublicKey
    timestamp: bytes | None
    source: Mapping[str, Any] | None


def _strict_b64(text: Any, what: str) -> bytes:
    if not isinstance(text, str):
        raise MalformedBundle(f"{what} must be a base64 string")
    try:
        raw = base64.b64decode(text, validate=True)
    except binascii.Error as exc:
        raise MalformedBundle(f"{what} is not valid base64") from exc
    if _b64(raw) != text:  # one encoding per value: no stray padding bits
        raise MalformedBundle(f"{what} is not canonical base64")
    return raw


def _parse(bundle: Mapping[str, Any] | bytes | str) -> _Parsed:
    if isinstance(bundle, (bytes, str)):
        if len(bundle) > MAX_BUNDLE_BYTES:
            raise MalformedBundle("the bundle is larger than 16 MiB")
        try:
            loaded = parse_json(bundle)
        except Error as exc:
            raise MalformedBundle(f"the bundle is not valid JSON: {exc.message}") from exc
    else:
        loaded = bundle
    if not isinstance(loaded, dict):
        raise MalformedBundle("the bundle must be a JSON object")
    unknown = set(loaded) - set(_REQUIRED) - set(_OPTIONAL)
    if unknown:
        raise MalformedBundle(f"unknown bundle members {sorted(unknown)}")
    for name, kind in {**_REQUIRED, **_OPTIONAL}.items():
        if name not in loaded and name in _OPTIONAL:
            continue
        value = loaded.get(name)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise MalformedBundle(f"bundle member {name!r} is missing or not a {kind.__name__}")
    if loaded["format"] != BUNDLE_FORMAT:
        raise MalformedBundle(f"bundle format {loaded['format']!r} is not {BUNDLE_FORMAT!r}")
    try:
        log_key = public_key_from_bytes(_strict_b64(loaded["log_public_key"], "log_public_key"))
        claim = claim_from_json(loaded["claim"])
        note = parse_checkpoint(loaded["checkpoint"])
    except InvalidInput as exc:
        raise MalformedBundle(exc.message) from exc
    timestamp = _strict_b64(loaded["timestamp"], "timestamp") if "timestamp" in loaded else None
    return _Parsed(
        raw=loaded,
        claim=claim,
        claim_signature=_strict_b64(loaded["claim_signature"], "claim_signature"),
        creator_key=_strict_b64(loaded["creator_public_key"], "creator_public_key"),
        leaf=_strict_b64(loaded["leaf"], "leaf"),
        leaf_index=loaded["leaf_index"],
        tree_size=loaded["tree_size"],
        proof=[_strict_b64(h, "an inclusion_proof hash") for h in loaded["inclusion_proof"]],
        note_text=loaded["checkpoint"],
        note=note,
        log_key=log_key,
        timestamp=timestamp,
        source=loaded.get("source_bundle"),
    )


def verify_bundle(
    bundle: Mapping[str, Any] | bytes | str,
    media_files: Sequence[Path] = (),
    *,
    trusted_log_keys: Sequence[Ed25519PublicKey] = (),
    trusted_tsa_certificates: Sequence[x509.Certificate] = (),
    media_digests: Mapping[str, str] | None = None,
    _depth: int = 0,
) -> VerificationReport:
    """Verify a bundle offline; return a report naming each check and the failing one, if any.

    Media are given as files, or as `media_digests` (file name -> SHA-256 hex) already
    computed by the caller (an upload hashed as it streamed in).

    With `trusted_log_keys`, the bundle's log key must be one of them (pin the log's key);
    otherwise the embedded key is used and the report says so.
    """
    results: list[CheckResult] = []
    state: dict[str, Any] = {}

    def run(name: str, check: Callable[[], str]) -> bool:
        if any(r.status == "fail" for r in results):
            results.append(CheckResult(name, "skip", "not run: an earlier check failed"))
            return False
        try:
            message = check()
        except Error as exc:
            prefix = f"{exc.check}: " if isinstance(exc, VerificationFailed) else ""
            results.append(CheckResult(name, "fail", exc.message.removeprefix(prefix)))
            return False
        results.append(CheckResult(name, "skip" if message.startswith("skipped:") else "pass", message))
        return True

    def parse() -> str:
        state["p"] = _parse(bundle)
        return "the bundle is well-formed"

    def leaf_matches() -> str:
        p: _Parsed = state["p"]
        try:
            signed = signed_claim_from_leaf(p.leaf)
        except InvalidInput as exc:
            raise VerificationFailed("leaf-matches-claim", f"the leaf is not a signed claim: {exc.message}") from exc
        if canonicalize(signed.claim.to_json()) != canonicalize(p.raw["claim"]):
            raise VerificationFailed("leaf-matches-claim", "the claim differs from the one in the logged leaf")
        if signed.signature != p.claim_signature or signed.public_key != p.creator_key:
            raise VerificationFailed("leaf-matches-claim", "the signature or creator key differs from the logged leaf")
        state["signed"] = signed
        return "the logged leaf holds exactly this claim, signature and key"

    def claim_signature() -> str:
        state["signed"].verify()
        return f"signed by creator key {_b64(state['p'].creator_key)}"

    def checkpoint_signature() -> str:
        p: _Parsed = state["p"]
        if trusted_log_keys and public_key_bytes(p.log_key) not in {public_key_bytes(k) for k in trusted_log_keys}:
            raise VerificationFailed("checkpoint-signature", "the bundle's log key is not a trusted log key")
        cp = verify_checkpoint(p.note, p.log_key)
        if cp.size != p.tree_size:
            raise VerificationFailed("checkpoint-signature", f"the checkpoint is for size {cp.size}, not {p.tree_size}")
        pinned = "a pinned" if trusted_log_keys else "the bundle's own (unpinned)"
        return f"{cp.origin} size {cp.size} signed by {pinned} log key"

    def inclusion() -> str:
        p: _Parsed = state["p"]
        verify_inclusion(leaf_hash(p.leaf), p.leaf_index, p.tree_size, p.proof, p.note.checkpoint.root_hash)
        return f"entry {p.leaf_index} is in the tree of {p.tree_size}"

    def media_hash() -> str:
        given = [(path.name, _sha256_file(path)) for path in media_files] + list((media_digests or {}).items())
        if not given:
            return "skipped: no media files given"
        claimed = {a.sha256 for a in state["p"].claim.assets}
        for name, digest in given:
            if digest.lower() not in claimed:
                raise VerificationFailed("media-hash", f"{name} (SHA-256 {digest[:16]}…) is not an asset of this claim")
        return f"{len(given)} file(s) match claimed assets"

    def timestamp() -> str:
        p: _Parsed = state["p"]
        if p.timestamp is None:
            return "skipped: the bundle has no timestamp"
        info = verify_timestamp(p.timestamp, p.note_text.encode(), trusted_tsa_certificates)
        state["time"] = info.time.isoformat()
        anchor = "a trusted" if info.anchored else "an unpinned"
        return f"checkpoint existed at {info.time.isoformat()} ({anchor} TSA: {info.tsa_subject})"

    def source() -> str:
        p: _Parsed = state["p"]
        ref = p.claim.source
        if ref is None:
            if p.source is not None:
                raise VerificationFailed("source", "a source bundle is given but the claim names no source")
            return "skipped: not a derivative"
        if p.source is None:
            raise VerificationFailed("source", "the claim names a source claim but the bundle has no source_bundle")
        if _depth >= MAX_SOURCE_DEPTH:
            raise VerificationFailed("source", f"source bundles nest deeper than {MAX_SOURCE_DEPTH}")
        inner = verify_bundle(
            p.source, trusted_log_keys=trusted_log_keys, trusted_tsa_certificates=trusted_tsa_certificates, _depth=_depth + 1
        )
        if inner.failed is not None:
            raise VerificationFailed("source", f"the source bundle fails {inner.failed.name}: {inner.failed.message}")
        src_leaf = base64.b64decode(p.source["leaf"])
        if leaf_hash(src_leaf) != ref.leaf_hash or p.source["leaf_index"] != ref.leaf_index:
            raise VerificationFailed("source", "the source bundle is not the claim the derivative names")
        return f"derived from entry {ref.leaf_index} ({inner.claim.work_id if inner.claim else '?'})"

    for name, fn in zip(
        CHECKS, (parse, leaf_matches, claim_signature, checkpoint_signature, inclusion, media_hash, timestamp, source), strict=True
    ):
        run(name, fn)
    parsed: _Parsed | None = state.get("p")
    return VerificationReport(
        tuple(results),
        None if parsed is None else parsed.claim,
        None if parsed is None else parsed.tree_size,
        state.get("time"),
    )


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
    except OSError as exc:
        raise InvalidInput(f"cannot read media file {path}: {exc.strerror}") from exc
    return digest.hexdigest()
