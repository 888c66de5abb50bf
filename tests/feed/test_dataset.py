from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from culturebridge.errors import DatasetUnavailable, InvalidInput
from culturebridge.feed.dataset import (
    Dataset,
    from_rows,
    load_movielens_100k,
    split,
    split_msr,
    split_time,
)


def test_from_rows_builds_id_maps_and_csr() -> None:
    inter = from_rows(
        [("a", "x", 1.0, 5.0), ("b", "y", 2.0, 6.0), ("a", "y", 3.0, 7.0), ("a", "x", 1.0, 8.0)]
    )
    assert inter.user_ids == ("a", "b") and inter.item_ids == ("x", "y")
    m = inter.to_csr()
    assert m.shape == (2, 2) and m[0, 0] == 1.0 and m[1, 1] == 1.0 and m.nnz == 3
    assert inter.to_csr(binary=False)[0, 0] == 2.0


def test_from_rows_keeps_given_catalogue_order() -> None:
    inter = from_rows([("a", "z", 1.0, 0.0)], item_ids=["x", "y"])
    assert inter.item_ids == ("x", "y", "z") and int(inter.items[0]) == 2


@pytest.mark.parametrize(
    "row", [("a", "x", "heavy", 1.0), ("a", "x", 1.0), ("a", "x", float("nan"), 1.0)]
)
def test_from_rows_rejects_malformed_rows(row: tuple[object, ...]) -> None:
    with pytest.raises(InvalidInput):
        from_rows([row])  # type: ignore[list-item]


def test_msr_split_is_per_user_75_25(dataset: Dataset) -> None:
    train, test = split_msr(dataset.interactions, seed=1)
    assert len(train) + len(test) == len(dataset.interactions)
    for u in range(dataset.interactions.n_users):
        n_train = int((train.users == u).sum())
        n_all = int((dataset.interactions.users == u).sum())
        assert n_train == round(n_all * 0.75)
    again, _ = split_msr(dataset.interactions, seed=1)
    assert np.array_equal(again.items, train.items)


def test_time_split_puts_later_rows_in_test(dataset: Dataset) -> None:
    train, test = split_time(dataset.interactions)
    assert train.timestamps.max() < test.timestamps.min()
    assert abs(len(train) / len(dataset.interactions) - 0.75) < 0.02


def test_split_rejects_unknown_protocol_and_bad_ratio(dataset: Dataset) -> None:
    with pytest.raises(InvalidInput):
        split(dataset.interactions, "leave-one-out")
    with pytest.raises(InvalidInput):
        split_msr(dataset.interactions, ratio=1.0)


def test_movielens_100k_loads_with_genres_and_markets() -> None:
    ds = load_movielens_100k()
    assert len(ds.interactions) == 100_000
    assert ds.interactions.n_users == 943 and ds.interactions.n_items == 1682
    assert ds.items.titles[int(ds.interactions.items[0])]
    assert "Drama" in ds.items.category_names() and len(ds.items.category_names()) >= 18
    assert set(ds.markets()) <= {f"zip{d}" for d in range(10)} | {"other"}
    assert len(ds.markets()) >= 10


def test_movielens_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DatasetUnavailable):
        load_movielens_100k(tmp_path)


def test_movielens_truncated_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "ml-100k.inter").write_text("user_id:token\titem_id:token\n196\t242\n")
    (tmp_path / "ml-100k.item").write_text("h\n")
    (tmp_path / "ml-100k.user").write_text("h\n")
    with pytest.raises(DatasetUnavailable):
        load_movielens_100k(tmp_path)
