"""SQL on the create stage's own tables: drafts, versions and the attempt log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from culturebridge.create._tables import create_attempts, create_drafts, create_versions
from culturebridge.errors import DraftNotFound
from culturebridge.ids import as_utc, new_id, now

ATTEMPT_STATES = ("queued", "running", "done", "failed", "refused", "cancelled")
FINAL_STATES = ("done", "failed", "refused", "cancelled")


@dataclass(frozen=True)
class Version:
    id: str
    draft_id: str
    number: int
    work_id: str
    parent_work_id: str
    action: str  # created | regenerated | edited
    brief: str
    record: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True)
class Draft:
    id: str
    source_id: str
    kind: str
    market: str | None
    created_by: str
    created_at: datetime
    versions: tuple[Version, ...]

    @property
    def latest(self) -> Version:
        return self.versions[-1]


@dataclass(frozen=True)
class Attempt:
    id: str
    draft_id: str | None
    source_id: str
    kind: str
    action: str
    brief: str
    market: str | None
    request: dict[str, Any]
    state: str
    step: str | None
    error: str | None
    cancel_requested: bool
    job_id: str | None
    version_id: str | None
    created_by: str
    created_at: datetime
    finished_at: datetime | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "draft_id": self.draft_id, "source_id": self.source_id, "kind": self.kind,
            "action": self.action, "brief": self.brief, "market": self.market, "request": self.request,
            "state": self.state, "step": self.step, "error": self.error, "cancel_requested": self.cancel_requested,
            "job_id": self.job_id, "version_id": self.version_id, "created_by": self.created_by,
            "created_at": self.created_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
        }


def _version(row: Any) -> Version:
    m = row._mapping
    return Version(m["id"], m["draft_id"], int(m["number"]), m["work_id"], m["parent_work_id"], m["action"],
                   m["brief"], dict(m["record"]), as_utc(m["created_at"]))


def _attempt(row: Any) -> Attempt:
    m = row._mapping
    return Attempt(
        m["id"], m["draft_id"], m["source_id"], m["kind"], m["action"], m["brief"], m["market"], dict(m["request"]),
        m["state"], m["step"], m["error"], bool(m["cancel_requested"]), m["job_id"], m["version_id"],
        m["created_by"], as_utc(m["created_at"]), as_utc(m["finished_at"]) if m["finished_at"] else None,
    )


def insert_draft(conn: Connection, draft_id: str, source_id: str, kind: str, market: str | None, by: str) -> None:
    conn.execute(create_drafts.insert().values(id=draft_id, source_id=source_id, kind=kind, market=market,
                                               created_by=by, created_at=now()))


def insert_version(conn: Connection, draft_id: str, work_id: str, parent_work_id: str, action: str, brief: str,
                   record: dict[str, Any]) -> Version:
    """Append the next version of a draft."""
    number = int(conn.execute(select(func.coalesce(func.max(create_versions.c.number), 0))
                              .where(create_versions.c.draft_id == draft_id)).scalar_one()) + 1
    version_id = new_id("v")
    conn.execute(create_versions.insert().values(
        id=version_id, draft_id=draft_id, number=number, work_id=work_id, parent_work_id=parent_work_id,
        action=action, brief=brief, record=record, created_at=now()))
    return _version(conn.execute(select(create_versions).where(create_versions.c.id == version_id)).one())


def set_version_review(conn: Connection, version_id: str, review: dict[str, Any]) -> None:
    """Keep the automated review decision with the version (the desk may decide again later)."""
    row = conn.execute(select(create_versions.c.record).where(create_versions.c.id == version_id)).one()
    conn.execute(create_versions.update().where(create_versions.c.id == version_id)
                 .values(record={**dict(row.record), "review": review}))


def get_draft(conn: Connection, draft_id: str) -> Draft:
    row = conn.execute(select(create_drafts).where(create_drafts.c.id == draft_id)).first()
    if row is None:
        raise DraftNotFound(f"no draft {draft_id!r}", hint="list a work's drafts with `culturebridge create list WORK`")
    versions = conn.execute(select(create_versions).where(create_versions.c.draft_id == draft_id)
                            .order_by(create_versions.c.number))
    m = row._mapping
    return Draft(m["id"], m["source_id"], m["kind"], m["market"], m["created_by"], as_utc(m["created_at"]),
                 tuple(_version(v) for v in versions))


def draft_of_work(conn: Connection, work_id: str) -> Draft | None:
    """The draft a work is a version of, if it was made here."""
    row = conn.execute(select(create_versions.c.draft_id).where(create_versions.c.work_id == work_id)).first()
    return None if row is None else get_draft(conn, row.draft_id)


def drafts_of_source(conn: Connection, source_id: str) -> list[Draft]:
    rows = conn.execute(select(create_drafts.c.id).where(create_drafts.c.source_id == source_id)
                        .order_by(create_drafts.c.created_at.desc(), create_drafts.c.id))
    return [get_draft(conn, r.id) for r in rows]


def start_attempt(conn: Connection, *, source_id: str, kind: str, action: str, brief: str, market: str | None,
                  request: dict[str, Any], by: str, draft_id: str | None = None, state: str = "running") -> Attempt:
    attempt_id = new_id("ca")
    conn.execute(create_attempts.insert().values(
        id=attempt_id, draft_id=draft_id, source_id=source_id, kind=kind, action=action, brief=brief, market=market,
        request=request, state=state, step=None, error=None, cancel_requested=False, job_id=None, version_id=None,
        created_by=by, created_at=now(), finished_at=None))
    return get_attempt(conn, attempt_id)


def update_attempt(conn: Connection, attempt_id: str, **values: Any) -> None:
    if values.get("state") in FINAL_STATES:
        values.setdefault("finished_at", now())
    if "step" in values and values["step"] is not None:
        values["step"] = str(values["step"])[:200]
    if "error" in values and values["error"] is not None:
        values["error"] = str(values["error"])[:4000]
    conn.execute(create_attempts.update().where(create_attempts.c.id == attempt_id).values(**values))


def get_attempt(conn: Connection, attempt_id: str) -> Attempt:
    row = conn.execute(select(create_attempts).where(create_attempts.c.id == attempt_id)).first()
    if row is None:
        raise DraftNotFound(f"no generation attempt {attempt_id!r}",
                            hint="list attempts with `culturebridge create attempts`")
    return _attempt(row)


def list_attempts(conn: Connection, *, source_id: str | None = None, limit: int = 50) -> list[Attempt]:
    stmt = select(create_attempts)
    if source_id is not None:
        stmt = stmt.where(create_attempts.c.source_id == source_id)
    stmt = stmt.order_by(create_attempts.c.created_at.desc(), create_attempts.c.id).limit(max(1, min(limit, 1000)))
    return [_attempt(r) for r in conn.execute(stmt)]
