"""The learned referral signal: a logistic regression over distances and character n-grams.

NRTA 2026 AI-alteration criteria 1-3 and the children's-IP rule, for wordings the rule
tables do not reach. Two kinds of input share one logit: the wording-free features of
`learned_features.py` (distances between the adaptation's sentences and the canon card's
sentences or our generic prototypes, cues, the rule checks' own findings) and, from
weights format 2, the text's character n-grams (`learned_text.py`). The weights ship as a
versioned JSON file (`data/learned-referral.json`) fitted by `bench/review_learned.py`
with a fixed seed on the development sets only. Above the file's threshold the item is
referred to the human desk (severity medium). Where the policy allows it (`reject: true`),
at or above the file's reject threshold — on the probability of a second regression fitted
to tell violations to reject from the rest (weights version 3), chosen so the signal alone
rejects at most a set share of acceptable development retellings (the fit's reject budget,
1.5% for the bundled weights), leaving one writer out — the finding is high and the policy
rejects. With `doubt: true`, a rule's reject on a text the signal scores below its
referral threshold goes to the desk (`findings.DOUBT`). The finding's kind names the clause:
from weights version 4, by a third regression (`kind_model`, one set of weights per kind:
fidelity, violence, era, children's) fitted on the development violations to tell which kind
each is; before, by the feature family that pushed the score most, which agreed with the
labelled kind on 44% of the development violations. Its explanation quotes the words whose
n-grams weighed most.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from culturebridge.errors import LearnedModelInvalid
from culturebridge.review.check import CheckContext, Params
from culturebridge.review.findings import DOUBT, Finding, span_evidence
from culturebridge.review.learned_features import (
    FEATURES,
    GROUP,
    CardVectors,
    GenericVectors,
    extract,
    sentence_spans,
)
from culturebridge.review.learned_text import NgramWeights

NAME = "learned"
FORMAT = "culturebridge-review-learned"
BUNDLED = "learned-referral.json"
_MAX_SENTENCES = 24
# The development texts the weights were fitted on run to 7 sentences. On a longer text the
# signal's reading of the whole says little about the one sentence a rule found, so it does
# not doubt a rule's reject there.
DOUBT_MAX_SENTENCES = 8
# The kinds a learned finding can name (`learned-<kind>`), each tied to a clause by the pack.
KINDS = ("fidelity", "violence", "era", "childrens")


@dataclass(frozen=True)
class LearnedModel:
    """Standardised logistic regression over a subset of `FEATURES`."""

    version: str
    features: tuple[str, ...]
    mean: NDArray[np.float64]
    scale: NDArray[np.float64]
    coef: NDArray[np.float64]
    intercept: float
    threshold: float
    fitted: Mapping[str, Any]
    ngrams: NgramWeights | None = None
    reject_threshold: float | None = None  # at or above it the signal may reject (format 2)
    # From version 3: a second regression over the same inputs, fitted to tell the violations
    # to reject from the rest (referrals and acceptable retellings); the reject threshold is
    # then on its probability. Without it, on this model's.
    reject_model: LearnedModel | None = None
    # From version 4: per kind, a model over the same inputs whose logit scores that kind
    # (a multinomial regression fitted on the violations); the finding names the highest.
    kind_models: Mapping[str, LearnedModel] = field(default_factory=dict)

    def columns(self) -> list[int]:
        """Positions of the model's features in a full `FEATURES` vector."""
        return [FEATURES.index(f) for f in self.features]

    def contributions(self, full: NDArray[np.float64]) -> NDArray[np.float64]:
        """Each feature's term in the logit, for a full `FEATURES` vector."""
        z = (full[self.columns()] - self.mean) / self.scale
        return np.asarray(self.coef * z, dtype=np.float64)

    def logit(self, full: NDArray[np.float64], text: str = "", terms: Mapping[str, float] | None = None) -> float:
        """The regression's logit for a full `FEATURES` vector and the text (read when the model
        has n-grams; `terms`, the text's `ngrams.terms`, saves reading it again: the reject and
        kind models share this model's vocabulary)."""
        logit = float(np.sum(self.contributions(full))) + self.intercept
        if self.ngrams is not None:
            logit += self.ngrams.logit(text, terms)
        return logit

    def terms(self, text: str) -> Mapping[str, float] | None:
        """The text's TF-IDF vector over the n-gram vocabulary this model and its reject and
        kind models share (None without n-grams)."""
        return self.ngrams.terms(text) if self.ngrams is not None else None

    def probability(self, full: NDArray[np.float64], text: str = "", terms: Mapping[str, float] | None = None) -> float:
        """P(violation) for a full `FEATURES` vector and the text."""
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, self.logit(full, text, terms)))))

    def kind(self, full: NDArray[np.float64], text: str, allowed: tuple[str, ...] = KINDS,
             terms: Mapping[str, float] | None = None) -> str | None:
        """The kind of violation the kind models score highest among `allowed`; None without them."""
        scores = {k: m.logit(full, text, terms) for k, m in self.kind_models.items() if k in allowed}
        return max(sorted(scores), key=lambda k: scores[k]) if scores else None

    def reject_probability(self, full: NDArray[np.float64], text: str = "",
                           terms: Mapping[str, float] | None = None) -> float:
        """The probability the reject threshold applies to: the reject model's, where there is one."""
        return (self.reject_model or self).probability(full, text, terms)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form of the weights file."""
        data: dict[str, Any] = {
            "format": FORMAT, "version": self.version, "features": list(self.features),
            "mean": [float(x) for x in self.mean], "scale": [float(x) for x in self.scale],
            "coef": [float(x) for x in self.coef], "intercept": self.intercept,
            "threshold": self.threshold, "fitted": dict(self.fitted)}
        if self.reject_threshold is not None:
            data["reject_threshold"] = self.reject_threshold
        if self.ngrams is not None:
            n = self.ngrams
            data["ngrams"] = {"low": n.low, "high": n.high,
                              "grams": {g: [n.idf[g], n.coef.get(g, 0.0)] for g in sorted(n.idf)}}
        if self.reject_model is not None:
            r = self.reject_model
            data["reject_model"] = {"coef": [float(x) for x in r.coef], "intercept": r.intercept}
            if r.ngrams is not None:
                data["reject_model"]["ngrams"] = {g: r.ngrams.coef.get(g, 0.0) for g in sorted(r.ngrams.idf)}
        if self.kind_models:
            # Only the highest of the kinds' logits matters: six significant digits keep it and
            # halve the block; n-grams without weight are left out.
            data["kind_model"] = {k: {
                "coef": [float(f"{x:.6g}") for x in m.coef], "intercept": float(f"{m.intercept:.6g}"),
                **({"ngrams": {g: float(f"{w:.6g}") for g, w in sorted(m.ngrams.coef.items()) if w != 0.0}}
                   if m.ngrams is not None else {})} for k, m in self.kind_models.items()}
        return data


def _bad(source: str, what: str) -> LearnedModelInvalid:
    return LearnedModelInvalid(f"learned review weights {source}: {what}",
                               hint="re-fit with python bench/review_learned.py --write, or switch off 'refer' in the policy")


def _numbers(source: str, data: Mapping[str, Any], key: str, n: int) -> NDArray[np.float64]:
    value = data.get(key)
    if not isinstance(value, list) or len(value) != n or not all(
        isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) for x in value
    ):
        raise _bad(source, f"'{key}' must be a list of {n} finite numbers")
    return np.array(value, dtype=np.float64)


def model_from_dict(data: Any, *, source: str = "<data>") -> LearnedModel:
    """Validate a weights file's content; raise LearnedModelInvalid naming what is wrong."""
    if not isinstance(data, Mapping) or data.get("format") != FORMAT:
        raise _bad(source, f"not a {FORMAT} file")
    version = data.get("version")
    if not isinstance(version, str) or not version:
        raise _bad(source, "'version' must be a non-empty string")
    features = data.get("features")
    if not isinstance(features, list) or not features or not all(isinstance(f, str) for f in features):
        raise _bad(source, "'features' must be a non-empty list of names")
    unknown = [f for f in features if f not in FEATURES]
    if unknown or len(set(features)) != len(features):
        raise _bad(source, f"unknown or repeated feature(s) {', '.join(unknown) or 'repeated'}; this code knows {', '.join(FEATURES)}")
    n = len(features)
    mean, scale, coef = (_numbers(source, data, k, n) for k in ("mean", "scale", "coef"))
    if np.any(scale <= 0):
        raise _bad(source, "'scale' must be positive")
    intercept, threshold = data.get("intercept"), data.get("threshold")
    if not isinstance(intercept, (int, float)) or isinstance(intercept, bool) or not math.isfinite(intercept):
        raise _bad(source, "'intercept' must be a finite number")
    if not isinstance(threshold, (int, float)) or isinstance(threshold, bool) or not 0 < threshold < 1:
        raise _bad(source, "'threshold' must be a probability in (0, 1)")
    fitted = data.get("fitted", {})
    if not isinstance(fitted, Mapping):
        raise _bad(source, "'fitted' must be a mapping")
    ngrams = _ngrams(source, data["ngrams"]) if "ngrams" in data else None
    reject_threshold = data.get("reject_threshold")
    lowest = 0.0 if "reject_model" in data else threshold  # one model: a reject is a surer referral
    if reject_threshold is not None and not (_finite(reject_threshold) and 0 < reject_threshold < 1
                                             and lowest <= reject_threshold):
        raise _bad(source, "'reject_threshold' must be a probability from 'threshold' up to 1 "
                           "(from 0 with a 'reject_model')")
    model = LearnedModel(version, tuple(features), mean, scale, coef, float(intercept), float(threshold), dict(fitted),
                         ngrams, None if reject_threshold is None else float(reject_threshold))
    if "reject_model" in data:
        if reject_threshold is None:
            raise _bad(source, "a 'reject_model' needs a 'reject_threshold'")
        model = replace(model, reject_model=_sub_model(source, data["reject_model"], model, "reject_model"))
    if "kind_model" in data:
        kinds = data["kind_model"]
        if not (isinstance(kinds, Mapping) and len(kinds) >= 2 and set(kinds) <= set(KINDS)):
            raise _bad(source, f"'kind_model' must map two or more of {', '.join(KINDS)} to a model block")
        model = replace(model, kind_models={k: _sub_model(source, kinds[k], model, f"kind_model.{k}") for k in kinds})
    return model


def _sub_model(source: str, raw: Any, model: LearnedModel, name: str) -> LearnedModel:
    """A reject or kind model block: {"coef": [...], "intercept": x, "ngrams": {gram: weight}}
    over the violation model's features, standardisation and n-gram vocabulary."""
    if not isinstance(raw, Mapping):
        raise _bad(source, f"'{name}' must be a mapping")
    coef = _numbers(source, raw, "coef", len(model.features))
    intercept = raw.get("intercept")
    if not isinstance(intercept, (int, float)) or not _finite(intercept):
        raise _bad(source, f"'{name}.intercept' must be a finite number")
    ngrams = None
    if model.ngrams is None and "ngrams" in raw:
        raise _bad(source, f"'{name}.ngrams' needs an 'ngrams' block for their idf")
    if model.ngrams is not None:
        grams = raw.get("ngrams")
        if not (isinstance(grams, Mapping) and set(grams) <= set(model.ngrams.idf)
                and all(_finite(w) for w in grams.values())):
            raise _bad(source, f"'{name}.ngrams' must map n-grams of 'ngrams' to finite weights")
        ngrams = replace(model.ngrams, coef={g: float(w) for g, w in grams.items()})
    threshold = model.reject_threshold if model.reject_threshold is not None else model.threshold
    return replace(model, coef=coef, intercept=float(intercept), threshold=threshold, fitted={},
                   ngrams=ngrams, reject_threshold=None)


def _finite(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _ngrams(source: str, raw: Any) -> NgramWeights:
    """The n-gram block: {"low": 1, "high": 4, "grams": {gram: [idf, coef]}}."""
    if not isinstance(raw, Mapping):
        raise _bad(source, "'ngrams' must be a mapping")
    low, high, grams = raw.get("low"), raw.get("high"), raw.get("grams")
    if not (type(low) is int and type(high) is int and 1 <= low <= high <= 8):
        raise _bad(source, "'ngrams' needs whole numbers 1 <= low <= high <= 8")
    if not isinstance(grams, Mapping) or not grams:
        raise _bad(source, "'ngrams.grams' must map each n-gram to [idf, weight]")
    idf: dict[str, float] = {}
    coef: dict[str, float] = {}
    for gram, pair in grams.items():
        if not (isinstance(gram, str) and low <= len(gram) <= high):
            raise _bad(source, f"n-gram {gram!r} is not {low} to {high} characters long")
        if not (isinstance(pair, list) and len(pair) == 2 and all(_finite(x) for x in pair) and pair[0] > 0):
            raise _bad(source, f"n-gram {gram!r} must map to [idf > 0, weight]")
        idf[gram], coef[gram] = float(pair[0]), float(pair[1])
    return NgramWeights(low, high, idf, coef)


def load_model_file(path: Path) -> LearnedModel:
    """Read and validate a weights file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise _bad(str(path), "no such file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise _bad(str(path), f"cannot read ({exc})") from exc
    except json.JSONDecodeError as exc:
        raise _bad(str(path), f"not valid JSON ({exc.msg} at line {exc.lineno})") from exc
    return model_from_dict(data, source=str(path))


def bundled_model_path() -> Path:
    """Where the shipped weights file lives."""
    return Path(str(resources.files("culturebridge.review") / "data" / BUNDLED))


class LearnedCheck:
    """Refers to the desk items the rules passed and the fitted model scores above its threshold.

    With `reject: true` and a weights file that has a reject threshold, an item the model
    scores at or above it gets a high finding (the policy's reject), unless a rule already
    rejected it. On an item an earlier check rejected it stays silent, unless `doubt: true`:
    then, when it scores the text below its referral threshold, it adds a low finding of kind
    `DOUBT`, and the decision sends the earlier checks' rejects on the text to the desk.
    """

    name = NAME

    def __init__(self, raw: Mapping[str, Any]) -> None:
        p = Params(NAME, raw)
        self.refer = p.flag("refer", False)
        self.reject = p.flag("reject", False)
        self.doubt = p.flag("doubt", False)
        # 0 = the threshold chosen when fitting (stored in the weights file).
        self.threshold = p.number("threshold", 0.0)
        p.done()
        self.model = load_model_file(bundled_model_path()) if self.refer else None
        if self.reject and self.model is not None and self.model.reject_threshold is None:
            raise _bad(str(bundled_model_path()), "the policy asks the signal to reject ('reject: true'), "
                       "but the weights carry no 'reject_threshold'")

    def features(self, context: CheckContext) -> NDArray[np.float64] | None:
        """The full feature vector of the item (None without a card or an embedder)."""
        card, models = context.card, context.models
        if card is None or models.embedder is None:
            return None
        embed = models.embedder.get()
        generic = context.cache.get(f"{NAME}:generic")
        if not isinstance(generic, GenericVectors):
            generic = GenericVectors.build(embed)
            context.cache[f"{NAME}:generic"] = generic
        key = f"{NAME}:card:{card.name}"
        cached = context.cache.get(key)
        if not (isinstance(cached, tuple) and cached[0] is card):
            from culturebridge.review.fidelity import compile_canon

            cached = (card, CardVectors.build(card, compile_canon(card).archetypes, embed))
            context.cache[key] = cached
        text = context.item.text
        spans = sentence_spans(text, _MAX_SENTENCES)
        vectors = embed([text[s:e] for s, e in spans]) if spans else np.zeros((0, 512), dtype=np.float32)
        return extract(text, vectors, spans, cached[1], generic, context.earlier)

    def run(self, context: CheckContext) -> list[Finding]:
        """A medium finding when the probability reaches the threshold, high at the reject threshold."""
        escalated = {f.severity for f in context.earlier if f.severity != "low" and not f.fix}
        reject_at = self.model.reject_threshold if self.model is not None and self.reject else None
        if self.model is None or (escalated == {"medium"} and reject_at is None):
            return []  # the rules sent it to the desk and the signal may not reject
        if "high" in escalated and not (
                self.doubt and len(sentence_spans(context.item.text, DOUBT_MAX_SENTENCES + 1)) <= DOUBT_MAX_SENTENCES):
            return []  # the rules rejected it, and the signal may not doubt them here
        full = self.features(context)
        if full is None:
            return []
        text = context.item.text
        terms = self.model.terms(text)  # read once: every model here shares the vocabulary
        probability = self.model.probability(full, text, terms)
        threshold = self.threshold or self.model.threshold
        if "high" in escalated:
            return [] if probability >= threshold else [Finding(
                NAME, DOUBT, "low", span_evidence(context.item, "text", 0, len(text)),
                f"the learned signal (v{self.model.version}) reads the text as acceptable "
                f"(p={probability:.2f} < {threshold:.2f}); a human should decide", score=probability)]
        sure_p = self.model.reject_probability(full, text, terms) if reject_at is not None else 0.0
        sure = reject_at is not None and sure_p >= reject_at
        if not sure and (escalated or probability < threshold):
            return []  # a referral adds nothing to an item already at the desk
        why = (self.model.reject_model or self.model) if sure else self.model  # the model whose reading decided
        contributions = why.contributions(full)
        childrens = context.card is not None and context.card.protection == "childrens"
        # Only a children's IP has a children's clause; there, violence is judged by it too.
        group = self.model.kind(full, text, KINDS if childrens else tuple(k for k in KINDS if k != "childrens"), terms)
        if group is None:
            by_group: dict[str, float] = {}
            for name, c in zip(why.features, contributions):
                family = GROUP.get(name)
                if family is not None:
                    by_group[family] = by_group.get(family, 0.0) + float(c)
            group = max(sorted(by_group), key=lambda g: by_group[g]) if by_group else "fidelity"
        if group == "violence" and childrens:
            group = "childrens"
        top = sorted(zip(why.features, contributions), key=lambda t: -t[1])[:3]
        wording = ""
        if why.ngrams is not None:
            words = sorted(((w, c) for w, c in why.ngrams.word_contributions(text, terms).items() if c > 0),
                           key=lambda t: -t[1])
            wording = "; wording: " + ", ".join(f"'{w}' {c:+.2f}" for w, c in words[:5]) if words else ""
        reading = (f"a violation to reject (p={sure_p:.2f} >= {reject_at:.2f}, its reject threshold"
                   if sure else f"a possible violation (p={probability:.2f} >= {threshold:.2f}")
        return [Finding(
            NAME, f"learned-{group}", "high" if sure else "medium", span_evidence(context.item, "text", 0, len(text)),
            f"the learned signal (v{self.model.version}) reads this as {reading}; "
            f"strongest: {', '.join(f'{n} {c:+.2f}' for n, c in top)}{wording})"
            + ("" if sure else "; a human should look"),
            score=sure_p if sure else probability,
        )]


def build(raw: Mapping[str, Any]) -> LearnedCheck:
    """The learned check from policy parameters."""
    return LearnedCheck(raw)
