from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from culturebridge.catalog.canon import CanonCard
from culturebridge.errors import LearnedModelInvalid, PolicyInvalid
from culturebridge.review import Models, Reviewer, ReviewItem, load_policy, policy_from_dict
from culturebridge.review._matching import PhraseIndex, fold
from culturebridge.review.check import CheckContext
from culturebridge.review.findings import DOUBT, Evidence, Finding, Severity
from culturebridge.review.learned import (
    DOUBT_MAX_SENTENCES,
    FORMAT,
    LearnedCheck,
    bundled_model_path,
    load_model_file,
    model_from_dict,
)
from culturebridge.review.learned_features import FEATURES, sentence_spans, who_per_sentence
from culturebridge.review.learned_text import char_ngrams


def weights(**change: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"format": FORMAT, "version": "t", "features": ["proto_margin", "gore_margin"],
                            "mean": [0.0, 0.0], "scale": [1.0, 1.0], "coef": [2.0, 1.0], "intercept": -1.0,
                            "threshold": 0.5, "fitted": {"seed": 1}}
    data.update(change)
    return data


def test_the_bundled_weights_load_and_use_known_features() -> None:
    model = load_model_file(bundled_model_path())
    assert model.version and set(model.features) <= set(FEATURES) and 0 < model.threshold < 1
    assert model.coef.shape == model.mean.shape == model.scale.shape == (len(model.features),)


def test_a_missing_weights_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(LearnedModelInvalid, match="no such file") as info:
        load_model_file(tmp_path / "absent.json")
    assert info.value.hint and "--write" in info.value.hint


def test_a_weights_file_that_is_not_json_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "w.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(LearnedModelInvalid, match="not valid JSON"):
        load_model_file(path)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"format": "something-else"}, "not a culturebridge-review-learned file"),
        ({"features": ["proto_margin", "shoe_size"]}, "unknown or repeated feature"),
        ({"features": ["proto_margin", "proto_margin"]}, "unknown or repeated feature"),
        ({"coef": [1.0]}, "'coef' must be a list of 2"),
        ({"mean": [0.0, "x"]}, "'mean' must be a list of 2"),
        ({"scale": [1.0, 0.0]}, "'scale' must be positive"),
        ({"threshold": 1.5}, "'threshold' must be a probability"),
        ({"intercept": None}, "'intercept' must be a finite number"),
        ({"version": ""}, "'version' must be"),
    ],
)
def test_bad_weights_are_refused_naming_the_field(change: dict[str, Any], message: str) -> None:
    with pytest.raises(LearnedModelInvalid, match=message):
        model_from_dict(weights(**change))


def test_a_weights_file_round_trips_and_scores_by_its_named_features(tmp_path: Path) -> None:
    path = tmp_path / "w.json"
    path.write_text(json.dumps(weights()), encoding="utf-8")
    model = load_model_file(path)
    assert model_from_dict(model.to_dict()).to_dict() == model.to_dict()
    full = np.zeros(len(FEATURES))
    full[FEATURES.index("proto_margin")] = 1.0  # logit 2 - 1 = 1
    assert model.probability(full) == pytest.approx(1 / (1 + np.exp(-1.0)))
    full[FEATURES.index("canon_mean")] = 9.0  # a feature the model does not use changes nothing
    assert model.probability(full) == pytest.approx(1 / (1 + np.exp(-1.0)))


NGRAMS = {"low": 1, "high": 2, "grams": {"背": [2.0, 1.0], "背叛": [3.0, 2.0], "叛": [1.5, 0.0]}}


def test_an_ngram_block_adds_unit_length_sublinear_tfidf_times_its_weights() -> None:
    model = model_from_dict(weights(ngrams=NGRAMS))
    assert model_from_dict(model.to_dict()).to_dict() == model.to_dict()
    full = np.zeros(len(FEATURES))  # the dense part's logit is the intercept, -1
    # 背, 叛 and 背叛 twice each: equal sublinear counts, so the vector is idf / |idf|.
    logit = (2.0 * 1.0 + 3.0 * 2.0 + 1.5 * 0.0) / np.sqrt(2.0**2 + 3.0**2 + 1.5**2) - 1.0
    assert model.probability(full, "背叛，背叛") == pytest.approx(1 / (1 + np.exp(-logit)))
    assert model.probability(full, "守城") == pytest.approx(1 / (1 + np.exp(1.0)))  # no known n-gram
    lies = model_from_dict(weights(ngrams={"low": 1, "high": 1, "grams": {"谎": [1.0, 3.0]}}))
    assert lies.probability(full, "說謊") == lies.probability(full, "说谎") > lies.probability(full, "守城")  # 謊 folds to 谎


def test_word_contributions_share_the_ngram_logit_out_over_whole_words() -> None:
    chinese = model_from_dict(weights(ngrams=NGRAMS)).ngrams
    assert chinese is not None
    assert chinese.word_contributions("背叛背叛") == {"背叛": pytest.approx(chinese.logit("背叛背叛"))}
    english = model_from_dict(weights(ngrams={"low": 1, "high": 2, "grams": {"ad": [1.0, 1.0], "s ": [1.0, 2.0]}})).ngrams
    assert english is not None
    words = english.word_contributions("Leads scouts")
    # 'ad' lies in "leads"; 's ' half in "leads", half on the space, which is no word.
    assert set(words) == {"leads", "scouts"} and words["scouts"] == 0.0
    assert 0 < words["leads"] < english.logit("Leads scouts")


def test_the_ngram_vector_is_scikit_learns_tfidf_vector() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    docs = ["關羽背叛了劉備", "Guan Yu betrays Liu Bei", "关羽温酒斩华雄，忠义无双", "ＡＩ生成的关羽 betrays nobody"]
    vectorizer = TfidfVectorizer(analyzer=lambda t: char_ngrams(t, 1, 3), sublinear_tf=True)
    matrix = vectorizer.fit_transform(docs)
    vocabulary = vectorizer.vocabulary_
    grams = {g: [float(vectorizer.idf_[i]), 0.0] for g, i in vocabulary.items()}
    model = model_from_dict(weights(ngrams={"low": 1, "high": 3, "grams": grams}))
    assert model.ngrams is not None
    for row, doc in enumerate(docs):
        mine = model.ngrams.terms(doc)
        theirs = {g: float(matrix[row, i]) for g, i in vocabulary.items() if matrix[row, i]}
        assert mine.keys() == theirs.keys() and all(mine[g] == pytest.approx(theirs[g]) for g in mine)


def test_char_ngrams_fold_width_script_and_case() -> None:
    assert char_ngrams("書 ＡB", 1, 1) == ["书", " ", "a", "b"]
    assert char_ngrams("ab\n\t c", 2, 2) == ["ab", "b ", " c"]


@pytest.mark.parametrize(
    ("ngrams", "message"),
    [
        ({"low": 0, "high": 2, "grams": {"a": [1.0, 1.0]}}, "1 <= low <= high"),
        ({"low": True, "high": 2, "grams": {"a": [1.0, 1.0]}}, "1 <= low <= high"),
        ({"low": 1, "high": 2, "grams": {}}, "must map each n-gram"),
        ({"low": 1, "high": 2, "grams": {"abc": [1.0, 1.0]}}, "is not 1 to 2 characters"),
        ({"low": 1, "high": 2, "grams": {"a": [0.0, 1.0]}}, "idf > 0"),
        ({"low": 1, "high": 2, "grams": {"a": [1.0, float("nan")]}}, "idf > 0"),
        ("grams", "'ngrams' must be a mapping"),
    ],
)
def test_a_bad_ngram_block_is_refused_naming_the_problem(ngrams: Any, message: str) -> None:
    with pytest.raises(LearnedModelInvalid, match=message):
        model_from_dict(weights(ngrams=ngrams))


def test_a_pack_that_asks_to_reject_with_weights_that_cannot_is_refused(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "w.json"
    path.write_text(json.dumps(weights()), encoding="utf-8")  # no reject_threshold
    monkeypatch.setattr("culturebridge.review.learned.bundled_model_path", lambda: path)
    assert LearnedCheck({"refer": True}).model is not None
    with pytest.raises(LearnedModelInvalid, match="carry no 'reject_threshold'"):
        LearnedCheck({"refer": True, "reject": True})


def test_a_raised_referral_threshold_does_not_silence_a_sure_reject(cards: dict[str, CanonCard], models: Models) -> None:
    check = _sure_check(True, 1e-9)
    check.threshold = 1.0 - 1e-12  # a pack that refers less still rejects what the signal is sure of
    item = ReviewItem(ip="river-oath", text="赵明为了金子出卖了兄长。")
    assert [f.severity for f in check.run(CheckContext.build(item, cards["river-oath"], models, {}))] == ["high"]


def test_a_reject_threshold_below_the_referral_threshold_is_refused() -> None:
    with pytest.raises(LearnedModelInvalid, match="'reject_threshold' must be"):
        model_from_dict(weights(reject_threshold=0.2))
    assert model_from_dict(weights(reject_threshold=0.9)).reject_threshold == 0.9


def test_pronoun_sentences_inherit_the_character_of_a_recent_sentence() -> None:
    names = PhraseIndex([("赵明", "zhao"), ("魏澜", "wei")])
    text = fold("赵明守城。他为了金子打开城门。天亮了。雨停了。又过了一天。魏澜出城。")
    spans = sentence_spans(text, 24)
    assert who_per_sentence(text, spans, names.find(text)) == [["zhao"], ["zhao"], ["zhao"], [], [], ["wei"]]


def features(cards: dict[str, CanonCard], models: Models, text: str, earlier: list[Finding] | None = None) -> dict[str, float]:
    context = CheckContext.build(ReviewItem(ip="river-oath", text=text), cards["river-oath"], models, {})
    context.earlier.extend(earlier or [])
    vector = LearnedCheck({}).features(context)
    assert vector is not None and vector.shape == (len(FEATURES),)
    return dict(zip(FEATURES, (float(x) for x in vector)))


def test_features_of_hand_cases(cards: dict[str, CanonCard], models: Models) -> None:
    faithful = features(cards, models, "赵明与兄弟们死守江城，宁死不降。")
    traitor = features(cards, models, "赵明为了金子出卖了兄长，投靠了敌军。")
    gore = features(cards, models, "He hacks the prisoner apart slowly and the camera lingers on the blood and guts.")
    modern = features(cards, models, "Zhao Ming calls the enemy on his smartphone and signs a treaty in parliament.")
    assert traitor["proto_margin"] > faithful["proto_margin"]
    assert traitor["proto_viol"] > 0 and faithful["negation"] == 0.0
    assert gore["gore_margin"] > faithful["gore_margin"]
    assert modern["modern_margin"] > faithful["modern_margin"]
    assert features(cards, models, "赵明从未背叛兄长。")["negation"] == 1.0
    assert faithful["childrens"] == 0.0 and faithful["mythic"] == 0.0
    assert faithful["log_sentences"] == pytest.approx(np.log1p(1))


def test_rule_findings_become_features(cards: dict[str, CanonCard], models: Models) -> None:
    evidence = Evidence(field="text", start=0, end=2, quote="赵明")
    found = [Finding("fidelity", "trait-inversion", "high", evidence, "x"),
             Finding("misplacement", "anachronism", "low", evidence, "declared modern setting")]
    f = features(cards, models, "赵明守城。", found)
    assert (f["rule_high"], f["fidelity_flag"], f["declared_setting"], f["safety_flag"], f["rule_medium"]) == (1, 1, 1, 0, 0)


def test_without_an_embedder_or_a_card_there_are_no_features(cards: dict[str, CanonCard]) -> None:
    item = ReviewItem(ip="river-oath", text="赵明守城。")
    assert LearnedCheck({}).features(CheckContext.build(item, cards["river-oath"], Models.none(), {})) is None


def _pack(params: dict[str, Any]) -> dict[str, Any]:
    return {"name": "t", "version": "1", "title": {"en": "t"}, "clauses": {"c": {"en": "c"}},
            "checks": [{"check": "learned", "clause": "c", "params": params}]}


def test_the_bundled_nrta_pack_switches_the_signal_on() -> None:
    rule = load_policy("cn-nrta-ai-alteration").rule("learned")
    assert rule is not None and isinstance(rule.check, LearnedCheck) and rule.check.refer
    assert rule.reject_at == "high"


def test_switched_off_the_signal_loads_nothing_and_finds_nothing(cards: dict[str, CanonCard], models: Models) -> None:
    check = policy_from_dict(_pack({"refer": False})).rule("learned")
    assert check is not None and isinstance(check.check, LearnedCheck) and check.check.model is None
    item = ReviewItem(ip="river-oath", text="赵明为了金子出卖了兄长。")
    assert check.check.run(CheckContext.build(item, cards["river-oath"], models, {})) == []
    with pytest.raises(PolicyInvalid, match="unknown parameter"):
        policy_from_dict(_pack({"refer": True, "rejects": True}))
    with pytest.raises(PolicyInvalid, match="refer must be true or false"):
        policy_from_dict(_pack({"refer": "yes"}))


def test_switched_on_the_signal_refers_and_never_rejects(cards: dict[str, CanonCard], models: Models) -> None:
    # A threshold just above zero refers everything: the outcome is the desk, not a reject.
    reviewer = Reviewer(policy_from_dict(_pack({"refer": True, "threshold": 1e-9})), cards, models=models)
    decision = reviewer.review(ReviewItem(ip="river-oath", text="赵明为了金子出卖了兄长。"))
    assert decision.decision == "review"
    assert [(f.check, f.severity) for f in decision.findings] == [("learned", "medium")]
    assert decision.findings[0].kind.startswith("learned-") and "a human should look" in decision.findings[0].explanation
    off = Reviewer(policy_from_dict(_pack({"refer": False})), cards, models=models)
    assert off.review(ReviewItem(ip="river-oath", text="赵明为了金子出卖了兄长。")).decision == "pass"


def _sure_check(reject: bool, reject_threshold: float) -> LearnedCheck:
    check = LearnedCheck({"refer": True, "reject": reject})
    assert check.model is not None
    check.model = replace(check.model, threshold=1e-9, reject_threshold=reject_threshold)
    return check


def test_with_reject_on_a_sure_signal_rejects_and_a_doubtful_one_refers(cards: dict[str, CanonCard], models: Models) -> None:
    item = ReviewItem(ip="river-oath", text="赵明为了金子出卖了兄长。")
    card = cards["river-oath"]
    sure = _sure_check(True, 1e-9).run(CheckContext.build(item, card, models, {}))
    assert [(f.severity, "reject threshold" in f.explanation) for f in sure] == [("high", True)]
    doubtful = _sure_check(True, 1.0 - 1e-12).run(CheckContext.build(item, card, models, {}))
    assert [f.severity for f in doubtful] == ["medium"]
    not_allowed = _sure_check(False, 1e-9).run(CheckContext.build(item, card, models, {}))
    assert [f.severity for f in not_allowed] == ["medium"]


def test_a_sure_signal_escalates_a_referral_but_not_a_reject(cards: dict[str, CanonCard], models: Models) -> None:
    item = ReviewItem(ip="river-oath", text="赵明为了金子出卖了兄长。")
    evidence = Evidence(field="text", start=0, end=2, quote="赵明")

    def run(check: LearnedCheck, severity: Severity) -> list[str]:
        context = CheckContext.build(item, cards["river-oath"], models, {})
        context.earlier.append(Finding("fidelity", "trait-inversion", severity, evidence, "x"))
        return [f.severity for f in check.run(context)]

    assert run(_sure_check(True, 1e-9), "medium") == ["high"]
    assert run(_sure_check(True, 1.0 - 1e-12), "medium") == []  # already at the desk: nothing to add
    assert run(_sure_check(False, 1e-9), "medium") == []
    assert run(_sure_check(True, 1e-9), "high") == []


def test_the_bundled_weights_carry_ngrams_and_a_reject_threshold_above_the_referral_one() -> None:
    model = load_model_file(bundled_model_path())
    assert model.ngrams is not None and len(model.ngrams.idf) > 1000
    assert model.reject_threshold is not None and 0 < model.reject_threshold < 1
    rule = load_policy("cn-nrta-ai-alteration").rule("learned")
    assert rule is not None and isinstance(rule.check, LearnedCheck) and rule.check.reject


def _doubting(threshold: float, doubt: bool = True) -> LearnedCheck:
    check = LearnedCheck({"refer": True, "reject": True, "doubt": doubt})
    assert check.model is not None
    check.model = replace(check.model, threshold=threshold, reject_threshold=max(threshold, 0.5))
    return check


def test_with_doubt_on_a_rule_reject_the_signal_reads_as_acceptable_is_doubted(
        cards: dict[str, CanonCard], models: Models) -> None:
    item = ReviewItem(ip="river-oath", text="赵明为了金子出卖了兄长。")
    evidence = Evidence(field="text", start=0, end=2, quote="赵明")

    def run(check: LearnedCheck) -> list[tuple[str, str]]:
        context = CheckContext.build(item, cards["river-oath"], models, {})
        context.earlier.append(Finding("fidelity", "trait-inversion", "high", evidence, "x"))
        return [(f.kind, f.severity) for f in check.run(context)]

    assert run(_doubting(1.0 - 1e-12)) == [(DOUBT, "low")]  # scored below the referral threshold
    assert run(_doubting(1e-9)) == []  # the signal agrees it is a violation: the reject stands
    assert run(_doubting(1.0 - 1e-12, doubt=False)) == []


def test_a_doubted_rule_reject_goes_to_the_desk_with_both_reasons(cards: dict[str, CanonCard], models: Models) -> None:
    pack = load_policy("cn-nrta-ai-alteration")
    rule = pack.rule("learned")
    assert rule is not None and isinstance(rule.check, LearnedCheck) and rule.check.doubt
    text = "赵明为了金子出卖了兄长。"
    reviewer = Reviewer(pack, cards, models=models)
    shipped = rule.check.model
    assert shipped is not None
    rule.check.model = replace(shipped, threshold=1e-9)
    before = reviewer.review(ReviewItem(ip="river-oath", text=text))
    assert before.decision == "reject" and not any(f.kind == DOUBT for f in before.findings)
    rule.check.model = replace(shipped, threshold=1.0 - 1e-12, reject_threshold=1.0 - 1e-12)
    after = reviewer.review(ReviewItem(ip="river-oath", text=text))
    assert after.decision == "review"
    assert [f.kind for f in after.findings if f.check == "learned"] == [DOUBT]
    assert all("to the desk, not rejected: the learned signal" in r.explanation for r in after.reasons)


def test_a_rule_reject_in_a_text_longer_than_the_development_texts_is_not_doubted(
        cards: dict[str, CanonCard], models: Models) -> None:
    evidence = Evidence(field="text", start=0, end=2, quote="赵明")

    def run(text: str) -> list[str]:
        context = CheckContext.build(ReviewItem(ip="river-oath", text=text), cards["river-oath"], models, {})
        context.earlier.append(Finding("fidelity", "trait-inversion", "high", evidence, "x"))
        return [f.kind for f in _doubting(1.0 - 1e-12).run(context)]

    assert run("赵明守城。" * DOUBT_MAX_SENTENCES + "赵明为了金子出卖了兄长。") == []
    assert run("赵明守城。" * (DOUBT_MAX_SENTENCES - 1) + "赵明为了金子出卖了兄长。") == [DOUBT]


REJECT_MODEL = {"coef": [-1.0, 4.0], "intercept": 0.5, "ngrams": {"背叛": 1.0}}


def test_a_reject_model_scores_the_reject_threshold_with_its_own_weights() -> None:
    model = model_from_dict(weights(ngrams=NGRAMS, reject_threshold=0.3, reject_model=REJECT_MODEL))
    assert model_from_dict(model.to_dict()).to_dict() == model.to_dict()
    assert model.reject_model is not None and model.reject_threshold == 0.3  # may sit below the referral threshold
    full = np.zeros(len(FEATURES))
    full[FEATURES.index("gore_margin")] = 1.0
    # Referral: 2*0 + 1*1 - 1 = 0 plus n-grams; reject: -1*0 + 4*1 + 0.5 plus its one n-gram weight.
    assert model.probability(full, "守城") == pytest.approx(0.5)
    assert model.reject_probability(full, "守城") == pytest.approx(1 / (1 + np.exp(-4.5)))
    unit = 3.0 / np.sqrt(2.0**2 + 3.0**2 + 1.5**2)  # 背叛's share of the unit-length vector of "背叛"
    assert model.reject_probability(full, "背叛") == pytest.approx(1 / (1 + np.exp(-(4.5 + unit))))
    one = model_from_dict(weights(reject_threshold=0.9))
    assert one.reject_probability(full) == one.probability(full)  # without a reject model, the same reading


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"reject_model": REJECT_MODEL}, "needs a 'reject_threshold'"),
        ({"reject_model": [1.0], "reject_threshold": 0.5}, "'reject_model' must be a mapping"),
        ({"reject_model": {**REJECT_MODEL, "coef": [1.0]}, "reject_threshold": 0.5}, "'coef' must be a list of 2"),
        ({"reject_model": {**REJECT_MODEL, "intercept": "x"}, "reject_threshold": 0.5}, "'reject_model.intercept'"),
        ({"reject_model": {**REJECT_MODEL, "ngrams": {"守": 1.0}}, "reject_threshold": 0.5}, "n-grams of 'ngrams'"),
        ({"reject_model": REJECT_MODEL, "reject_threshold": 0.0}, "'reject_threshold' must be"),
    ],
)
def test_a_bad_reject_model_is_refused_naming_the_problem(change: dict[str, Any], message: str) -> None:
    with pytest.raises(LearnedModelInvalid, match=message):
        model_from_dict(weights(ngrams=NGRAMS, **change))


def test_reject_model_ngrams_without_an_ngram_block_are_refused() -> None:
    with pytest.raises(LearnedModelInvalid, match="'reject_model.ngrams' needs an 'ngrams' block"):
        model_from_dict(weights(reject_threshold=0.5, reject_model=REJECT_MODEL))
    plain = {k: v for k, v in REJECT_MODEL.items() if k != "ngrams"}
    assert model_from_dict(weights(reject_threshold=0.5, reject_model=plain)).reject_model is not None


def test_the_bundled_weights_carry_a_reject_model_over_the_same_ngrams() -> None:
    model = load_model_file(bundled_model_path())
    assert model.reject_model is not None and model.reject_model.ngrams is not None and model.ngrams is not None
    assert set(model.reject_model.ngrams.coef) <= set(model.ngrams.idf)
    assert model.reject_model.features == model.features


def test_the_check_rejects_on_the_reject_models_reading_and_refers_on_the_other(
        cards: dict[str, CanonCard], models: Models) -> None:
    item = ReviewItem(ip="river-oath", text="赵明为了金子出卖了兄长。")

    def run(reject_intercept: float) -> list[str]:
        check = LearnedCheck({"refer": True, "reject": True})
        check.model = replace(model_from_dict(weights(threshold=1e-6, reject_threshold=0.5, reject_model={
            "coef": [0.0, 0.0], "intercept": reject_intercept})), intercept=20.0)  # the referral model is sure
        return [f.severity for f in check.run(CheckContext.build(item, cards["river-oath"], models, {}))]

    assert run(-20.0) == ["medium"]  # the reject model says no: a referral, not a reject
    assert run(20.0) == ["high"]


KIND_MODEL = {"fidelity": {"coef": [1.0, 0.0], "intercept": 0.0, "ngrams": {"背叛": 3.0}},
              "violence": {"coef": [0.0, 1.0], "intercept": 0.0, "ngrams": {}},
              "childrens": {"coef": [0.0, 2.0], "intercept": 0.0, "ngrams": {}}}


def test_kind_models_name_the_kind_with_the_highest_logit() -> None:
    model = model_from_dict(weights(ngrams=NGRAMS, kind_model=KIND_MODEL))
    assert model_from_dict(model.to_dict()).to_dict() == model.to_dict()
    full = np.zeros(len(FEATURES))
    full[FEATURES.index("gore_margin")] = 1.0  # violence 1, children's 2, fidelity 0 plus its n-gram
    assert model.kind(full, "守城") == "childrens"
    assert model.kind(full, "守城", ("fidelity", "violence", "era")) == "violence"
    assert model.kind(full, "背叛", ("fidelity", "violence", "era")) == "fidelity"  # 3 x 0.83 of the unit vector
    # The check reads the text's n-grams once and hands them to every model: the same readings.
    terms = model.terms("背叛")
    assert model.kind(full, "背叛", ("fidelity", "violence", "era"), terms) == "fidelity"
    assert model.probability(full, "背叛", terms) == model.probability(full, "背叛")
    assert model.kind_models["fidelity"].logit(full, "背叛", terms) == model.kind_models["fidelity"].logit(full, "背叛")
    assert model_from_dict(weights()).kind(full, "背叛") is None  # no kind models: the caller decides


@pytest.mark.parametrize(
    ("kinds", "message"),
    [
        ({"fidelity": KIND_MODEL["fidelity"]}, "two or more of fidelity, violence, era, childrens"),
        ({**KIND_MODEL, "weather": KIND_MODEL["violence"]}, "two or more of"),
        ([1.0], "two or more of"),
        ({**KIND_MODEL, "era": [1.0]}, "'kind_model.era' must be a mapping"),
        ({**KIND_MODEL, "era": {"coef": [1.0], "intercept": 0.0, "ngrams": {}}}, "'coef' must be a list of 2"),
        ({**KIND_MODEL, "era": {"coef": [1.0, 1.0], "intercept": None, "ngrams": {}}}, "'kind_model.era.intercept'"),
        ({**KIND_MODEL, "era": {"coef": [1.0, 1.0], "intercept": 0.0, "ngrams": {"城": 1.0}}},
         "'kind_model.era.ngrams' must map n-grams of 'ngrams'"),
    ],
)
def test_bad_kind_models_are_refused_naming_the_kind(kinds: Any, message: str) -> None:
    with pytest.raises(LearnedModelInvalid, match=message):
        model_from_dict(weights(ngrams=NGRAMS, kind_model=kinds))


def test_the_finding_cites_the_clause_of_the_kind_models_reading(cards: dict[str, CanonCard], models: Models) -> None:
    def kind_of(ip: str, text: str, kinds: dict[str, Any]) -> str:
        check = LearnedCheck({"refer": True})
        check.model = replace(model_from_dict(weights(threshold=1e-6, kind_model=kinds)), intercept=20.0)
        item = ReviewItem(ip=ip, text=text)
        [finding] = check.run(CheckContext.build(item, cards[ip], models, {}))
        return finding.kind

    era = {"era": {"coef": [0.0, 0.0], "intercept": 5.0}, "fidelity": {"coef": [0.0, 0.0], "intercept": 0.0},
           "childrens": {"coef": [0.0, 0.0], "intercept": 9.0}}
    # The children's kind is not for a classic: the next highest is named.
    assert kind_of("river-oath", "赵明为了金子出卖了兄长。", era) == "learned-era"
    assert kind_of("paper-kite", "The kite girl's lantern goes dark.", era) == "learned-childrens"
    violence = {**era, "violence": {"coef": [0.0, 0.0], "intercept": 20.0}}
    assert kind_of("paper-kite", "The kite girl's lantern goes dark.", violence) == "learned-childrens"
    assert kind_of("river-oath", "赵明为了金子出卖了兄长。", violence) == "learned-violence"
