"""Audit question sets: versioned YAML, validated into frozen values (schema in docs/audit.md).

Every error names the question and the field (`questions[3] (dragon-boat-origin).options.en:
...`) so a curator can fix the file without reading code.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml

from culturebridge.errors import QuestionSetInvalid

Tier = Literal["control", "mild", "sensitive"]
TIERS: tuple[Tier, ...] = ("control", "mild", "sensitive")
# Languages the refusal rules, sentiment lexicons and entity extractor know (docs/audit.md).
LANGUAGES: tuple[str, ...] = ("en", "zh-Hans", "zh-Hant")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
MAX_OPTIONS = 10


@dataclass(frozen=True)
class Question:
    id: str
    topic: str
    tier: Tier
    prompts: Mapping[str, str]
    options: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    expect: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def is_choice(self) -> bool:
        return bool(self.options)

    @property
    def option_count(self) -> int:
        return len(next(iter(self.options.values()))) if self.options else 0

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "topic": self.topic, "tier": self.tier, "prompts": dict(self.prompts)}
        if self.options:
            out["options"] = {k: list(v) for k, v in self.options.items()}
        if self.expect:
            out["expect"] = {k: list(v) for k, v in self.expect.items()}
        return out


@dataclass(frozen=True)
class QuestionSet:
    id: str
    version: int
    questions: tuple[Question, ...]

    @property
    def languages(self) -> tuple[str, ...]:
        """Languages every question has a prompt in."""
        return tuple(lang for lang in LANGUAGES if all(lang in q.prompts for q in self.questions))

    @property
    def topics(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(q.topic for q in self.questions))

    def question(self, question_id: str) -> Question:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise QuestionSetInvalid(f"question {question_id!r}", "not in this set")

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "version": self.version, "questions": [q.to_dict() for q in self.questions]}

    def digest(self) -> str:
        """SHA-256 of the canonical JSON: two runs compare only on the same digest."""
        blob = json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()


def _text_map(where: str, value: Any, *, allow_list: bool = False) -> dict[str, Any]:
    if not isinstance(value, dict) or not value:
        raise QuestionSetInvalid(where, "must be a non-empty mapping of language to text")
    out: dict[str, Any] = {}
    for lang, text in value.items():
        if lang not in LANGUAGES:
            raise QuestionSetInvalid(f"{where}.{lang}", f"unknown language; use one of {', '.join(LANGUAGES)}")
        if allow_list and isinstance(text, list):
            if not text or not all(isinstance(t, str) and t.strip() for t in text):
                raise QuestionSetInvalid(f"{where}.{lang}", "must be a list of non-empty strings")
            out[lang] = tuple(t.strip() for t in text)
        elif isinstance(text, str) and text.strip():
            out[lang] = (text.strip(),) if allow_list else text.strip()
        else:
            raise QuestionSetInvalid(f"{where}.{lang}", "must be non-empty text")
    return out


def _question(index: int, raw: Any, seen: set[str]) -> Question:
    if not isinstance(raw, dict):
        raise QuestionSetInvalid(f"questions[{index}]", "must be a mapping with id, topic, tier and prompts")
    qid = raw.get("id")
    if not isinstance(qid, str) or not _ID.match(qid):
        raise QuestionSetInvalid(f"questions[{index}].id", f"{qid!r} is not a slug like dragon-boat-origin")
    where = f"questions[{index}] ({qid})"
    if qid in seen:
        raise QuestionSetInvalid(f"{where}.id", "appears twice")
    seen.add(qid)
    unknown = set(raw) - {"id", "topic", "tier", "prompts", "options", "expect"}
    if unknown:
        raise QuestionSetInvalid(f"{where}.{min(unknown)}", "unknown field")
    topic = raw.get("topic")
    if not isinstance(topic, str) or not topic.strip():
        raise QuestionSetInvalid(f"{where}.topic", "must be non-empty text")
    tier = raw.get("tier")
    if tier not in TIERS:
        raise QuestionSetInvalid(f"{where}.tier", f"{tier!r} is not one of {', '.join(TIERS)}")
    prompts = _text_map(f"{where}.prompts", raw.get("prompts"))
    options: dict[str, tuple[str, ...]] = {}
    if raw.get("options") is not None:
        options = _text_map(f"{where}.options", raw["options"], allow_list=True)
        counts = {lang: len(opts) for lang, opts in options.items()}
        for lang, n in counts.items():
            if not 2 <= n <= MAX_OPTIONS:
                raise QuestionSetInvalid(f"{where}.options.{lang}", f"has {n} options; give 2 to {MAX_OPTIONS}")
        if len(set(counts.values())) > 1:
            raise QuestionSetInvalid(f"{where}.options", f"languages list different numbers of options: {counts}")
        for lang in prompts:
            if lang not in options:
                raise QuestionSetInvalid(f"{where}.options.{lang}", "missing: a choice question needs options in "
                                         "every language it has a prompt in")
    expect = _text_map(f"{where}.expect", raw["expect"], allow_list=True) if raw.get("expect") is not None else {}
    for lang in expect:
        if lang not in prompts:
            raise QuestionSetInvalid(f"{where}.expect.{lang}", "has no prompt in that language")
    return Question(qid, topic.strip(), tier, prompts, options, expect)


def parse_question_set(data: Any, source: str = "question set") -> QuestionSet:
    """Validate plain data (parsed YAML) into a QuestionSet; QuestionSetInvalid names the bad field."""
    if not isinstance(data, dict):
        raise QuestionSetInvalid(source, "must be a mapping with id, version and questions")
    set_id = data.get("id")
    if not isinstance(set_id, str) or not _ID.match(set_id):
        raise QuestionSetInvalid("id", f"{set_id!r} is not a slug like chinese-culture-basics")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise QuestionSetInvalid("version", f"{version!r} is not a positive integer")
    raw_questions = data.get("questions")
    if not isinstance(raw_questions, list) or not raw_questions:
        raise QuestionSetInvalid("questions", "must be a non-empty list")
    seen: set[str] = set()
    questions = tuple(_question(i, raw, seen) for i, raw in enumerate(raw_questions))
    return QuestionSet(set_id, version, questions)


def load_question_set(path: Path) -> QuestionSet:
    """Read and validate a question-set YAML file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise QuestionSetInvalid(str(path), f"cannot be read ({exc.strerror or exc})") from exc
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise QuestionSetInvalid(str(path), f"is not valid YAML ({exc})") from exc
    return parse_question_set(data, str(path))


def bundled_set_path(name: str = "chinese-culture-basics") -> Path:
    """The path of a question set shipped with culturebridge."""
    return Path(str(resources.files("culturebridge.audit") / "sets" / f"{name}.yaml"))
