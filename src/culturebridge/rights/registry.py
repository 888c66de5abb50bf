"""The rights registry: register a catalog work in the log and keep each work's certificate.

`register_work` builds the claim from the catalog (assets' SHA-256, stored perceptual
fingerprints, rights holder, licence, the source work's claim for a derivative), signs it
with the owner's identity key and appends it to the log in the same transaction that
records the certificate; then a checkpoint is signed (and RFC 3161-timestamped when a TSA is
configured) and written into every certificate it newly covers. A crash between the two
steps leaves a logged claim whose certificate waits for the next checkpoint
(`checkpoint_now`, or `culturebridge rights checkpoint`).
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, select

from culturebridge.accounts.users import User, get_user
from culturebridge.catalog.assets import list_assets
from culturebridge.catalog.lineage import sources_of
from culturebridge.catalog.models import Asset
from culturebridge.catalog.works import get_work, require_editor
from culturebridge.errors import (
    AlreadyRegistered,
    Error,
    InvalidInput,
    SourceNotRegistered,
    WorkNotRegistered,
)
from culturebridge.ids import as_utc, now
from culturebridge.jobs import set_status
from culturebridge.platform import Platform
from culturebridge.rights._tables import certificates, claimed_assets, log_checkpoints, log_leaves
from culturebridge.rights.bundle import build_bundle
from culturebridge.rights.checkpoint import parse_checkpoint
from culturebridge.rights.claims import (
    ALL_RIGHTS_RESERVED,
    Licence,
    SignedClaim,
    SourceRef,
    new_claim,
    sign_claim,
    signed_claim_from_leaf,
)
from culturebridge.rights.identity import ensure_identity_key
from culturebridge.rights.log import MAX_LEAF_BYTES, StoredCheckpoint
from culturebridge.rights.merkle import leaf_hash
from culturebridge.rights.platform import open_log

STAGE = "rights"

# Perceptual fingerprints to put in a claim: asset SHA-256 -> {fingerprint name: value}.
FingerprintSource = Callable[[Connection, Sequence[Asset]], Mapping[str, Mapping[str, str]]]


@dataclass(frozen=True)
class Certificate:
    """A work's registration: its claim's place in the log and the checkpoint that covers it."""

    work_id: str
    leaf_index: int
    leaf_hash: bytes
    licence: Licence
    signer_id: str
    registered_by: str
    registered_at: datetime
    tree_size: int | None
    checkpoint: str | None

    @property
    def root_hash(self) -> bytes | None:
        """The root hash of the covering checkpoint, once there is one."""
        return None if self.checkpoint is None else parse_checkpoint(self.checkpoint).checkpoint.root_hash

    def source_ref(self) -> SourceRef:
        """How a derivative's claim names this claim."""
        return SourceRef(self.leaf_index, self.leaf_hash)

    def to_json(self) -> dict[str, Any]:
        root = self.root_hash
        return {
            "work_id": self.work_id,
            "leaf_index": self.leaf_index,
            "leaf_hash": base64.b64encode(self.leaf_hash).decode(),
            "licence": self.licence.to_json(),
            "signer_id": self.signer_id,
            "registered_by": self.registered_by,
            "registered_at": self.registered_at.isoformat(),
            "tree_size": self.tree_size,
            "root_hash": None if root is None else base64.b64encode(root).decode(),
            "checkpoint": self.checkpoint,
        }


def _certificate(row: Any) -> Certificate:
    m = row._mapping
    return Certificate(
        work_id=m["work_id"],
        leaf_index=int(m["leaf_index"]),
        leaf_hash=bytes(m["leaf_hash"]),
        licence=Licence(m["licence"], m["licence_terms"]),
        signer_id=m["signer_id"],
        registered_by=m["registered_by"],
        registered_at=as_utc(m["registered_at"]),
        tree_size=None if m["tree_size"] is None else int(m["tree_size"]),
        checkpoint=m["checkpoint"],
    )


def certificate(conn: Connection, work_id: str) -> Certificate | None:
    """The work's newest registration, if it has one."""
    row = conn.execute(
        select(certificates).where(certificates.c.work_id == work_id).order_by(certificates.c.leaf_index.desc()).limit(1)
    ).first()
    return None if row is None else _certificate(row)


def require_certificate(conn: Connection, work_id: str) -> Certificate:
    """The work's newest registration; WorkNotRegistered if none."""
    found = certificate(conn, work_id)
    if found is None:
        raise WorkNotRegistered(work_id)
    return found


def certificates_for_sha256(conn: Connection, sha256: str) -> list[Certificate]:
    """Every registration whose claim names a file with this SHA-256, newest first."""
    rows = conn.execute(
        select(certificates)
        .join(claimed_assets, claimed_assets.c.leaf_index == certificates.c.leaf_index)
        .where(claimed_assets.c.sha256 == sha256.strip().lower())
        .order_by(certificates.c.leaf_index.desc())
        .limit(100)
    )
    return [_certificate(r) for r in rows]


def logged_claim(conn: Connection, leaf_index: int) -> SignedClaim:
    """The signed claim stored at a log index."""
    data = conn.execute(select(log_leaves.c.data).where(log_leaves.c.idx == leaf_index)).scalar()
    if data is None:
        raise InvalidInput(f"log entry {leaf_index} does not exist")
    return signed_claim_from_leaf(bytes(data))


def timestamp_token(conn: Connection, tree_size: int) -> bytes | None:
    """The RFC 3161 token stored with the checkpoint of `tree_size`, if it was timestamped."""
    token = conn.execute(
        select(log_checkpoints.c.timestamp_token).where(log_checkpoints.c.size == tree_size)
    ).scalar()
    return None if token is None else bytes(token)


def bundle_url(work_id: str) -> str:
    """Where the web app serves a work's evidence bundle (for links from other stages)."""
    return f"/studio/works/{work_id}/rights/bundle.json"


def register_work(
    platform: Platform,
    actor: User,
    work_id: str,
    licence: Licence | None = None,
    *,
    fingerprints: FingerprintSource | None = None,
) -> Certificate:
    """Sign the work's claim with its owner's identity key, log it and checkpoint it.

    Without `licence`, a re-registration keeps the previous licence and a first one is
    "all rights reserved". A derivative needs its source registered first. `fingerprints`
    gives the perceptual fingerprints the claim carries per file (the fingerprint stage's
    `claim_fingerprints`, passed in by whoever wires the stages together); without it the
    claim names the files by SHA-256 only.
    """
    log = open_log(platform.db, platform.settings)
    with platform.db.write() as conn:
        # Sequenced behind the log head, so two registrations of one work cannot both pass
        # the "already registered" check (SQLite's BEGIN IMMEDIATE serialises them anyway).
        log.lock_in(conn)
        work = get_work(conn, work_id)
        require_editor(actor, work)
        assets = list_assets(conn, work_id)
        if not assets:
            raise InvalidInput(f"work {work_id} has no files to claim", hint="upload the work's files first")
        source = _source_ref(conn, work_id)
        previous = certificate(conn, work_id)
        chosen = licence or (previous.licence if previous else Licence(ALL_RIGHTS_RESERVED))
        prints = fingerprints(conn, assets) if fingerprints is not None else {}
        claim = new_claim(
            work.id, [a.sha256 for a in assets], work.rights_holder, chosen, source=source, fingerprints=prints
        )
        if previous is not None:
            _refuse_repeat(conn, previous, claim.to_json())
        owner = get_user(conn, work.owner_id)
        leaf = sign_claim(claim, ensure_identity_key(conn, platform.settings, owner)).to_leaf()
        if len(leaf) > MAX_LEAF_BYTES:
            raise InvalidInput(
                f"the signed claim over {len(assets)} files is {len(leaf):,} bytes; a log entry holds at most "
                f"{MAX_LEAF_BYTES:,} (C2SP tlog-tiles)",
                hint="split the work into several works of fewer files",
            )
        index = log.append_in(conn, [leaf])[0]
        conn.execute(
            certificates.insert().values(
                leaf_index=index,
                work_id=work.id,
                leaf_hash=leaf_hash(leaf),
                licence=chosen.id,
                licence_terms=chosen.terms,
                signer_id=owner.id,
                registered_by=actor.id,
                registered_at=now(),
                tree_size=None,
                checkpoint=None,
            )
        )
        conn.execute(claimed_assets.insert(), [{"leaf_index": index, "sha256": h} for h in {a.sha256 for a in assets}])
        set_status(conn, work.id, STAGE, "running", f"claim logged as entry {index}; awaiting a checkpoint")
    try:
        checkpoint_now(platform)
    except Error as exc:
        with platform.db.write() as conn:
            set_status(
                conn, work_id, STAGE, "failed",
                f"claim logged as entry {index}, but the checkpoint failed: {exc.message} "
                "(retry with `culturebridge rights checkpoint`)",
            )
        raise
    with platform.db.read() as conn:
        return require_certificate(conn, work_id)


def _source_ref(conn: Connection, work_id: str) -> SourceRef | None:
    edges = sources_of(conn, work_id)
    if not edges:
        return None
    if len(edges) > 1:
        names = ", ".join(sorted(e.source_id for e in edges))
        raise InvalidInput(
            f"work {work_id} is derived from several works ({names}); a rights claim names one source",
            hint="keep one derivation edge for the work this one was made from",
        )
    found = certificate(conn, edges[0].source_id)
    if found is None:
        raise SourceNotRegistered(work_id, edges[0].source_id)
    return found.source_ref()


def _refuse_repeat(conn: Connection, previous: Certificate, claim: Mapping[str, Any]) -> None:
    before = dict(logged_claim(conn, previous.leaf_index).claim.to_json())
    after = dict(claim)
    before.pop("time")
    after.pop("time")
    if before == after:
        raise AlreadyRegistered(
            f"work {previous.work_id} is already registered as log entry {previous.leaf_index} with these files and terms",
            hint="change the licence or the files to register a new claim",
        )


def checkpoint_now(platform: Platform) -> StoredCheckpoint:
    """Sign (and timestamp) a checkpoint of the log; write it into the certificates it covers."""
    checkpoint = open_log(platform.db, platform.settings).sign_checkpoint()
    with platform.db.write() as conn:
        pending = and_(certificates.c.tree_size.is_(None), certificates.c.leaf_index < checkpoint.size)
        works = [r.work_id for r in conn.execute(select(certificates.c.work_id).where(pending).distinct())]
        conn.execute(certificates.update().where(pending).values(tree_size=checkpoint.size, checkpoint=checkpoint.note))
        for work_id in works:
            newest = certificate(conn, work_id)
            if newest is not None and newest.tree_size is not None:
                detail = f"log entry {newest.leaf_index}, checkpoint size {newest.tree_size}"
                set_status(conn, work_id, STAGE, "done", detail)
    return checkpoint


def work_bundle(platform: Platform, work_id: str) -> dict[str, Any]:
    """The evidence bundle of the work's newest claim (callers check who may see it)."""
    with platform.db.read() as conn:
        found = require_certificate(conn, work_id)
    return entry_bundle(platform, found.leaf_index)


def entry_bundle(platform: Platform, leaf_index: int) -> dict[str, Any]:
    """The evidence bundle of a log entry, checkpointing first if no checkpoint covers it."""
    with platform.db.read() as conn:
        pending = conn.execute(select(func.count()).select_from(certificates).where(certificates.c.tree_size.is_(None)))
        needs_checkpoint = bool(pending.scalar())
    if needs_checkpoint:
        checkpoint_now(platform)
    return build_bundle(open_log(platform.db, platform.settings), leaf_index)
