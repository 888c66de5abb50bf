"""Works: create, read, search, update — and who may see or change them."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Connection, Select, func, or_, select

from culturebridge.accounts.users import User
from culturebridge.catalog._tables import ips, works
from culturebridge.catalog.models import WORK_KINDS, Work, WorkKind
from culturebridge.catalog.search import reindex_work, sort_key
from culturebridge.errors import InvalidInput, IPNotFound, PermissionDenied, WorkNotFound
from culturebridge.ids import as_utc, new_id, now

_LANG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_MARKET = re.compile(r"^[A-Z]{2}/[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")


@dataclass(frozen=True)
class NewWork:
    """What a caller supplies to create a work (validated by `create_work`)."""

    kind: str
    original_language: str
    titles: Mapping[str, str]
    synopses: Mapping[str, str]
    rights_holder: str = ""
    ip_name: str | None = None
    markets: Sequence[str] = ()
    ai_generated: bool = False


def work_from_row(row: Any) -> Work:
    m = row._mapping
    return Work(
        id=m["id"],
        kind=cast(WorkKind, m["kind"]),
        original_language=m["original_language"],
        titles=dict(m["titles"]),
        synopses=dict(m["synopses"]),
        owner_id=m["owner_id"],
        rights_holder=m["rights_holder"],
        ip_id=m["ip_id"],
        markets=tuple(m["markets"]),
        ai_generated=bool(m["ai_generated"]),
        created_at=as_utc(m["created_at"]),
        updated_at=as_utc(m["updated_at"]),
    )


def create_work(conn: Connection, owner: User, new: NewWork, *, work_id: str | None = None) -> Work:
    """Store a new work owned by `owner`; InvalidInput names the first bad field."""
    values = _validated(conn, new)
    if owner.role == "reviewer":
        raise PermissionDenied("reviewers cannot create works")
    stamp = now()
    row = {
        "id": work_id or new_id("w"),
        "owner_id": owner.id,
        "rights_holder": new.rights_holder.strip() or owner.display_name,
        "created_at": stamp,
        "updated_at": stamp,
        **values,
    }
    conn.execute(works.insert().values(**row))
    reindex_work(conn, str(row["id"]), [*values["titles"].values(), *values["synopses"].values()])
    return get_work(conn, str(row["id"]))


def update_work(conn: Connection, actor: User, work_id: str, new: NewWork) -> Work:
    """Replace a work's descriptive fields; only its owner or an admin may."""
    work = get_work(conn, work_id)
    require_editor(actor, work)
    values = _validated(conn, new)
    values["rights_holder"] = new.rights_holder.strip() or work.rights_holder
    conn.execute(works.update().where(works.c.id == work_id).values(updated_at=now(), **values))
    reindex_work(conn, work_id, [*values["titles"].values(), *values["synopses"].values()])
    return get_work(conn, work_id)


def get_work(conn: Connection, work_id: str) -> Work:
    row = conn.execute(select(works).where(works.c.id == work_id)).first()
    if row is None:
        raise WorkNotFound(work_id)
    return work_from_row(row)


def list_works(
    conn: Connection,
    viewer: User | None = None,
    *,
    query: str = "",
    ip_id: str | None = None,
    limit: int = 200,
    offset: int = 0,
) -> list[Work]:
    """Works visible to `viewer`, newest first; `query` matches titles and synopses in any language."""
    stmt = select(works)
    if viewer is not None and viewer.role == "creator":
        stmt = stmt.where(works.c.owner_id == viewer.id)
    if ip_id is not None:
        stmt = stmt.where(works.c.ip_id == ip_id)
    for term in query.lower().split()[:8]:
        escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(or_(works.c.search_text.like(f"%{escaped}%", escape="\\"), works.c.id == term))
    stmt = stmt.order_by(works.c.created_at.desc(), works.c.id).limit(max(1, min(limit, 1000))).offset(max(0, offset))
    return [work_from_row(r) for r in conn.execute(stmt)]


def owned_work_ids(owner_id: str) -> Select[tuple[str]]:
    """A subquery of the ids of the works `owner_id` owns (for scoping other tables to them)."""
    return select(works.c.id).where(works.c.owner_id == owner_id)


def count_works(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(works)).scalar_one())


def can_view(viewer: User | None, work: Work) -> bool:
    """Creators see their own works; admins and reviewers see all; anonymous visitors none here."""
    if viewer is None:
        return False
    return viewer.role in ("admin", "reviewer") or work.owner_id == viewer.id


def require_viewer(viewer: User | None, work: Work) -> None:
    if not can_view(viewer, work):
        # Same answer as a missing work, so ids of others' works are not confirmed.
        raise WorkNotFound(work.id)


def can_edit(user: User | None, work: Work) -> bool:
    """The one "may change this work" rule: its owner or an admin."""
    return user is not None and (user.role == "admin" or work.owner_id == user.id)


def work_ids_owned_by(user_id: str) -> Select[tuple[str]]:
    """The ids of a user's works, as a subquery other stages filter their rows with."""
    return select(works.c.id).where(works.c.owner_id == user_id)


def work_ids(*, owner_id: str | None = None, ai_generated: bool | None = None) -> Select[tuple[str]]:
    """The ids of works (a user's, AI-generated or not), as a subquery stages filter their rows with."""
    stmt = select(works.c.id)
    if owner_id is not None:
        stmt = stmt.where(works.c.owner_id == owner_id)
    if ai_generated is not None:
        stmt = stmt.where(works.c.ai_generated.is_(ai_generated))
    return stmt


def require_editor(actor: User, work: Work) -> None:
    """Only the owner or an admin changes a work."""
    if not can_edit(actor, work):
        if actor.role == "creator":
            raise WorkNotFound(work.id)
        raise PermissionDenied(f"{actor.username} may not change work {work.id}")


def _validated(conn: Connection, new: NewWork) -> dict[str, Any]:
    if new.kind not in WORK_KINDS:
        raise InvalidInput(f"kind {new.kind!r} is not one of {', '.join(WORK_KINDS)}")
    if not _LANG.match(new.original_language):
        raise InvalidInput(f"original_language {new.original_language!r} is not a language tag like zh or en")
    titles = _texts(new.titles, "titles", max_len=300)
    if not titles:
        raise InvalidInput("a work needs a title in at least one language")
    synopses = _texts(new.synopses, "synopses", max_len=20_000)
    markets = list(dict.fromkeys(m.strip() for m in new.markets if m.strip()))
    for market in markets:
        if not _MARKET.match(market):
            raise InvalidInput(f"market {market!r} is not COUNTRY/language, e.g. US/en or FR/fr")
    ip_id = None
    if new.ip_name:
        row = conn.execute(select(ips.c.id).where(ips.c.name == new.ip_name)).first()
        if row is None:
            raise IPNotFound(new.ip_name)
        ip_id = row.id
    if len(new.rights_holder) > 200:
        raise InvalidInput("rights_holder is longer than 200 characters")
    search = " ".join([*titles.values(), *synopses.values()]).lower()
    return {
        "kind": new.kind,
        "original_language": new.original_language,
        "titles": titles,
        "synopses": synopses,
        "ip_id": ip_id,
        "markets": markets,
        "ai_generated": bool(new.ai_generated),
        "search_text": search,
        "sort_title": sort_key(titles, new.original_language),
    }


def _texts(values: Mapping[str, str], field: str, max_len: int) -> dict[str, str]:
    if not isinstance(values, Mapping):
        raise InvalidInput(f"{field} must map language tags to text")
    out: dict[str, str] = {}
    for lang, text in values.items():
        if not isinstance(lang, str) or not _LANG.match(lang):
            raise InvalidInput(f"{field}: {lang!r} is not a language tag like zh or en")
        if not isinstance(text, str):
            raise InvalidInput(f"{field}.{lang} must be text")
        if len(text) > max_len:
            raise InvalidInput(f"{field}.{lang} is longer than {max_len} characters")
        if text.strip():
            out[lang] = text.strip()
    return out
