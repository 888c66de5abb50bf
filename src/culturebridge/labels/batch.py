"""`labels check` over many files, in this process or as Ray tasks (`jobs.cluster`).

The files are cut into batches; each batch is checked by `check_file` where it runs and its
reports come back to the caller, one per file in the order given: a task lost with its node
is run again and only its successful attempt's reports are kept, so every file is reported
once. Keys travel as raw Ed25519 public key bytes (RFC 8032 §5.1.5) and the C2PA trust anchor
as PEM. On a cluster of several machines the paths must be readable on every node (a shared
mount at the same path).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from culturebridge.catalog import DEFAULT_MAX_WHOLE_PIXELS
from culturebridge.jobs.cluster import Progress, batches_for, cluster_cpus, run_batches, session
from culturebridge.labels.check import Report, check_file


def check_batch(paths: list[str], raw_keys: tuple[bytes, ...], trust_anchor_pem: bytes | None,
                check_video: bool, ocr: bool, max_whole_pixels: int = DEFAULT_MAX_WHOLE_PIXELS) -> list[Report]:
    """Check some files; one report each, in order."""
    keys = tuple(Ed25519PublicKey.from_public_bytes(k) for k in raw_keys)
    return [check_file(Path(p), public_keys=keys, trust_anchor_pem=trust_anchor_pem, check_video=check_video,
                       ocr=ocr, max_whole_pixels=max_whole_pixels) for p in paths]


def check_files(paths: Sequence[Path], *, public_keys: tuple[Ed25519PublicKey, ...] = (),
                trust_anchor_pem: bytes | None = None, check_video: bool = True, ocr: bool = False,
                ray_address: str = "", batch: int = 0, progress: Progress | None = None,
                max_whole_pixels: int = DEFAULT_MAX_WHOLE_PIXELS) -> list[Report]:
    """`check_file` for every path, on the Ray cluster at `ray_address` (or here)."""
    raw = tuple(k.public_bytes(Encoding.Raw, PublicFormat.Raw) for k in public_keys)
    feature = "`labels check --ray`"
    with session(ray_address, feature):
        parts = batches_for([str(p) for p in paths], cluster_cpus(ray_address), batch or (0 if ray_address else 16))
        done = run_batches(check_batch, parts, raw, trust_anchor_pem, check_video, ocr, max_whole_pixels,
                           ray_address=ray_address, progress=progress, feature=feature)
    return [report for part in done for report in part]
