from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import update

from culturebridge.errors import ConfigurationError, InvalidInput, LeafNotFound, LogInconsistent
from culturebridge.rights._tables import log_nodes
from culturebridge.rights.checkpoint import verify_checkpoint
from culturebridge.rights.log import LogSigner, TransparencyLog, node_key
from culturebridge.rights.merkle import (
    MerkleTree,
    leaf_hash,
    root_hash,
    verify_consistency,
    verify_inclusion,
)
from culturebridge.storage import Database

ROOT_DIR = Path(__file__).resolve().parents[2]
KEY = Ed25519PrivateKey.from_private_bytes(b"k" * 32)  # the key log_worker uses


def _log(db: Database) -> TransparencyLog:
    return TransparencyLog(db, LogSigner("test.example/log", KEY))


def test_appends_and_proofs_match_the_in_memory_tree(database: Database) -> None:
    log = _log(database)
    tree = MerkleTree()
    for batch in ([b"a"], [f"x{i}".encode() for i in range(40)], [b"b", b"c"], [f"y{i}".encode() for i in range(300)]):
        indices = log.append(batch)
        for leaf, index in zip(batch, indices, strict=True):
            assert tree.append(leaf) == index
        assert log.head() == (tree.size, tree.root())
    n = tree.size
    for size in (1, 2, 41, 43, 256, 300, n):
        assert log.root(size) == tree.root(size)
        for index in {0, size // 2, size - 1}:
            assert log.inclusion_proof(index, size) == tree.inclusion_proof(index, size)
        for old in (0, 1, size // 3, size):
            assert log.consistency_proof(old, size) == tree.consistency_proof(old, size)
    assert log.entry(41) == b"b"
    assert log.entries(0, 3) == [b"a", b"x0", b"x1"]


def test_bad_requests_raise_clear_errors(database: Database) -> None:
    log = _log(database)
    log.append([b"a", b"b"])
    with pytest.raises(LeafNotFound):
        log.entry(5)
    with pytest.raises(LeafNotFound):
        log.inclusion_proof(0, 3)  # the tree has no size 3 yet
    with pytest.raises(LeafNotFound):
        log.inclusion_proof(2, 2)
    with pytest.raises(InvalidInput):
        log.consistency_proof(2, 1)
    with pytest.raises(InvalidInput):
        log.append(["text"])  # type: ignore[list-item]
    with pytest.raises(ConfigurationError):
        TransparencyLog(database).sign_checkpoint()


def test_checkpoints_are_signed_consistent_and_not_duplicated(database: Database) -> None:
    log = _log(database)
    assert log.latest_checkpoint() is None
    log.append([b"one", b"two", b"three"])
    first = log.sign_checkpoint()
    assert log.sign_checkpoint() == first  # nothing new: the same checkpoint
    log.append([b"four"])
    second = log.sign_checkpoint()
    cp = verify_checkpoint(second.signed(), KEY.public_key())
    assert (cp.size, cp.root_hash) == (4, log.root(4))
    assert log.latest_checkpoint() == second
    assert log.checkpoint(3) == first
    verify_consistency(3, 4, log.consistency_proof(3, 4), first.root_hash, second.root_hash)
    verify_inclusion(leaf_hash(b"two"), 1, 4, log.inclusion_proof(1, 4), cp.root_hash)


def test_refuses_to_sign_a_tampered_tree(database: Database) -> None:
    log = _log(database)
    log.append([b"a", b"b", b"c", b"d"])
    log.sign_checkpoint()
    log.append([b"e"])
    with database.write() as conn:  # someone rewrites history under the log
        conn.execute(update(log_nodes).where(log_nodes.c.node_id == node_key(2, 0)).values(hash=b"\0" * 32))
    with pytest.raises(LogInconsistent):
        log.sign_checkpoint()
    assert log.latest_checkpoint() is not None and log.latest_checkpoint().size == 4  # type: ignore[union-attr]


def _url(db: Database) -> str:
    return db.engine.url.render_as_string(hide_password=False)


def _worker(url: str, tag: str, batches: int, batch_size: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.rights.log_worker", url, tag, str(batches), str(batch_size)],
        cwd=ROOT_DIR, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT_DIR)},
    )


def _assert_sound(log: TransparencyLog) -> None:
    size, root = log.head()
    entries = log.entries(0, size)
    assert len(entries) == size
    assert root_hash([leaf_hash(e) for e in entries]) == root
    last = log.latest_checkpoint()
    if last is not None:
        checkpoint = verify_checkpoint(last.signed(), KEY.public_key())
        assert root_hash([leaf_hash(e) for e in entries[: checkpoint.size]]) == checkpoint.root_hash
        verify_consistency(last.size, size, log.consistency_proof(last.size, size), last.root_hash, root)


def test_two_processes_appending_at_once_never_fork(database: Database) -> None:
    log = _log(database)
    log.append([b"genesis"])
    workers = [_worker(_url(database), tag, 8, 50) for tag in ("p", "q")]
    for w in workers:
        assert w.wait(timeout=120) == 0
    size, _root = log.head()
    assert size == 1 + 2 * 8 * 50
    assert len(set(log.entries(0, size))) == size  # every leaf landed exactly once
    _assert_sound(log)


def test_a_process_killed_mid_append_leaves_a_sound_log(database: Database) -> None:
    worker = _worker(_url(database), "crash", 1000, 400)
    assert worker.stdout is not None
    for _ in range(3):  # let it finish a few batches, then kill it mid-stream
        worker.stdout.readline()
    time.sleep(random.uniform(0, 0.03))  # somewhere inside the next append or checkpoint
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=30)
    reopened = Database.open(_url(database))
    try:
        relog = _log(reopened)
        size, _ = relog.head()
        assert size >= 3 * 400 and size % 400 == 0  # whole batches only
        _assert_sound(relog)
        relog.append([b"after the crash"])
        relog.sign_checkpoint()
        _assert_sound(relog)
    finally:
        reopened.close()
