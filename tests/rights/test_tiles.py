from __future__ import annotations

import pytest

from culturebridge.errors import InvalidInput, NotFound
from culturebridge.rights.merkle import MerkleTree, leaf_hash
from culturebridge.rights.tiles import (
    TileRef,
    available_width,
    encode_index,
    entry_bundle,
    entry_range,
    parse_tile_path,
    read_tile,
    split_entry_bundle,
    tile_path,
)


def test_index_encoding_follows_c2sp() -> None:
    assert encode_index(1234067) == "x001/x234/067"
    assert encode_index(67) == "067"
    assert encode_index(0) == "000"
    assert encode_index(1000) == "x001/000"
    assert tile_path(TileRef(0, 1234067)) == "tile/0/x001/x234/067"
    assert tile_path(TileRef(1, 3, 12)) == "tile/1/003.p/12"
    assert tile_path(TileRef(None, 5)) == "tile/entries/005"


@pytest.mark.parametrize("ref", [TileRef(0, 1234067), TileRef(2, 0, 1), TileRef(None, 999, 255), TileRef(5, 1000)])
def test_paths_parse_back(ref: TileRef) -> None:
    assert parse_tile_path(tile_path(ref)) == ref


@pytest.mark.parametrize(
    "path",
    ["tile/6/000", "tile/0/67", "tile/0/x1/067", "tile/0/000.p/0", "tile/0/000.p/256", "tile/0/000.p/012",
     "tiles/0/000", "tile/0", "tile/x/000", "tile/0/x000/001", "tile/0/0000"],
)
def test_bad_paths_are_rejected(path: str) -> None:
    with pytest.raises(InvalidInput):
        parse_tile_path(path)


def test_tiles_hold_the_level_hashes_of_the_tree() -> None:
    tree = MerkleTree([leaf_hash(i.to_bytes(4, "big")) for i in range(70_000)])
    size = 70_000
    assert available_width(TileRef(0, 0), size) == 256
    assert available_width(TileRef(0, 273), size) == 70_000 - 273 * 256
    assert available_width(TileRef(1, 1), size) == (70_000 >> 8) - 256
    assert available_width(TileRef(2, 0), size) == 1
    full = read_tile(TileRef(0, 1), size, tree.read_nodes)
    assert full == b"".join(leaf_hash(i.to_bytes(4, "big")) for i in range(256, 512))
    level1 = read_tile(TileRef(1, 0), size, tree.read_nodes)
    assert level1[:32] == tree.root(256) and len(level1) == 256 * 32
    assert read_tile(TileRef(2, 0, 1), size, tree.read_nodes) == tree.root(65536)
    with pytest.raises(NotFound):
        read_tile(TileRef(0, 273), size, tree.read_nodes)  # only partial exists
    with pytest.raises(NotFound):
        read_tile(TileRef(0, 274, 1), size, tree.read_nodes)


def test_entry_bundles_round_trip_and_reject_truncation() -> None:
    entries = [b"", b"a", b"x" * 300]
    data = entry_bundle(entries)
    assert data[:2] == b"\x00\x00" and data[2:5] == b"\x00\x01a"
    assert split_entry_bundle(data) == entries
    with pytest.raises(InvalidInput):
        split_entry_bundle(data[:-1])
    assert entry_range(TileRef(None, 1, 5), 300) == (256, 261)
    with pytest.raises(NotFound):
        entry_range(TileRef(None, 1), 300)
