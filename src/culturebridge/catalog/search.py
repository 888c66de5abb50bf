"""Full-text search over works: titles and synopses in every language, Chinese segmented.

Each work's texts are cut into terms (jieba's search mode for Chinese, so both 孙悟空 and
悟空 are found; Unicode words, lower-cased, for other scripts) and stored in the
`work_terms` table, one row per (term, work). The same segmentation runs on both backends,
so SQLite and PostgreSQL answer a query identically; a query matches the works holding all
of its terms. A term in a script with spaces between words matches as a prefix once it has
`PREFIX_MIN` characters (`monk` finds `monkey`, as FTS5's `monk*` would); a Chinese term
matches whole, since jieba's search mode already indexed its shorter words.

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

from sqlalchemy import ColumnElement, Connection, and_, delete, func, insert, select

from culturebridge.catalog._tables import work_terms

MAX_QUERY_CHARS = 200
MAX_QUERY_TERMS = 8
MAX_TERM_CHARS = 64
PREFIX_MIN = 3
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


def term_matches(term: str) -> ColumnElement[bool]:
    """The condition on `work_terms.term` for a query term: equal, or starting with it.

    A prefix is a range of the primary key (`term <= t < successor`, so the index is used on
    both backends), checked exactly with `substr` whatever the database's collation.
    """
    column = work_terms.c.term
    if len(term) < PREFIX_MIN or _HAN.search(term):
        return column == term
    successor = term[:-1] + chr(ord(term[-1]) + 1)
    return and_(column >= term, column < successor, func.substr(column, 1, len(term)) == term)


def document_frequency(conn: Connection, term: str, cap: int) -> int:
    """How many (term, work) rows match `term`, counted up to `cap` (a range of the primary key)."""
    found = select(work_terms.c.work_id).where(term_matches(term)).limit(cap).subquery()
    return int(conn.execute(select(func.count()).select_from(found)).scalar_one())


def matching(term: str) -> Any:
    """A subquery of the ids of works holding `term`."""
    return select(work_terms.c.work_id).where(term_matches(term))
