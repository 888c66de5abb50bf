"""Features of the learned referral signal: no words, only distances and signals.

The learned signal (`learned.py`) must reach wordings nobody wrote into a table, so none
of its features names a word of the reviewed text. Each is a number computed from
USE-multilingual sentence embeddings against sentences made from the canon card (its
characters' traits and the card-made inversions of `prototypes.py`, its facts and their
contradictions) or against our generic prototypes (gore and horror of `semantic.py`,
modern vs period life below), from cues (a negation, a children's or mythic canon) and
from what the rule checks already found. `FEATURES` is the fixed order of the vector; a
weights file names the subset it was fitted on.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from culturebridge.catalog.canon import CanonCard
from culturebridge.review._matching import Match, PhraseIndex, fold, sentences
from culturebridge.review.findings import Finding, severity_rank
from culturebridge.review.models import Embedder
from culturebridge.review.prototypes import build_prototypes
from culturebridge.review.semantic import BENIGN as SEMANTIC_BENIGN
from culturebridge.review.semantic import PROTOTYPES as SEMANTIC_BAD
from culturebridge.review.wordlists import Archetype, inversion_table

FEATURES: tuple[str, ...] = (
    "proto_viol",  # max over sentences tied to a character: similarity to its card-made inversions
    "proto_margin",  # ... minus similarity to its canon (traits, facts naming it)
    "proto_margin_any",  # the same over every sentence and every character of the card
    "contra_margin",  # similarity to a fact's contradiction minus to the card's facts
    "canon_min",  # the least canonical sentence: its best similarity to any canon sentence
    "canon_mean",  # mean over sentences of that best similarity
    "gore_sim",
    "gore_margin",  # over the benign prototypes (a battle, a sad death)
    "horror_sim",
    "horror_margin",
    "modern_sim",
    "modern_margin",  # modern life vs period life
    "negation",  # a negation or allegation cue in the text (the canon told with its foil)
    "childrens",  # the IP is a children's work
    "mythic",  # the canon era is mythic
    "rule_high",  # a rule check already found something high
    "rule_medium",
    "fidelity_flag",  # fidelity / safety / misplacement found something at medium or above
    "safety_flag",
    "misplacement_flag",
    "declared_setting",  # misplacement noted an anachronism excused by a declared setting (low)
    "log_sentences",
)
# The check whose clause a feature's contribution points to (the finding's kind).
GROUP: dict[str, str] = {
    **{f: "fidelity" for f in ("proto_viol", "proto_margin", "proto_margin_any", "contra_margin", "canon_min", "canon_mean",
                               "negation", "fidelity_flag")},
    **{f: "violence" for f in ("gore_sim", "gore_margin", "horror_sim", "horror_margin", "safety_flag")},
    **{f: "era" for f in ("modern_sim", "modern_margin", "mythic", "misplacement_flag", "declared_setting")},
}

# Generic modern vs period life, in both languages, written once for all works (none comes
# from reviewed or benchmark text).
MODERN: tuple[str, ...] = (
    "他用手机给朋友打电话，又在网上发了一条消息",
    "他们开着汽车、坐着飞机赶往城市",
    "他在议会发表演讲，签署了一份国际条约",
    "士兵们拿着机枪作战，军舰发射导弹",
    "她在公司上班，用电脑处理文件",
    "He calls his friend on a smartphone and posts online.",
    "They drive cars and take a plane to the city.",
    "He gives a speech in parliament and signs an international treaty.",
    "Soldiers fire machine guns and warships launch missiles.",
    "She works in an office on a computer.",
)
PERIOD: tuple[str, ...] = (
    "他骑马赶路，夜里住在客栈",
    "他写了一封信，托人送到京城",
    "皇帝在朝堂上召见大臣，商议国事",
    "将士们手持刀枪弓箭，在城下交战",
    "她在家中绣花、读诗",
    "He rides a horse to the capital and stays at an inn.",
    "He writes a letter and sends it with a messenger.",
    "The emperor summons his ministers to court.",
    "Soldiers fight below the city walls with swords, spears and bows.",
    "She embroiders and reads poems at home.",
)


@dataclass(frozen=True)
class GenericVectors:
    """Embedded generic prototypes (built once per embedder)."""

    gore: NDArray[np.float32]
    gore_ok: NDArray[np.float32]
    horror: NDArray[np.float32]
    horror_ok: NDArray[np.float32]
    modern: NDArray[np.float32]
    period: NDArray[np.float32]

    @classmethod
    def build(cls, embed: Embedder) -> GenericVectors:
        """Embed every generic prototype once."""
        return cls(embed(list(SEMANTIC_BAD["gore"])), embed(list(SEMANTIC_BENIGN["gore"])),
                   embed(list(SEMANTIC_BAD["horror"])), embed(list(SEMANTIC_BENIGN["horror"])),
                   embed(list(MODERN)), embed(list(PERIOD)))


@dataclass(frozen=True)
class CardVectors:
    """A canon card's sentences, embedded once per card."""

    names: PhraseIndex[str]
    violations: dict[str, NDArray[np.float32]]  # character id -> card-made inversions
    canon: dict[str, NDArray[np.float32]]  # character id -> its traits and facts
    facts: NDArray[np.float32]  # every fact and trait text of the card
    contradictions: NDArray[np.float32]
    childrens: bool
    mythic: bool

    @classmethod
    def build(cls, card: CanonCard, archetypes: dict[str, list[Archetype]], embed: Embedder) -> CardVectors:
        """Embed the card's prototypes, facts, traits and contradictions."""
        protos = build_prototypes(card, archetypes)
        names = PhraseIndex((n, c.id) for c in card.characters for n in c.all_names())
        canon_texts = [t for f in card.facts for t in f.text.values()]
        canon_texts += [t for c in card.characters for trait in c.traits for t in trait.text.values()]
        contra = [p for f in card.facts for ps in f.contradictions.values() for p in ps]
        return cls(
            names=names,
            violations={cid: embed(v) for cid, v in protos.violations.items()},
            canon={cid: embed(protos.canon[cid]) for cid in protos.violations},
            facts=embed(canon_texts) if canon_texts else np.zeros((0, 512), dtype=np.float32),
            contradictions=embed(contra) if contra else np.zeros((0, 512), dtype=np.float32),
            childrens=card.protection == "childrens",
            mythic=card.era.mythic,
        )


def sentence_spans(text: str, limit: int) -> list[tuple[int, int]]:
    """The sentences the signal embeds (the same ones the semantic safety pass embeds)."""
    return sentences(text)[:limit]


def _negation_index() -> PhraseIndex[str]:
    table = inversion_table()
    return PhraseIndex((w, "x") for ws in (*table.negations.values(), *table.passive_or_alleged.values()) for w in ws)


_NEGATIONS: list[PhraseIndex[str]] = []


def _negations() -> PhraseIndex[str]:
    if not _NEGATIONS:
        _NEGATIONS.append(_negation_index())
    return _NEGATIONS[0]


def who_per_sentence(folded: str, spans: Sequence[tuple[int, int]], mentions: Sequence[Match[str]],
                     reach: int = 2) -> list[list[str]]:
    """Characters each sentence is about: those it names, else those of the nearest earlier
    sentence naming one, up to `reach` sentences back (a pronoun or no subject)."""
    out: list[list[str]] = []
    last: tuple[int, list[str]] | None = None
    for i, (s, e) in enumerate(spans):
        named = list(dict.fromkeys(m.payload for m in mentions if s <= m.start and m.end <= e))
        if named:
            last = (i, named)
            out.append(named)
        elif last is not None and i - last[0] <= reach:
            out.append(last[1])
        else:
            out.append([])
    return out


def _best(matrix: NDArray[np.float32], v: NDArray[np.float32]) -> float:
    return float(np.max(matrix @ v)) if matrix.shape[0] else 0.0


def extract(text: str, vectors: NDArray[np.float32], spans: Sequence[tuple[int, int]], card: CardVectors,
            generic: GenericVectors, earlier: Sequence[Finding]) -> NDArray[np.float64]:
    """The feature vector (in `FEATURES` order) of a text whose sentences `spans` embed as `vectors`."""
    folded = fold(text)
    mentions = card.names.find(folded)
    who = who_per_sentence(folded, spans, mentions)
    f: dict[str, float] = dict.fromkeys(FEATURES, 0.0)
    proto_viol, proto_margin, margin_any, contra, canon_best = -1.0, -1.0, -1.0, -1.0, []
    gore, gore_m, horror, horror_m, modern, modern_m = -1.0, -1.0, -1.0, -1.0, -1.0, -1.0
    for row in range(vectors.shape[0]):
        v = vectors[row]
        canon_here = _best(card.facts, v)
        for cid in card.violations:
            viol = _best(card.violations[cid], v)
            margin = viol - max(_best(card.canon[cid], v), canon_here)
            margin_any = max(margin_any, margin)
            if cid in who[row]:
                proto_viol = max(proto_viol, viol)
                proto_margin = max(proto_margin, margin)
        if card.contradictions.shape[0]:
            contra = max(contra, _best(card.contradictions, v) - canon_here)
        canon_best.append(canon_here)
        g = _best(generic.gore, v)
        gore, gore_m = max(gore, g), max(gore_m, g - _best(generic.gore_ok, v))
        h = _best(generic.horror, v)
        horror, horror_m = max(horror, h), max(horror_m, h - _best(generic.horror_ok, v))
        m = _best(generic.modern, v)
        modern, modern_m = max(modern, m), max(modern_m, m - _best(generic.period, v))
    f.update(proto_viol=max(proto_viol, 0.0), proto_margin=max(proto_margin, -0.5), proto_margin_any=max(margin_any, -0.5),
             contra_margin=max(contra, -0.5), gore_sim=gore, gore_margin=gore_m, horror_sim=horror,
             horror_margin=horror_m, modern_sim=modern, modern_margin=modern_m)
    if canon_best:
        f["canon_min"], f["canon_mean"] = min(canon_best), sum(canon_best) / len(canon_best)
    f["negation"] = 1.0 if _negations().find(folded) else 0.0
    f["childrens"] = 1.0 if card.childrens else 0.0
    f["mythic"] = 1.0 if card.mythic else 0.0
    for finding in earlier:
        rank = severity_rank(finding.severity)
        if rank == 2:
            f["rule_high"] = 1.0
        elif rank == 1:
            f["rule_medium"] = 1.0
        if rank >= 1 and f"{finding.check}_flag" in f:
            f[f"{finding.check}_flag"] = 1.0
        if finding.check == "misplacement" and rank == 0:
            f["declared_setting"] = 1.0
    f["log_sentences"] = math.log1p(len(spans))
    return np.array([f[name] for name in FEATURES], dtype=np.float64)
