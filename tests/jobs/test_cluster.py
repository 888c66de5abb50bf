"""Cutting batch work into tasks (`batches_for`); running them on Ray is tested in tests/scale."""

from __future__ import annotations

import pytest

from culturebridge.jobs.cluster import MAX_BATCH, MIN_BATCH, batches_for, run_batches


@pytest.mark.parametrize(("n", "cpus"), [(0, 2), (1, 2), (5, 2), (48, 2), (200, 2), (200, 1), (1000, 16)])
def test_automatic_batches_cover_every_item_once_in_order_and_shrink(n: int, cpus: int) -> None:
    parts = batches_for(list(range(n)), cpus)
    assert [x for p in parts for x in p] == list(range(n))
    sizes = [len(p) for p in parts]
    assert sizes == sorted(sizes, reverse=True)  # the last to finish are the smallest
    assert all(s <= MAX_BATCH for s in sizes)
    assert all(s >= MIN_BATCH for s in sizes[:-1])


def test_first_batches_are_large_and_the_last_small_on_two_cpus() -> None:
    sizes = [len(p) for p in batches_for(list(range(200)), 2)]
    assert sizes[0] == 50 and sizes[-2:] == [4, 2]  # a quarter of what is left, down to MIN_BATCH
    assert len(sizes) < 200 / MIN_BATCH / 2  # far fewer tasks than equal small batches


def test_an_explicit_batch_size_is_kept() -> None:
    assert [len(p) for p in batches_for(list(range(10)), 4, batch=4)] == [4, 4, 2]


def test_without_a_cluster_batches_run_here_in_order_with_progress() -> None:
    seen: list[tuple[int, int]] = []
    out = run_batches(lambda part, k: sum(part) * k, batches_for(list(range(10)), 1, batch=3), 2,
                      progress=lambda done, total: seen.append((done, total)))
    assert out == [6, 24, 42, 18]
    assert seen == [(3, 10), (6, 10), (9, 10), (10, 10)]
