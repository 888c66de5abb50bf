"""Canon-grounded prompting: the IP's canon card and the policy pack become the system prompt.

Pure functions over values. The canon card gives the characters with their traits (and
the turns they must never take: the traits' opposites), the era and setting, and the
facts (with their ids, so the model can say which it relied on); the policy pack gives the
clauses the result is reviewed against. The user's brief stays the instruction. The same
material becomes a checklist shown next to the draft.

Before any endpoint is called, the brief itself is reviewed with the review stage's own
checks (rules and lexicons, no models): a brief the policy would reject — "make Sun Wukong
betray his master" — is refused with the clause named.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from culturebridge.catalog import CanonCard
from culturebridge.errors import BriefRefused, InvalidInput
from culturebridge.review import Finding, Models, Policy, Reviewer, ReviewItem

MAX_BRIEF_CHARS = 4000
LANGUAGE_NAMES = {"zh": "Simplified Chinese", "en": "English", "fr": "French", "es": "Spanish", "ja": "Japanese",
                  "ko": "Korean", "ar": "Arabic", "th": "Thai", "ms": "Malay"}
_FACT_LINE = re.compile(r"^\s*(?:[-*]\s*)?FACT\s*[:：]\s*([a-z0-9][a-z0-9-]*)\s*$", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class Grounding:
    """The system prompt and checklist for one IP, policy and output language."""

    ip: str
    policy_ref: str
    lang: str
    system_prompt: str
    checklist: tuple[str, ...]


def _pick(texts: Mapping[str, str], lang: str) -> str:
    base = lang.split("-")[0]
    for key in (lang, base, "en", "zh"):
        if key in texts:
            return texts[key]
    return next(iter(texts.values()), "")


def _picks(texts: Mapping[str, Sequence[str]], lang: str) -> list[str]:
    base = lang.split("-")[0]
    for key in (lang, base, "en", "zh"):
        if texts.get(key):
            return list(texts[key])
    return []


def language_name(lang: str) -> str:
    """English name of a language tag, for instructions (`zh` -> Simplified Chinese)."""
    return LANGUAGE_NAMES.get(lang.split("-")[0], lang)


def ground(card: CanonCard | None, policy: Policy, lang: str, *, title: str = "") -> Grounding:
    """System prompt + checklist from a canon card (None: a work without an IP) and a policy pack."""
    lines: list[str] = []
    checklist: list[str] = []
    if card is not None:
        lines.append(f"You adapt the {card.protection} work \u201c{_pick(card.titles, lang)}\u201d. "
                     "Stay faithful to its canon below; it is not yours to change.")
        lines.append(f"Era: {_pick(card.era.label, lang)}"
                     + (" (mythic)" if card.era.mythic else "")
                     + (f", years {card.era.start_year}\u2013{card.era.end_year}" if card.era.start_year else "") + ".")
        checklist.append(f"era: {_pick(card.era.label, lang)} \u2014 no objects, institutions or dynasties from later times"
                         + (" unless the brief declares a modern setting" if card.era.mythic else ""))
        if card.setting:
            lines.append(f"Setting: {_pick(card.setting, lang)}")
        if card.characters:
            lines.append("Characters (keep every trait; never write the turns listed as forbidden):")
        for ch in card.characters:
            names = [_pick(ch.names, lang), *_picks(ch.aliases, lang)[:3]]
            traits = "; ".join(_pick(t.text, lang) for t in ch.traits)
            forbidden = [o for t in ch.traits for o in _picks(t.opposites, lang)]
            lines.append(f"- {' / '.join(dict.fromkeys(names))}: {traits or 'as in the original'}"
                         + (f". Forbidden: {'; '.join(forbidden)}" if forbidden else ""))
            for t in ch.traits:
                checklist.append(f"{_pick(ch.names, lang)} stays {_pick(t.text, lang)}")
        if card.facts:
            lines.append("Canon facts (never contradict them):")
        for fact in card.facts:
            lines.append(f"- [{fact.id}] {_pick(fact.text, lang)}")
            checklist.append(f"fact {fact.id}: {_pick(fact.text, lang)}")
    else:
        lines.append(f"You create a new work from \u201c{title}\u201d. It has no catalogued canon; keep to its synopsis.")
    lines.append(f"Rules ({policy.ref}) every result is reviewed against:")
    for clause, texts in policy.clauses.items():
        lines.append(f"- {clause}: {_pick(texts, 'en')}")
        checklist.append(f"{clause}: {_pick(texts, lang)}")
    return Grounding(card.name if card else "", policy.ref, lang, "\n".join(lines), tuple(checklist))


_SCREENERS: dict[tuple[str, str], Reviewer] = {}


def _screening_reviewer(policy: Policy, card: CanonCard | None) -> Reviewer:
    # Compiling a card's canon index takes about half a second: keep one Reviewer per
    # (policy version, card content), rules only.
    key = (policy.ref, prompt_hash(card.to_dict()) if card else "")
    found = _SCREENERS.get(key)
    if found is None:
        if len(_SCREENERS) >= 32:
            _SCREENERS.clear()
        found = _SCREENERS[key] = Reviewer(policy, {card.name: card} if card else {}, models=Models.none())
    return found


def screen_brief(policy: Policy, cards: Mapping[str, CanonCard], ip: str, brief: str) -> tuple[Finding, ...]:
    """Review the brief's text with the policy (rules only); BriefRefused on reject, else the findings."""
    if len(brief) > MAX_BRIEF_CHARS:
        raise InvalidInput(f"the brief is {len(brief):,} characters; at most {MAX_BRIEF_CHARS:,}")
    if "\x00" in brief:
        raise InvalidInput("the brief contains NUL bytes")
    if not brief.strip():
        return ()
    decision = _screening_reviewer(policy, cards.get(ip) if ip else None).review(ReviewItem(ip=ip, text=brief, item_id="brief"))
    if decision.decision == "reject":
        reason = next(r for r in decision.reasons if r.outcome == "reject")
        raise BriefRefused(reason.clause, reason.clause_text, reason.explanation)
    return decision.findings


def prompt_hash(payload: Any) -> str:
    """SHA-256 (hex) of the exact prompt sent, as canonical JSON."""
    blob = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()


def facts_relied_on(text: str, card: CanonCard | None) -> tuple[list[str], str]:
    """(fact ids the model listed as `FACT: id` lines that exist on the card, the text without those lines)."""
    known = {f.id for f in card.facts} if card else set()
    ids = [m.group(1).lower() for m in _FACT_LINE.finditer(text)]
    body = _FACT_LINE.sub("", text).strip()
    return [i for i in dict.fromkeys(ids) if i in known], body


def characters_named(text: str, card: CanonCard | None) -> list[str]:
    """Ids of the card's characters the text names (any name or alias, any language)."""
    if card is None:
        return []
    folded = text.casefold()
    return [ch.id for ch in card.characters if any(n.casefold() in folded for n in ch.all_names() if len(n) > 1)]
