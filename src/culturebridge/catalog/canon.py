"""An IP's canon card: the characters, era and facts an adaptation must respect.

A canon card is plain data (YAML or JSON on disk, a JSON column in the database). The
review stage checks derivatives against it; the localize stage seeds the IP glossary from
its names and official renderings. `CanonCard.from_dict` validates and is the only way in.

Schema (every text field is a mapping language -> text, languages as BCP 47 tags):

    name: journey-to-the-west            # slug, [a-z0-9-]
    titles: {zh: 西游记, en: Journey to the West}
    protection: classic | childrens | modern
    era: {label: {zh: 唐代, en: Tang dynasty}, start_year: 627, end_year: 649, mythic: true}
    setting: {zh: ..., en: ...}
    characters:
      - id: sun-wukong
        names: {zh: 孙悟空, en: Sun Wukong}
        aliases: {zh: [美猴王, 齐天大圣], en: [Monkey King]}
        traits:
          - text: {zh: 忠心护师, en: fiercely loyal to his master}
            opposites: {zh: [背叛师父], en: [betrays his master]}
    facts:
      - id: journey-west
        text: {zh: ..., en: ...}
        contradictions: {zh: [...], en: [...]}   # phrasings that state the opposite
    renderings:                          # official renderings of names per locale
      孙悟空: {en: Sun Wukong, es: Sun Wukong, ja: 孫悟空}
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from culturebridge.errors import InvalidInput

Protection = Literal["classic", "childrens", "modern"]
PROTECTION_LEVELS: tuple[Protection, ...] = ("classic", "childrens", "modern")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")

Text = dict[str, str]
TextList = dict[str, list[str]]


@dataclass(frozen=True)
class Trait:
    text: Text
    opposites: TextList = field(default_factory=dict)


@dataclass(frozen=True)
class Character:
    id: str
    names: Text
    aliases: TextList = field(default_factory=dict)
    traits: tuple[Trait, ...] = ()

    def all_names(self, lang: str | None = None) -> list[str]:
        """Every name and alias of the character, in one language or in all."""
        langs = [lang] if lang else sorted(set(self.names) | set(self.aliases))
        out: list[str] = []
        for code in langs:
            if code in self.names:
                out.append(self.names[code])
            out.extend(self.aliases.get(code, []))
        return out


@dataclass(frozen=True)
class Era:
    label: Text
    start_year: int | None = None
    end_year: int | None = None
    mythic: bool = False


@dataclass(frozen=True)
class Fact:
    id: str
    text: Text
    contradictions: TextList = field(default_factory=dict)


@dataclass(frozen=True)
class CanonCard:
    name: str
    titles: Text
    protection: Protection
    era: Era
    setting: Text = field(default_factory=dict)
    characters: tuple[Character, ...] = ()
    facts: tuple[Fact, ...] = ()
    renderings: dict[str, dict[str, str]] = field(default_factory=dict)

    def character(self, character_id: str) -> Character | None:
        return next((c for c in self.characters if c.id == character_id), None)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CanonCard:
        """Validate a canon card from plain data; raise InvalidInput naming the bad field."""
        return _card(data)

    def to_dict(self) -> dict[str, Any]:
        """Plain data that `from_dict` reads back to an equal card."""
        return {
            "name": self.name,
            "titles": dict(self.titles),
            "protection": self.protection,
            "era": {
                "label": dict(self.era.label),
                "start_year": self.era.start_year,
                "end_year": self.era.end_year,
                "mythic": self.era.mythic,
            },
            "setting": dict(self.setting),
            "characters": [
                {
                    "id": c.id,
                    "names": dict(c.names),
                    "aliases": {k: list(v) for k, v in c.aliases.items()},
                    "traits": [
                        {"text": dict(t.text), "opposites": {k: list(v) for k, v in t.opposites.items()}}
                        for t in c.traits
                    ],
                }
                for c in self.characters
            ],
            "facts": [
                {
                    "id": f.id,
                    "text": dict(f.text),
                    "contradictions": {k: list(v) for k, v in f.contradictions.items()},
                }
                for f in self.facts
            ],
            "renderings": {k: dict(v) for k, v in self.renderings.items()},
        }


# --- validation -----------------------------------------------------------------------------


def _fail(where: str, what: str) -> InvalidInput:
    return InvalidInput(f"canon card: {where}: {what}")


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _fail(where, f"expected a mapping, got {type(value).__name__}")
    return value


def _text(value: Any, where: str, *, required: bool = True) -> Text:
    if value is None and not required:
        return {}
    mapping = _mapping(value, where)
    out: Text = {}
    for lang, text in mapping.items():
        if not isinstance(lang, str) or not isinstance(text, str) or not text.strip():
            raise _fail(f"{where}.{lang}", "expected non-empty text keyed by a language tag")
        out[lang] = text
    if required and not out:
        raise _fail(where, "needs text in at least one language")
    return out


def _text_list(value: Any, where: str) -> TextList:
    if value is None:
        return {}
    out: TextList = {}
    for lang, items in _mapping(value, where).items():
        if not isinstance(items, list) or not all(isinstance(i, str) and i.strip() for i in items):
            raise _fail(f"{where}.{lang}", "expected a list of non-empty strings")
        out[str(lang)] = list(items)
    return out


def _slug(value: Any, where: str) -> str:
    if not isinstance(value, str) or not _SLUG.match(value):
        raise _fail(where, f"{value!r} is not a slug (lowercase letters, digits, dashes)")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise _fail(where, "expected a list")
    return value


def _year(value: Any, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(where, "expected a year as an integer (negative for BCE)")
    return value


def _card(data: Mapping[str, Any]) -> CanonCard:
    data = _mapping(data, "card")
    protection = data.get("protection", "classic")
    if protection not in PROTECTION_LEVELS:
        raise _fail("protection", f"{protection!r} is not one of {', '.join(PROTECTION_LEVELS)}")
    era_data = _mapping(data.get("era") or {"label": {"en": "unspecified"}}, "era")
    era = Era(
        label=_text(era_data.get("label"), "era.label"),
        start_year=_year(era_data.get("start_year"), "era.start_year"),
        end_year=_year(era_data.get("end_year"), "era.end_year"),
        mythic=bool(era_data.get("mythic", False)),
    )
    characters = []
    seen: set[str] = set()
    for i, raw in enumerate(_list(data.get("characters"), "characters")):
        where = f"characters[{i}]"
        c = _mapping(raw, where)
        cid = _slug(c.get("id"), f"{where}.id")
        if cid in seen:
            raise _fail(f"{where}.id", f"duplicate character id {cid!r}")
        seen.add(cid)
        traits = tuple(
            Trait(
                text=_text(_mapping(t, f"{where}.traits[{j}]").get("text"), f"{where}.traits[{j}].text"),
                opposites=_text_list(t.get("opposites"), f"{where}.traits[{j}].opposites"),
            )
            for j, t in enumerate(_list(c.get("traits"), f"{where}.traits"))
        )
        characters.append(
            Character(
                id=cid,
                names=_text(c.get("names"), f"{where}.names"),
                aliases=_text_list(c.get("aliases"), f"{where}.aliases"),
                traits=traits,
            )
        )
    facts = tuple(
        Fact(
            id=_slug(_mapping(f, f"facts[{i}]").get("id"), f"facts[{i}].id"),
            text=_text(f.get("text"), f"facts[{i}].text"),
            contradictions=_text_list(f.get("contradictions"), f"facts[{i}].contradictions"),
        )
        for i, f in enumerate(_list(data.get("facts"), "facts"))
    )
    renderings: dict[str, dict[str, str]] = {}
    for term, per_locale in _mapping(data.get("renderings") or {}, "renderings").items():
        renderings[str(term)] = _text(per_locale, f"renderings.{term}")
    return CanonCard(
        name=_slug(data.get("name"), "name"),
        titles=_text(data.get("titles"), "titles"),
        protection=protection,
        era=era,
        setting=_text(data.get("setting"), "setting", required=False),
        characters=tuple(characters),
        facts=facts,
        renderings=renderings,
    )
