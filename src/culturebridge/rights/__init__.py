"""Rights: signed claims in an RFC 9162 transparency log, C2SP checkpoints, evidence bundles.

Pure core: `merkle` (hashes and proofs), `checkpoint` (signed notes), `claims` (claims and
RFC 8785 JSON), `tiles` (C2SP tile paths and contents). At the edges: `log` (the durable log
on the database), `bundle` (build from the log, verify offline), `timestamp` (RFC 3161),
`keys` (key files), `platform` (opening the log from settings), `identity` (creators'
keys), `registry` (registering catalog works, certificates) and `http` (the read API router).
"""

from culturebridge.rights import _tables  # noqa: F401  (registers the stage's tables)
from culturebridge.rights.activity import activity
from culturebridge.rights.attention import unregistered_works
from culturebridge.rights.bundle import (
    CHECKS,
    CheckResult,
    VerificationReport,
    build_bundle,
    verify_bundle,
)
from culturebridge.rights.checkpoint import (
    Checkpoint,
    SignedCheckpoint,
    parse_checkpoint,
    sign_checkpoint,
    verifier_key,
    verify_checkpoint,
)
from culturebridge.rights.claims import (
    LICENCES,
    Claim,
    Licence,
    SignedClaim,
    SourceRef,
    new_claim,
    sign_claim,
    signed_claim_from_leaf,
)
from culturebridge.rights.identity import ensure_identity_key, identity_key_path
from culturebridge.rights.keys import (
    create_identity_key,
    create_log_key,
    load_log_key,
    load_private_key,
    public_key_bytes,
    public_key_from_base64,
)
from culturebridge.rights.log import LogSigner, StoredCheckpoint, TransparencyLog
from culturebridge.rights.merkle import leaf_hash, root_hash, verify_consistency, verify_inclusion
from culturebridge.rights.platform import log_key_path, make_log_key, open_log
from culturebridge.rights.registry import (
    Certificate,
    bundle_url,
    certificate,
    certificates_for_sha256,
    checkpoint_now,
    entry_bundle,
    register_work,
    require_certificate,
    work_bundle,
)
from culturebridge.rights.timestamp import TimestampAuthority, verify_timestamp

__all__ = [
    "activity",
    "CHECKS",
    "LICENCES",
    "Certificate",
    "CheckResult",
    "Checkpoint",
    "Claim",
    "Licence",
    "LogSigner",
    "SignedCheckpoint",
    "SignedClaim",
    "SourceRef",
    "StoredCheckpoint",
    "TimestampAuthority",
    "TransparencyLog",
    "VerificationReport",
    "build_bundle",
    "bundle_url",
    "certificate",
    "certificates_for_sha256",
    "checkpoint_now",
    "create_identity_key",
    "create_log_key",
    "ensure_identity_key",
    "entry_bundle",
    "identity_key_path",
    "leaf_hash",
    "load_log_key",
    "load_private_key",
    "log_key_path",
    "make_log_key",
    "new_claim",
    "open_log",
    "parse_checkpoint",
    "public_key_bytes",
    "public_key_from_base64",
    "register_work",
    "require_certificate",
    "root_hash",
    "sign_checkpoint",
    "sign_claim",
    "unregistered_works",
    "signed_claim_from_leaf",
    "verifier_key",
    "verify_bundle",
    "verify_checkpoint",
    "verify_consistency",
    "verify_inclusion",
    "verify_timestamp",
    "work_bundle",
]
