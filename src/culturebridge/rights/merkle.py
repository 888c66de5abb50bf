"""RFC 9162 Merkle tree hashing, inclusion and consistency proofs, as pure functions over bytes.

Proofs are described first as lists of leaf ranges `[start, end)` whose Merkle Tree Hashes
(MTH) form the proof (RFC 9162 §2.1.3.1 PATH and §2.1.4.1 SUBPROOF). A range hash is then
computed from the *perfect* subtrees covering it (`perfect_nodes`), the only hashes a log
stores — so a proof costs O(log n) stored-hash reads wherever the hashes live.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

from culturebridge.errors import ProofMismatch

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()  # RFC 9162 §2.1.1: MTH({}) = HASH()

NodeId = tuple[int, int]  # (level, index): the perfect subtree over leaves [index·2^level, (index+1)·2^level)
Range = tuple[int, int]  # leaves [start, end)


def leaf_hash(leaf: bytes) -> bytes:
    """MTH({d(0)}) = SHA-256(0x00 ‖ d(0)), RFC 9162 §2.1.1."""
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 ‖ left ‖ right), RFC 9162 §2.1.1."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def split_point(n: int) -> int:
    """The largest power of two strictly smaller than n (n ≥ 2), RFC 9162 §2.1.1."""
    if n < 2:
        raise ValueError(f"cannot split a tree of {n} leaves")
    return 1 << ((n - 1).bit_length() - 1)


def root_hash(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH of the given leaf hashes (RFC 9162 §2.1.1), in O(n) time and O(log n) memory."""
    if not leaf_hashes:
        return EMPTY_ROOT
    stack: list[bytes] = []
    for i, h in enumerate(leaf_hashes):
        stack.append(h)
        # Each trailing 1-bit of i+1 completes one perfect subtree: merge it with its left sibling.
        count = i + 1
        while count & 1 == 0:
            right = stack.pop()
            stack.append(node_hash(stack.pop(), right))
            count >>= 1
    return fold_right(stack)


def fold_right(hashes: Sequence[bytes]) -> bytes:
    """Hash of a range from its perfect subtrees, left to right: the right border merges first."""
    result = hashes[-1]
    for h in reversed(hashes[:-1]):
        result = node_hash(h, result)
    return result


def perfect_nodes(start: int, end: int) -> list[NodeId]:
    """The perfect subtrees covering leaves [start, end), left to right, largest first.

    Valid for the ranges RFC 9162 proofs use (start aligned to the range's largest power of
    two); their MTH is `fold_right` of these nodes' hashes.
    """
    if not 0 <= start < end:
        raise ValueError(f"empty or negative leaf range [{start}, {end})")
    nodes: list[NodeId] = []
    pos = start
    while pos < end:
        level = (end - pos).bit_length() - 1
        while pos % (1 << level):
            level -= 1
        nodes.append((level, pos >> level))
        pos += 1 << level
    return nodes


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """Ranges whose MTHs form PATH(index, D[size]), bottom first, RFC 9162 §2.1.3.1."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size} leaves")
    ranges: list[Range] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = split_point(hi - lo)
        if index < lo + k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo = lo + k
    ranges.reverse()
    return ranges


def consistency_ranges(old_size: int, new_size: int) -> list[Range]:
    """Ranges whose MTHs form PROOF(old, D[new]), RFC 9162 §2.1.4.1 (empty when old is 0 or new)."""
    if not 0 <= old_size <= new_size:
        raise ValueError(f"no consistency proof from size {old_size} to {new_size}")
    if old_size in (0, new_size):
        return []
    ranges: list[Range] = []
    lo, hi, m, whole = 0, new_size, old_size, True
    while True:
        n = hi - lo
        if m == n:
            # SUBPROOF(m, D[m], true) = {}; SUBPROOF(m, D[m], false) = {MTH(D[m])}
            if not whole:
                ranges.append((lo, hi))
            break
        k = split_point(n)
        if m <= k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo, m, whole = lo + k, m - k, False
    ranges.reverse()
    return ranges


HashReader = Callable[[Sequence[NodeId]], Sequence[bytes]]


def hash_ranges(ranges: Sequence[Range], read: HashReader) -> list[bytes]:
    """MTH of each range, reading all needed perfect-subtree hashes in one `read` call."""
    covers = [perfect_nodes(a, b) for a, b in ranges]
    wanted = sorted({node for cover in covers for node in cover})
    hashes = dict(zip(wanted, read(wanted), strict=True))
    return [fold_right([hashes[node] for node in cover]) for cover in covers]


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> None:
    """Check that leaf hash `leaf` is at `index` of the tree `root` of `size`; raise ProofMismatch if not.

    RFC 9162 §2.1.3.2.
    """
    if not 0 <= index < size:
        raise ProofMismatch("inclusion", f"leaf index {index} is outside a tree of size {size}")
    if any(len(p) != HASH_SIZE for p in proof) or len(leaf) != HASH_SIZE:
        raise ProofMismatch("inclusion", "a proof element or the leaf hash is not 32 bytes")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ProofMismatch("inclusion", "the proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not (fn & 1 or fn == 0):
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofMismatch("inclusion", "the proof is shorter than the tree is deep")
    if r != root:
        raise ProofMismatch("inclusion", "the proof does not lead to the tree's root hash")


def verify_consistency(
    old_size: int, new_size: int, proof: Sequence[bytes], old_root: bytes, new_root: bytes
) -> None:
    """Check that tree `new_root` of `new_size` extends `old_root` of `old_size`; raise ProofMismatch if not.

    RFC 9162 §2.1.4.2.
    """
    if not 0 <= old_size <= new_size:
        raise ProofMismatch("consistency", f"cannot go from size {old_size} back to {new_size}")
    if any(len(p) != HASH_SIZE for p in proof):
        raise ProofMismatch("consistency", "a proof element is not 32 bytes")
    if old_size == new_size:
        if proof or old_root != new_root:
            raise ProofMismatch("consistency", "equal sizes need an empty proof and equal roots")
        return
    if old_size == 0:
        if proof:
            raise ProofMismatch("consistency", "a proof from the empty tree must be empty")
        return
    if not proof:
        raise ProofMismatch("consistency", "the proof is empty")
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # step 1: an exact power of two
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofMismatch("consistency", "the proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not (fn & 1 or fn == 0):
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0 or fr != old_root or sr != new_root:
        raise ProofMismatch("consistency", f"tree {new_size} does not extend tree {old_size}")


class MerkleTree:
    """An in-memory RFC 9162 tree storing every perfect subtree hash (for tests and tools)."""

    def __init__(self, leaf_hashes: Sequence[bytes] = ()) -> None:
        self._levels: list[list[bytes]] = [[]]
        for h in leaf_hashes:
            self.append_hash(h)

    @property
    def size(self) -> int:
        return len(self._levels[0])

    def append(self, leaf: bytes) -> int:
        """Append leaf data; return its index."""
        return self.append_hash(leaf_hash(leaf))

    def append_hash(self, h: bytes) -> int:
        """Append an already hashed leaf; return its index."""
        index = self.size
        self._levels[0].append(h)
        level, i = 0, index
        while i & 1:
            row = self._levels[level]
            parent = node_hash(row[i - 1], row[i])
            level, i = level + 1, i >> 1
            if level == len(self._levels):
                self._levels.append([])
            self._levels[level].append(parent)
        return index

    def read_nodes(self, nodes: Sequence[NodeId]) -> list[bytes]:
        """Stored hashes of perfect subtrees."""
        return [self._levels[level][i] for level, i in nodes]

    def root(self, size: int | None = None) -> bytes:
        """MTH of the first `size` leaves (default all)."""
        size = self.size if size is None else size
        if not 0 <= size <= self.size:
            raise ValueError(f"tree has {self.size} leaves, not {size}")
        if size == 0:
            return EMPTY_ROOT
        return hash_ranges([(0, size)], self.read_nodes)[0]

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """PATH(index, D[size]) (RFC 9162 §2.1.3.1)."""
        return hash_ranges(inclusion_ranges(index, self.size if size is None else size), self.read_nodes)

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        """PROOF(old_size, D[new_size]) (RFC 9162 §2.1.4.1)."""
        new = self.size if new_size is None else new_size
        return hash_ranges(consistency_ranges(old_size, new), self.read_nodes)
