"""Audit runs, cells, the answer cache and findings in the database (the only SQL of this stage)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update
from sqlalchemy.dialects import postgresql, sqlite

from culturebridge.audit._tables import cache, cells, findings, runs
from culturebridge.audit.cells import Cell, CellKey
from culturebridge.audit.questions import QuestionSet, parse_question_set
from culturebridge.errors import AuditRunNotFound
from culturebridge.ids import as_utc, new_id, now


@dataclass(frozen=True)
class AuditRun:
    id: str
    question_set: QuestionSet
    set_digest: str
    config: dict[str, Any]
    state: str
    created_by: str | None
    started_at: datetime
    finished_at: datetime | None
    summary: dict[str, Any] | None


@dataclass(frozen=True)
class CachedAnswer:
    content: str
    prompt_tokens: int
    completion_tokens: int
    latency_ms: int


def _run(row: Any) -> AuditRun:
    return AuditRun(row.id, parse_question_set(row.question_set), row.set_digest, dict(row.config), row.state,
                    row.created_by, as_utc(row.started_at), as_utc(row.finished_at) if row.finished_at else None,
                    row.summary)


def create_run(conn: Connection, qset: QuestionSet, config: dict[str, Any], created_by: str | None = None) -> str:
    """A new run in state `running`; its id."""
    run_id = new_id("ar")
    conn.execute(runs.insert().values(id=run_id, set_id=qset.id, set_version=qset.version,
                                      set_digest=qset.digest(), question_set=qset.to_dict(), config=config,
                                      state="running", created_by=created_by, started_at=now()))
    return run_id


def get_run(conn: Connection, run_id: str) -> AuditRun:
    row = conn.execute(select(runs).where(runs.c.id == run_id)).first()
    if row is None:
        raise AuditRunNotFound(run_id)
    return _run(row)


def list_runs(conn: Connection, limit: int = 200) -> list[AuditRun]:
    """Newest first."""
    rows = conn.execute(select(runs).order_by(runs.c.started_at.desc()).limit(limit)).all()
    return [_run(r) for r in rows]


def finish_run(conn: Connection, run_id: str, summary: dict[str, Any]) -> None:
    conn.execute(update(runs).where(runs.c.id == run_id).values(state="done", finished_at=now(), summary=summary))


def finished_keys(conn: Connection, run_id: str) -> set[CellKey]:
    """Cells already stored for a run (a resumed run skips them)."""
    rows = conn.execute(select(cells.c.endpoint, cells.c.question_id, cells.c.language, cells.c.sample)
                        .where(cells.c.run_id == run_id))
    return {(r.endpoint, r.question_id, r.language, r.sample) for r in rows}


def forget_cells(conn: Connection, run_id: str, keys: Sequence[CellKey]) -> None:
    """Drop stored cells (failed ones a resume asks again)."""
    for endpoint, question_id, language, sample in keys:
        conn.execute(cells.delete().where(
            (cells.c.run_id == run_id) & (cells.c.endpoint == endpoint) & (cells.c.question_id == question_id)
            & (cells.c.language == language) & (cells.c.sample == sample)))


def _cell_row(run_id: str, cell: Cell) -> dict[str, Any]:
    return {"run_id": run_id, "endpoint": cell.endpoint, "question_id": cell.question_id,
            "language": cell.language, "sample": cell.sample, "status": cell.status,
            "http_status": cell.http_status, "error": cell.error, "content": cell.content, "choice": cell.choice,
            "cached": cell.cached, "attempts": cell.attempts, "latency_ms": cell.latency_ms,
            "prompt_tokens": cell.prompt_tokens, "completion_tokens": cell.completion_tokens,
            "judgements": cell.judgements or None, "finished_at": cell.finished_at or now()}


def save_cells(conn: Connection, run_id: str, batch: Sequence[Cell]) -> None:
    """Store finished cells; a cell stored before (a retried resume) is replaced."""
    if not batch:
        return
    rows = [_cell_row(run_id, c) for c in batch]
    insert = (postgresql.insert(cells) if conn.dialect.name == "postgresql" else sqlite.insert(cells))
    key = ["run_id", "endpoint", "question_id", "language", "sample"]
    stmt = insert.on_conflict_do_update(index_elements=key, set_={
        c: getattr(insert.excluded, c) for c in rows[0] if c not in key})
    conn.execute(stmt, rows)


def cells_of(conn: Connection, run_id: str) -> list[Cell]:
    rows = conn.execute(select(cells).where(cells.c.run_id == run_id)
                        .order_by(cells.c.question_id, cells.c.endpoint, cells.c.language, cells.c.sample)).all()
    return [Cell(r.endpoint, r.question_id, r.language, r.sample, r.status, r.content, r.http_status, r.error,
                 r.choice, bool(r.cached), r.attempts, r.latency_ms, r.prompt_tokens, r.completion_tokens,
                 dict(r.judgements or {}), as_utc(r.finished_at)) for r in rows]


def cached_answers(conn: Connection, keys: Iterable[str]) -> dict[str, CachedAnswer]:
    """Cached answers for those keys that have one."""
    wanted = list(dict.fromkeys(keys))
    out: dict[str, CachedAnswer] = {}
    for i in range(0, len(wanted), 500):
        for r in conn.execute(select(cache).where(cache.c.key.in_(wanted[i:i + 500]))):
            out[r.key] = CachedAnswer(r.content, r.prompt_tokens, r.completion_tokens, r.latency_ms)
    return out


def cache_answers(conn: Connection, entries: dict[str, CachedAnswer]) -> None:
    """Remember answers by key; a key already cached keeps its first answer."""
    if not entries:
        return
    stamp = now()
    rows = [{"key": k, "content": a.content, "prompt_tokens": a.prompt_tokens,
             "completion_tokens": a.completion_tokens, "latency_ms": a.latency_ms, "created_at": stamp}
            for k, a in entries.items()]
    insert = (postgresql.insert(cache) if conn.dialect.name == "postgresql" else sqlite.insert(cache))
    conn.execute(insert.on_conflict_do_nothing(index_elements=["key"]), rows)


def save_finding(conn: Connection, *, run_id: str, question_id: str, target: str, ip_id: str, term: str,
                 note: str, evidence: dict[str, Any], created_by: str | None) -> str:
    finding_id = new_id("af")
    conn.execute(findings.insert().values(id=finding_id, run_id=run_id, question_id=question_id, target=target,
                                          ip_id=ip_id, term=term, note=note, evidence=evidence,
                                          created_by=created_by, created_at=now()))
    return finding_id


def findings_of(conn: Connection, run_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(select(findings).where(findings.c.run_id == run_id).order_by(findings.c.created_at))
    return [{"id": r.id, "question_id": r.question_id, "target": r.target, "ip_id": r.ip_id, "term": r.term,
             "note": r.note, "evidence": r.evidence, "created_at": as_utc(r.created_at).isoformat()} for r in rows]
