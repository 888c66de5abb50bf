"""Translation memory in the database: one scope per IP ("" for none) and language direction.

Rows are keyed by the SHA-256 of the normalised source (memory.normalise), newest wins, so
the stored memory behaves exactly like `TranslationMemory` and loads into one for matching.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import ColumnElement, Connection, and_, delete, func, select

from culturebridge.errors import InvalidInput
from culturebridge.ids import new_id, now
from culturebridge.localize._tables import tm_entries
from culturebridge.localize.memory import TMEntry, TranslationMemory, normalise


def _key(source: str) -> str:
    return hashlib.sha256(normalise(source).encode("utf-8")).hexdigest()


def _scope(ip: str | None, source_lang: str, target_lang: str) -> ColumnElement[bool]:
    return and_(tm_entries.c.ip == (ip or ""), tm_entries.c.source_lang == source_lang,
                tm_entries.c.target_lang == target_lang)


def remember(conn: Connection, ip: str | None, source_lang: str, target_lang: str, source: str, target: str,
             origin: str = "human", user_id: str | None = None) -> None:
    """Store one pair in the memory (replacing an older pair with the same normalised source)."""
    if not source.strip() or not target.strip():
        raise InvalidInput("a memory entry needs non-empty source and target")
    key = _key(source)
    conn.execute(delete(tm_entries).where(_scope(ip, source_lang, target_lang), tm_entries.c.source_key == key))
    conn.execute(tm_entries.insert().values(
        id=new_id("tm"), ip=ip or "", source_lang=source_lang, target_lang=target_lang, source_key=key,
        source=source, target=target, origin=origin[:40], created_by=user_id, created_at=now()))


def import_memory(conn: Connection, tm: TranslationMemory, user_id: str | None = None) -> int:
    """Add every pair of an in-memory TM (e.g. read from TMX); return how many keys were new."""
    before = count_entries(conn, tm.ip, tm.source_lang, tm.target_lang)
    for e in tm.entries():
        remember(conn, tm.ip, tm.source_lang, tm.target_lang, e.source, e.target, e.origin, user_id)
    return count_entries(conn, tm.ip, tm.source_lang, tm.target_lang) - before


def load_memory(conn: Connection, ip: str | None, source_lang: str, target_lang: str) -> TranslationMemory:
    """The stored memory of one scope as a `TranslationMemory` (oldest first, newest wins)."""
    rows = conn.execute(select(tm_entries).where(_scope(ip, source_lang, target_lang))
                        .order_by(tm_entries.c.created_at, tm_entries.c.id))
    return TranslationMemory(ip or "", source_lang, target_lang, (TMEntry(r.source, r.target, r.origin) for r in rows))


def count_entries(conn: Connection, ip: str | None, source_lang: str, target_lang: str) -> int:
    """How many pairs a memory scope holds."""
    return int(conn.execute(select(func.count()).select_from(tm_entries)
                            .where(_scope(ip, source_lang, target_lang))).scalar_one())
