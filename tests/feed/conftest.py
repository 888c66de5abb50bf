"""Small synthetic feed data shared by the feed tests (seeded, built in milliseconds)."""

from __future__ import annotations

import numpy as np
import pytest

from culturebridge.feed.content import UsemEncoder
from culturebridge.feed.dataset import Dataset, ItemMeta, from_rows

CATEGORIES = ("opera", "wuxia", "tea", "poetry")
MARKETS = ("US", "FR", "JP")


def make_dataset(n_users: int = 60, n_items: int = 40, seed: int = 3) -> Dataset:
    """Users who each like one or two categories and view mostly inside them."""
    rng = np.random.default_rng(seed)
    item_cat = np.arange(n_items) % len(CATEGORIES)
    rows: list[tuple[str, str, float, float]] = []
    for u in range(n_users):
        liked = {u % len(CATEGORIES)} | ({(u + 1) % len(CATEGORIES)} if u % 3 == 0 else set())
        pool = [i for i in range(n_items) if item_cat[i] in liked]
        for t, i in enumerate(rng.choice(pool, size=min(8, len(pool)), replace=False)):
            rows.append((f"u{u}", f"i{int(i)}", 1.0, float(u * 100 + t)))
    inter = from_rows(rows, item_ids=[f"i{i}" for i in range(n_items)])
    meta = ItemMeta(
        titles=tuple(f"work {i}" for i in range(n_items)),
        categories=tuple((CATEGORIES[int(c)],) for c in item_cat),
        creators=tuple(f"c{i % 8}" for i in range(n_items)),
    )
    markets = tuple(MARKETS[int(u[1:]) % len(MARKETS)] for u in inter.user_ids)
    return Dataset(inter, meta, markets)


@pytest.fixture()
def dataset() -> Dataset:
    return make_dataset()


@pytest.fixture(scope="session")
def text_encoder() -> UsemEncoder:
    """One real USE-multilingual encoder for the whole session (it loads in a few seconds)."""
    return UsemEncoder(threads=1)
