"""Audience simulator: synthetic viewers in several countries meet the real feed.

Catalogue: `n_items` works, each of one culture (category) and one creator, with a
quality q ~ U(0.4, 1). Countries have a base affinity per culture (Dirichlet, seeded);
a viewer's affinity a_c is the country's plus individual noise, clipped to [0, 1], and
their openness o ~ Beta(2, 3). At the start each viewer has *chosen* (follows) their
`chosen` highest-affinity cultures and has viewed `warmup` works from them.

Response model, per impression of work i of culture c, with e = the number of earlier
impressions of culture c this viewer has had:

    familiarity  f = 1 - exp(-e / tau)              (mere-exposure effect, tau = 3)
    interest     s = a_c + o * (1 - a_c) * f        (openness lets exposure build interest)
    P(view)        = q_i * s
    P(like | view) = 0.2 + 0.6 * s
    follow         : the viewer follows culture c after `follow_likes` likes of c

Each round the feed model is rebuilt from all views so far (ALS refit, the Thompson
explorer carried over and updated with likes of exploration slots), every viewer is
served `n` slots, and responses are drawn. The outcome is how many viewers end up
following a culture they never chose, with exploration on and off, same seed.

The two arms use common random numbers: the uniforms that decide viewer v's view and like
of work i in round r are drawn once per world, so the arms differ only in what the feed
chose to show (a paired comparison; without it the arms' noise swamps the effect).
`compare_seeds` repeats the pair over several worlds and reports the paired differences.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt

from culturebridge.errors import InvalidInput
from culturebridge.feed.builder import build_feed_model
from culturebridge.feed.dataset import Dataset, ItemMeta, from_rows
from culturebridge.feed.explore import ExploreConfig, ThompsonExplorer
from culturebridge.feed.models import fit_als
from culturebridge.feed.serving import ServeConfig, serve

CULTURES: tuple[str, ...] = (
    "wuxia",
    "xianxia",
    "micro-drama",
    "kunqu-opera",
    "tea-craft",
    "calligraphy",
    "folk-music",
    "shadow-puppetry",
)
COUNTRIES: tuple[str, ...] = ("US", "BR", "ID", "FR", "JP")
TAU = 3.0


@dataclass(frozen=True)
class SimConfig:
    """Size and behaviour of one simulation."""

    viewers_per_country: int = 60
    n_items: int = 400
    n_creators: int = 80
    rounds: int = 8
    slots: int = 10
    chosen: int = 2
    warmup: int = 5
    follow_likes: int = 3
    explore_share: float = 0.1
    seed: int = 7

    def __post_init__(self) -> None:
        if (
            min(self.viewers_per_country, self.n_items, self.n_creators, self.rounds, self.slots)
            <= 0
        ):
            raise InvalidInput("simulation sizes must be positive")
        if not 1 <= self.chosen < len(CULTURES):
            raise InvalidInput(f"chosen cultures must be between 1 and {len(CULTURES) - 1}")


@dataclass(frozen=True)
class SimResult:
    """Outcome of one run: break-out follows and engagement."""

    explore_share: float
    viewers: int
    viewers_following_new_culture: int
    new_follows: int
    views_per_slot: float
    likes_per_slot: float
    breakout_follows_by_country: dict[str, int] = field(default_factory=dict)
    outside_share: float = 0.0  # impressions of a culture the viewer did not follow then

    def to_dict(self) -> dict[str, object]:
        """Plain dict for JSON output."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class _World:
    culture: npt.NDArray[np.int64]
    creator: tuple[str, ...]
    quality: npt.NDArray[np.float64]
    country: npt.NDArray[np.int64]
    affinity: npt.NDArray[np.float64]
    openness: npt.NDArray[np.float64]
    chosen: npt.NDArray[np.bool_]


def _world(cfg: SimConfig) -> _World:
    rng = np.random.default_rng(cfg.seed)
    n_c = len(CULTURES)
    culture = rng.integers(0, n_c, cfg.n_items)
    creator = tuple(f"creator{int(c)}" for c in rng.integers(0, cfg.n_creators, cfg.n_items))
    quality = rng.uniform(0.4, 1.0, cfg.n_items)
    base = rng.dirichlet(np.full(n_c, 0.6), len(COUNTRIES)) * n_c * 0.35
    country = np.repeat(np.arange(len(COUNTRIES)), cfg.viewers_per_country)
    affinity = np.clip(base[country] + rng.normal(0.0, 0.1, (country.size, n_c)), 0.0, 1.0)
    openness = rng.beta(2.0, 3.0, country.size)
    top = np.argsort(-affinity, axis=1)[:, : cfg.chosen]
    chosen = np.zeros_like(affinity, dtype=bool)
    np.put_along_axis(chosen, top, True, axis=1)
    return _World(culture, creator, quality, country, affinity, openness, chosen)


def simulate(cfg: SimConfig) -> SimResult:
    """Run the feed for `cfg.rounds` rounds and count follows of never-chosen cultures."""
    w = _world(cfg)
    rng = np.random.default_rng(cfg.seed + 1)
    n_v, n_c = w.affinity.shape
    # Common random numbers: viewer v's response to work i is decided by the same two
    # uniforms in every arm, so arms differ only by what the feed chose to show.
    draws = rng.random((n_v, cfg.n_items, cfg.rounds, 2))
    serve_rng = np.random.default_rng(cfg.seed + 2)
    users = tuple(f"v{i}" for i in range(n_v))
    items = tuple(f"w{i}" for i in range(cfg.n_items))
    markets = tuple(COUNTRIES[int(c)] for c in w.country)
    cats = np.zeros((cfg.n_items, n_c))
    cats[np.arange(cfg.n_items), w.culture] = 1.0
    meta = ItemMeta(items, tuple((CULTURES[int(c)],) for c in w.culture), w.creator)
    rows: list[tuple[str, str, float, float]] = []
    for v in range(n_v):
        pool = np.flatnonzero(w.chosen[v, w.culture])
        for i in rng.choice(pool, min(cfg.warmup, pool.size), replace=False):
            rows.append((users[v], items[int(i)], 1.0, 0.0))
    exposures = np.zeros((n_v, n_c))
    likes = np.zeros((n_v, n_c))
    follows = w.chosen.copy()
    config = ServeConfig(explore=ExploreConfig(share=cfg.explore_share), diversity="mmr")
    explorer = ThompsonExplorer(cats, COUNTRIES, COUNTRIES, config.explore, seed=cfg.seed)
    views = like_count = served = outside = 0
    for rnd in range(cfg.rounds):
        inter = from_rows(rows, users, items)
        ds = Dataset(inter, meta, markets)
        factors = fit_als(inter.to_csr(), factors=16, iterations=10, seed=cfg.seed)
        model = build_feed_model(ds, factors, None, config, explorer=explorer)
        for v in range(n_v):
            for slot in serve(model, users[v], markets[v], cfg.slots, serve_rng):
                c = int(w.culture[slot.item])
                a, o = w.affinity[v, c], w.openness[v]
                f = 1.0 - np.exp(-exposures[v, c] / TAU)
                s = a + o * (1.0 - a) * f
                exposures[v, c] += 1.0
                served += 1
                outside += int(not follows[v, c])
                liked = False
                u_view, u_like = draws[v, slot.item, rnd]
                if u_view < w.quality[slot.item] * s:
                    views += 1
                    rows.append((users[v], items[slot.item], 1.0, float(rnd + 1)))
                    if u_like < 0.2 + 0.6 * s:
                        liked = True
                        like_count += 1
                        likes[v, c] += 1.0
                        if likes[v, c] >= cfg.follow_likes:
                            follows[v, c] = True
                if slot.reason == "exploration":
                    explorer.update(slot.item, markets[v], liked)
    new = follows & ~w.chosen
    by_country = {
        COUNTRIES[k]: int(new[w.country == k].any(axis=1).sum()) for k in range(len(COUNTRIES))
    }
    return SimResult(
        explore_share=cfg.explore_share,
        viewers=n_v,
        viewers_following_new_culture=int(new.any(axis=1).sum()),
        new_follows=int(new.sum()),
        views_per_slot=views / max(served, 1),
        likes_per_slot=like_count / max(served, 1),
        breakout_follows_by_country=by_country,
        outside_share=outside / max(served, 1),
    )


def compare(cfg: SimConfig) -> tuple[SimResult, SimResult]:
    """The same world and seed with exploration off, then on at `cfg.explore_share`."""
    off = simulate(replace(cfg, explore_share=0.0))
    return off, simulate(cfg)


@dataclass(frozen=True)
class SeedSummary:
    """Paired outcome over several worlds: break-out followers and engagement, off vs on."""

    seeds: tuple[int, ...]
    followers_off: tuple[int, ...]
    followers_on: tuple[int, ...]
    views_per_slot_off: float
    views_per_slot_on: float

    @property
    def gains(self) -> tuple[int, ...]:
        """Extra viewers following a never-chosen culture, per world."""
        return tuple(b - a for a, b in zip(self.followers_off, self.followers_on, strict=True))

    @property
    def relative_gain(self) -> float:
        """Total extra followers over the total without exploration."""
        return sum(self.gains) / max(sum(self.followers_off), 1)

    @property
    def views_change(self) -> float:
        """Relative change of views per slot with exploration on."""
        return self.views_per_slot_on / max(self.views_per_slot_off, 1e-12) - 1.0


def compare_seeds(cfg: SimConfig, seeds: tuple[int, ...]) -> SeedSummary:
    """`compare` over several worlds (one per seed), summarised as paired differences."""
    if not seeds:
        raise InvalidInput("give at least one seed")
    pairs = [compare(replace(cfg, seed=s)) for s in seeds]
    return SeedSummary(
        seeds=seeds,
        followers_off=tuple(off.viewers_following_new_culture for off, _ in pairs),
        followers_on=tuple(on.viewers_following_new_culture for _, on in pairs),
        views_per_slot_off=float(np.mean([off.views_per_slot for off, _ in pairs])),
        views_per_slot_on=float(np.mean([on.views_per_slot for _, on in pairs])),
    )
