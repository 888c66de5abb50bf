"""Clause-level trait inversions: who does what, in any wording the tables can reach.

NRTA 2026 AI-alteration criterion 1 (departing from the original's character images).
A clause inverts a character's core trait when a predicate of an inversion archetype
(`data/inversions.yaml`: cues, more cues, regular-expression patterns over folded text,
and Chinese cues written with homophones such as 背判 for 背叛) has that character as its
doer. The doer is the nearest character named before the predicate in the clause; a
clause that starts with a pronoun or with no subject at all ("他为了金子把师父卖给了妖怪",
"He hands his master over") is tied to the subject of the nearest earlier clause naming
a character, up to `reach` sentences back. Not counted: a negated or alleged predicate
("never betrays", "诬陷…背叛"), a passive one ("is betrayed by"), and one the character
is only urged or tempted to do ("曹操劝关羽背叛刘备", "tempts Guan Yu to betray").
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from culturebridge.review._matching import (
    HomophoneIndex,
    Match,
    PhraseIndex,
    clauses,
    is_latin,
    sentences,
)
from culturebridge.review.wordlists import Archetype, inversion_table

_NEGATION_REACH = 24
_PASSIVE = re.compile(r"\b(is|was|are|were|been|being|gets|got)\s+(\w+ly\s+)?\w+(ed|en)\b")
_BE_BEFORE = re.compile(r"\b(is|was|are|were|been|being|gets|got|get)\s+(\w+ly\s+)?$")
# Words between a clause start and its predicate that still leave the subject unsaid.
_EN_FILLER = frozenset(
    ["and", "but", "then", "later", "soon", "finally", "also", "even", "still", "secretly", "quietly", "suddenly", "now", "so", "yet", "instead", "afterwards", "eventually", "meanwhile"]
)
_ZH_FILLER = re.compile(r"^(然后|后来|接着|于是|竟然|居然|却|就|又|还|也|终于|转身|随后|暗中|偷偷|悄悄|立刻|马上|最后|反而|反过来|竟|便|才|从此|甚至|半夜|深夜|夜里|当晚|趁夜|趁机|次日|第二天|有一天|一天|当场|亲手|下令|命人|派人|叫人|令人)*")
# A subordinate clause with its own noun subject between the character and the predicate.
_SUBORDINATE = re.compile(r"\b(after|when|before|because|while|until|since|where|once|whereas|though|although)\s+(the|a|an|his|her|their|its|some|one)\b")
_OBJECT_BEFORE = re.compile(r"(把|被|给|对|向|和|与|跟|将|替|为|让|劝|叫)$|\b(to|by|with|for|his|her|their|of|against|at|on|from)\s+$")


@dataclass(frozen=True)
class Hit:
    """A clause where a character (named or resolved) does the inverse of a core trait."""

    start: int  # the sentence span, in the folded text
    end: int
    character: str
    archetype: str
    cue: str
    resolved: bool  # the doer came from an earlier clause (pronoun or no subject)


class ClauseRules:
    """Compiled cue tables; `find` runs over one folded field."""

    def __init__(self, reach: int = 2) -> None:
        self.reach = reach
        table = inversion_table()
        phrases = [
            (cue, a.id)
            for a in table.archetypes
            for source in (a.cues, a.more_cues)
            for cues in source.values()
            for cue in cues
        ]
        self._cues: PhraseIndex[str] = PhraseIndex(phrases)
        self._sounds: HomophoneIndex[str] = HomophoneIndex(
            ((p, a) for p, a in phrases if not is_latin(p) and len(p) >= 2), skip_real_words=True)
        self._patterns = [
            (a.id, re.compile(p)) for a in table.archetypes for ps in a.patterns.values() for p in ps
        ]
        self._negations: PhraseIndex[str] = PhraseIndex((w, "x") for ws in table.negations.values() for w in ws)
        self._blockers: PhraseIndex[str] = PhraseIndex((w, "x") for ws in table.passive_or_alleged.values() for w in ws)
        self._persuaded: PhraseIndex[str] = PhraseIndex((w, "x") for ws in table.persuaded.values() for w in ws)
        self._pronouns = frozenset(w for ws in table.pronouns.values() for w in ws)

    def _cue_matches(self, clause: str) -> list[tuple[int, int, str]]:
        found = {(m.start, m.end, m.payload) for m in self._cues.find(clause)}
        found |= {(m.start, m.end, m.payload[1]) for m in self._sounds.find(clause)}
        for archetype, pattern in self._patterns:
            found |= {(m.start(), m.end(), archetype) for m in pattern.finditer(clause)}
        return sorted(found)

    def _subject_left_unsaid(self, prefix: str) -> bool:
        """True if the clause text before the predicate names no doer (pronoun or nothing)."""
        text = prefix.strip()
        if not text:
            return True
        if is_latin(text):
            words = [w for w in re.findall(r"[a-z']+", text) if w not in _EN_FILLER]
            return not words or (words[0] in self._pronouns and len(words) <= 2)
        for pronoun in sorted((p for p in self._pronouns if not is_latin(p)), key=len, reverse=True):
            if text.startswith(pronoun):
                rest = _ZH_FILLER.sub("", text[len(pronoun) :])
                return len(rest) <= 2 or rest[0] in "把将"
        rest = _ZH_FILLER.sub("", text)
        return not rest or rest[0] in "把将"  # "把…卖给": the 把 construction leaves the doer unsaid

    def find(
        self, folded: str, mentions: Sequence[Match[str]], archetypes: Mapping[str, Sequence[Archetype]]
    ) -> tuple[list[Hit], set[int]]:
        """Hits in a folded field whose character mentions are `mentions`, and the starts of
        sentences holding a cue the rules ruled out (passive, negated, urged, another doer):
        the embedding signal must not overturn those."""
        hits: list[Hit] = []
        ruled_out: set[int] = set()
        history: list[tuple[int, str]] = []  # (sentence index, subject id) of earlier clauses
        for s_index, (s_start, s_end) in enumerate(sentences(folded)):
            sentence = folded[s_start:s_end]
            negation_ends = [s_start + n.end for n in self._negations.find(sentence)]
            for c_start, c_end in clauses(sentence):
                c_start, c_end = c_start + s_start, c_end + s_start
                clause = folded[c_start:c_end]
                inside = [m for m in mentions if c_start <= m.start and m.end <= c_end]
                for cue_start, cue_end, archetype_id in self._cue_matches(clause):
                    cue_start, cue_end = cue_start + c_start, cue_end + c_start
                    hit = self._judge(folded, c_start, cue_start, cue_end, archetype_id, inside, history,
                                      s_index, negation_ends, archetypes)
                    if hit is not None:
                        hits.append(Hit(s_start, s_end, hit[0], archetype_id, folded[cue_start:cue_end], hit[1]))
                        break
                    ruled_out.add(s_start)
                subject = _subject_of(folded, c_start, inside)
                if subject is not None:
                    history.append((s_index, subject))
        return hits, ruled_out

    def _judge(
        self,
        folded: str,
        c_start: int,
        cue_start: int,
        cue_end: int,
        archetype_id: str,
        inside: Sequence[Match[str]],
        history: Sequence[tuple[int, str]],
        s_index: int,
        negation_ends: Sequence[int],
        archetypes: Mapping[str, Sequence[Archetype]],
    ) -> tuple[str, bool] | None:
        """(character, resolved) if the cue inverts a trait of its doer, else None."""
        if any(0 <= cue_start - n_end <= _NEGATION_REACH for n_end in negation_ends):
            return None  # "never betrays", "诬陷…背叛", "refuses to"
        # The doer: the nearest earlier mention in subject position (not "Cao Cao's gold",
        # not "把唐僧", not "to Liu Bei").
        before = [m for m in inside if m.end <= cue_start and not _object_like(folded, c_start, m)]
        if before:
            doer = before[-1]
            between = folded[doer.end : cue_start]
            if cue_start - doer.end > (70 if is_latin(between) else 40) or self._blockers.find(between) or _PASSIVE.search(between):
                return None
            if _SUBORDINATE.search(between):
                return None  # "after the bully cheats a poor singer": another subject
            if self._persuaded.find(folded[c_start : doer.start]):
                return None  # someone else urges the character to do it
            tail = re.match(r"[a-z]*", folded[cue_end:])
            word = folded[cue_start:cue_end] + (tail.group(0) if tail else "")
            if word.endswith("ed") and (_BE_BEFORE.search(between) or re.match(r"\s*by\b", folded[cue_end:])):
                return None
            character, resolved = doer.payload, False
        else:
            prefix = folded[c_start:cue_start]
            if not self._subject_left_unsaid(prefix) or self._blockers.find(prefix):
                return None
            earlier = [cid for i, cid in history if s_index - i <= self.reach]
            if not earlier:
                return None
            character, resolved = earlier[-1], True
        if not any(a.id == archetype_id for a in archetypes.get(character, ())):
            return None
        return character, resolved


def _object_like(folded: str, c_start: int, m: Match[str]) -> bool:
    after = folded[m.end : m.end + 2]
    return bool(_OBJECT_BEFORE.search(folded[max(c_start, m.start - 12) : m.start])) or after in ("'s", "’s") or after[:1] == "的"


def _subject_of(folded: str, c_start: int, inside: Sequence[Match[str]]) -> str | None:
    """The character in subject position of a clause: its first mention not marked as an object."""
    for m in inside:
        if not _object_like(folded, c_start, m):
            return m.payload
    return None
