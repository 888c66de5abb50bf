"""The market adaptation brief: what a work needs to travel to one market.

Three parts. References needing a gloss: the IP glossary's terms (seeded from the canon
card, curated by the localize desk) found in the source's title and synopsis whose
rendering in the market's language is missing or is transliterated with a gloss, with the
gloss to use (the glossary's first-mention form, else the canon's alias in that language,
else CC-CEDICT senses as a suggestion). The policy clauses the adaptation is reviewed
against. Titles suggested by the chat endpoint in the market's language (checked to be in
that language).
"""

from __future__ import annotations

import re
from typing import Any

from culturebridge.catalog import CanonCard
from culturebridge.create.client import Limits
from culturebridge.create.endpoints import Endpoint
from culturebridge.create.generate import (
    File,
    Generated,
    Options,
    Source,
    Step,
    _chat,
    check_language,
)
from culturebridge.create.grounding import Grounding, language_name
from culturebridge.localize import Glossary, cedict_glosses
from culturebridge.review import Policy

MAX_TITLES = 5
_BULLET = re.compile(r"^\s*(?:\d+[.)、]|[-*•])\s*")


def references(glossary: Glossary | None, card: CanonCard | None, text: str, lang: str) -> list[dict[str, str]]:
    """Terms of `text` that need a gloss in `lang`: (term, rendering, gloss, why)."""
    out: dict[str, dict[str, str]] = {}
    if glossary is not None:
        for match in glossary.find(text):
            term = match.term
            if term.source in out:
                continue
            rendering = term.rendering(lang)
            if rendering is None:
                senses = cedict_glosses(term.source) if glossary.source_lang == "zh" else []
                out[term.source] = {"term": term.source, "rendering": "", "why": "no rendering in the glossary",
                                    "gloss": "; ".join(senses[:3])}
            elif rendering.first_mention or term.strategy == "transliterate+gloss":
                out[term.source] = {"term": term.source, "rendering": rendering.text, "why": "transliterated name",
                                    "gloss": rendering.first_mention or ""}
    if card is not None:
        folded = text.casefold()
        for ch in card.characters:
            names = [n for n in ch.all_names() if len(n) > 1]
            hit = next((n for n in names if n.casefold() in folded), None)
            if hit is None or any(hit == r["term"] or ch.names.get("zh") == r["term"] for r in out.values()):
                continue
            alias = next(iter(ch.aliases.get(lang.split("-")[0], [])), "")
            out[hit] = {"term": hit, "rendering": ch.names.get(lang.split("-")[0], ""), "why": "canon character",
                        "gloss": alias}
    return list(out.values())


def market_brief(endpoint: Endpoint, source: Source, grounding: Grounding, policy: Policy, glossary: Glossary | None,
                 market: str, brief: str, options: Options, limits: Limits, step: Step) -> Generated:
    """The brief for `market` (COUNTRY/lang); `source.lang` is the market's language."""
    lang = source.lang
    work = source.work
    text = " ".join([work.title(work.original_language), work.synopsis(work.original_language)])
    refs = references(glossary, source.card, text, lang)
    step("suggesting titles")
    calls: list[dict[str, Any]] = []
    system = (grounding.system_prompt + "\n\n"
              f"Suggest {MAX_TITLES - 2} titles for the market {market}, in {language_name(lang)}, one per line, "
              "nothing else. Keep the canon's names as the glossary renders them.")
    user = (brief.strip() + "\n\n" if brief.strip() else "") + f"Source title: {work.title(work.original_language)}\n" \
        f"Synopsis: {work.synopsis(work.original_language)[:2000]}"
    raw = _chat(endpoint, system, user, limits, options, calls)
    titles = [_BULLET.sub("", ln).strip().strip('"\u201c\u201d') for ln in raw.splitlines()]
    titles = [t for t in titles if t and not t.upper().startswith("FACT")][:MAX_TITLES]
    check_language(" ".join(titles), lang, "suggested titles")
    clauses = [{"clause": c, "text": texts.get(lang.split("-")[0]) or texts.get("en") or next(iter(texts.values()))}
               for c, texts in policy.clauses.items()]
    lines = [f"# Market adaptation brief: {work.title(lang)} \u2192 {market}", ""]
    if brief.strip():
        lines += [f"Brief: {brief.strip()}", ""]
    lines += ["## References needing a gloss", ""]
    lines += [f"- {r['term']} \u2192 {r['rendering'] or '(no rendering)'}: {r['why']}"
              + (f"; gloss: {r['gloss']}" if r["gloss"] else "") for r in refs] or ["- none found"]
    lines += ["", f"## Policy clauses that apply ({policy.name}@{policy.version})", ""]
    lines += [f"- {c['clause']}: {c['text']}" for c in clauses]
    lines += ["", "## Suggested titles", ""] + [f"- {t}" for t in titles]
    doc = "\n".join(lines) + "\n"
    record = {"calls": calls, "market": market, "references": refs, "clauses": [c["clause"] for c in clauses],
              "titles": titles}
    title = f"{work.title(lang)} \u2014 brief for {market}"
    summary = "\n".join(titles)
    return Generated("brief", lang, title, summary, (File(f"market-brief-{market.replace('/', '-')}.md",
                                                          doc.encode("utf-8")),), record)
