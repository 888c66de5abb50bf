"""The versioned methodology of the market index: indicators, weights, sample rules.

The shipped YAML (`data/methodology-<version>.yaml`) is the published methodology; a user
re-weights it with a small file of `name: weight` pairs (sub-index or indicator names),
and the result records that it was re-weighted. Everything is validated on load, and a
bad name or weight is refused with the name in the message.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from culturebridge.errors import ConfigurationError, InvalidWeights
from culturebridge.insight._tables import COUNTERS

VERSION = "1.1"
NORMALISATIONS = ("goalposts", "minmax", "zscore", "rank")
INTERVALS = ("percentile", "basic", "bca")
SUBINDICES = ("reach", "resonance", "influence")


@dataclass(frozen=True)
class Indicator:
    """numerator / denominator of roll-up counters (denominator None: a count)."""

    name: str
    subindex: str
    weight: float
    numerator: str
    denominator: str | None
    transform: str = "identity"  # identity | log
    optional: bool = False  # dropped from the comparison set when a market has no denominator
    goalposts: tuple[float, float] | None = None  # fixed (low, high) of "goalposts" normalisation, after transform


@dataclass(frozen=True)
class Methodology:
    version: str
    min_viewers: int
    bootstrap: int
    monte_carlo: int
    confidence: float
    normalisation: str
    normalisations: tuple[str, ...]
    weight_perturbation: float
    half_watched: float
    completed: float
    subindex_weights: dict[str, float]
    indicators: tuple[Indicator, ...]
    audience_size: dict[str, float] = field(default_factory=dict)
    reweighted: bool = False
    interval: str = "basic"  # of the normalised figures: percentile | basic | bca (docs/insight.md)

    def weights_dict(self) -> dict[str, Any]:
        """Sub-index and indicator weights as published in JSON output."""
        return {s: {"weight": self.subindex_weights[s],
                    "indicators": {i.name: i.weight for i in self.indicators if i.subindex == s}}
                for s in SUBINDICES}


def _number(value: Any, what: str, *, low: float = 0.0) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= low:
        raise ConfigurationError(f"methodology: {what} must be a number >= {low}, not {value!r}")
    return float(value)


def parse(data: Mapping[str, Any]) -> Methodology:
    """A methodology from its YAML mapping (ConfigurationError naming the bad field)."""
    try:
        subs = data["subindices"]
        indicators: list[Indicator] = []
        weights: dict[str, float] = {}
        for sub in SUBINDICES:
            weights[sub] = _number(subs[sub]["weight"], f"{sub}.weight")
            for name, spec in subs[sub]["indicators"].items():
                for key in ("numerator", "denominator"):
                    if spec.get(key) is not None and spec[key] not in COUNTERS:
                        raise ConfigurationError(f"methodology: {name}.{key} {spec[key]!r} is not a roll-up counter")
                posts = spec.get("goalposts")
                if posts is not None:
                    low, high = (_number(v, f"{name}.goalposts", low=-1e9) for v in posts)
                    if not high > low:
                        raise ConfigurationError(f"methodology: {name}.goalposts must be [low, high] with low < high")
                    posts = (low, high)
                indicators.append(Indicator(str(name), sub, _number(spec["weight"], f"{name}.weight"),
                                            str(spec["numerator"]), spec.get("denominator"),
                                            str(spec.get("transform", "identity")), bool(spec.get("optional", False)),
                                            posts))
        norms = tuple(str(n) for n in data["normalisations"])
        if not set(norms) <= set(NORMALISATIONS) or data["normalisation"] not in NORMALISATIONS:
            raise ConfigurationError(f"methodology: normalisations must be among {', '.join(NORMALISATIONS)}")
        interval = str(data.get("interval", "basic"))
        if interval not in INTERVALS:
            raise ConfigurationError(f"methodology: interval must be one of {', '.join(INTERVALS)}")
        if "goalposts" in (data["normalisation"], *norms) and any(i.goalposts is None for i in indicators):
            raise ConfigurationError("methodology: goalposts normalisation needs goalposts on every indicator")
        return Methodology(
            version=str(data["version"]), min_viewers=int(data["min_viewers"]), bootstrap=int(data["bootstrap"]),
            monte_carlo=int(data["monte_carlo"]), confidence=_number(data["confidence"], "confidence"),
            normalisation=str(data["normalisation"]), normalisations=norms,
            weight_perturbation=_number(data["weight_perturbation"], "weight_perturbation"),
            half_watched=_number(data["half_watched"], "half_watched"), completed=_number(data["completed"], "completed"),
            subindex_weights=weights, indicators=tuple(indicators),
            audience_size={str(k): _number(v, f"audience_size.{k}", low=1.0)
                           for k, v in (data.get("audience_size") or {}).items()},
            interval=interval,
        )
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise ConfigurationError(f"methodology is malformed: {exc!r}") from exc


_cache: dict[str, Methodology] = {}


def load(version: str = VERSION) -> Methodology:
    """The shipped methodology of a version."""
    if version not in _cache:
        path = resources.files("culturebridge.insight") / "data" / f"methodology-{version}.yaml"
        if not path.is_file():
            raise ConfigurationError(f"no methodology version {version!r} ships with this platform")
        _cache[version] = parse(yaml.safe_load(path.read_text(encoding="utf-8")))
    return _cache[version]


def reweight(method: Methodology, weights: Mapping[str, Any]) -> Methodology:
    """The methodology with some sub-index or indicator weights replaced."""
    if not isinstance(weights, Mapping) or not weights:
        raise InvalidWeights("a weights file is a mapping of sub-index or indicator names to weights",
                             hint="e.g. reach: 2, like_rate: 0")
    subs = dict(method.subindex_weights)
    inds = {i.name: i for i in method.indicators}
    for name, value in weights.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1000:
            raise InvalidWeights(f"weight of {name!r} must be a number from 0 to 1000, not {value!r}")
        if name in subs:
            subs[name] = float(value)
        elif name in inds:
            inds[name] = replace(inds[name], weight=float(value))
        else:
            raise InvalidWeights(f"unknown indicator {name!r} in the weights",
                                 hint=f"use one of {', '.join([*SUBINDICES, *inds])}")
    if sum(subs.values()) <= 0:
        raise InvalidWeights("at least one sub-index needs a positive weight")
    return replace(method, subindex_weights=subs, indicators=tuple(inds.values()), reweighted=True)


def load_weights_file(path: Path) -> dict[str, Any]:
    """A weights file (YAML or JSON): InvalidWeights when unreadable."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidWeights(f"cannot read the weights file {path}: {exc}") from exc
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise InvalidWeights(f"the weights file {path} is not valid YAML or JSON") from exc
    if not isinstance(data, dict):
        raise InvalidWeights(f"the weights file {path} must hold a mapping of names to weights")
    return data
