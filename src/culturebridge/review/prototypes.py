"""Canon-violation prototypes generated from a canon card, for the embedding signal.

For each character the card lists, two sets of short sentences in Chinese and English:
- violations: the card's own opposites ("孙悟空背叛师父") and, for each inversion archetype
  its traits select (`data/inversions.yaml`), a generic statement of the inversion with
  the character's name ("关羽为了钱财出卖了自己的兄弟");
- canon: the character's trait texts and the card's facts that name the character.
A sentence naming the character that embeds clearly closer to a violation than to
anything canonical reads as an inversion a human should look at. Everything comes from
the card and our archetype templates, never from reviewed or benchmark text.
"""

from __future__ import annotations

from dataclasses import dataclass

from culturebridge.catalog.canon import CanonCard
from culturebridge.review.wordlists import Archetype

# Generic statements of each archetype's inversion ({name} is the character's name).
TEMPLATES: dict[str, dict[str, tuple[str, ...]]] = {
    "loyal-turned-traitor": {
        "zh": ("{name}背叛了自己的主人，投靠了敌人", "{name}为了钱财出卖了自己的兄弟", "{name}把信任他的人交给了敌人"),
        "en": ("{name} betrays his master and joins the enemy", "{name} sells out his own brothers for money",
               "{name} hands the people who trust him over to their enemies"),
    },
    "compassionate-turned-killer": {
        "zh": ("{name}残忍地屠杀无辜的百姓", "{name}以折磨弱者为乐"),
        "en": ("{name} cruelly slaughters innocent people", "{name} enjoys tormenting the weak"),
    },
    "wise-turned-fool": {
        "zh": ("{name}愚蠢无能，想不出任何计策",),
        "en": ("{name} is a stupid fool who cannot make any plan",),
    },
    "brave-turned-coward": {
        "zh": ("{name}胆小怕事，一遇危险就逃跑",),
        "en": ("{name} is a coward who runs away from danger",),
    },
    "devoted-turned-wanton": {
        "zh": ("{name}水性杨花，到处勾引别人",),
        "en": ("{name} is unfaithful and seduces everyone",),
    },
    "upright-turned-corrupt": {
        "zh": ("{name}贪污受贿，欺压穷苦百姓",),
        "en": ("{name} takes bribes and oppresses the poor",),
    },
}


@dataclass(frozen=True)
class Prototypes:
    """Per character id: violation sentences and canon sentences."""

    violations: dict[str, list[str]]
    canon: dict[str, list[str]]


def build_prototypes(card: CanonCard, archetypes: dict[str, list[Archetype]]) -> Prototypes:
    """Violation and canon sentences for every character of the card."""
    violations: dict[str, list[str]] = {}
    canon: dict[str, list[str]] = {}
    for c in card.characters:
        names = {lang: c.names.get(lang) or next(iter(c.names.values())) for lang in ("zh", "en")}
        v: list[str] = []
        k: list[str] = []
        for trait in c.traits:
            for lang, text in trait.text.items():
                k.append(f"{names.get(lang, names['en'])}{'' if lang == 'zh' else ' is '}{text}")
            for lang, phrases in trait.opposites.items():
                v.extend(f"{names.get(lang, names['en'])}{'' if lang == 'zh' else ' '}{p}" for p in phrases)
        for a in archetypes.get(c.id, []):
            for lang, templates in TEMPLATES.get(a.id, {}).items():
                v.extend(t.format(name=names[lang]) for t in templates)
        all_names = set(c.all_names())
        for fact in card.facts:
            for text in fact.text.values():
                if any(n in text for n in all_names):
                    k.append(text)
        if v:
            violations[c.id] = v
            canon[c.id] = k or [names["en"]]
    return Prototypes(violations, canon)
