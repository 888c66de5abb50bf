from __future__ import annotations

import base64
import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from culturebridge.errors import LeafNotFound, VerificationFailed
from culturebridge.rights.bundle import CHECKS, build_bundle, verify_bundle
from culturebridge.rights.claims import Licence, SourceRef, new_claim, sign_claim
from culturebridge.rights.log import TransparencyLog
from culturebridge.rights.merkle import leaf_hash

MEDIA = b"\x89PNG pretend image bytes of a shadow-puppet poster"


def _register(log: TransparencyLog, work: str, media: bytes, source: SourceRef | None = None) -> int:
    claim = new_claim(work, [hashlib.sha256(media).hexdigest()], "Lantern Studio 灯笼", Licence("CC-BY-4.0"), source=source)
    return log.append([sign_claim(claim, Ed25519PrivateKey.generate()).to_leaf()])[0]


def _populated(log: TransparencyLog) -> int:
    log.append([f"filler {i}".encode() for i in range(5)])
    index = _register(log, "work-shadow-puppets", MEDIA)
    log.append([f"later {i}".encode() for i in range(9)])
    return index


def _failed(bundle: object, **kwargs: Any) -> str | None:
    report = verify_bundle(bundle, **kwargs)  # type: ignore[arg-type]
    return None if report.failed is None else report.failed.name


def test_bundle_has_the_documented_fields_and_verifies(sqlite_log: TransparencyLog, tmp_path: Path) -> None:
    index = _populated(sqlite_log)
    bundle = build_bundle(sqlite_log, index)
    assert {"claim", "claim_signature", "creator_public_key", "leaf", "leaf_index", "tree_size",
            "inclusion_proof", "checkpoint", "log_public_key"} <= set(bundle)
    assert bundle["leaf_index"] == index and bundle["tree_size"] == 15
    media = tmp_path / "poster.png"
    media.write_bytes(MEDIA)
    report = verify_bundle(json.dumps(bundle).encode(), [media], trusted_log_keys=[sqlite_log.signer.public_key])  # type: ignore[union-attr]
    assert report.ok, report.checks
    assert [c.name for c in report.checks] == list(CHECKS)
    assert {c.name: c.status for c in report.checks}["timestamp"] == "skip"
    assert report.claim is not None and report.claim.work_id == "work-shadow-puppets"
    report.raise_for_failure()


def test_other_media_and_untrusted_log_key_fail_by_name(sqlite_log: TransparencyLog, tmp_path: Path) -> None:
    bundle = build_bundle(sqlite_log, _populated(sqlite_log))
    other = tmp_path / "other.png"
    other.write_bytes(MEDIA + b"!")
    assert _failed(bundle, media_files=[other]) == "media-hash"
    assert _failed(bundle, media_files=[tmp_path / "missing.png"]) == "media-hash"
    assert _failed(bundle, trusted_log_keys=[Ed25519PrivateKey.generate().public_key()]) == "checkpoint-signature"
    with pytest.raises(VerificationFailed) as info:
        verify_bundle(bundle, [other]).raise_for_failure()
    assert info.value.check == "media-hash"


def _flip_b64(text: str) -> str:
    raw = bytearray(base64.b64decode(text))
    raw[len(raw) // 2] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


# One mutation per field: (field, how, expected failing check)
MUTATIONS: list[tuple[str, Any, str]] = [
    ("format", lambda b: b.__setitem__("format", "culturebridge.evidence-bundle/v2"), "parse"),
    ("claim", lambda b: b["claim"].__setitem__("rights_holder", "Someone Else"), "leaf-matches-claim"),
    ("claim", lambda b: b["claim"]["assets"][0].__setitem__("sha256", "0" * 64), "leaf-matches-claim"),
    ("claim_signature", lambda b: b.__setitem__("claim_signature", _flip_b64(b["claim_signature"])), "leaf-matches-claim"),
    ("creator_public_key", lambda b: b.__setitem__("creator_public_key", _flip_b64(b["creator_public_key"])), "leaf-matches-claim"),
    ("leaf", lambda b: b.__setitem__("leaf", _flip_b64(b["leaf"])), "leaf-matches-claim"),
    ("leaf_index", lambda b: b.__setitem__("leaf_index", b["leaf_index"] + 1), "inclusion"),
    ("tree_size", lambda b: b.__setitem__("tree_size", b["tree_size"] - 1), "checkpoint-signature"),
    ("inclusion_proof", lambda b: b["inclusion_proof"].__setitem__(1, _flip_b64(b["inclusion_proof"][1])), "inclusion"),
    ("inclusion_proof", lambda b: b["inclusion_proof"].pop(), "inclusion"),
    ("checkpoint", lambda b: b.__setitem__("checkpoint", b["checkpoint"].replace("\n15\n", "\n16\n")), "checkpoint-signature"),
    ("checkpoint", lambda b: b.__setitem__("checkpoint", b["checkpoint"][:-2]), "parse"),
    ("log_public_key", lambda b: b.__setitem__("log_public_key", _flip_b64(b["log_public_key"])), "checkpoint-signature"),
    ("leaf_index", lambda b: b.__setitem__("leaf_index", "5"), "parse"),
    ("extra", lambda b: b.__setitem__("extra", 1), "parse"),
    ("claim", lambda b: b.pop("claim"), "parse"),
]


@pytest.mark.parametrize(("field", "mutate", "check"), MUTATIONS)
def test_each_field_altered_fails_the_right_check(sqlite_log: TransparencyLog, field: str, mutate: Any, check: str) -> None:
    bundle = build_bundle(sqlite_log, _populated(sqlite_log))
    bad = copy.deepcopy(bundle)
    mutate(bad)
    assert bad != bundle, field
    assert _failed(bad) == check


def test_every_flipped_byte_of_the_file_fails(sqlite_log: TransparencyLog) -> None:
    data = json.dumps(build_bundle(sqlite_log, _populated(sqlite_log)), ensure_ascii=False).encode()
    assert _failed(data) is None
    passed = []
    for pos in range(len(data)):
        for bit in (0x01, 0x20):
            mutated = bytearray(data)
            mutated[pos] ^= bit
            if _failed(bytes(mutated)) is None:
                passed.append((pos, bit, data[max(0, pos - 10): pos + 10]))
    assert passed == []


def test_proof_for_another_tree_size_or_replayed_checkpoint_fails(sqlite_log: TransparencyLog) -> None:
    index = _populated(sqlite_log)
    old = build_bundle(sqlite_log, index)
    sqlite_log.append([b"more"])
    sqlite_log.sign_checkpoint()
    new = build_bundle(sqlite_log, index)
    assert new["tree_size"] == old["tree_size"] + 1
    mixed = {**new, "checkpoint": old["checkpoint"]}  # replay the old checkpoint
    assert _failed(mixed) == "checkpoint-signature"
    mixed = {**old, "inclusion_proof": [base64.b64encode(b"\0" * 32).decode(), *old["inclusion_proof"][1:]]}
    assert _failed(mixed) == "inclusion"
    other_log_key = Ed25519PrivateKey.generate()
    forged = {**new, "log_public_key": base64.b64encode(other_log_key.public_key().public_bytes_raw()).decode()}
    assert _failed(forged) == "checkpoint-signature"


def test_truncated_and_garbage_files_fail_parse(sqlite_log: TransparencyLog) -> None:
    data = json.dumps(build_bundle(sqlite_log, _populated(sqlite_log))).encode()
    for bad in (data[: len(data) // 2], b"", b"\xff\xfe", b"[1,2]", b"{}" , b'{"a": 1.5}'):
        assert _failed(bad) == "parse"


def test_derivative_bundle_carries_and_checks_its_source(sqlite_log: TransparencyLog) -> None:
    source_index = _populated(sqlite_log)
    ref = SourceRef(source_index, leaf_hash(sqlite_log.entry(source_index)))
    derived = _register(sqlite_log, "work-shadow-puppets-en", b"english cut", source=ref)
    bundle = build_bundle(sqlite_log, derived)
    assert bundle["source_bundle"]["leaf_index"] == source_index
    report = verify_bundle(bundle)
    assert report.ok and [c.status for c in report.checks][-1] == "pass"
    missing = {k: v for k, v in bundle.items() if k != "source_bundle"}
    assert _failed(missing) == "source"
    swapped = copy.deepcopy(bundle)
    unrelated = _register(sqlite_log, "another work", b"other media")
    swapped["source_bundle"] = build_bundle(sqlite_log, unrelated)
    assert _failed(swapped) == "source"
    broken = copy.deepcopy(bundle)
    broken["source_bundle"]["claim"]["work_id"] = "forged"
    assert _failed(broken) == "source"


def test_bundle_for_a_missing_entry_is_not_found(sqlite_log: TransparencyLog) -> None:
    with pytest.raises(LeafNotFound):
        build_bundle(sqlite_log, 3)
