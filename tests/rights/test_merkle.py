from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from culturebridge.errors import ProofMismatch
from culturebridge.rights.merkle import (
    EMPTY_ROOT,
    MerkleTree,
    consistency_ranges,
    inclusion_ranges,
    leaf_hash,
    perfect_nodes,
    root_hash,
    verify_consistency,
    verify_inclusion,
)

# RFC 6962 test vectors, from transparency-dev/merkle proof/verify_test.go (and
# google/certificate-transparency merkle_tree_test.cc, which share them).
LEAVES = [bytes.fromhex(h) for h in ["", "00", "10", "2021", "3031", "40414243",
                                     "5051525354555657", "606162636465666768696a6b6c6d6e6f"]]
ROOTS = [bytes.fromhex(h) for h in [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]]
# (1-based leaf, size, proof)
INCLUSION = [
    (1, 1, []),
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (3, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (2, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]
CONSISTENCY = [
    (1, 1, []),
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
    (6, 7, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
]


def _tree() -> MerkleTree:
    tree = MerkleTree()
    for leaf in LEAVES:
        tree.append(leaf)
    return tree


def test_empty_tree_root_is_sha256_of_nothing() -> None:
    assert root_hash([]) == EMPTY_ROOT
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_roots_match_rfc6962_vectors() -> None:
    tree = _tree()
    hashes = [leaf_hash(leaf) for leaf in LEAVES]
    for size in range(1, 9):
        assert root_hash(hashes[:size]) == ROOTS[size - 1]
        assert tree.root(size) == ROOTS[size - 1]


@pytest.mark.parametrize(("leaf", "size", "proof"), INCLUSION)
def test_inclusion_proofs_match_vectors_and_verify(leaf: int, size: int, proof: list[str]) -> None:
    expected = [bytes.fromhex(p) for p in proof]
    assert _tree().inclusion_proof(leaf - 1, size) == expected
    verify_inclusion(leaf_hash(LEAVES[leaf - 1]), leaf - 1, size, expected, ROOTS[size - 1])


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY)
def test_consistency_proofs_match_vectors_and_verify(old: int, new: int, proof: list[str]) -> None:
    expected = [bytes.fromhex(p) for p in proof]
    assert _tree().consistency_proof(old, new) == expected
    verify_consistency(old, new, expected, ROOTS[old - 1], ROOTS[new - 1])


def _corrupt_inclusion(index: int, size: int, proof: list[bytes], root: bytes, leaf: bytes) -> list[tuple[int, int, list[bytes], bytes, bytes]]:
    # The probes of transparency-dev/merkle corruptInclusionProof.
    some = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")
    probes = [
        (index - 1, size, proof, root, leaf), (index + 1, size, proof, root, leaf),
        (index ^ 2, size, proof, root, leaf), (index, size * 2, proof, root, leaf),
        (index, size // 2, proof, root, leaf), (index, size, proof, root, leaf_hash(b"WrongLeaf")),
        (index, size, proof, EMPTY_ROOT, leaf), (index, size, proof, some, leaf),
        (index, size, [*proof, root], root, leaf), (index, size, [root, *proof], root, leaf),
    ]
    for i in range(len(proof)):
        flipped = list(proof)
        flipped[i] = bytes([flipped[i][0] ^ 8]) + flipped[i][1:]
        probes.append((index, size, flipped, root, leaf))
    if proof:
        probes.append((index, size, proof[:-1], root, leaf))
    if len(proof) > 1:
        probes.append((index, size, [proof[0], some, *proof[1:]], root, leaf))
    return probes


@pytest.mark.parametrize(("leaf", "size", "proof"), INCLUSION[1:])
def test_corrupted_inclusion_proofs_fail(leaf: int, size: int, proof: list[str]) -> None:
    good = [bytes.fromhex(p) for p in proof]
    for index, sz, prf, root, lh in _corrupt_inclusion(leaf - 1, size, good, ROOTS[size - 1], leaf_hash(LEAVES[leaf - 1])):
        with pytest.raises(ProofMismatch):
            verify_inclusion(lh, index, sz, prf, root)


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY[1:])
def test_corrupted_consistency_proofs_fail(old: int, new: int, proof: list[str]) -> None:
    good = [bytes.fromhex(p) for p in proof]
    r1, r2 = ROOTS[old - 1], ROOTS[new - 1]
    wrong = b"W" * 32
    probes = [
        (old - 1, new, good, r1, r2), (old + 1, new, good, r1, r2), (old ^ 2, new, good, r1, r2),
        (old, new * 2, good, r1, r2), (old, new // 2, good, r1, r2), (old, new, good, wrong, r2),
        (old, new, good, r1, wrong), (old, new, good, r2, r1), (old, new, [], r1, r2),
        (old, new, [*good, r1], r1, r2), (old, new, [*good, r2], r1, r2),
        (old, new, [r1, *good], r1, r2), (old, new, [good[0], *good], r1, r2),
        (old, new, good[:-1], r1, r2),
    ]
    for i in range(len(good)):
        flipped = list(good)
        flipped[i] = bytes([flipped[i][0] ^ 16]) + flipped[i][1:]
        probes.append((old, new, flipped, r1, r2))
    for a, b, prf, x, y in probes:
        with pytest.raises(ProofMismatch):
            verify_consistency(a, b, prf, x, y)


def test_edge_cases_of_consistency() -> None:
    verify_consistency(0, 0, [], EMPTY_ROOT, EMPTY_ROOT)
    verify_consistency(0, 5, [], EMPTY_ROOT, ROOTS[4])
    with pytest.raises(ProofMismatch):
        verify_consistency(1, 1, [EMPTY_ROOT], ROOTS[0], ROOTS[0])
    with pytest.raises(ProofMismatch):
        verify_consistency(2, 1, [], ROOTS[1], ROOTS[0])


def test_inclusion_rejects_index_outside_tree() -> None:
    with pytest.raises(ProofMismatch):
        verify_inclusion(leaf_hash(b""), 0, 0, [], EMPTY_ROOT)
    with pytest.raises(ProofMismatch):
        verify_inclusion(leaf_hash(b""), 2, 1, [], ROOTS[0])


def test_perfect_nodes_cover_the_range() -> None:
    assert perfect_nodes(0, 7) == [(2, 0), (1, 2), (0, 6)]
    assert perfect_nodes(8, 13) == [(2, 2), (0, 12)]
    assert inclusion_ranges(5, 8) == [(4, 5), (6, 8), (0, 4)]
    assert consistency_ranges(6, 8) == [(4, 6), (6, 8), (0, 4)]


_tree_cache: dict[int, MerkleTree] = {}


def _big_tree(n: int) -> MerkleTree:
    if n not in _tree_cache:
        _tree_cache[n] = MerkleTree([leaf_hash(i.to_bytes(4, "big")) for i in range(n)])
    return _tree_cache[n]


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_every_inclusion_proof_verifies_against_every_later_size(data: st.DataObject) -> None:
    tree = _big_tree(3000)
    size = data.draw(st.integers(1, tree.size))
    index = data.draw(st.integers(0, size - 1))
    leaf = leaf_hash(index.to_bytes(4, "big"))
    for later in sorted({size, data.draw(st.integers(size, tree.size)), tree.size}):
        proof = tree.inclusion_proof(index, later)
        assert len(proof) <= (later - 1).bit_length()
        verify_inclusion(leaf, index, later, proof, tree.root(later))
        with pytest.raises(ProofMismatch):
            verify_inclusion(leaf_hash(b"other"), index, later, proof, tree.root(later))


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_consistency_holds_between_every_pair_of_sizes(data: st.DataObject) -> None:
    tree = _big_tree(3000)
    new = data.draw(st.integers(0, tree.size))
    old = data.draw(st.integers(0, new))
    proof = tree.consistency_proof(old, new)
    verify_consistency(old, new, proof, tree.root(old), tree.root(new))
    if 0 < old < new:
        with pytest.raises(ProofMismatch):
            verify_consistency(old, new, proof, tree.root(old - 1) if old > 1 else b"x" * 32, tree.root(new))


def test_exhaustive_small_trees() -> None:
    tree = _big_tree(70)
    for new in range(1, 71):
        root = tree.root(new)
        assert root == root_hash([leaf_hash(i.to_bytes(4, "big")) for i in range(new)])
        for i in range(new):
            verify_inclusion(leaf_hash(i.to_bytes(4, "big")), i, new, tree.inclusion_proof(i, new), root)
        for old in range(new + 1):
            verify_consistency(old, new, tree.consistency_proof(old, new), tree.root(old), root)
