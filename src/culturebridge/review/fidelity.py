"""Fidelity to the canon: inverted core traits and contradicted canon facts.

NRTA 2026 AI-alteration criterion 1 (seriously departs from the original's spirit and
character images). Signals, strongest first:
  1. a sentence naming a character states one of that character's canon-card opposites;
  2. a sentence states one of a canon fact's contradictions;
  3. a clause names a character and then has them do the inverse of a core trait, from
     the generic archetypes in `data/inversions.yaml` (loyal -> betrays, monk -> massacres);
  4. (models) a sentence naming a character embeds closer to one of its opposites than to
     its traits (USE multilingual), which catches paraphrases the rules miss.
Adding new plot names characters but states no opposite: it is not flagged. Opposites that
are anachronisms (motorcycle, gun) are left to the misplacement check, which knows whether
the adaptation declared a modern setting.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from culturebridge.catalog.canon import CanonCard
from culturebridge.review._matching import (
    Match,
    PhraseIndex,
    clauses,
    content_terms,
    first_term_at,
    fold,
    has_terms,
    sentence_terms,
    sentences,
)
from culturebridge.review.check import CheckContext, Params
from culturebridge.review.clause_rules import ClauseRules, Hit
from culturebridge.review.findings import Field, Finding, span_evidence
from culturebridge.review.prototypes import build_prototypes
from culturebridge.review.wordlists import Archetype, era_table, inversion_table

NAME = "fidelity"
_BE_BEFORE = re.compile(r"\b(is|was|are|were|been|being|gets|got|get)\s+(\w+ly\s+)?$")
# A character who is the patient of a passive clause ("is poisoned by...") is not the doer
# of a cue later in that clause.
_PASSIVE = re.compile(r"\b(is|was|are|were|been|being|gets|got)\s+(\w+ly\s+)?\w+(ed|en)\b")
_NEGATION_REACH = 24


@dataclass(frozen=True)
class _Statement:
    owner: str  # character id or fact id
    phrase: str
    terms: tuple[str, ...]
    reference: str  # the canon trait or fact it opposes
    characters: frozenset[str] = frozenset()  # characters the phrase names (any alias will do)


def _statement(names: PhraseIndex[str], owner: str, phrase: str, reference: str) -> _Statement | None:
    """A statement whose character names are matched through aliases, not spelled words."""
    folded = fold(phrase)
    named = names.find(folded)
    rest = list(folded)
    for m in named:
        rest[m.start : m.end] = [" "] * (m.end - m.start)
    terms = content_terms("".join(rest).strip()) if "".join(rest).strip() else ()
    if not terms:
        return None
    return _Statement(owner, phrase, terms, reference, frozenset(m.payload for m in named))


@dataclass
class CanonIndex:
    """A canon card compiled for matching (built once per card)."""

    card: CanonCard
    names: PhraseIndex[str]
    display: dict[str, str]
    opposites: dict[str, list[_Statement]]
    contradictions: list[_Statement]
    archetypes: dict[str, list[Archetype]]
    vectors: dict[str, Any] = field(default_factory=dict)


def compile_canon(card: CanonCard) -> CanonIndex:
    """Compile a card's names, opposites, contradictions and matching archetypes."""
    era_terms = era_table().all_item_terms()

    def deferred(phrase: str) -> bool:
        folded = fold(phrase)
        return any(
            re.search(rf"(?<![a-z]){re.escape(t)}(?![a-z])", folded) if t.isascii() else t in folded
            for t in era_terms
        )

    names = PhraseIndex((n, c.id) for c in card.characters for n in c.all_names())
    opposites: dict[str, list[_Statement]] = {}
    archetypes: dict[str, list[Archetype]] = {}
    for c in card.characters:
        for trait in c.traits:
            reference = trait.text.get("en") or next(iter(trait.text.values()))
            for phrases in trait.opposites.values():
                for p in phrases:
                    statement = None if deferred(p) else _statement(names, c.id, p, reference)
                    if statement is not None:
                        opposites.setdefault(c.id, []).append(statement)
        trait_text = " ".join(fold(t) for trait in c.traits for t in trait.text.values())
        archetypes[c.id] = [
            a
            for a in inversion_table().archetypes
            if any(_contains_word(trait_text, fold(k)) for ks in a.traits.values() for k in ks)
        ]
    contradictions = [
        s
        for f in card.facts
        for phrases in f.contradictions.values()
        for p in phrases
        if not deferred(p)
        and (s := _statement(names, f.id, p, f.text.get("en") or next(iter(f.text.values())))) is not None
    ]
    display = {c.id: c.names.get("en") or next(iter(c.names.values())) for c in card.characters}
    return CanonIndex(card, names, display, opposites, contradictions, archetypes)


def _near_miss(index: CanonIndex, sentence: str, who: set[str]) -> bool:
    """True if the sentence shares a content word with an opposite of a named character or a contradiction."""
    stems = sentence_terms(sentence)
    statements = [s for cid in who for s in index.opposites.get(cid, [])] + index.contradictions
    return any(
        (term in sentence) if not term.isascii() else (term in stems)
        for s in statements
        for term in s.terms
    )


def _contains_word(text: str, word: str) -> bool:
    if word.isascii():
        return re.search(rf"(?<![a-z]){re.escape(word)}", text) is not None
    return word in text


class FidelityCheck:
    """Flags inverted core traits and contradicted canon facts (NRTA criterion 1)."""

    name = NAME

    def __init__(self, raw: Mapping[str, Any]) -> None:
        p = Params(NAME, raw)
        self.use_embeddings = p.flag("use_embeddings", True)
        # USE places a faithful sentence and its inversion close together (zh-en pairs
        # 0.5-0.64, measured here), so this signal is kept strict and only asks for review.
        self.embedding_threshold = p.number("embedding_threshold", 0.6)
        self.embedding_margin = p.number("embedding_margin", 0.15)
        self.max_embedded_sentences = int(p.number("max_embedded_sentences", 16, low=0, high=10_000))
        # Embed only near misses: sentences sharing a content word with an opposite or a
        # contradiction (a paraphrase the rules did not complete). Embedding every sentence
        # naming a character costs ~3 ms each and, on our set, changed no decision.
        self.near_misses_only = p.flag("near_misses_only", True)
        # Clause-level inversions (clause_rules.py): more predicates, patterns, homophones,
        # pronoun and zero-subject resolution, persuasion. Off = the archetype rule alone.
        self.clause_rules = p.flag("clause_rules", False)
        self.resolve_sentences = int(p.number("resolve_sentences", 2, low=0, high=10))
        # Card prototypes (prototypes.py): sentences naming a character are compared with
        # inversions generated from the card and with its canon traits and facts.
        self.prototypes = p.flag("prototypes", False)
        self.prototype_threshold = p.number("prototype_threshold", 0.58)
        self.prototype_margin = p.number("prototype_margin", 0.12, low=-1.0, high=1.0)
        p.done()
        self._clauses = ClauseRules(self.resolve_sentences) if self.clause_rules else None
        table = inversion_table()
        self._cues: PhraseIndex[str] = PhraseIndex(
            (cue, a.id) for a in table.archetypes for cues in a.cues.values() for cue in cues
        )
        self._blockers: PhraseIndex[str] = PhraseIndex(
            (w, "x") for ws in table.passive_or_alleged.values() for w in ws
        )
        self._negations: PhraseIndex[str] = PhraseIndex((w, "x") for ws in table.negations.values() for w in ws)

    def _index(self, context: CheckContext) -> CanonIndex | None:
        card = context.card
        if card is None:
            return None
        key = f"{NAME}:{card.name}"
        cached = context.cache.get(key)
        if isinstance(cached, CanonIndex) and cached.card is card:
            return cached
        index = compile_canon(card)
        context.cache[key] = index
        return index

    def run(self, context: CheckContext) -> list[Finding]:
        """Findings for trait inversions and fact contradictions in title and text."""
        index = self._index(context)
        if index is None:
            return []
        findings, pending = self._scan(context, index)
        if self.use_embeddings and context.models.embedder is not None and pending:
            findings.extend(self._embedding_findings(context, index, pending[: self.max_embedded_sentences]))
        return findings

    def model_inputs(self, context: CheckContext) -> dict[str, list[str]]:
        """The sentences `run` will embed, so a batch of items can be embedded in one call."""
        index = self._index(context)
        if index is None or not self.use_embeddings:
            return {}
        _, pending = self._scan(context, index)
        return {"embedder": [context.item.field_text(n)[s:e] for n, s, e, _, _ in pending[: self.max_embedded_sentences]]}

    def _scan(
        self, context: CheckContext, index: CanonIndex
    ) -> tuple[list[Finding], list[tuple[Field, int, int, str, set[str]]]]:
        findings: list[Finding] = []
        pending: list[tuple[Field, int, int, str, set[str]]] = []  # for the embedding pass
        for name, _original, folded in context.fields():
            mentions = index.names.find(folded)
            clause_hits: dict[int, Hit] = {}
            ruled_out: set[int] = set()
            if self._clauses is not None:
                found, ruled_out = self._clauses.find(folded, mentions, index.archetypes)
                for hit in found:
                    clause_hits.setdefault(hit.start, hit)
            for start, end in sentences(folded):
                sentence = folded[start:end]
                who = {m.payload for m in mentions if start <= m.start and m.end <= end}
                hits = self._rule_findings(context, index, name, folded, start, end, who, mentions)
                clause_hit = clause_hits.get(start)
                if self._clauses is not None and clause_hit is not None and not any(
                    f.kind == "trait-inversion" for f in hits
                ):
                    hits = [f for f in hits if f.kind != "trait-inversion"] + [_clause_finding(context, index, name, clause_hit)]
                findings.extend(hits)
                near = not self.near_misses_only or _near_miss(index, sentence, who)
                if self.prototypes and (start in ruled_out or self._negations.find(sentence)):
                    near = False  # "refuses to betray", "诬陷…背叛": the canon told with its foil
                elif self.prototypes:
                    near = True
                if not hits and who and near:
                    pending.append((name, start, end, sentence, who))
        return findings, pending

    def _rule_findings(
        self,
        context: CheckContext,
        index: CanonIndex,
        name: Field,
        folded: str,
        start: int,
        end: int,
        who: set[str],
        mentions: Sequence[Match[str]],
    ) -> list[Finding]:
        sentence = folded[start:end]
        negations = [n.end for n in self._negations.find(sentence)]

        def negated(terms: Sequence[str]) -> bool:
            # A negation or allegation governs what follows it closely ("never betrays",
            # "诬陷…背叛"), not a statement earlier in the sentence.
            at = first_term_at(sentence, terms)
            return any(0 <= at - n_end <= _NEGATION_REACH for n_end in negations)

        stems = sentence_terms(sentence)
        out: list[Finding] = []
        for cid in sorted(who):
            for s in index.opposites.get(cid, []):
                if (
                    s.characters <= who
                    and has_terms(sentence, stems, s.terms)
                    and not negated(s.terms)
                    and self._in_one_clause(folded, start, end, s, mentions)
                ):
                    out.append(
                        Finding(
                            NAME,
                            "trait-inversion",
                            "high",
                            span_evidence(context.item, name, start, end),
                            f"{index.display[cid]} is canonically '{s.reference}'; this states the opposite ('{s.phrase}')",
                        )
                    )
                    break
        for s in index.contradictions:
            if s.characters <= who and has_terms(sentence, stems, s.terms) and not negated(s.terms):
                out.append(
                    Finding(
                        NAME,
                        "fact-contradiction",
                        "high",
                        span_evidence(context.item, name, start, end),
                        f"contradicts canon fact '{s.reference}' ('{s.phrase}')",
                    )
                )
        if not out and self._clauses is None:
            out.extend(self._archetype_findings(context, index, name, folded, start, end, mentions))
        return out

    def _in_one_clause(
        self, folded: str, start: int, end: int, statement: _Statement, mentions: Sequence[Match[str]]
    ) -> bool:
        """With clause rules on: an opposite's words and the characters it names share one clause
        ("Wukong kills the tiger demon, then bows to Tripitaka" does not state "kills his master")."""
        if self._clauses is None:
            return True
        for c_start, c_end in clauses(folded[start:end]):
            c_start, c_end = c_start + start, c_end + start
            text = folded[c_start:c_end]
            named = {m.payload for m in mentions if c_start <= m.start and m.end <= c_end}
            if statement.characters <= named and has_terms(text, sentence_terms(text), statement.terms):
                return True
        return False

    def _archetype_findings(
        self,
        context: CheckContext,
        index: CanonIndex,
        name: Field,
        folded: str,
        start: int,
        end: int,
        mentions: Sequence[Match[str]],
    ) -> list[Finding]:
        out: list[Finding] = []
        negation_ends = [start + n.end for n in self._negations.find(folded[start:end])]
        for c_start, c_end in clauses(folded[start:end]):
            c_start, c_end = c_start + start, c_end + start
            clause = folded[c_start:c_end]
            inside = [m for m in mentions if c_start <= m.start and m.end <= c_end]
            cues = self._cues.find(clause)
            for m in inside:
                wanted = {a.id: a for a in index.archetypes.get(m.payload, [])}
                for cue in cues:
                    archetype = wanted.get(cue.payload)
                    cue_start, cue_end = cue.start + c_start, cue.end + c_start
                    if archetype is None or cue_start < m.end or cue_start - m.end > 40:
                        continue
                    between = folded[m.end : cue_start]
                    if any(0 <= cue_start - n_end <= _NEGATION_REACH for n_end in negation_ends):
                        continue  # "falsely accused of betraying", "诬陷赵明背叛"
                    if self._blockers.find(between) or _PASSIVE.search(between) or any(m.end <= o.start < cue_start for o in inside):
                        continue
                    word = folded[cue_start:cue_end] + re.match(r"[a-z]*", folded[cue_end:]).group(0)  # type: ignore[union-attr]
                    after = folded[cue_end:c_end]
                    if word.endswith("ed") and (_BE_BEFORE.search(between) or re.match(r"\s*by\b", after)):
                        continue  # passive: done to the character, not by them
                    out.append(
                        Finding(
                            NAME,
                            "trait-inversion",
                            "high",
                            span_evidence(context.item, name, start, end),
                            f"{index.display[m.payload]} has a core trait this inverts ({archetype.id}: '{word}')",
                        )
                    )
                    return out
        return out

    def _embedding_findings(
        self,
        context: CheckContext,
        index: CanonIndex,
        pending: Sequence[tuple[Field, int, int, str, set[str]]],
    ) -> list[Finding]:
        assert context.models.embedder is not None
        embed = context.models.embedder.get()
        if self.prototypes:
            return self._prototype_findings(context, index, pending)
        if "opposites" not in index.vectors:
            # Canon side embedded once per card: every opposite and every trait text.
            opp = [(cid, s.phrase) for cid, ss in index.opposites.items() for s in ss]
            traits = [
                (c.id, t) for c in index.card.characters for trait in c.traits for t in trait.text.values()
            ]
            index.vectors["opposites"] = (opp, embed([p for _, p in opp]))
            index.vectors["traits"] = (traits, embed([t for _, t in traits]))
        opp, opp_vec = index.vectors["opposites"]
        traits, trait_vec = index.vectors["traits"]
        vectors = embed([context.item.field_text(n)[s:e] for n, s, e, _, _ in pending])
        out: list[Finding] = []
        for row, (name, start, end, _sentence, who) in enumerate(pending):
            v = vectors[row]
            best = (0.0, "", "")
            for cid in who:
                o_rows = [i for i, (owner, _) in enumerate(opp) if owner == cid]
                t_rows = [i for i, (owner, _) in enumerate(traits) if owner == cid]
                if not o_rows:
                    continue
                o_sims = opp_vec[o_rows] @ v
                t_best = float(np.max(trait_vec[t_rows] @ v)) if t_rows else 0.0
                k = int(np.argmax(o_sims))
                score = float(o_sims[k])
                if score >= self.embedding_threshold and score - t_best >= self.embedding_margin and score > best[0]:
                    best = (score, cid, opp[o_rows[k]][1])
            if best[1]:
                out.append(
                    Finding(
                        NAME,
                        "trait-inversion-semantic",
                        "medium",
                        span_evidence(context.item, name, start, end),
                        f"reads close to an inversion of {index.display[best[1]]} ('{best[2]}'); a human should look",
                        score=best[0],
                    )
                )
        return out


    def _prototype_findings(
        self,
        context: CheckContext,
        index: CanonIndex,
        pending: Sequence[tuple[Field, int, int, str, set[str]]],
    ) -> list[Finding]:
        """Sentences naming a character that embed closer to a card-made inversion than to its canon."""
        assert context.models.embedder is not None
        embed = context.models.embedder.get()
        if "prototypes" not in index.vectors:
            protos = build_prototypes(index.card, index.archetypes)
            index.vectors["prototypes"] = {
                cid: (protos.violations[cid], embed(protos.violations[cid]), embed(protos.canon[cid]))
                for cid in protos.violations
            }
        table: dict[str, tuple[list[str], Any, Any]] = index.vectors["prototypes"]
        vectors = embed([context.item.field_text(n)[s:e] for n, s, e, _, _ in pending])
        out: list[Finding] = []
        for row, (name, start, end, _sentence, who) in enumerate(pending):
            v = vectors[row]
            best: tuple[float, float, str, str] = (-1.0, 0.0, "", "")
            for cid in sorted(who):
                if cid not in table:
                    continue
                texts, bad, good = table[cid]
                sims = bad @ v
                k = int(np.argmax(sims))
                margin = float(sims[k]) - float(np.max(good @ v))
                if margin > best[0]:
                    best = (margin, float(sims[k]), cid, texts[k])
            margin, score, cid, text = best
            if cid and score >= self.prototype_threshold and margin >= self.prototype_margin:
                out.append(
                    Finding(
                        NAME,
                        "trait-inversion-semantic",
                        "medium",
                        span_evidence(context.item, name, start, end),
                        f"reads close to an inversion of {index.display[cid]} ('{text}', {score:.2f}, "
                        f"{margin:+.2f} over canon); a human should look",
                        score=score,
                        extra={"margin": f"{margin:.3f}"},
                    )
                )
        return out


def _clause_finding(context: CheckContext, index: CanonIndex, name: Field, hit: Hit) -> Finding:
    who = index.display[hit.character]
    how = " (the doer is carried over from an earlier clause)" if hit.resolved else ""
    return Finding(
        NAME,
        "trait-inversion",
        "high",
        span_evidence(context.item, name, hit.start, hit.end),
        f"{who} has a core trait this inverts ({hit.archetype}: '{hit.cue}'){how}",
        extra={"archetype": hit.archetype, "resolved": "yes" if hit.resolved else "no"},
    )


def build(raw: Mapping[str, Any]) -> FidelityCheck:
    """The fidelity check from policy parameters."""
    return FidelityCheck(raw)
