"""The works list of the studio: filters, full-text search, sorting and keyset pagination.

Pages are cut by keyset (the last row's sort key and id, in an opaque cursor), never by
OFFSET, so page 2,000 of 100,000 works costs what page 1 does: each sort order walks its
own index (`ix_works_created_at_id`, `ix_works_sort_title_id`).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, get_args

from sqlalchemy import Connection, Select, String, cast, exists, select, tuple_

from culturebridge.accounts import User, get_user_by_name
from culturebridge.catalog._tables import ips, work_terms, works
from culturebridge.catalog.models import WORK_KINDS, Work
from culturebridge.catalog.search import (
    MAX_QUERY_CHARS,
    document_frequency,
    expand,
    matching,
    query_terms,
)
from culturebridge.catalog.works import work_from_row
from culturebridge.errors import InvalidInput, UserNotFound
from culturebridge.ids import as_utc

Sort = Literal["newest", "oldest", "title"]
SORTS: tuple[Sort, ...] = get_args(Sort)
MAX_PAGE = 100
# A search term held by at most this many works drives the query; above it, the sort index does.
DRIVE_LIMIT = 3000
_MARKET = re.compile(r"^[A-Z]{2}/[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,79}$", re.IGNORECASE)


@dataclass(frozen=True)
class WorkFilter:
    """What the list is narrowed to; empty strings mean "any"."""

    query: str = ""
    kind: str = ""
    ip: str = ""  # an IP's name, or "none" for works outside any IP
    market: str = ""  # COUNTRY/lang, e.g. US/en
    ai: str = ""  # "yes" or "no"
    stage: str = ""  # with `state`: works whose pipeline stage is in that state
    state: str = ""
    owner: str = ""  # a username

    def is_empty(self) -> bool:
        return not any(vars(self).values())


@dataclass(frozen=True)
class Page:
    works: list[Work]
    next_cursor: str | None
    terms: list[str]  # the search terms the query was cut into


def check_filter(f: WorkFilter, *, stages: tuple[str, ...], states: tuple[str, ...]) -> None:
    """InvalidInput naming the first filter value that is not one of the offered ones."""
    if len(f.query) > MAX_QUERY_CHARS:
        raise InvalidInput(f"the search is longer than {MAX_QUERY_CHARS} characters", hint="search with fewer words")
    if f.kind and f.kind not in WORK_KINDS:
        raise InvalidInput(f"kind {f.kind[:40]!r} is not one of {', '.join(WORK_KINDS)}")
    if f.market and not _MARKET.match(f.market):
        raise InvalidInput(f"market {f.market[:40]!r} is not COUNTRY/language, e.g. US/en")
    if f.ai not in ("", "yes", "no"):
        raise InvalidInput("the AI filter is yes, no or empty")
    if f.stage and f.stage not in stages:
        raise InvalidInput(f"stage {f.stage[:40]!r} is not one of {', '.join(stages)}")
    if f.state and f.state not in states:
        raise InvalidInput(f"state {f.state[:40]!r} is not one of {', '.join(states)}")
    if bool(f.stage) != bool(f.state):
        raise InvalidInput("choose a stage and a state together")
    for label, value in (("IP", f.ip), ("owner", f.owner)):
        if value and not _NAME.match(value):
            raise InvalidInput(f"{label} {value[:40]!r} is not a name")


# Narrows by a work's pipeline state: given the works' id column, a condition on it. The stage
# states are kept by `culturebridge.jobs`, above the catalog, so the caller supplies it.
StateCondition = Callable[[Any], Any]


def browse_works(
    conn: Connection,
    viewer: User,
    f: WorkFilter,
    *,
    sort: str = "newest",
    after: str | None = None,
    limit: int = 50,
    in_state: StateCondition | None = None,
) -> Page:
    """One page of the works `viewer` may see that pass `f`, in `sort` order, after `after`.

    `f.stage`/`f.state` take effect through `in_state` (e.g. `jobs.in_state`).
    """
    if sort not in SORTS:
        raise InvalidInput(f"sort {sort[:40]!r} is not one of {', '.join(SORTS)}")
    limit = max(1, min(limit, MAX_PAGE))
    stmt = select(works)
    if viewer.role == "creator":
        stmt = stmt.where(works.c.owner_id == viewer.id)
    stmt = _narrowed(conn, stmt, f)
    if in_state is not None:
        stmt = stmt.where(in_state(works.c.id))
    terms = query_terms(f.query)
    if f.query.strip() and not terms:
        return Page([], None, [])  # only punctuation: nothing can match
    if terms:
        searched = _with_terms(conn, stmt, terms)
        if searched is None:
            return Page([], None, terms)  # a term no work holds
        stmt = searched
    key = _sort_columns(sort)
    if after:
        stmt = stmt.where(_after(sort, key, _decode(after, sort)))
    descending = sort == "newest"
    stmt = stmt.order_by(*(c.desc() if descending else c.asc() for c in key)).limit(limit + 1)
    rows = conn.execute(stmt).all()
    found = [work_from_row(r) for r in rows[:limit]]
    cursor = _encode(sort, rows[limit - 1]) if len(rows) > limit else None
    return Page(found, cursor, terms)


def _with_terms(conn: Connection, stmt: Select[Any], terms: list[str]) -> Select[Any] | None:
    """`stmt` narrowed to works holding every term, planned by how common the rarest term is.

    A rare term drives the query (its few works are fetched, then sorted); when every term is
    common, the works are walked in sort order and each is probed for the terms, so about
    `limit / share` rows are read. None when some term is in no work at all.
    """
    forms = {term: expand(conn, term) for term in terms}
    counts = {term: document_frequency(conn, forms[term], DRIVE_LIMIT + 1) for term in terms}
    rarest = min(terms, key=lambda term: counts[term])
    if counts[rarest] == 0:
        return None
    for term in terms:
        if term == rarest and counts[term] <= DRIVE_LIMIT:
            stmt = stmt.where(works.c.id.in_(matching(forms[term])))
        else:
            stmt = stmt.where(exists().where(work_terms.c.term.in_(forms[term]), work_terms.c.work_id == works.c.id))
    return stmt


def _narrowed(conn: Connection, stmt: Select[Any], f: WorkFilter) -> Select[Any]:
    if f.kind:
        stmt = stmt.where(works.c.kind == f.kind)
    if f.ai:
        stmt = stmt.where(works.c.ai_generated.is_(f.ai == "yes"))
    if f.market:
        # markets is a JSON list of validated COUNTRY/lang strings; the quoted entry is exact.
        stmt = stmt.where(cast(works.c.markets, String).contains(f'"{f.market}"'))
    if f.ip == "none":
        stmt = stmt.where(works.c.ip_id.is_(None))
    elif f.ip:
        ip_id = conn.execute(select(ips.c.id).where(ips.c.name == f.ip)).scalar()
        stmt = stmt.where(works.c.ip_id == (ip_id or ""))
    if f.owner:
        try:
            owner_id = get_user_by_name(conn, f.owner).id
        except UserNotFound:
            owner_id = ""
        stmt = stmt.where(works.c.owner_id == owner_id)
    return stmt


def _sort_columns(sort: str) -> tuple[Any, Any]:
    if sort == "title":
        return works.c.sort_title, works.c.id
    return works.c.created_at, works.c.id


def _after(sort: str, key: tuple[Any, Any], last: tuple[Any, str]) -> Any:
    if sort == "newest":
        return tuple_(*key) < tuple_(*last)
    return tuple_(*key) > tuple_(*last)


def _encode(sort: str, row: Any) -> str:
    m = row._mapping
    value = m["sort_title"] if sort == "title" else as_utc(m["created_at"]).isoformat()
    raw = json.dumps([sort, value, m["id"]], ensure_ascii=False).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _decode(cursor: str, sort: str) -> tuple[Any, str]:
    bad = InvalidInput("the page link is damaged or from another sort order", hint="start again from the first page")
    if len(cursor) > 1000:
        raise bad
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw.decode("utf-8"))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise bad from None
    if not (isinstance(data, list) and len(data) == 3 and data[0] == sort and all(isinstance(v, str) for v in data)):
        raise bad
    if sort == "title":
        return data[1], data[2]
    try:
        return as_utc(datetime.fromisoformat(data[1])), data[2]
    except ValueError:
        raise bad from None
