"""The market index: indicators from viewer-bucket roll-ups, normalised within the comparison
set, weighted into Reach, Resonance and Influence, with bootstrap intervals and rank intervals.

Pure numpy over `counts[market]`, an array of BUCKETS x COUNTERS sums. Uncertainty
(docs/insight.md): every figure's interval is the percentile interval of B bootstrap
replicates, each resampling a market's viewer buckets with replacement (viewers are
hashed into buckets, so a bucket is a random group of whole viewers): the percentile
interval for raw indicators, the basic (reverse-percentile) interval for the normalised
sub-indices and index, whose min-max bounds otherwise bias the markets at either end. Sensitivity (JRC/OECD
Handbook on Constructing Composite Indicators, 2008, section 7): Monte Carlo draws of a
bootstrap replicate, weights each scaled by U(1-p, 1+p) and a normalisation method; a
market's rank interval is the 5th-95th percentile of its rank over the draws.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np
import numpy.typing as npt

from culturebridge.insight._tables import COUNTERS
from culturebridge.insight.methodology import SUBINDICES, Indicator, Methodology

Array = npt.NDArray[np.float64]
COL = {name: i for i, name in enumerate(COUNTERS)}
_NORMAL = NormalDist()


@dataclass(frozen=True)
class Figure:
    value: float
    low: float
    high: float

    def to_list(self) -> list[float]:
        return [round(self.low, 4), round(self.high, 4)]


@dataclass(frozen=True)
class MarketIndex:
    market: str
    viewers: int
    enough_data: bool
    reach: Figure | None
    resonance: Figure | None
    influence: Figure | None
    index: Figure | None
    rank: int | None
    rank_interval: tuple[int, int] | None
    median_rank: float | None
    indicators: dict[str, Figure]  # raw indicator values (rates, counts) with bootstrap intervals

    def to_dict(self) -> dict[str, Any]:
        """The market object of `insight index --json`."""
        def val(f: Figure | None) -> float | None:
            return None if f is None else round(f.value, 2)

        return {"market": self.market, "reach": val(self.reach), "resonance": val(self.resonance),
                "influence": val(self.influence), "index": val(self.index),
                "ci": None if self.index is None else [round(self.index.low, 2), round(self.index.high, 2)],
                "rank": self.rank, "rank_interval": None if self.rank_interval is None else list(self.rank_interval),
                "viewers": self.viewers, "enough_data": self.enough_data}

    def detail(self) -> dict[str, Any]:
        """Everything, for the web page and the API: sub-index and indicator intervals too."""
        out = self.to_dict()
        for name in SUBINDICES:
            f = getattr(self, name)
            out[f"{name}_ci"] = None if f is None else [round(f.low, 2), round(f.high, 2)]
        out["median_rank"] = self.median_rank
        out["indicators"] = {k: {"value": round(v.value, 4), "ci": v.to_list()} for k, v in self.indicators.items()}
        return out


@dataclass(frozen=True)
class IndexResult:
    methodology: Methodology
    markets: tuple[MarketIndex, ...]
    indicators_used: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        m = self.methodology
        return {"methodology": {"version": m.version, "weights": m.weights_dict(), "reweighted": m.reweighted,
                                "normalisation": m.normalisation, "min_viewers": m.min_viewers},
                "markets": [x.to_dict() for x in self.markets]}


def resample_weights(rng: np.random.Generator, replicates: int, buckets: int) -> Array:
    """How often each bucket is drawn in each bootstrap replicate (rows sum to `buckets`)."""
    draws = rng.integers(0, buckets, (replicates, buckets)) + np.arange(replicates)[:, None] * buckets
    counts = np.bincount(draws.ravel(), minlength=replicates * buckets).reshape(replicates, buckets)
    weights: Array = counts.astype(np.float64)
    return weights


def _raw(sums: Array, ind: Indicator, audience: float | None) -> Array:
    """Indicator values from counter sums (..., COUNTERS)."""
    num = sums[..., COL[ind.numerator]]
    if ind.denominator is None:
        value = num / audience if audience else num
    else:
        den = sums[..., COL[ind.denominator]]
        with np.errstate(invalid="ignore", divide="ignore"):
            value = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
    return np.log1p(value) if ind.transform == "log" else value


def _normalise(x: Array, how: str, inds: list[Indicator]) -> Array:
    """Normalise (..., indicators, markets) onto 0..1: against each indicator's fixed goalposts,
    or along the last axis within the comparison set."""
    m = x.shape[-1]
    if how == "goalposts":  # distance between fixed, published bounds (JRC/OECD Handbook 2008, section 5)
        low = np.array([i.goalposts[0] if i.goalposts else 0.0 for i in inds])[:, None]
        high = np.array([i.goalposts[1] if i.goalposts else 1.0 for i in inds])[:, None]
        posted: Array = np.clip((x - low) / (high - low), 0.0, 1.0)
        return posted
    if how == "rank":
        ranks = np.argsort(np.argsort(x, axis=-1), axis=-1).astype(np.float64)
        out: Array = ranks / max(m - 1, 1)
        return out
    if how == "zscore":
        sd = x.std(axis=-1, keepdims=True)
        z = (x - x.mean(axis=-1, keepdims=True)) / np.where(sd > 0, sd, 1.0)
        clipped: Array = np.clip(0.5 + z / 4.0, 0.0, 1.0)  # +-2 SD onto 0..1, the same scale as min-max
        return clipped
    lo, hi = x.min(axis=-1, keepdims=True), x.max(axis=-1, keepdims=True)
    span = hi - lo
    return np.where(span > 0, (x - lo) / np.where(span > 0, span, 1.0), 0.5)


def _aggregate(norm: Array, inds: list[Indicator], sub_w: Array, ind_w: Array) -> tuple[Array, Array]:
    """(sub-indices (..., 3, markets), index (..., markets)) on 0..100 from normalised indicators (..., I, markets)."""
    subs = []
    for sub in SUBINDICES:
        mask = np.array([ind.subindex == sub for ind in inds], dtype=np.float64)
        w = ind_w * mask
        total = w.sum(axis=-1, keepdims=True)
        subs.append((norm * (w / np.where(total > 0, total, 1.0))[..., None]).sum(axis=-2) * 100.0)
    stacked = np.stack(subs, axis=-2)
    sw = sub_w / sub_w.sum(axis=-1, keepdims=True)
    return stacked, (stacked * sw[..., None]).sum(axis=-2)


def _jackknife(counts: dict[str, Array], eligible: list[str], inds: list[Indicator], method: Methodology,
               point: Array) -> Array:
    """Raw indicators (units, I, M) with one viewer bucket of one market left out, for every
    (market, bucket) of the comparison set; the other markets keep their full sums."""
    blocks = []
    for j, m in enumerate(eligible):
        c = counts[m]
        loo = c.sum(axis=0)[None, :] - c  # (buckets, COUNTERS)
        raw = np.stack([_raw(loo, ind, method.audience_size.get(m)) for ind in inds], axis=-1)  # (buckets, I)
        block = np.repeat(point[None, :, :], c.shape[0], axis=0)
        block[:, :, j] = np.where(np.isfinite(raw), raw, point[None, :, j])
        blocks.append(block)
    out: Array = np.concatenate(blocks, axis=0)
    return out


def bca(point: float, boot: Array, jack: Array, alpha: float) -> Figure:
    """The bias-corrected and accelerated interval (Efron 1987; Efron & Tibshirani, *An
    Introduction to the Bootstrap*, 1993, section 14.3): bias correction z0 from the share of
    replicates below the estimate (ties count half), acceleration from the jackknife."""
    below = (np.count_nonzero(boot < point) + 0.5 * np.count_nonzero(boot == point)) / boot.size
    if below <= 0.0 or below >= 1.0:  # every replicate on one side: no bias estimate, fall back to percentile
        lo, hi = (float(q) for q in np.quantile(boot, [alpha, 1 - alpha]))
        return Figure(point, lo, hi)
    z0 = _NORMAL.inv_cdf(below)
    u = jack.mean() - jack
    den = float((u ** 2).sum())
    a = float((u ** 3).sum()) / (6.0 * den ** 1.5) if den > 0 else 0.0
    levels = []
    for q in (alpha, 1.0 - alpha):
        z = _NORMAL.inv_cdf(q)
        levels.append(_NORMAL.cdf(z0 + (z0 + z) / (1.0 - a * (z0 + z))))
    lo, hi = (float(v) for v in np.quantile(boot, levels))
    return Figure(point, lo, hi)


def compute_index(counts: dict[str, Array], method: Methodology, *, seed: int = 0,
                  market: str | None = None) -> IndexResult:
    """The index of every market in `counts` (each BUCKETS x COUNTERS)."""
    rng = np.random.default_rng(seed)
    names = sorted(counts)
    viewers = {m: int(counts[m][:, COL["viewers"]].sum()) for m in names}
    eligible = [m for m in names if viewers[m] >= method.min_viewers]
    r = max(method.bootstrap, 1)
    reps: dict[str, Array] = {}
    for m in names:
        c = counts[m]
        reps[m] = np.concatenate([c.sum(axis=0)[None, :], resample_weights(rng, r, c.shape[0]) @ c], axis=0)
    inds: list[Indicator] = []
    for ind in method.indicators:
        if ind.weight <= 0:
            continue
        if ind.denominator is not None and ind.optional and any(
                reps[m][0, COL[ind.denominator]] <= 0 for m in eligible):
            continue  # not measured in every market of the set: left out, and said so
        inds.append(ind)
    raw = {m: np.stack([_raw(reps[m], ind, method.audience_size.get(m)) for ind in inds], axis=-1) if inds
           else np.zeros((r + 1, 0)) for m in names}
    alpha = (1.0 - method.confidence) / 2.0

    def fig(x: Array, basic: bool = False, jack: Array | None = None) -> Figure:
        boot = x[1:][np.isfinite(x[1:])]
        if boot.size == 0:
            return Figure(float(x[0]), float("nan"), float("nan"))
        if jack is not None:
            return bca(float(x[0]), boot, jack, alpha)
        lo, hi = (float(q) for q in np.quantile(boot, [alpha, 1 - alpha]))
        if basic:  # the basic (reverse-percentile) interval: corrects the bias min-max puts on the extremes
            lo, hi = max(0.0, 2 * float(x[0]) - hi), min(100.0, 2 * float(x[0]) - lo)  # within the 0-100 scale
        return Figure(float(x[0]), lo, hi)

    results: dict[str, MarketIndex] = {}
    if eligible and inds:
        x = np.stack([raw[m] for m in eligible], axis=-1)  # (r+1, I, M)
        x = np.where(np.isfinite(x), x, np.nanmean(np.where(np.isfinite(x), x, np.nan), axis=-1, keepdims=True))
        x = np.nan_to_num(x)
        sub_w = np.array([method.subindex_weights[s] for s in SUBINDICES])
        ind_w = np.array([ind.weight for ind in inds])
        subs, index = _aggregate(_normalise(x, method.normalisation, inds), inds, sub_w, ind_w)
        jack_subs: Array | None = None
        jack_index: Array | None = None
        if method.interval == "bca":  # leave-one-bucket-out values of every market's figures
            jx = _jackknife(counts, eligible, inds, method, x[0])
            jack_subs, jack_index = _aggregate(_normalise(jx, method.normalisation, inds), inds, sub_w, ind_w)
        order = np.argsort(-index[0], kind="stable")
        rank = {eligible[j]: k + 1 for k, j in enumerate(order)}
        # Monte Carlo sensitivity: replicate, weights and normalisation drawn together.
        s = max(method.monte_carlo, 1)
        p = method.weight_perturbation
        draw_rep = rng.integers(1, r + 1, s)
        draw_sw = sub_w * rng.uniform(1 - p, 1 + p, (s, sub_w.size))
        draw_iw = ind_w * rng.uniform(1 - p, 1 + p, (s, ind_w.size))
        draw_norm = rng.integers(0, len(method.normalisations), s)
        mc_index = np.empty((s, len(eligible)))
        for k, how in enumerate(method.normalisations):
            sel = np.nonzero(draw_norm == k)[0]
            if sel.size:
                _, mc_index[sel] = _aggregate(_normalise(x[draw_rep[sel]], how, inds), inds, draw_sw[sel], draw_iw[sel])
        mc_rank = np.argsort(np.argsort(-mc_index, axis=1, kind="stable"), axis=1) + 1
        for j, m in enumerate(eligible):
            lo, hi = np.percentile(mc_rank[:, j], [5, 95])
            def norm_fig(values: Array, jack: Array | None) -> Figure:
                return fig(values, method.interval == "basic", jack)

            sub_figs = [norm_fig(subs[:, k, j], None if jack_subs is None else jack_subs[:, k, j]) for k in range(3)]
            results[m] = MarketIndex(
                m, viewers[m], True, sub_figs[0], sub_figs[1], sub_figs[2],
                norm_fig(index[:, j], None if jack_index is None else jack_index[:, j]),
                rank[m], (int(np.floor(lo)), int(np.ceil(hi))), float(np.median(mc_rank[:, j])),
                {ind.name: fig(raw[m][:, i]) for i, ind in enumerate(inds)})
    for m in names:
        if m not in results:
            results[m] = MarketIndex(m, viewers[m], False, None, None, None, None, None, None, None,
                                     {ind.name: fig(raw[m][:, i]) for i, ind in enumerate(inds)})
    ordered = sorted(results.values(), key=lambda x: (x.rank is None, x.rank or 0, x.market))
    if market is not None:
        ordered = [x for x in ordered if x.market == market]
    return IndexResult(method, tuple(ordered), tuple(i.name for i in inds))
