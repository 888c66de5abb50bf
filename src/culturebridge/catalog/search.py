"""Full-text search over works: titles and synopses in every language, Chinese segmented.

Each work's texts are cut into terms (jieba's search mode for Chinese, so both 孙悟空 and
悟空 are found; Unicode words, lower-cased, for other scripts) and stored in the
`work_terms` table, one row per (term, work). The same segmentation runs on both backends,
so SQLite and PostgreSQL answer a query identically; a query matches the works holding all
of its terms. A term in a script with spaces between words matches as a prefix once it has
`PREFIX_MIN` characters (`monk` finds `monkey`, as FTS5's `monk*` would): the prefix is
expanded into the stored terms it begins (at most `MAX_EXPANSIONS`, found by index seeks),
so every probe stays an exact primary-key lookup. A Chinese term matches whole, since
jieba's search mode already indexed its shorter words.

The index is a plain table rather than an SQLite FTS5 virtual table or a PostgreSQL
tsvector column: the virtual table's shadow tables are invisible to the schema (and so to
the migration check), and one structure keeps both backends' answers the same.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select

from culturebridge.catalog._tables import work_terms

MAX_QUERY_CHARS = 200
MAX_QUERY_TERMS = 8
MAX_TERM_CHARS = 64
PREFIX_MIN = 3
MAX_EXPANSIONS = 32  # a prefix beginning more stored words than this matches only itself
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"\w+", re.UNICODE)
_lock = threading.Lock()
_jieba: Any = None


def _segmenter() -> Any:
    """jieba, loaded once (its dictionary ships with the package; about a second to load)."""
    global _jieba
    with _lock:
        if _jieba is None:
            import jieba

            jieba.setLogLevel(logging.WARNING)
            jieba.initialize()
            _jieba = jieba
    return _jieba


def clean(text: str) -> str:
    """Text fit for the index: NFKC-normalised, lower-case, control characters removed."""
    text = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch if ch.isprintable() else " " for ch in text)


def _words(text: str, *, for_index: bool) -> list[str]:
    out: list[str] = []
    for word in _WORD.findall(clean(text)):
        if _HAN.search(word):
            jieba = _segmenter()
            pieces = jieba.cut_for_search(word) if for_index else jieba.cut(word)
            out.extend(p for p in pieces if _WORD.fullmatch(p))
        else:
            out.append(word)
    return [w[:MAX_TERM_CHARS] for w in out if w]


def index_terms(texts: Iterable[str]) -> set[str]:
    """The distinct terms a work is found by."""
    return {term for text in texts for term in _words(text, for_index=True)}


def query_terms(query: str) -> list[str]:
    """The terms of a search query (at most MAX_QUERY_TERMS, each at most MAX_TERM_CHARS)."""
    terms = list(dict.fromkeys(_words(query[:MAX_QUERY_CHARS], for_index=False)))
    return terms[:MAX_QUERY_TERMS]


def sort_key(titles: Mapping[str, str], original_language: str) -> str:
    """The title works are sorted by: the original language's, cleaned, at most 300 characters."""
    title = titles.get(original_language) or next(iter(titles.values()), "")
    return clean(title).strip()[:300]


def reindex_work(conn: Connection, work_id: str, texts: Iterable[str]) -> None:
    """Replace a work's terms."""
    conn.execute(delete(work_terms).where(work_terms.c.work_id == work_id))
    rows = [{"term": term, "work_id": work_id} for term in sorted(index_terms(texts))]
    if rows:
        conn.execute(insert(work_terms), rows)


def expand(conn: Connection, term: str) -> list[str]:
    """The stored terms a query term stands for: itself, and the words it begins (see above).

    Each step is one seek in the primary key (the smallest stored term after the previous
    one), so the cost is the number of expansions, not the number of rows they hold. The
    exact `startswith` check keeps the answer right whatever the database's collation.
    """
    if len(term) < PREFIX_MIN or _HAN.search(term):
        return [term]
    column = work_terms.c.term
    found: list[str] = []
    after = term
    while len(found) <= MAX_EXPANSIONS:
        following = conn.execute(select(func.min(column)).where(column > after)).scalar()
        if following is None or not str(following).startswith(term):
            break
        found.append(str(following))
        after = str(following)
    if len(found) > MAX_EXPANSIONS:
        return [term]
    return [term, *found]


def document_frequency(conn: Connection, terms: list[str], cap: int) -> int:
    """How many (term, work) rows hold any of `terms`, counted up to `cap` (primary-key ranges)."""
    found = select(work_terms.c.work_id).where(work_terms.c.term.in_(terms)).limit(cap).subquery()
    return int(conn.execute(select(func.count()).select_from(found)).scalar_one())


def matching(terms: list[str]) -> Any:
    """A subquery of the ids of works holding any of `terms`."""
    return select(work_terms.c.work_id).where(work_terms.c.term.in_(terms))
