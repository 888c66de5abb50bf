"""Question sets: the bundled set is complete and well-formed; malformed sets name question and field."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from culturebridge.audit.language import chinese_script
from culturebridge.audit.questions import bundled_set_path, load_question_set, parse_question_set
from culturebridge.errors import QuestionSetInvalid


def test_bundled_set_covers_topics_tiers_and_three_languages() -> None:
    qset = load_question_set(bundled_set_path())
    assert qset.id == "chinese-culture-basics" and qset.version == 1
    assert len(qset.questions) >= 60
    assert qset.languages == ("en", "zh-Hans", "zh-Hant")
    assert set(qset.topics) == {"festivals", "classics", "heritage crafts", "history", "contemporary culture"}
    tiers = Counter(q.tier for q in qset.questions)
    assert tiers["control"] >= 20 and tiers["mild"] >= 10 and tiers["sensitive"] >= 6
    choice = [q for q in qset.questions if q.is_choice]
    assert len(choice) >= 20
    assert all(set(q.options) == {"en", "zh-Hans", "zh-Hant"} for q in choice)
    assert sum(bool(q.expect) for q in qset.questions) >= 20


def test_bundled_traditional_prompts_are_in_traditional_script() -> None:
    qset = load_question_set(bundled_set_path())
    scripts = Counter(chinese_script(q.prompts["zh-Hant"]) for q in qset.questions)
    simplified = Counter(chinese_script(q.prompts["zh-Hans"]) for q in qset.questions)
    assert scripts["Hans"] == 0 and scripts["Hant"] >= 55
    assert simplified["Hant"] == 0


def _set(**question: Any) -> dict[str, Any]:
    base = {"id": "q-one", "topic": "festivals", "tier": "control", "prompts": {"en": "Why?", "zh-Hans": "为什么？"}}
    return {"id": "s", "version": 1, "questions": [{**base, **question}]}


@pytest.mark.parametrize(("change", "where"), [
    ({"tier": "spicy"}, "questions[0] (q-one).tier"),
    ({"prompts": {"en": ""}}, "questions[0] (q-one).prompts.en"),
    ({"prompts": {"fr": "Pourquoi ?"}}, "questions[0] (q-one).prompts.fr"),
    ({"options": {"en": ["a", "b"]}}, "questions[0] (q-one).options.zh-Hans"),
    ({"options": {"en": ["a", "b"], "zh-Hans": ["甲", "乙", "丙"]}}, "questions[0] (q-one).options"),
    ({"options": {"en": ["a"], "zh-Hans": ["甲"]}}, "questions[0] (q-one).options.en"),
    ({"expect": {"zh-Hant": "x"}}, "questions[0] (q-one).expect.zh-Hant"),
    ({"colour": "red"}, "questions[0] (q-one).colour"),
    ({"id": "Not A Slug"}, "questions[0].id"),
    ({"topic": None}, "questions[0] (q-one).topic"),
])
def test_malformed_question_names_question_and_field(change: dict[str, Any], where: str) -> None:
    with pytest.raises(QuestionSetInvalid) as info:
        parse_question_set(_set(**change))
    assert info.value.where == where
    assert where in info.value.diagnostic()


def test_duplicate_ids_and_bad_header_are_named() -> None:
    data = _set()
    data["questions"].append(dict(data["questions"][0]))
    with pytest.raises(QuestionSetInvalid, match=r"questions\[1\] \(q-one\)\.id: appears twice"):
        parse_question_set(data)
    with pytest.raises(QuestionSetInvalid, match="version"):
        parse_question_set({**_set(), "version": 0})
    with pytest.raises(QuestionSetInvalid, match="questions: must be a non-empty list"):
        parse_question_set({"id": "s", "version": 1, "questions": []})


def test_file_errors_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: [unclosed", encoding="utf-8")
    with pytest.raises(QuestionSetInvalid, match="not valid YAML"):
        load_question_set(bad)
    with pytest.raises(QuestionSetInvalid, match="cannot be read"):
        load_question_set(tmp_path / "missing.yaml")


def test_expect_strings_become_fact_lists_and_digest_is_stable(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(_set(expect={"en": "Qu Yuan"})), encoding="utf-8")
    qset = load_question_set(path)
    assert qset.questions[0].expect == {"en": ("Qu Yuan",)}
    assert qset.digest() == parse_question_set(qset.to_dict()).digest()
    assert qset.digest() != parse_question_set(_set(expect={"en": "Li Bai"})).digest()
