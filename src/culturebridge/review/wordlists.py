"""The curated data tables the checks read: lexicon, era markers, trait inversions.

The tables are YAML files in `review/data/`, ours to extend; they are read on first use
(not at import) and validated, so a broken table fails loudly instead of matching nothing.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import yaml

from culturebridge.errors import ConfigurationError
from culturebridge.review.findings import SEVERITIES, Severity

Terms = dict[str, tuple[str, ...]]  # language -> phrases


@dataclass(frozen=True)
class LexiconCategory:
    name: str
    severity: Severity
    homophones: bool
    childrens_only: bool
    terms: Terms
    no_fighting_only: bool = False  # only in works whose canon has no fighting


@dataclass(frozen=True)
class EraItem:
    id: str
    year: int
    terms: Terms
    # "gadget" (objects, technology: expected in a declared modern retelling) or
    # "polity" (modern states, institutions, modern arms: they rewrite real history).
    kind: str = "gadget"


@dataclass(frozen=True)
class Dynasty:
    id: str
    start: int
    end: int
    terms: Terms


@dataclass(frozen=True)
class ForeignMarker:
    id: str
    terms: Terms


@dataclass(frozen=True)
class EraTable:
    items: tuple[EraItem, ...]
    dynasties: tuple[Dynasty, ...]
    foreign_markers: tuple[ForeignMarker, ...]
    declared_setting: Terms

    def all_item_terms(self) -> frozenset[str]:
        """Every gadget anachronism phrase, lowercased (fidelity leaves these to the era check)."""
        return frozenset(
            t.lower() for item in self.items if item.kind == "gadget" for ts in item.terms.values() for t in ts
        )


@dataclass(frozen=True)
class Archetype:
    id: str
    traits: Terms
    cues: Terms
    more_cues: Terms = field(default_factory=dict)  # clause-level rules only
    patterns: Terms = field(default_factory=dict)  # regular expressions over folded text


@dataclass(frozen=True)
class InversionTable:
    archetypes: tuple[Archetype, ...]
    passive_or_alleged: Terms
    negations: Terms
    persuaded: Terms = field(default_factory=dict)
    pronouns: Terms = field(default_factory=dict)


def _bad(table: str, where: str, what: str) -> ConfigurationError:
    return ConfigurationError(
        f"review table {table}: {where}: {what}",
        hint="fix the data file in culturebridge/review/data/ (it ships with the package)",
    )


def _read(table: str) -> Mapping[str, Any]:
    path = resources.files("culturebridge.review") / "data" / table
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise _bad(table, "file", str(exc)) from exc
    if not isinstance(data, Mapping):
        raise _bad(table, "file", "expected a mapping at the top")
    return data


def _terms(table: str, where: str, value: Any) -> Terms:
    if not isinstance(value, Mapping):
        raise _bad(table, where, "expected {zh: [...], en: [...]}")
    out: Terms = {}
    for lang, items in value.items():
        if lang not in ("zh", "en"):
            raise _bad(table, f"{where}.{lang}", "language must be zh or en")
        if not isinstance(items, list) or not all(isinstance(i, str) and i.strip() for i in items):
            raise _bad(table, f"{where}.{lang}", "expected a list of non-empty strings")
        out[str(lang)] = tuple(items)
    return out


def _patterns(table: str, where: str, value: Any) -> Terms:
    """Like _terms, but each entry must also compile as a regular expression."""
    if isinstance(value, Mapping):
        value = {k: v for k, v in value.items() if v}
    out = _terms(table, where, value)
    for lang, patterns in out.items():
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise _bad(table, f"{where}.{lang}", f"{pattern!r} is not a regular expression ({exc})") from exc
    return out


def _item_kind(table: str, where: str, value: Any) -> str:
    if value not in ("gadget", "polity"):
        raise _bad(table, where, "kind must be gadget or polity")
    return str(value)


def _terms_of(table: str, where: str, entry: Mapping[str, Any]) -> Terms:
    return _terms(table, where, {k: v for k, v in entry.items() if k in ("zh", "en")})


@functools.lru_cache(maxsize=1)
def lexicon() -> tuple[LexiconCategory, ...]:
    """The violence / vulgarity / values / horror lexicon."""
    table = "lexicon.yaml"
    data = _read(table)
    categories = data.get("categories")
    if not isinstance(categories, Mapping) or not categories:
        raise _bad(table, "categories", "expected a non-empty mapping")
    out = []
    for name, raw in categories.items():
        if not isinstance(raw, Mapping):
            raise _bad(table, str(name), "expected a mapping")
        severity = raw.get("severity")
        if severity not in SEVERITIES:
            raise _bad(table, f"{name}.severity", f"must be one of {SEVERITIES}")
        out.append(
            LexiconCategory(
                name=str(name),
                severity=severity,
                homophones=bool(raw.get("homophones", False)),
                childrens_only=bool(raw.get("childrens_only", False)),
                terms=_terms_of(table, str(name), raw),
                no_fighting_only=bool(raw.get("no_fighting_only", False)),
            )
        )
    return tuple(out)


def _entries(table: str, data: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = data.get(key)
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        raise _bad(table, key, "expected a list of mappings")
    return value


def _int(table: str, where: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _bad(table, where, "expected a year as an integer")
    return value


@functools.lru_cache(maxsize=1)
def era_table() -> EraTable:
    """Anachronism items, dynasties, foreign markers and declared-setting cues."""
    table = "era_markers.yaml"
    data = _read(table)
    items = tuple(
        EraItem(str(e.get("id")), _int(table, f"items[{i}].year", e.get("year")), _terms_of(table, f"items[{i}]", e),
                _item_kind(table, f"items[{i}].kind", e.get("kind", "gadget")))
        for i, e in enumerate(_entries(table, data, "items"))
    )
    dynasties = tuple(
        Dynasty(
            str(e.get("id")),
            _int(table, f"dynasties[{i}].start", e.get("start")),
            _int(table, f"dynasties[{i}].end", e.get("end")),
            _terms_of(table, f"dynasties[{i}]", e),
        )
        for i, e in enumerate(_entries(table, data, "dynasties"))
    )
    markers = tuple(
        ForeignMarker(str(e.get("id")), _terms_of(table, f"foreign_markers[{i}]", e))
        for i, e in enumerate(_entries(table, data, "foreign_markers"))
    )
    return EraTable(items, dynasties, markers, _terms(table, "declared_setting", data.get("declared_setting")))


@functools.lru_cache(maxsize=1)
def inversion_table() -> InversionTable:
    """Generic trait-inversion archetypes with passive/alleged and negation cues."""
    table = "inversions.yaml"
    data = _read(table)
    archetypes = tuple(
        Archetype(
            str(e.get("id")),
            _terms(table, f"archetypes[{i}].traits", e.get("traits")),
            _terms(table, f"archetypes[{i}].cues", e.get("cues")),
            _terms(table, f"archetypes[{i}].more_cues", e.get("more_cues", {})),
            _patterns(table, f"archetypes[{i}].patterns", e.get("patterns", {})),
        )
        for i, e in enumerate(_entries(table, data, "archetypes"))
    )
    return InversionTable(
        archetypes,
        _terms(table, "passive_or_alleged", data.get("passive_or_alleged")),
        _terms(table, "negations", data.get("negations")),
        _terms(table, "persuaded", data.get("persuaded", {})),
        _terms(table, "pronouns", data.get("pronouns", {})),
    )
