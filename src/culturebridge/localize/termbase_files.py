"""Glossary files at the edge: canon cards from a folder, termbase JSON, TBX export."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from culturebridge.catalog import default_canon_dir, load_canon_dir
from culturebridge.errors import InvalidInput, IPNotFound, MalformedExchangeFile
from culturebridge.localize.glossary import Glossary

_TBX_NS = "urn:iso:std:iso:30042:ed-1"


def glossary_for(ip: str, canon_dir: Path | None = None, source_lang: str = "zh") -> Glossary:
    """The glossary of one IP, seeded from its canon card (plus `<ip>.termbase.json` if present)."""
    folder = canon_dir or default_canon_dir()
    cards = load_canon_dir(folder) if folder.is_dir() else {}
    if ip not in cards:
        raise IPNotFound(ip)
    glossary = Glossary.from_canon(cards[ip], source_lang)
    overlay = folder / f"{ip}.termbase.json"
    if overlay.is_file():
        try:
            data = json.loads(overlay.read_text(encoding="utf-8"))
        except (ValueError, OSError) as exc:
            raise InvalidInput(f"termbase {overlay} is not valid JSON: {exc}") from exc
        glossary = glossary.merged(Glossary.from_dict(data))
    return glossary


def to_tbx(glossary: Glossary, locales: list[str]) -> bytes:
    """TBX (ISO 30042) bytes: one termEntry per term, forbidden variants marked deprecated."""
    from lxml import etree
    from translate.storage import tbx

    store = tbx.tbxfile(sourcelanguage=glossary.source_lang, targetlanguage=locales[0] if locales else "en")
    body = store.document.getroot().find(".//body")
    assert body is not None
    xml_lang = "{http://www.w3.org/XML/1998/namespace}lang"
    for term in glossary.terms:
        entry = etree.SubElement(body, "termEntry", id=f"{glossary.ip}-{term.concept or term.source}")
        note = etree.SubElement(entry, "descrip", type="definition")
        note.text = f"strategy: {term.strategy}" + (f"; {term.note}" if term.note else "")
        src = etree.SubElement(entry, "langSet", {xml_lang: glossary.source_lang})
        _tig(src, term.source, "preferredTerm-admn-sts")
        for loc in locales:
            r = term.rendering(loc)
            if r is None:
                continue
            ls = etree.SubElement(entry, "langSet", {xml_lang: loc})
            _tig(ls, r.text, "preferredTerm-admn-sts")
            for form, kind in ((r.first_mention, "fullForm"), (r.short, "shortForm")):
                if form:
                    _tig(ls, form, "admittedTerm-admn-sts", kind)
            for bad in r.forbidden:
                _tig(ls, bad, "deprecatedTerm-admn-sts")
    return bytes(store)


def _tig(parent: Any, text: str, status: str, term_type: str | None = None) -> None:
    from lxml import etree

    tig = etree.SubElement(parent, "tig")
    etree.SubElement(tig, "term").text = text
    if term_type:
        etree.SubElement(tig, "termNote", type="termType").text = term_type
    etree.SubElement(tig, "termNote", type="administrativeStatus").text = status


def from_tbx(data: bytes, ip: str, source_lang: str = "zh") -> Glossary:
    """Read preferred terms and deprecated variants back from TBX."""
    from lxml import etree

    from culturebridge.localize.glossary import Rendering, Term

    try:
        root = etree.fromstring(data, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        raise MalformedExchangeFile(f"TBX is not well-formed XML: {exc}") from exc
    xml_lang = "{http://www.w3.org/XML/1998/namespace}lang"
    terms = []
    for entry in root.iter("termEntry"):
        source = ""
        rends: dict[str, Rendering] = {}
        for ls in entry.iter("langSet"):
            lang = ls.get(xml_lang, "")
            pref = [t.findtext("term") or "" for t in ls.iter("tig")
                    if t.findtext("termNote[@type='administrativeStatus']") in (None, "preferredTerm-admn-sts")]
            bad = tuple(t.findtext("term") or "" for t in ls.iter("tig")
                        if t.findtext("termNote[@type='administrativeStatus']") == "deprecatedTerm-admn-sts")
            if lang == source_lang and pref:
                source = pref[0]
            elif pref:
                rends[lang] = Rendering(pref[0], forbidden=bad)
        if source:
            terms.append(Term(source, rends))
    if not terms:
        raise MalformedExchangeFile(f"TBX holds no {source_lang} terms", hint="check the langSet xml:lang codes")
    return Glossary(ip, source_lang, tuple(terms))
