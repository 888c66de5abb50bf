"""IP glossaries in the database: seeded from the stored canon card, curated terms kept.

Canon-origin rows are rewritten whenever the glossary is (re)seeded, so a corrected canon
card flows into localization; curated rows (a person's edits) are never overwritten.
"""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import Connection, delete, func, select

from culturebridge.catalog.ips import get_ip
from culturebridge.errors import InvalidInput
from culturebridge.ids import as_utc, now
from culturebridge.localize._tables import glossary_terms
from culturebridge.localize.glossary import STRATEGIES, Glossary, Term

Origin = Literal["canon", "curated"]


def _term_row(term: Term) -> dict[str, Any]:
    data = Glossary("", terms=(term,)).to_dict()["terms"][0]
    return {"source": term.source, "strategy": term.strategy, "note": term.note, "concept": term.concept,
            "renderings": data["renderings"]}


def seed_glossary(conn: Connection, ip_name: str, source_lang: str = "zh") -> int:
    """(Re)write an IP's canon-origin terms from its stored canon card; return the term count."""
    ip = get_ip(conn, ip_name)
    seeded = Glossary.from_canon(ip.canon, source_lang)
    mine = (glossary_terms.c.ip_id == ip.id) & (glossary_terms.c.source_lang == source_lang)
    curated = {r.source for r in conn.execute(
        select(glossary_terms.c.source).where(mine, glossary_terms.c.origin == "curated"))}
    conn.execute(delete(glossary_terms).where(mine, glossary_terms.c.origin == "canon"))
    stamp = now()
    rows = [{**_term_row(t), "ip_id": ip.id, "source_lang": source_lang, "origin": "canon", "updated_at": stamp}
            for t in seeded.terms if t.source not in curated]
    if rows:
        conn.execute(glossary_terms.insert(), rows)
    return len(rows) + len(curated)


def ensure_glossary(conn: Connection, ip_name: str, source_lang: str = "zh") -> Glossary:
    """The stored glossary, seeded first if it is empty or the canon card changed since the last seed."""
    ip = get_ip(conn, ip_name)
    last = conn.execute(select(func.max(glossary_terms.c.updated_at)).where(
        glossary_terms.c.ip_id == ip.id, glossary_terms.c.source_lang == source_lang,
        glossary_terms.c.origin == "canon")).scalar()
    if last is None or as_utc(last) < as_utc(ip.updated_at):
        seed_glossary(conn, ip_name, source_lang)
    return stored_glossary(conn, ip_name, source_lang)


def save_term(conn: Connection, ip_name: str, term: Term, source_lang: str = "zh") -> None:
    """Store a curated term (replacing any term with the same source)."""
    if not term.source.strip() or len(term.source) > 200:
        raise InvalidInput("a glossary term's source is 1-200 characters")
    if term.strategy not in STRATEGIES:
        raise InvalidInput(f"strategy {term.strategy!r} is not one of {', '.join(STRATEGIES)}")
    ip = get_ip(conn, ip_name)
    key = ((glossary_terms.c.ip_id == ip.id) & (glossary_terms.c.source_lang == source_lang)
           & (glossary_terms.c.source == term.source))
    conn.execute(delete(glossary_terms).where(key))
    conn.execute(glossary_terms.insert().values(**_term_row(term), ip_id=ip.id, source_lang=source_lang,
                                                origin="curated", updated_at=now()))


def stored_glossary(conn: Connection, ip_name: str, source_lang: str = "zh") -> Glossary:
    """An IP's glossary from the database; the canon card's seed when none is stored yet."""
    ip = get_ip(conn, ip_name)
    rows = conn.execute(select(glossary_terms).where(glossary_terms.c.ip_id == ip.id,
                                                     glossary_terms.c.source_lang == source_lang)
                        .order_by(glossary_terms.c.origin, glossary_terms.c.source)).all()
    if not rows:
        return Glossary.from_canon(ip.canon, source_lang)
    data = {"ip": ip.name, "source_lang": source_lang,
            "terms": [{"source": r.source, "strategy": r.strategy, "note": r.note, "concept": r.concept,
                       "renderings": r.renderings} for r in rows]}
    return Glossary.from_dict(data)


def term_origins(conn: Connection, ip_name: str, source_lang: str = "zh") -> dict[str, Origin]:
    """Which stored terms are canon-seeded and which curated (empty before seeding)."""
    ip = get_ip(conn, ip_name)
    rows = conn.execute(select(glossary_terms.c.source, glossary_terms.c.origin).where(
        glossary_terms.c.ip_id == ip.id, glossary_terms.c.source_lang == source_lang))
    return {r.source: "curated" if r.origin == "curated" else "canon" for r in rows}
