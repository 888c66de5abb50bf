"""Historical and cultural misplacement: anachronisms, later dynasties, foreign markers.

NRTA 2026 AI-alteration criterion 3 (tampering that distorts the real historical time and
space and the markers of Chinese civilisation). An object, technology or institution from
`data/era_markers.yaml` that is later than the canon era (plus a tolerance) is misplaced:
high in a historical setting, medium in a mythic one (Sun Wukong on a motorcycle needs a
human look), low (noted only) when the adaptation declares a modern or other-world setting.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from culturebridge.review._matching import EN_NEGATOR, Match, PhraseIndex, sentences
from culturebridge.review.check import CheckContext, Params
from culturebridge.review.findings import Finding, Severity, span_evidence
from culturebridge.review.wordlists import era_table

NAME = "misplacement"
_YEAR = re.compile(r"(?<!\d)(19[0-9]{2}|20[0-9]{2}|21[0-9]{2})(?!\d)")
_REPLACE = PhraseIndex(
    (w, "x")
    for w in ("改成", "换成", "取代", "代替", "改为", "替换", "instead of", "replaced", "replaces", "in place of", "swapped for")
)
_TIME_TRAVEL = ("穿越", "时空穿越", "穿越时空", "time travel", "time-travel", "time-travels", "time traveller", "time machine", "时光机")
_AUTHORSHIP = re.compile(r"written|novel|author|小说|作者|成书|写于|ming-era|clay")
# A leading label before a colon ("App-store description, SEA market:", "To the parents who
# emailed:", "海外短视频文案：") names the text's medium or audience, not its story.
_HEADING = re.compile(r"[:：]")
_HEADING_MAX = 80
# The words of a declaration that the text denies ("not a declared modern version", "isn't a
# modern-day retelling", 不是现代版, 并非穿越) or complains of ("too modern", 也太现代了)
# declare nothing: a complaint about an anachronism often names the modern setting it lacks.
# A negation reaches across a few determiners and qualifiers, not across other words.
_EN_DENIED = re.compile(r"(?:" + EN_NEGATOR + r"|\bhardly)\s+"
                        r"(?:(?:a|an|the|any|really|actually|officially|clearly|even"
                        r"|declared|announced|labell?ed)\s+){0,3}$")
_EN_DEGREE = re.compile(r"\b(?:too|so|overly)\s+$")
_ZH_DENIED = re.compile(r"(?:不是|并非|并不是|没有|没|非|无|不算|不属于)(?:什么|一个|个|所谓的?|真正的?|官方的?)?$")
_ZH_DEGREE = re.compile(r"(?:太|过于|这么|那么)$")


class MisplacementCheck:
    """Anachronisms and foreign cultural markers measured against the canon era."""

    name = NAME

    def __init__(self, raw: Mapping[str, Any]) -> None:
        p = Params(NAME, raw)
        self.tolerance_years = int(p.number("tolerance_years", 50, low=0, high=1000))
        self.foreign_markers = p.flag("foreign_markers", True)
        # Modern states, seats of government, treaties and modern arms ("polity" items):
        # a declared modern or time-travel setting does not excuse them.
        self.polity_markers = p.flag("polity_markers", False)
        p.done()
        table = era_table()
        self._items: PhraseIndex[tuple[str, int]] = PhraseIndex(
            (t, (i.id, i.year))
            for i in table.items
            if self.polity_markers or i.kind == "gadget"
            for ts in i.terms.values()
            for t in ts
        )
        self._polity = frozenset(i.id for i in table.items if i.kind == "polity")
        self._travel: PhraseIndex[str] = PhraseIndex((t, "x") for t in _TIME_TRAVEL)
        self._dynasties: PhraseIndex[tuple[str, int]] = PhraseIndex(
            (t, (d.id, d.start)) for d in table.dynasties for ts in d.terms.values() for t in ts
        )
        self._markers: PhraseIndex[str] = PhraseIndex(
            (t, m.id) for m in table.foreign_markers for ts in m.terms.values() for t in ts
        )
        self._declared: PhraseIndex[str] = PhraseIndex((t, "x") for ts in table.declared_setting.values() for t in ts)

    def run(self, context: CheckContext) -> list[Finding]:
        """Findings for items later than the canon era and for foreign cultural markers."""
        card = context.card
        if card is None:
            return []
        era_end = card.era.end_year if card.era.end_year is not None else card.era.start_year
        folded_all = " ".join(f for _, _, f in context.fields())
        declared = any(not _disowned(folded_all, m.start) for m in self._declared.find(folded_all)) or bool(
            era_end is not None and any(int(y) > era_end + self.tolerance_years for y in _YEAR.findall(folded_all))
        )
        # Time travel moves the characters into the present: its modern states and
        # institutions are out of place even when they are older than the canon era's end.
        travel = self.polity_markers and card.protection == "classic" and bool(self._travel.find(folded_all))
        base: Severity = "low" if declared else "medium" if card.era.mythic else "high"
        findings: list[Finding] = []
        for name, original, folded in context.fields():
            heading = self._heading_end(context, folded) if name == "text" else 0
            if era_end is not None:
                late = [
                    m for m in self._items.find(folded)
                    if m.payload[1] > era_end + self.tolerance_years or (travel and m.payload[0] in self._polity)
                ]
                for m in late:
                    item_id, year = m.payload
                    item_severity: Severity = base
                    if item_id in self._polity:
                        # Not excused by a declared setting or a mythic canon; only a lone
                        # mention inside a declared modern retelling goes to a human.
                        item_severity = "medium" if declared and not self._polity_pair(m, late, folded) else "high"
                    if m.end <= heading:
                        item_severity = "low"
                    findings.append(Finding(
                        NAME, "anachronism", item_severity, span_evidence(context.item, name, m.start, m.end),
                        f"'{original[m.start:m.end]}' ({item_id}, from {year}) is out of place in "
                        f"{card.era.label.get('en') or next(iter(card.era.label.values()))} (to {era_end})"
                        + ("; the adaptation declares a transposed setting" if declared else "")
                        + ("; it is in the text's heading (its medium or audience), not its story"
                           if m.end <= heading else ""),
                        extra={"item": item_id},
                    ))
                for start, end in sentences(folded):
                    if _AUTHORSHIP.search(folded[start:end]):
                        continue
                    for m in self._dynasties.find(folded[start:end]):
                        dynasty, begins = m.payload
                        if begins > era_end + self.tolerance_years:
                            findings.append(Finding(
                                NAME, "later-dynasty", "low" if declared else "medium",
                                span_evidence(context.item, name, start + m.start, start + m.end),
                                f"the story is moved into the {dynasty} period, after its canon era",
                            ))
            if self.foreign_markers and card.protection != "modern":
                for start, end in sentences(folded):
                    sentence = folded[start:end]
                    markers = self._markers.find(sentence)
                    if not markers:
                        continue
                    replacing = bool(_REPLACE.find(sentence))
                    severity: Severity = "low" if declared else "high" if replacing else "medium"
                    first = markers[0]
                    findings.append(Finding(
                        NAME, "foreign-marker", severity,
                        span_evidence(context.item, name, start + first.start, start + first.end),
                        f"foreign cultural marker '{original[start + first.start:start + first.end]}' ({first.payload})"
                        + (" put in place of a Chinese one" if replacing else ""),
                    ))
        return findings

    def _heading_end(self, context: CheckContext, folded: str) -> int:
        """Where a leading label ends: the text before a first colon within `_HEADING_MAX`
        characters, when it names no character of the card and text follows; 0 otherwise."""
        colon = _HEADING.search(folded, 0, _HEADING_MAX)
        if colon is None or not folded[colon.end():].strip() or context.card is None:
            return 0
        key = f"{NAME}:names:{context.card.name}"
        names = context.cache.get(key)
        if not isinstance(names, PhraseIndex):
            names = PhraseIndex((n, c.id) for c in context.card.characters for n in c.all_names())
            context.cache[key] = names
        return 0 if names.find(folded[:colon.start()]) else colon.start()

    def _polity_pair(self, m: Match[tuple[str, int]], late: list[Match[tuple[str, int]]], folded: str) -> bool:
        """True if another modern polity item of a different kind shares m's sentence."""
        start, end = _sentence_of(folded, m.start)
        return any(
            o.payload[0] in self._polity and o.payload[0] != m.payload[0] and start <= o.start < end for o in late
        )


def _sentence_of(folded: str, at: int) -> tuple[int, int]:
    for start, end in sentences(folded):
        if start <= at < end:
            return start, end
    return 0, len(folded)


def build(raw: Mapping[str, Any]) -> MisplacementCheck:
    """The misplacement check from policy parameters."""
    return MisplacementCheck(raw)


def _disowned(folded: str, start: int) -> bool:
    """True if the declaration cue at `start` is denied or complained of by the words before it."""
    before = folded[max(0, start - 40):start]
    return any(p.search(before) for p in (_EN_DENIED, _EN_DEGREE, _ZH_DENIED, _ZH_DEGREE))
