"""Fit and cross-validate the learned referral signal of the review stage (development data only).

Data: the development sets `bench/review.py` uses for development — the first set's `dev`
split (`data/review_set.jsonl`) and `data/review/dev.jsonl`. The held-out set is never read
here. Label: a violation (`expected` review or reject) vs an acceptable retelling.

Cross-validation is grouped by IP (leave one IP out), so each fold measures the signal on
an IP, its characters and its wordings that the fit never saw; the decision threshold is
chosen inside each training part by an inner leave-one-IP-out, for at most `--desk` of the
acceptable retellings referred (rules and signal together), then applied to the left-out IP.
Figures are for the decision the pack makes: the rules' decision, and a referral by the
signal where the rules pass. "signal alone" is the share of items the signal refers by
itself, which is what reaches wordings the rules were not written for.

Usage:
  python bench/review_learned.py            # grouped CV of every variant, per language and category
  python bench/review_learned.py --features=/tmp/f.npz ...   # keep the feature vectors between runs
  python bench/review_learned.py --write    # fit the chosen variant on all development data and
                                            # write src/culturebridge/review/data/learned-referral.json
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from numpy.typing import NDArray
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression

from culturebridge.review import Reviewer, default_canon_dir, load_canon_dir, load_models
from culturebridge.review.check import CheckContext
from culturebridge.review.decision import decide
from culturebridge.review.learned import FORMAT, LearnedCheck, LearnedModel, bundled_model_path
from culturebridge.review.learned_features import FEATURES
from culturebridge.review.policy import Policy, policy_from_dict

sys.path.insert(0, str(Path(__file__).parent))
from review import DEV, FIRST_SET, item_of, load

SEED = 17
VERSION = "1"
DESK_TARGET = 0.20  # acceptable retellings referred, chosen inside training folds (brief: <= 25%)
RULE_FEATURES = ("rule_high", "rule_medium", "fidelity_flag", "safety_flag", "misplacement_flag", "declared_setting")
VARIANTS: dict[str, tuple[str, ...]] = {
    "embeddings+cues": tuple(f for f in FEATURES if f not in RULE_FEATURES),
    "embeddings+cues+setting": tuple(f for f in FEATURES if f not in RULE_FEATURES) + ("declared_setting",),
    "embeddings+cues+rules": FEATURES,
    "card-prototypes only": ("proto_viol", "proto_margin", "proto_margin_any", "contra_margin", "canon_min", "canon_mean"),
}
CHOSEN = "embeddings+cues"
Row = dict[str, Any]


def development_rows() -> list[Row]:
    """The development cases (first set's dev split + review/dev.jsonl); never the held-out set."""
    return [r for r in load(FIRST_SET) if r["split"] == "dev"] + load(DEV)


def policy_without_signal() -> Policy:
    """The bundled NRTA pack with the learned signal switched off (fitting needs no weights file)."""
    path = Path(str(resources.files("culturebridge.review") / "policies" / "cn-nrta-ai-alteration.yaml"))
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for rule in data["checks"]:
        if rule["check"] == "learned":
            rule["params"] = {**rule.get("params", {}), "refer": False}
    return policy_from_dict(data, source="without the learned signal")


def featurise(rows: Sequence[Row]) -> tuple[NDArray[np.float64], list[str]]:
    """Full feature vectors and the rules' decisions (the bundled pack without the signal)."""
    cards = load_canon_dir(default_canon_dir())
    policy = policy_without_signal()
    models = load_models(frames=False)
    reviewer = Reviewer(policy, cards, models=models)
    signal = LearnedCheck({})
    xs: list[NDArray[np.float64]] = []
    rules: list[str] = []
    for row in rows:
        item = item_of(row)
        context = CheckContext.build(item, reviewer.card_for(item.ip), models, reviewer._cache)
        findings = []
        for rule in policy.rules:
            if rule.check.name == "learned":
                continue
            found = [f.with_clause(rule.clause_for(f.kind)) for f in rule.check.run(context)]
            findings.extend(found)
            context.earlier.extend(found)
        rules.append(decide(findings, policy).decision)
        x = signal.features(context)
        assert x is not None
        xs.append(x)
    return np.stack(xs), rules


def fit_lr(x: NDArray[np.float64], y: NDArray[np.int64], c: float = 0.3) -> LearnedModel:
    """A standardised, class-balanced L2 logistic regression (threshold set later)."""
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale < 1e-6] = 1.0
    lr = LogisticRegression(C=c, class_weight="balanced", max_iter=2000, random_state=SEED)
    lr.fit((x - mean) / scale, y)
    return LearnedModel(VERSION, (), mean, scale, lr.coef_[0].astype(np.float64), float(lr.intercept_[0]), 0.5, {})


Fitter = Callable[[NDArray[np.float64], NDArray[np.int64]], Callable[[NDArray[np.float64]], NDArray[np.float64]]]


def lr_fitter(c: float) -> Fitter:
    def fit(x: NDArray[np.float64], y: NDArray[np.int64]) -> Callable[[NDArray[np.float64]], NDArray[np.float64]]:
        m = fit_lr(x, y, c)
        return lambda z: np.asarray(1 / (1 + np.exp(-(((z - m.mean) / m.scale) @ m.coef + m.intercept))))
    return fit


def gb_fitter(x: NDArray[np.float64], y: NDArray[np.int64]) -> Callable[[NDArray[np.float64]], NDArray[np.float64]]:
    gb = HistGradientBoostingClassifier(max_depth=3, max_iter=100, learning_rate=0.05, class_weight="balanced",
                                        random_state=SEED)
    gb.fit(x, y)
    return lambda z: np.asarray(gb.predict_proba(z)[:, 1])


def choose_threshold(p: NDArray[np.float64], y: NDArray[np.int64], rules_pass: NDArray[np.bool_], desk: float) -> float:
    """The lowest threshold keeping acceptable items referred (rules or signal) at most `desk`."""
    ok = y == 0
    base = float(np.mean(~rules_pass[ok])) if ok.any() else 0.0
    best = 0.99
    for t in np.unique(np.round(p, 4))[::-1]:
        referred = base + float(np.mean(rules_pass[ok] & (p[ok] >= t))) if ok.any() else 0.0
        if referred > desk:
            break
        best = float(t)
    return best


def grouped_oof(x: NDArray[np.float64], y: NDArray[np.int64], groups: Sequence[str], rules_pass: NDArray[np.bool_],
                fitter: Fitter, desk: float) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Leave-one-IP-out probabilities and, per outer fold, a threshold chosen by an inner leave-one-IP-out."""
    g = np.array(groups)
    probs, thresholds = np.zeros(len(y)), np.zeros(len(y))
    for held in sorted(set(groups)):
        train, test = g != held, g == held
        inner = np.zeros(int(train.sum()))
        gt = g[train]
        for inner_held in sorted(set(gt)):
            a, b = gt != inner_held, gt == inner_held
            if len(set(y[train][a])) < 2:
                continue
            inner[b] = fitter(x[train][a], y[train][a])(x[train][b])
        t = choose_threshold(inner, y[train], rules_pass[train], desk)
        probs[test] = fitter(x[train], y[train])(x[test])
        thresholds[test] = t
    return probs, thresholds


def pct(k: int, n: int) -> str:
    return f"{k}/{n}={k / n:.0%}" if n else "-"


def figures(rows: Sequence[Row], rules: Sequence[str], flagged: NDArray[np.bool_]) -> dict[str, str]:
    """Combined decision (rules, then the signal's referral where the rules pass) figures."""
    final = [r if r != "pass" else ("review" if f else "pass") for r, f in zip(rules, flagged)]
    exp = [r["expected"] for r in rows]
    viol = [i for i, e in enumerate(exp) if e != "pass"]
    ok = [i for i, e in enumerate(exp) if e == "pass"]
    rej = [i for i, e in enumerate(exp) if e == "reject"]
    return {
        "n": str(len(rows)),
        "viol not passed": pct(sum(final[i] != "pass" for i in viol), len(viol)),
        "(rules alone)": pct(sum(rules[i] != "pass" for i in viol), len(viol)),
        "(signal alone)": pct(int(sum(flagged[i] for i in viol)), len(viol)),
        "rejects rejected": pct(sum(final[i] == "reject" for i in rej), len(rej)),
        "ok rejected": pct(sum(final[i] == "reject" for i in ok), len(ok)),
        "ok to desk": pct(sum(final[i] == "review" for i in ok), len(ok)),
        "(signal alone, ok)": pct(int(sum(flagged[i] for i in ok)), len(ok)),
    }


def table(title: str, rows: Sequence[Row], rules: Sequence[str], flagged: NDArray[np.bool_], key: Callable[[Row], str]) -> None:
    groups: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        groups.setdefault(key(r), []).append(i)
    cols = list(figures(rows[:1], rules[:1], flagged[:1]))
    print(f"  {title:<18}" + "".join(f"{c:>19}" for c in cols))
    for k in sorted(groups):
        idx = groups[k]
        f = figures([rows[i] for i in idx], [rules[i] for i in idx], flagged[idx])
        print(f"  {k:<18}" + "".join(f"{f[c]:>19}" for c in cols))


def category(r: Row) -> str:
    return "acceptable" if r["expected"] == "pass" else str(r["kind"])


def main() -> None:
    rows = development_rows()
    cache = next((Path(a.split("=", 1)[1]) for a in sys.argv if a.startswith("--features=")), None)
    if cache is not None and cache.exists():
        saved = np.load(cache)
        full, rules = saved["full"], [str(d) for d in saved["rules"]]
        assert full.shape == (len(rows), len(FEATURES)), "stale --features file: delete it"
    else:
        full, rules = featurise(rows)
        if cache is not None:
            np.savez(cache, full=full, rules=np.array(rules))
    y = np.array([0 if r["expected"] == "pass" else 1 for r in rows], dtype=np.int64)
    groups = [str(r["ip"]) for r in rows]
    rules_pass = np.array([d == "pass" for d in rules])
    if "--write" in sys.argv:
        cols = [FEATURES.index(f) for f in VARIANTS[CHOSEN]]
        x = full[:, cols]
        inner = grouped_oof(x, y, groups, rules_pass, lr_fitter(0.3), DESK_TARGET)[0]
        threshold = choose_threshold(inner, y, rules_pass, DESK_TARGET)
        m = fit_lr(x, y)
        model = LearnedModel(VERSION, VARIANTS[CHOSEN], m.mean, m.scale, m.coef, m.intercept, threshold, {
            "script": "bench/review_learned.py --write", "seed": SEED, "classifier": "LogisticRegression(C=0.3, balanced)",
            "sets": ["review_set.jsonl split=dev", "review/dev.jsonl"], "n": len(rows), "violations": int(y.sum()),
            "threshold": f"leave-one-IP-out on development data, acceptable referred <= {DESK_TARGET:.0%}"})
        out = bundled_model_path()
        out.write_text(json.dumps(model.to_dict(), indent=1) + "\n", encoding="utf-8")
        assert json.loads(out.read_text())["format"] == FORMAT
        print(f"wrote {out} (threshold {threshold:.4f}, {len(VARIANTS[CHOSEN])} features)")
        for name, c in sorted(zip(model.features, model.coef), key=lambda t: -abs(t[1])):
            print(f"  {name:<20} {c:+.3f}")
        return
    print(f"development cases: {len(rows)} ({int(y.sum())} violations), IPs: {len(set(groups))}; "
          f"leave-one-IP-out, threshold by inner leave-one-IP-out for acceptable to desk <= {DESK_TARGET:.0%}")
    fitters: dict[str, Fitter] = {"LR C=0.3": lr_fitter(0.3), "LR C=0.03": lr_fitter(0.03), "LR C=3": lr_fitter(3.0),
                                  "GBoost": gb_fitter}
    for variant, names in VARIANTS.items():
        cols = [FEATURES.index(f) for f in names]
        for fname, fitter in fitters.items():
            if (variant != CHOSEN or "--all" not in sys.argv) and fname != "LR C=0.3":
                continue
            probs, thresholds = grouped_oof(full[:, cols], y, groups, rules_pass, fitter, DESK_TARGET)
            flagged = probs >= thresholds
            print(f"\n[{variant} / {fname}]")
            table("all", rows, rules, flagged, lambda r: "all")
            if variant == CHOSEN and fname == "LR C=0.3" or "-v" in sys.argv:
                table("by language", rows, rules, flagged, lambda r: str(r["lang"]))
                table("by category", rows, rules, flagged, category)
                table("by IP (held out)", rows, rules, flagged, lambda r: str(r["ip"]))


if __name__ == "__main__":
    main()
