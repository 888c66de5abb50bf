"""Fit and cross-validate the learned referral signal of the review stage (development data only).

Data: every development set — the first set's `dev` split (`data/review_set.jsonl`),
`data/review/dev.jsonl` (both written by the people who wrote the rules) and
`data/review/writers/w*.jsonl` (thirty-seven writers who never saw the rules, word lists or the
held-out set, each briefed with a different register: short-video captions, literary
synopses, streaming loglines, fan forums, AI-video shot lists, English readers' reviews,
overseas and Hong Kong code-switching, a moderation trainer's indirect cases; then museum
texts, web-novel summaries, game-card copy, news reports about adaptations, micro-drama
outlines, learners' and machine-translated prose; then (w15-w20) parents' and teachers'
letters, screen-industry beat sheets and coverage, Taiwanese forum posts, speech-to-text
captions of livestreams and podcasts, academic and appeal prose, overseas marketing and
localization tickets; then (w21-w25) the adaptation's own scripts, live bullet comments,
ratings and compliance paperwork, fan-fiction listings with tags, studios' publicity; then
(w26-w29, mostly English and code-switched) young mainland users' lifestyle notes with English
words inside Chinese, gaming communities, bilingual classrooms, music and fandom posts; then
(w30-w33) Hong Kong Cantonese-English posts, English video essays and podcasts, Chinese students
abroad, tabletop role-play logs; then (w34-w37) short plain lines naming the work as AI-made:
catalogue loglines, captions and alt text, annotators' summaries, push notifications). The
held-out sets are never read here. Labels: a violation
(`expected` review or reject) vs an acceptable retelling for the referral model; a violation
to reject vs the rest for the reject model (from v3); the kind of each violation (fidelity,
violence, era, children's) for the kind models (from v4), which name a learned finding's clause.

Cross-validation leaves one writer out, so each fold measures the signal on wordings of a
hand the fit never saw — the question the held-out set asks. The referral threshold is
chosen inside each training part by an inner leave-one-writer-out, for at most `DESK_TARGET` (20%) of
the acceptable retellings referred (rules and signal together), then applied to the
left-out writer. Figures are for the decision the pack makes: the rules' decision; a
referral by the signal where the rules pass; a reject by the signal where the reject model
scores at or above its reject threshold (chosen the same way, so that the signal alone
rejects at most `REJECT_BUDGET` of the acceptable retellings) and the rules did not reject;
and, with the pack's `doubt`, a rule's reject the referral model scores below its threshold
sent to the desk. "signal alone" is the share of items the signal refers by itself. The
n-gram variants' LogisticRegression sees the character n-grams' TF-IDF and the wording-free
features standardised and scaled by `DENSE_WEIGHT`.

Usage:
  python bench/review_learned.py            # leave-one-writer-out CV, per language, category and writer
                                            # (-v: also the earlier variants v1 and v2, and their details)
  python bench/review_learned.py --approx ...   # thresholds from the other writers' left-out scores
                                            # instead of an inner leave-one-writer-out (see approx_oof)
  python bench/review_learned.py --features=/tmp/f.npz ...   # keep the feature vectors between runs
  python bench/review_learned.py --write    # fit the chosen variant on all development data and
                                            # write src/culturebridge/review/data/learned-referral.json
  python bench/review_learned.py --reject-budget=0.01 ...   # another share of acceptable retellings the
                                            # signal alone may reject (default 1.5%)
  python bench/review_learned.py --jobs=2 ...   # the leave-one-writer-out fits in two processes
                                            # (the same figures, in about half the time on two cores)
  python bench/review_learned.py --no-doubt ...   # figures without the pack's doubt (rule rejects stand)
  python bench/review_learned.py --shipped=w9,w10   # the bundled weights, as shipped, on writers
                                            # added after they were fitted (before a refit)
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
import yaml
from joblib import Parallel, delayed
from numpy.typing import NDArray
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from culturebridge.review import Reviewer, default_canon_dir, load_canon_dir, load_models
from culturebridge.review.check import CheckContext
from culturebridge.review.decision import decide
from culturebridge.review.learned import (
    FORMAT,
    LearnedCheck,
    LearnedModel,
    bundled_model_path,
    model_from_dict,
)
from culturebridge.review.learned_features import FEATURES
from culturebridge.review.learned_text import NgramWeights, char_ngrams
from culturebridge.review.policy import Policy, policy_from_dict
from culturebridge.review.stance import StanceCheck

sys.path.insert(0, str(Path(__file__).parent))
from review import DEV, FIRST_SET, KIND_OF, WRITERS, item_of, load

SEED = 17
VERSION = "4"
DESK_TARGET = 0.20  # acceptable retellings referred, chosen inside training folds
# Character n-gram lengths. English words run longer than Chinese ones: n-grams up to six
# characters carry an English stem ("betray", "abandon") where four carried fragments.
# Leaving one writer out, the reject model's AUC on English rose from 0.957 (1-4) to 0.968
# (1-6); Chinese stayed at 0.98-0.99 (pack 2026.7).
NGRAMS = (1, 6)
MIN_DF = 3  # an n-gram must occur in at least three development texts (119k n-grams; 70k of 1-4)
C_NGRAMS = 10.0
def _number_option(name: str, default: float, kind: Callable[[str], float], low: float, high: float) -> float:
    """`--name=VALUE` from the command line, or `default`; a value that is not a number of `kind`
    within [low, high] stops the run before anything is read or fitted."""
    raw = next((a.split("=", 1)[1] for a in sys.argv if a.startswith(f"--{name}=")), None)
    if raw is None:
        return default
    try:
        value = kind(raw)
    except ValueError:
        sys.exit(f"--{name}={raw}: not a number")
    if not low <= value <= high:
        sys.exit(f"--{name}={raw}: must be between {low:g} and {high:g}")
    return value


REJECT_BUDGET = _number_option("reject-budget", 0.015, float, 0.0, 1.0)
# ^ acceptable retellings the signal alone may reject, chosen inside training folds. 1.5% from
# pack 2026.11 (3% before): at 3% the writers of short plain lines had 7-21% of their acceptable
# lines rejected when left out; at 1.5%, 3-11%, for 91 -> 86% of the other writers' rejects.
JOBS = int(_number_option("jobs", 1, int, 1, 64))  # processes for the fits
DOUBT = "--no-doubt" not in sys.argv  # the pack's `doubt: true`: the signal sends rule rejects it reads as acceptable to the desk
DENSE_WEIGHT = 0.05  # the standardised wording-free features' scale beside the unit-length TF-IDF
RULE_FEATURES = ("rule_high", "rule_medium", "fidelity_flag", "safety_flag", "misplacement_flag", "declared_setting")
WORDING_FREE = tuple(f for f in FEATURES if f not in RULE_FEATURES)
CHOSEN = "wording-free + n-grams, with a reject model (v3)"
Row = dict[str, Any]


def development_rows() -> list[Row]:
    """Every development case, each with the `writer` who wrote it and whether it carries a
    stance marker (`marked`); never the held-out set."""
    rows = [{**r, "writer": "first"} for r in load(FIRST_SET) if r["split"] == "dev"]
    rows += [{**r, "writer": "dev"} for r in load(DEV)]
    for path in sorted(WRITERS.glob("w*.jsonl")):
        rows += [{**r, "writer": path.stem} for r in load(path)]
    stance = StanceCheck({})
    return [{**r, "marked": stance.marker(str(r["text"])) is not None} for r in rows]


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


def ngram_analyzer(text: str) -> list[str]:
    """The analyzer scikit-learn fits with: the very function the review stage reads text with."""
    return char_ngrams(text, *NGRAMS)


class Fitted:
    """A fitted logistic regression over n-gram TF-IDF (optional) and standardised dense features."""

    def __init__(self, texts: Sequence[str], dense: NDArray[np.float64], y: NDArray[np.int64], *, ngrams: bool,
                 c: float) -> None:
        self.mean, self.scale = dense.mean(axis=0), dense.std(axis=0)
        self.scale[self.scale < 1e-6] = 1.0
        self.weight = DENSE_WEIGHT if ngrams else 1.0
        self.vectorizer = TfidfVectorizer(analyzer=ngram_analyzer, min_df=MIN_DF, sublinear_tf=True) if ngrams else None
        self.lr = LogisticRegression(C=c, class_weight="balanced", max_iter=5000, random_state=SEED)
        self.lr.fit(self._x(texts, dense, fit=True), y)

    def _x(self, texts: Sequence[str], dense: NDArray[np.float64], *, fit: bool = False) -> Any:
        z = self.weight * (dense - self.mean) / self.scale
        if self.vectorizer is None:
            return z
        t = self.vectorizer.fit_transform(texts) if fit else self.vectorizer.transform(texts)
        return sp.hstack([t, sp.csr_matrix(z)]).tocsr()

    def predict(self, texts: Sequence[str], dense: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.asarray(self.lr.predict_proba(self._x(texts, dense))[:, 1], dtype=np.float64)

    def model(self, features: tuple[str, ...], threshold: float, reject_threshold: float,
              fitted: dict[str, Any], reject: Fitted | None = None,
              kinds: LogisticRegression | None = None) -> LearnedModel:
        """The weights in the review stage's format (dense coefficients carry the scale), with
        `reject` (fitted on the same texts and features) as the reject model and `kinds` (a
        multinomial regression over this fit's inputs, `fit_kinds`) as the kind models."""
        model = self.as_model(self.lr.coef_[0], float(self.lr.intercept_[0]), features, threshold, reject_threshold,
                              fitted)
        if reject is not None:
            assert reject.vectorizer is None or (self.vectorizer is not None
                                                 and reject.vectorizer.vocabulary_ == self.vectorizer.vocabulary_)
            model = replace(model, reject_model=reject.model(features, reject_threshold, reject_threshold, {}))
        if kinds is not None:
            model = replace(model, kind_models={
                str(k): self.as_model(kinds.coef_[i], float(kinds.intercept_[i]), features, threshold, reject_threshold, {})
                for i, k in enumerate(kinds.classes_)})
        return model

    def as_model(self, row: NDArray[np.float64], intercept: float, features: tuple[str, ...], threshold: float,
                 reject_threshold: float, fitted: dict[str, Any]) -> LearnedModel:
        """One row of coefficients over this fit's inputs (n-grams first, then the dense features)."""
        coef = np.asarray(row, dtype=np.float64)
        ngrams = None
        if self.vectorizer is not None:
            vocabulary: dict[str, int] = self.vectorizer.vocabulary_
            idf = self.vectorizer.idf_
            ngrams = NgramWeights(NGRAMS[0], NGRAMS[1], {g: float(idf[i]) for g, i in vocabulary.items()},
                                  {g: float(coef[i]) for g, i in vocabulary.items()})
            coef = coef[len(vocabulary):]
        return LearnedModel(VERSION, features, self.mean, self.scale, self.weight * coef, intercept,
                            threshold, fitted, ngrams, reject_threshold)

    def fit_kinds(self, texts: Sequence[str], dense: NDArray[np.float64], kinds: Sequence[str]) -> LogisticRegression:
        """A multinomial regression over this fit's inputs (its vocabulary and standardisation),
        telling the kinds of violation apart."""
        lr = LogisticRegression(C=C_NGRAMS, class_weight="balanced", max_iter=5000, random_state=SEED)
        return lr.fit(self._x(texts, dense), list(kinds))


Fitter = Callable[[Sequence[int]], Callable[[Sequence[int]], NDArray[np.float64]]]


def fitter_for(texts: Sequence[str], dense: NDArray[np.float64], y: NDArray[np.int64], *, ngrams: bool, c: float) -> Fitter:
    """Fit on some rows (by index); the result scores other rows."""
    def fit(train: Sequence[int]) -> Callable[[Sequence[int]], NDArray[np.float64]]:
        f = Fitted([texts[i] for i in train], dense[list(train)], y[list(train)], ngrams=ngrams, c=c)
        return lambda rows: f.predict([texts[i] for i in rows], dense[list(rows)])
    return fit


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


def choose_reject_threshold(p: NDArray[np.float64], y: NDArray[np.int64], rules_reject: NDArray[np.bool_],
                            budget: float) -> float:
    """The lowest threshold (in steps of 0.01, at least 0.5) at which the signal alone would reject
    at most `budget` of the acceptable items: those scoring that high that no rule rejected."""
    ok = y == 0
    for t in np.arange(0.5, 1.0, 0.01):
        if float(np.mean((p[ok] >= t) & ~rules_reject[ok])) <= budget:
            return float(round(t, 2))
    return 0.99


def leave_one_group_out(y: NDArray[np.int64], groups: NDArray[np.str_], rows: NDArray[np.int64],
                        fitter: Fitter) -> NDArray[np.float64]:
    """Each of `rows` scored by a fit on the others of `rows` that are not of its group (the
    groups' fits run in `JOBS` processes; each fit is deterministic, so the scores do not
    depend on how many)."""
    def one(held: str) -> tuple[NDArray[np.bool_], NDArray[np.float64]]:
        a, b = groups[rows] != held, groups[rows] == held
        return b, fitter(rows[a].tolist())(rows[b].tolist())

    out = np.zeros(len(rows))
    fits = [h for h in sorted(set(groups[rows])) if len(set(y[rows][groups[rows] != h])) == 2]
    for b, scores in Parallel(n_jobs=JOBS)(delayed(one)(h) for h in fits):
        out[b] = scores
    return out


@dataclass(frozen=True)
class OutOfFold:
    """Leave-one-group-out probabilities of both models, with each fold's thresholds."""

    probs: NDArray[np.float64]  # P(violation)
    thresholds: NDArray[np.float64]  # referral, on probs
    reject_probs: NDArray[np.float64]  # the reject model's P(reject), or probs without one
    reject_at: NDArray[np.float64]  # on reject_probs


def grouped_oof(y: NDArray[np.int64], y_reject: NDArray[np.int64], groups: Sequence[str],
                rules_pass: NDArray[np.bool_], rules_reject: NDArray[np.bool_], fitter: Fitter,
                reject_fitter: Fitter | None, desk: float) -> OutOfFold:
    """Leave-one-group-out probabilities and, per outer fold, the referral and reject thresholds
    chosen by an inner leave-one-group-out (the reject threshold on the reject model's inner
    probabilities, where there is one)."""
    g = np.array(groups)
    probs, thresholds, rejects = np.zeros(len(y)), np.zeros(len(y)), np.zeros(len(y))
    reject_probs = np.zeros(len(y))
    for held in sorted(set(groups)):
        train = np.flatnonzero(g != held)
        test = np.flatnonzero(g == held)
        inner = leave_one_group_out(y, g, train, fitter)
        thresholds[test] = choose_threshold(inner, y[train], rules_pass[train], desk)
        probs[test] = fitter(train.tolist())(test.tolist())
        if reject_fitter is None:  # one model: the reject threshold is on its probability too
            inner_reject, reject_probs[test] = inner, probs[test]
        else:
            inner_reject = leave_one_group_out(y_reject, g, train, reject_fitter)
            reject_probs[test] = reject_fitter(train.tolist())(test.tolist())
        rejects[test] = choose_reject_threshold(inner_reject, y[train], rules_reject[train], REJECT_BUDGET)
    return OutOfFold(probs, thresholds, reject_probs, rejects)


def approx_oof(y: NDArray[np.int64], y_reject: NDArray[np.int64], groups: Sequence[str],
               rules_pass: NDArray[np.bool_], rules_reject: NDArray[np.bool_], fitter: Fitter,
               reject_fitter: Fitter | None, desk: float) -> OutOfFold:
    """A faster stand-in for `grouped_oof` (`--approx`): one leave-one-group-out pass per model,
    and each group's thresholds chosen on the other groups' left-out scores. Those scores come
    from fits that saw the group itself, a slight leak into the choice of its thresholds (not
    into its scores). Two fits per group instead of about twice the number of groups per group."""
    g = np.array(groups)
    everything = np.arange(len(y))
    probs = leave_one_group_out(y, g, everything, fitter)
    reject_probs = probs if reject_fitter is None else leave_one_group_out(y_reject, g, everything, reject_fitter)
    thresholds, rejects = np.zeros(len(y)), np.zeros(len(y))
    for held in sorted(set(groups)):
        train, test = np.flatnonzero(g != held), np.flatnonzero(g == held)
        thresholds[test] = choose_threshold(probs[train], y[train], rules_pass[train], desk)
        rejects[test] = choose_reject_threshold(reject_probs[train], y[train], rules_reject[train], REJECT_BUDGET)
    return OutOfFold(probs, thresholds, reject_probs, rejects)


def kinds_left_out(rows: Sequence[Row], texts: Sequence[str], dense: NDArray[np.float64],
                   y: NDArray[np.int64]) -> list[str]:
    """Each development violation's kind as named by kind models fitted without its writer
    (each fold's vocabulary and standardisation from the fold's texts, as `--write` does)."""
    groups = np.array([str(r["writer"]) for r in rows])
    named: dict[int, str] = {}
    for held in sorted(set(groups)):
        train = np.flatnonzero(groups != held)
        test = [int(i) for i in np.flatnonzero(groups == held) if y[i]]
        if not test:
            continue
        fit = Fitted([texts[int(i)] for i in train], dense[train], y[train], ngrams=True, c=C_NGRAMS)
        viol = [int(i) for i in train if y[i]]
        kinds = fit.fit_kinds([texts[i] for i in viol], dense[viol], [KIND_OF[str(rows[i]["kind"])] for i in viol])
        for i, k in zip(test, kinds.predict(fit._x([texts[i] for i in test], dense[test]))):
            named[int(i)] = str(k)
    return [named[i] for i in sorted(named)]


def pct(k: int, n: int) -> str:
    return f"{k}/{n}={k / n:.0%}" if n else "-"


def combined(rules: Sequence[str], flagged: NDArray[np.bool_], rejected: NDArray[np.bool_],
             marked: Sequence[bool] | None = None) -> list[str]:
    """The pack's decision: the signal rejects where it is sure and the rules did not reject,
    refers where the rules passed, and otherwise the rules decide; with `DOUBT` (pack 2026.5's
    `doubt: true`), a rule's reject the signal scores below its referral threshold goes to the desk.
    The rules' decisions already carry the stance check's doubt (pack 2026.6); `marked` (the
    texts with a stance marker) sends the signal's own rejects of those texts to the desk too."""
    def one(rule: str, flag: bool, sure: bool, mark: bool) -> str:
        if rule == "reject":
            return "review" if DOUBT and not flag else "reject"
        if sure:
            return "review" if mark else "reject"
        return rule if rule != "pass" else ("review" if flag else "pass")
    marks = marked if marked is not None else [False] * len(rules)
    return [one(r, bool(f), bool(x), m) for r, f, x, m in zip(rules, flagged, rejected, marks)]


def figures(rows: Sequence[Row], rules: Sequence[str], flagged: NDArray[np.bool_],
            rejected: NDArray[np.bool_]) -> dict[str, str]:
    """Figures of the combined decision, with the rules' and the signal's own shares."""
    final = combined(rules, flagged, rejected, [bool(r["marked"]) for r in rows])
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
        "(rules alone) ": pct(sum(rules[i] == "reject" for i in rej), len(rej)),
        "ok rejected": pct(sum(final[i] == "reject" for i in ok), len(ok)),
        "ok to desk": pct(sum(final[i] == "review" for i in ok), len(ok)),
        "(signal alone, ok)": pct(int(sum(flagged[i] for i in ok)), len(ok)),
    }


def table(title: str, rows: Sequence[Row], rules: Sequence[str], flagged: NDArray[np.bool_], rejected: NDArray[np.bool_],
          key: Callable[[Row], str]) -> None:
    groups: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        groups.setdefault(key(r), []).append(i)
    cols = list(figures(rows[:1], rules[:1], flagged[:1], rejected[:1]))
    print(f"  {title:<18}" + "".join(f"{c:>19}" for c in cols))
    for k in sorted(groups):
        idx = groups[k]
        f = figures([rows[i] for i in idx], [rules[i] for i in idx], flagged[idx], rejected[idx])
        print(f"  {k:<18}" + "".join(f"{f[c]:>19}" for c in cols))


def category(r: Row) -> str:
    return "acceptable" if r["expected"] == "pass" else str(r["kind"])


def write(rows: Sequence[Row], full: NDArray[np.float64], y: NDArray[np.int64], y_reject: NDArray[np.int64],
          rules_pass: NDArray[np.bool_], rules_reject: NDArray[np.bool_]) -> None:
    """Fit the chosen variant on every development case and write the bundled weights file."""
    texts = [str(r["text"]) for r in rows]
    dense = full[:, [FEATURES.index(f) for f in WORDING_FREE]]
    writers, everything = np.array([str(r["writer"]) for r in rows]), np.arange(len(rows))
    inner = leave_one_group_out(y, writers, everything, fitter_for(texts, dense, y, ngrams=True, c=C_NGRAMS))
    threshold = choose_threshold(inner, y, rules_pass, DESK_TARGET)
    inner = leave_one_group_out(y_reject, writers, everything, fitter_for(texts, dense, y_reject, ngrams=True, c=C_NGRAMS))
    reject_threshold = choose_reject_threshold(inner, y, rules_reject, REJECT_BUDGET)
    fitted = Fitted(texts, dense, y, ngrams=True, c=C_NGRAMS)
    reject = Fitted(texts, dense, y_reject, ngrams=True, c=C_NGRAMS)
    violations = [i for i in range(len(rows)) if y[i]]
    kinds = fitted.fit_kinds([texts[i] for i in violations], dense[violations],
                             [KIND_OF[str(rows[i]["kind"])] for i in violations])
    model = fitted.model(WORDING_FREE, threshold, reject_threshold, {
        "script": "bench/review_learned.py --write", "seed": SEED,
        "classifier": f"LogisticRegression(C={C_NGRAMS}, balanced) over char {NGRAMS[0]}-{NGRAMS[1]}-gram TF-IDF "
                      f"(min_df {MIN_DF}) and the wording-free features x {DENSE_WEIGHT}",
        "sets": ["review_set.jsonl split=dev", "review/dev.jsonl", *sorted({w for w in writers if w.startswith("w")})],
        "n": len(rows), "violations": int(y.sum()),
        "threshold": f"leave-one-writer-out on development data, acceptable referred <= {DESK_TARGET:.0%}",
        "reject_model": "the same classifier and inputs, fitted to tell the violations to reject from the rest",
        "reject_threshold": f"on the reject model, leave-one-writer-out on development data, acceptable rejected "
                            f"by the signal alone <= {REJECT_BUDGET:.1%}",
        "kind_model": "a multinomial LogisticRegression over the same inputs, fitted on the violations to tell "
                      "their kinds (fidelity, violence, era, children's) apart"}, reject, kinds)
    # The review stage recomputes the probability from the file alone: it must agree with scikit-learn.
    again = model_from_dict(json.loads(json.dumps(model.to_dict())))
    mine = np.array([again.probability(full[i], texts[i]) for i in range(len(rows))])
    mine_reject = np.array([again.reject_probability(full[i], texts[i]) for i in range(len(rows))])
    gap = max(float(np.max(np.abs(mine - fitted.predict(texts, dense)))),
              float(np.max(np.abs(mine_reject - reject.predict(texts, dense)))))
    assert gap < 1e-6, f"the weights file disagrees with scikit-learn by {gap}"
    # The kind models are stored to six significant digits: the file must still name the kind
    # scikit-learn names for every development violation.
    named = [again.kind(full[i], texts[i]) for i in violations]
    theirs = kinds.predict(fitted._x([texts[i] for i in violations], dense[violations]))
    assert named == [str(k) for k in theirs], "the weights file's kinds disagree with scikit-learn"
    out = bundled_model_path()
    out.write_text(json.dumps(model.to_dict(), ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    assert json.loads(out.read_text(encoding="utf-8"))["format"] == FORMAT
    print(f"wrote {out} (threshold {threshold:.4f}, reject at {reject_threshold:.2f}, {len(WORDING_FREE)} features, "
          f"{len(model.ngrams.idf) if model.ngrams else 0} n-grams; agrees with scikit-learn to {gap:.1e})")
    for name, c in sorted(zip(model.features, model.coef), key=lambda t: -abs(t[1])):
        print(f"  {name:<20} {c:+.3f}")


def shipped(rows: Sequence[Row], full: NDArray[np.float64], rules: Sequence[str], names: set[str]) -> None:
    """The bundled weights and thresholds, as shipped, on writers they were not fitted on."""
    model = model_from_dict(json.loads(bundled_model_path().read_text(encoding="utf-8")))
    fitted_on = set(model.fitted.get("sets", ()))
    assert not names & fitted_on, f"the bundled weights were fitted on {sorted(names & fitted_on)}"
    idx = [i for i, r in enumerate(rows) if r["writer"] in names]
    sub, sub_rules = [rows[i] for i in idx], [rules[i] for i in idx]
    probs = np.array([model.probability(full[i], str(rows[i]["text"])) for i in idx])
    flagged = probs >= model.threshold
    sure = np.array([model.reject_probability(full[i], str(rows[i]["text"])) for i in idx])
    rejected = sure >= (model.reject_threshold if model.reject_threshold is not None else np.inf)
    print(f"the bundled weights as shipped (threshold {model.threshold:.3f}, reject at {model.reject_threshold}) "
          f"on {', '.join(sorted(names))}: {len(idx)} cases they were not fitted on")
    table("all", sub, sub_rules, flagged, rejected, lambda r: "all")
    table("by writer", sub, sub_rules, flagged, rejected, lambda r: str(r["writer"]))
    table("by language", sub, sub_rules, flagged, rejected, lambda r: str(r["lang"]))
    table("by category", sub, sub_rules, flagged, rejected, category)


OPTIONS = ("-v", "--approx", "--write", "--no-doubt", "--features=", "--shipped=", "--reject-budget=", "--jobs=")


def main() -> None:
    unknown = [a for a in sys.argv[1:] if not any(a == o or (o.endswith("=") and a.startswith(o)) for o in OPTIONS)]
    if unknown:  # stop before any fit: a mistyped option would otherwise start a long run
        sys.exit(f"unknown option(s) {' '.join(unknown)}; usage:\n{__doc__.split('Usage:', 1)[1]}")
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
    rules_pass = np.array([d == "pass" for d in rules])
    rules_reject = np.array([d == "reject" for d in rules])
    y_reject = np.array([int(r["expected"] == "reject") for r in rows], dtype=np.int64)
    if "--write" in sys.argv:
        write(rows, full, y, y_reject, rules_pass, rules_reject)
        return
    named = next((a.split("=", 1)[1] for a in sys.argv if a.startswith("--shipped=")), None)
    if named is not None:
        shipped(rows, full, rules, set(named.split(",")))
        return
    writers = [str(r["writer"]) for r in rows]
    texts = [str(r["text"]) for r in rows]
    dense = full[:, [FEATURES.index(f) for f in WORDING_FREE]]
    print(f"development cases: {len(rows)} ({int(y.sum())} violations), writers: {', '.join(sorted(set(writers)))}; "
          f"leave-one-writer-out, threshold by inner leave-one-writer-out for acceptable to desk <= {DESK_TARGET:.0%}")
    variants: dict[str, tuple[Fitter, Fitter | None]] = {
        "wording-free (v1)": (fitter_for(texts, dense, y, ngrams=False, c=0.3), None),
        "wording-free + n-grams, one model (v2)": (fitter_for(texts, dense, y, ngrams=True, c=C_NGRAMS), None),
        CHOSEN: (fitter_for(texts, dense, y, ngrams=True, c=C_NGRAMS),
                 fitter_for(texts, dense, y_reject, ngrams=True, c=C_NGRAMS)),
    }
    for name, (fitter, reject_fitter) in variants.items():
        if name != CHOSEN and "-v" not in sys.argv:
            continue
        cross_validate = approx_oof if "--approx" in sys.argv else grouped_oof
        oof = cross_validate(y, y_reject, writers, rules_pass, rules_reject, fitter, reject_fitter, DESK_TARGET)
        flagged = oof.probs >= oof.thresholds
        rejected = oof.reject_probs >= oof.reject_at
        reject_at = oof.reject_at
        print(f"\n[{name}] (reject thresholds per fold: {', '.join(f'{t:.2f}' for t in sorted(set(reject_at)))})")
        table("all", rows, rules, flagged, rejected, lambda r: "all")
        table("by writer (held out)", rows, rules, flagged, rejected, lambda r: str(r["writer"]))
        if name == CHOSEN or "-v" in sys.argv:
            unseen = [i for i, w in enumerate(writers) if w.startswith("w")]
            sub, sub_rules = [rows[i] for i in unseen], [rules[i] for i in unseen]
            print("  -- the writers who never saw the rules (w1...) --")
            table("all of them", sub, sub_rules, flagged[unseen], rejected[unseen], lambda r: "all")
            table("by language", sub, sub_rules, flagged[unseen], rejected[unseen], lambda r: str(r["lang"]))
            table("by category", sub, sub_rules, flagged[unseen], rejected[unseen], category)
    violations = [i for i in range(len(rows)) if y[i]]
    left_out = kinds_left_out(rows, texts, dense, y)
    truth = [KIND_OF[str(rows[i]["kind"])] for i in violations]
    print("\nkind models (the clause a learned finding cites), leave-one-writer-out: the labelled kind named for "
          f"{pct(sum(a == b for a, b in zip(left_out, truth)), len(truth))} of the development violations")
    for kind in sorted(set(truth)):
        these = [a == b for a, b in zip(left_out, truth) if b == kind]
        print(f"  {kind:<10} {pct(sum(these), len(these))}")


if __name__ == "__main__":
    main()
