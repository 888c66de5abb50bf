"""The durable transparency log on the database: sequenced appends, proofs, signed checkpoints.

Appends are sequenced inside one write transaction that locks the log-head row, so any
number of processes can append without forking the tree; a crash rolls the whole batch
back. Every perfect subtree hash is stored once (`rights_log_nodes`), so a proof reads
O(log n) rows. The log signs a checkpoint only after proving (RFC 9162 §2.1.4) that the
tree extends the previous checkpoint, so it never signs two inconsistent views.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from culturebridge.errors import (
    ConfigurationError,
    InvalidInput,
    LeafNotFound,
    LogInconsistent,
    ProofMismatch,
)
from culturebridge.rights._tables import log_checkpoints, log_head, log_leaves, log_nodes
from culturebridge.rights.checkpoint import (
    Checkpoint,
    SignedCheckpoint,
    parse_checkpoint,
    sign_checkpoint,
)
from culturebridge.rights.merkle import (
    EMPTY_ROOT,
    NodeId,
    consistency_ranges,
    fold_right,
    hash_ranges,
    inclusion_ranges,
    leaf_hash,
    node_hash,
    perfect_nodes,
    verify_consistency,
)
from culturebridge.storage import Database

_HEAD_ID = 1
_LEVEL_SHIFT = 48  # node_id = level << 48 | index: room for 2^48 leaves
MAX_LEAF_BYTES = 0xFFFF  # C2SP tlog-tiles entry bundles prefix each entry with a uint16 length


_HEAD_SIZE = select(log_head.c.size).where(log_head.c.id == _HEAD_ID)


def node_key(level: int, index: int) -> int:
    """The `rights_log_nodes.node_id` of a perfect subtree."""
    return (level << _LEVEL_SHIFT) | index


@dataclass(frozen=True)
class StoredCheckpoint:
    """A checkpoint the log signed, with its note text and optional RFC 3161 token."""

    size: int
    root_hash: bytes
    note: str
    created_at: datetime
    timestamp_token: bytes | None

    def signed(self) -> SignedCheckpoint:
        """The parsed signed note."""
        return parse_checkpoint(self.note)


@dataclass(frozen=True)
class LogSigner:
    """The log's identity: origin line, signing key and key name (C2SP tlog-checkpoint)."""

    origin: str
    key: Ed25519PrivateKey

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.key.public_key()


class Timestamper(Protocol):
    """Something that returns an RFC 3161 token over data (see `timestamp.TimestampAuthority`)."""

    def timestamp(self, data: bytes) -> bytes: ...


class TransparencyLog:
    """An RFC 9162 log stored in a culturebridge database.

    With a `timestamper`, each new checkpoint gets an RFC 3161 token; a checkpoint whose
    token could not be obtained gets one on the next `sign_checkpoint`.
    """

    def __init__(self, db: Database, signer: LogSigner | None = None, timestamper: Timestamper | None = None) -> None:
        self.db = db
        self.signer = signer
        self.timestamper = timestamper

    # --- writing -----------------------------------------------------------------------

    def append(self, leaves: Sequence[bytes]) -> list[int]:
        """Append leaves in one durable transaction; return their indices."""
        if not leaves:
            return []
        with self.db.write() as conn:
            return self.append_in(conn, leaves)

    def lock_in(self, conn: Connection) -> int:
        """Lock the log head for the caller's write transaction (appends queue behind it); return the size."""
        return self._lock_head(conn)[0]

    def append_in(self, conn: Connection, leaves: Sequence[bytes]) -> list[int]:
        """Append leaves inside the caller's write transaction (so they commit with its rows)."""
        for leaf in leaves:
            if not isinstance(leaf, bytes) or len(leaf) > MAX_LEAF_BYTES:
                raise InvalidInput(f"a log leaf must be bytes of at most {MAX_LEAF_BYTES} bytes")
        if not leaves:
            return []
        size, _root = self._lock_head(conn)
        # The frontier: the perfect subtrees covering [0, size), largest first.
        frontier_ids = perfect_nodes(0, size) if size else []
        stack = list(zip(frontier_ids, self._read_nodes(conn, frontier_ids), strict=True))
        leaf_rows: list[dict[str, object]] = []
        node_rows: list[dict[str, object]] = []
        for offset, leaf in enumerate(leaves):
            index = size + offset
            h = leaf_hash(leaf)
            leaf_rows.append({"idx": index, "data": leaf})
            node_rows.append({"node_id": node_key(0, index), "hash": h})
            stack.append(((0, index), h))
            # A completed pair of equal-level subtrees becomes their parent (§2.1.1).
            while len(stack) > 1 and stack[-1][0][0] == stack[-2][0][0]:
                (level, right_index), right = stack.pop()
                _left_id, left = stack.pop()
                parent = ((level + 1, right_index >> 1), node_hash(left, right))
                node_rows.append({"node_id": node_key(*parent[0]), "hash": parent[1]})
                stack.append(parent)
        new_size = size + len(leaves)
        conn.execute(insert(log_leaves), leaf_rows)
        conn.execute(insert(log_nodes), node_rows)
        conn.execute(
            update(log_head)
            .where(log_head.c.id == _HEAD_ID)
            .values(size=new_size, root_hash=fold_right([h for _n, h in stack]))
        )
        return list(range(size, new_size))

    def sign_checkpoint(self) -> StoredCheckpoint:
        """Sign and store a checkpoint of the current tree, after proving it extends the last one."""
        stored = self._sign_checkpoint()
        if self.timestamper is not None and stored.timestamp_token is None:
            # Outside the write transaction: a TSA round trip must not hold the log lock.
            token = self.timestamper.timestamp(stored.note.encode())
            self.attach_timestamp(stored.size, token)
            stored = replace(stored, timestamp_token=token)
        return stored

    def _sign_checkpoint(self) -> StoredCheckpoint:
        if self.signer is None:
            raise ConfigurationError("this log was opened without its signing key", hint="pass the log key file")
        with self.db.write() as conn:
            size, root = self._lock_head(conn)
            if self._root_from_nodes(conn, size) != root:
                raise LogInconsistent(
                    f"the stored tree of {size} entries does not hash to the stored head",
                    hint="the database was altered outside culturebridge; restore it from a backup",
                )
            last = self._latest(conn)
            if last is not None:
                if last.size > size:
                    raise LogInconsistent(f"the log has {size} entries but checkpoint {last.size} was signed")
                if last.size == size:
                    return last
                proof = hash_ranges(consistency_ranges(last.size, size), lambda ids: self._read_nodes(conn, ids))
                try:
                    verify_consistency(last.size, size, proof, last.root_hash, root)
                except ProofMismatch as exc:
                    raise LogInconsistent(
                        f"the tree of {size} entries does not extend checkpoint {last.size}; refusing to sign",
                        hint="the database was altered outside culturebridge; restore it from a backup",
                    ) from exc
            note = sign_checkpoint(Checkpoint(self.signer.origin, size, root), self.signer.key).to_text()
            stored = StoredCheckpoint(size, root, note, datetime.now(UTC), None)
            conn.execute(
                insert(log_checkpoints).values(
                    size=size, root_hash=root, note=note, key_name=self.signer.origin, created_at=stored.created_at
                )
            )
        return stored

    def attach_timestamp(self, size: int, token: bytes) -> None:
        """Store an RFC 3161 token for the checkpoint of `size`."""
        with self.db.write() as conn:
            conn.execute(update(log_checkpoints).where(log_checkpoints.c.size == size).values(timestamp_token=token))

    # --- reading -----------------------------------------------------------------------

    def head(self) -> tuple[int, bytes]:
        """(size, root hash) of the current tree (possibly not yet checkpointed)."""
        with self.db.read() as conn:
            row = conn.execute(select(log_head.c.size, log_head.c.root_hash).where(log_head.c.id == _HEAD_ID)).first()
        return (0, EMPTY_ROOT) if row is None else (int(row.size), bytes(row.root_hash))

    def entry(self, index: int) -> bytes:
        """The exact bytes of leaf `index`."""
        with self.db.read() as conn:
            data = conn.execute(select(log_leaves.c.data).where(log_leaves.c.idx == index)).scalar()
        if data is None:
            raise LeafNotFound(index, self.head()[0])
        return bytes(data)

    def entries(self, start: int, end: int) -> list[bytes]:
        """Leaf bytes of indices [start, end)."""
        with self.db.read() as conn:
            rows = conn.execute(
                select(log_leaves.c.data)
                .where(log_leaves.c.idx >= start, log_leaves.c.idx < end)
                .order_by(log_leaves.c.idx)
            ).scalars()
            return [bytes(d) for d in rows]

    def read_nodes(self, nodes: Sequence[NodeId]) -> list[bytes]:
        """Stored hashes of perfect subtrees (level, index); LeafNotFound if one is not stored yet."""
        with self.db.read() as conn:
            return self._read_nodes(conn, nodes)

    def root(self, size: int) -> bytes:
        """MTH of the first `size` leaves, from stored hashes."""
        with self.db.read() as conn:
            self._check_size(conn, size)
            return self._root_from_nodes(conn, size)

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        """PATH(index, D[size]) from stored hashes (RFC 9162 §2.1.3.1)."""
        if not 0 <= index < size:
            raise LeafNotFound(index, size)
        with self.db.read() as conn:
            return hash_ranges(inclusion_ranges(index, size), lambda ids: self._read_nodes(conn, ids))

    def consistency_proof(self, old_size: int, new_size: int) -> list[bytes]:
        """PROOF(old_size, D[new_size]) from stored hashes (RFC 9162 §2.1.4.1)."""
        if not 0 <= old_size <= new_size:
            raise InvalidInput(f"no consistency proof from size {old_size} to {new_size}", hint="give 0 ≤ from ≤ to")
        with self.db.read() as conn:
            if old_size == new_size:
                self._check_size(conn, new_size)
            return hash_ranges(consistency_ranges(old_size, new_size), lambda ids: self._read_nodes(conn, ids))

    def latest_checkpoint(self) -> StoredCheckpoint | None:
        """The newest signed checkpoint, if any."""
        with self.db.read() as conn:
            return self._latest(conn)

    def checkpoint(self, size: int) -> StoredCheckpoint | None:
        """The checkpoint signed at exactly `size`, if any."""
        with self.db.read() as conn:
            row = conn.execute(select(log_checkpoints).where(log_checkpoints.c.size == size)).first()
        return None if row is None else _stored(row)

    # --- internals ---------------------------------------------------------------------

    def _check_size(self, conn: Connection, size: int) -> None:
        current = conn.execute(_HEAD_SIZE).scalar() or 0
        if not 0 <= size <= current:
            raise InvalidInput(f"tree size {size} is beyond the log's {current} entries")

    def _lock_head(self, conn: Connection) -> tuple[int, bytes]:
        query = select(log_head.c.size, log_head.c.root_hash).where(log_head.c.id == _HEAD_ID).with_for_update()
        row = conn.execute(query).first()
        if row is None:
            values = {"id": _HEAD_ID, "size": 0, "root_hash": EMPTY_ROOT}
            make = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
            conn.execute(make(log_head).values(**values).on_conflict_do_nothing())
            row = conn.execute(query).first()
            assert row is not None
        return int(row.size), bytes(row.root_hash)

    def _read_nodes(self, conn: Connection, nodes: Sequence[NodeId]) -> list[bytes]:
        if not nodes:
            return []
        keys = [node_key(level, index) for level, index in nodes]
        # The hot path of every proof: one plain SQL statement on the DB-API cursor, skipping
        # the Core compiler and result machinery (they cost more than the query on SQLite).
        mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        sql = f"SELECT node_id, hash FROM {log_nodes.name} WHERE node_id IN ({', '.join([mark] * len(keys))})"
        cursor = conn.connection.cursor()
        try:
            cursor.execute(sql, keys)
            found = {int(k): bytes(h) for k, h in cursor.fetchall()}
        finally:
            cursor.close()
        missing = [n for n, k in zip(nodes, keys, strict=True) if k not in found]
        if missing:
            # Perfect subtree hashes exist exactly for the leaves appended so far.
            level, index = missing[0]
            raise LeafNotFound(index << level, int(conn.execute(_HEAD_SIZE).scalar() or 0))
        return [found[k] for k in keys]

    def _root_from_nodes(self, conn: Connection, size: int) -> bytes:
        if size == 0:
            return EMPTY_ROOT
        return fold_right(self._read_nodes(conn, perfect_nodes(0, size)))

    def _latest(self, conn: Connection) -> StoredCheckpoint | None:
        top = select(func.max(log_checkpoints.c.size)).scalar_subquery()
        row = conn.execute(select(log_checkpoints).where(log_checkpoints.c.size == top)).first()
        return None if row is None else _stored(row)


def _stored(row: object) -> StoredCheckpoint:
    r = row._mapping  # type: ignore[attr-defined]
    created = r["created_at"]
    if created.tzinfo is None:  # SQLite drops the zone; we always store UTC
        created = created.replace(tzinfo=UTC)
    token = r["timestamp_token"]
    return StoredCheckpoint(
        int(r["size"]), bytes(r["root_hash"]), str(r["note"]), created, None if token is None else bytes(token)
    )
