"""Translation memory per IP and locale: exact and fuzzy matches, TMX and XLIFF 2.0 exchange.

TMX 1.4 and XLIFF 2.0 (OASIS) are written and read with translate-toolkit so CAT tools
(OmegaT, Trados, memoQ) open them; XLIFF goes out to outside translators and comes back.
On the platform the memory is stored in the database (`memory_store`) and loaded into this.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from culturebridge.errors import InvalidInput, MalformedExchangeFile
from culturebridge.localize.segments import Segment, Translation


@dataclass(frozen=True)
class TMEntry:
    """One stored source/target pair."""

    source: str
    target: str
    origin: str = "human"


@dataclass(frozen=True)
class TMMatch:
    """A memory hit with its similarity (100 = exact after normalisation)."""

    entry: TMEntry
    score: float


def normalise(text: str) -> str:
    """The key a memory matches on: NFKC, whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


class TranslationMemory:
    """Pairs for one IP and one language direction; append-only, newest wins on exact keys."""

    def __init__(self, ip: str, source_lang: str, target_lang: str, entries: Iterable[TMEntry] = ()) -> None:
        self.ip = ip
        self.source_lang = source_lang
        self.target_lang = target_lang
        self._by_key: dict[str, TMEntry] = {}
        for e in entries:
            self.add(e.source, e.target, e.origin)

    def __len__(self) -> int:
        return len(self._by_key)

    def entries(self) -> list[TMEntry]:
        """All entries in insertion order."""
        return list(self._by_key.values())

    def add(self, source: str, target: str, origin: str = "human") -> None:
        """Store a pair; empty sides are refused."""
        if not source.strip() or not target.strip():
            raise InvalidInput("a memory entry needs non-empty source and target")
        key = normalise(source)
        self._by_key.pop(key, None)
        self._by_key[key] = TMEntry(source, target, origin)

    def exact(self, text: str) -> TMEntry | None:
        """The entry whose normalised source equals the text's."""
        return self._by_key.get(normalise(text))

    def lookup(self, text: str, threshold: float = 75.0, limit: int = 3) -> list[TMMatch]:
        """Best matches at or above `threshold` (rapidfuzz ratio on characters), best first."""
        from rapidfuzz import fuzz, process

        hit = self.exact(text)
        if hit:
            return [TMMatch(hit, 100.0)]
        keys = list(self._by_key)
        found = process.extract(normalise(text), keys, scorer=fuzz.ratio, score_cutoff=threshold, limit=limit)
        return [TMMatch(self._by_key[k], min(float(score), 99.9)) for k, score, _ in found]

    # --- files ------------------------------------------------------------------------

    def to_tmx(self) -> bytes:
        """TMX 1.4 bytes."""
        from translate.storage import tmx

        store = tmx.tmxfile(sourcelanguage=self.source_lang, targetlanguage=self.target_lang)
        for e in self._by_key.values():
            store.addtranslation(e.source, self.source_lang, e.target, self.target_lang)
        return bytes(store)

    @classmethod
    def from_tmx(cls, data: bytes, ip: str, source_lang: str, target_lang: str) -> TranslationMemory:
        """Read pairs for this direction from TMX bytes."""
        from lxml import etree

        try:
            root = etree.fromstring(data, parser=etree.XMLParser(resolve_entities=False, no_network=True))
        except etree.XMLSyntaxError as exc:
            raise MalformedExchangeFile(f"TMX is not well-formed XML: {exc}") from exc
        if root.tag != "tmx":
            raise MalformedExchangeFile(f"expected a <tmx> document, found <{root.tag}>")
        lang_attr = "{http://www.w3.org/XML/1998/namespace}lang"
        tm = cls(ip, source_lang, target_lang)
        for tu in root.iter("tu"):
            segs: dict[str, str] = {}
            for tuv in tu.iter("tuv"):
                lang = (tuv.get(lang_attr) or tuv.get("lang") or "").lower()
                seg = tuv.find("seg")
                if seg is not None:
                    segs[lang] = "".join(seg.itertext())
            src = _pick(segs, source_lang)
            tgt = _pick(segs, target_lang)
            if src and tgt:
                tm.add(src, tgt, "tmx")
        return tm


def _pick(segs: dict[str, str], lang: str) -> str | None:
    lang = lang.lower()
    if lang in segs:
        return segs[lang]
    return next((v for k, v in segs.items() if k.split("-")[0] == lang.split("-")[0]), None)


# --- XLIFF 2.0 -----------------------------------------------------------------------------


@dataclass(frozen=True)
class XliffUnit:
    """A unit coming back from an outside translator."""

    id: str
    source: str
    target: str | None


def to_xliff(items: Iterable[Segment | Translation], source_lang: str, target_lang: str) -> bytes:
    """XLIFF 2.0 bytes; translations carry their target, bare segments an empty one."""
    from translate.storage import xliff2

    store = xliff2.Xliff2File()
    store.setsourcelanguage(source_lang)
    store.settargetlanguage(target_lang)
    for item in items:
        sid, text = (item.id, item.text) if isinstance(item, Segment) else (item.segment_id, item.source)
        unit = store.addsourceunit(text)  # type: ignore[no-untyped-call]
        unit.setid(sid)
        if isinstance(item, Translation) and item.text:
            unit.target = item.text
    return bytes(store)


def from_xliff(data: bytes) -> tuple[str, str, list[XliffUnit]]:
    """(source_lang, target_lang, units) from XLIFF 2.0 bytes."""
    from lxml import etree

    try:
        root = etree.fromstring(data, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        raise MalformedExchangeFile(f"XLIFF is not well-formed XML: {exc}") from exc
    ns = "urn:oasis:names:tc:xliff:document:2.0"
    if root.tag != f"{{{ns}}}xliff":
        raise MalformedExchangeFile("not an XLIFF 2.0 document", hint="export XLIFF 2.0 from your CAT tool")
    units = []
    for unit in root.iter(f"{{{ns}}}unit"):
        src = "".join("".join(s.itertext()) for s in unit.iter(f"{{{ns}}}source"))
        tgts = ["".join(t.itertext()) for t in unit.iter(f"{{{ns}}}target")]
        uid = unit.get("id")
        if not uid:
            raise MalformedExchangeFile("an XLIFF unit has no id")
        units.append(XliffUnit(uid, src, "".join(tgts) if tgts and any(tgts) else None))
    return root.get("srcLang", ""), root.get("trgLang", ""), units
