"""Localization jobs in the database: one per work and locale, with its segments.

A localization's segments are its resumable checkpoint (`DbCheckpoint`): a finished segment
whose source is unchanged is never sent to an engine again, and a person's edit is never
overwritten by a re-run. States: queued -> running -> done | needs_human | failed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, cast

from sqlalchemy import Connection, delete, select

from culturebridge.accounts.users import User
from culturebridge.catalog.works import get_work, require_editor
from culturebridge.errors import InvalidInput, LocalizationNotFound, UnsupportedLanguage
from culturebridge.ids import as_utc, new_id, now
from culturebridge.localize._tables import localizations, segments
from culturebridge.localize.checkpoint import source_hash
from culturebridge.localize.engine_spec import EngineSpec
from culturebridge.localize.segments import (
    LANGUAGES,
    Issue,
    Segment,
    Status,
    Translation,
    base_language,
)
from culturebridge.storage import Database

LocalizationState = Literal["queued", "running", "needs_human", "done", "failed"]
SegmentState = Literal["pending", "translated", "needs_human", "failed", "edited"]
JOB_KIND = "localize-work"
MAX_EDIT_CHARS = 20_000


@dataclass(frozen=True)
class Localization:
    """A work's localization into one locale."""

    id: str
    work_id: str
    source_lang: str
    target_lang: str
    engine: EngineSpec
    state: LocalizationState
    derived_id: str | None
    job_id: str | None
    created_by: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class StoredSegment:
    """One segment of a localization with its current translation and QA flags."""

    id: str
    seq: int
    source: str
    target: str | None
    origin: str | None
    state: SegmentState
    issues: tuple[Issue, ...]
    error: str | None
    edited_by: str | None

    def to_translation(self) -> Translation:
        """The segment as a `Translation` (what a resumed job reuses)."""
        status: Status = "translated" if self.state in ("translated", "edited") else (
            "needs_human" if self.state in ("pending", "needs_human") else "failed")
        return Translation(self.id, self.source, self.target, self.origin or "", status, (), self.error, self.issues)


def _issues_to_json(issues: Sequence[Issue]) -> list[list[Any]]:
    return [[i.check, i.span[0], i.span[1], i.message, i.severity] for i in issues]


def _issues_from_json(seg: str, data: Any) -> tuple[Issue, ...]:
    return tuple(Issue(seg, str(c), (int(a), int(b)), str(m), "warning" if s == "warning" else "error")
                 for c, a, b, m, s in data or [])


def _localization(row: Any) -> Localization:
    m = row._mapping
    return Localization(m["id"], m["work_id"], m["source_lang"], m["target_lang"], EngineSpec.from_dict(m["engine"]),
                        cast(LocalizationState, m["state"]), m["derived_id"], m["job_id"], m["created_by"],
                        as_utc(m["created_at"]), as_utc(m["updated_at"]))


def _segment(row: Any) -> StoredSegment:
    m = row._mapping
    return StoredSegment(m["segment_id"], int(m["seq"]), m["source"], m["target"], m["origin"],
                         cast(SegmentState, m["state"]), _issues_from_json(m["segment_id"], m["issues"]), m["error"],
                         m["edited_by"])


def check_target(source_lang: str, target: str) -> str:
    """A supported target locale different from the source language, or an error saying why."""
    if base_language(target) not in LANGUAGES or len(target) > 16:
        raise UnsupportedLanguage(f"locale {target!r} is not supported", hint=f"use one of {', '.join(LANGUAGES)}")
    if base_language(target) == base_language(source_lang):
        raise InvalidInput(f"the work is already in {source_lang}; choose another target locale")
    return target


def create_localization(conn: Connection, actor: User, work_id: str, target: str, engine: EngineSpec) -> Localization:
    """Create (or re-open, with a new engine) the localization of a work into `target`."""
    work = get_work(conn, work_id)
    require_editor(actor, work)
    check_target(work.original_language, target)
    stamp = now()
    existing = conn.execute(select(localizations.c.id).where(
        localizations.c.work_id == work_id, localizations.c.target_lang == target)).first()
    if existing is None:
        loc_id = new_id("l")
        conn.execute(localizations.insert().values(
            id=loc_id, work_id=work_id, source_lang=work.original_language, target_lang=target,
            engine=engine.to_dict(), state="queued", derived_id=None, job_id=None, created_by=actor.id,
            created_at=stamp, updated_at=stamp))
    else:
        loc_id = existing.id
        conn.execute(localizations.update().where(localizations.c.id == loc_id).values(
            engine=engine.to_dict(), state="queued", updated_at=stamp))
    return get_localization_by_id(conn, loc_id)


def attach_job(conn: Connection, localization_id: str, job_id: str) -> None:
    """Record which background job runs a localization."""
    conn.execute(localizations.update().where(localizations.c.id == localization_id).values(job_id=job_id))


def set_state(conn: Connection, localization_id: str, state: LocalizationState, derived_id: str | None = None) -> None:
    """Move a localization to `state` (and record its derived work once it exists)."""
    values: dict[str, Any] = {"state": state, "updated_at": now()}
    if derived_id is not None:
        values["derived_id"] = derived_id
    conn.execute(localizations.update().where(localizations.c.id == localization_id).values(**values))


def get_localization_by_id(conn: Connection, localization_id: str) -> Localization:
    """One localization by id."""
    row = conn.execute(select(localizations).where(localizations.c.id == localization_id)).first()
    if row is None:
        raise LocalizationNotFound(f"localization {localization_id} does not exist")
    return _localization(row)


def get_localization(conn: Connection, work_id: str, target: str) -> Localization:
    """A work's localization into `target`."""
    row = conn.execute(select(localizations).where(
        localizations.c.work_id == work_id, localizations.c.target_lang == target)).first()
    if row is None:
        raise LocalizationNotFound(f"work {work_id} has no localization into {target}",
                                   hint=f"run `culturebridge localize work {work_id} --to {target}`")
    return _localization(row)


def list_localizations(conn: Connection, work_id: str) -> list[Localization]:
    """A work's localizations, by locale."""
    rows = conn.execute(select(localizations).where(localizations.c.work_id == work_id)
                        .order_by(localizations.c.target_lang))
    return [_localization(r) for r in rows]


def sync_segments(conn: Connection, localization_id: str, wanted: Sequence[Segment]) -> None:
    """Make the stored segments match the work's current source: keep unchanged, reset edited sources."""
    have = {r.segment_id: r for r in conn.execute(
        select(segments.c.segment_id, segments.c.source_hash).where(segments.c.localization_id == localization_id))}
    ids = {s.id for s in wanted}
    gone = [sid for sid in have if sid not in ids]
    if gone:
        conn.execute(delete(segments).where(segments.c.localization_id == localization_id,
                                            segments.c.segment_id.in_(gone)))
    stamp = now()
    for seq, s in enumerate(wanted):
        h = source_hash(s.text)
        key = (segments.c.localization_id == localization_id) & (segments.c.segment_id == s.id)
        old = have.get(s.id)
        if old is None:
            conn.execute(segments.insert().values(
                localization_id=localization_id, segment_id=s.id, seq=seq, source=s.text, source_hash=h,
                target=None, origin=None, state="pending", issues=[], error=None, edited_by=None, updated_at=stamp))
        elif old.source_hash != h:
            conn.execute(segments.update().where(key).values(
                seq=seq, source=s.text, source_hash=h, target=None, origin=None, state="pending", issues=[],
                error=None, edited_by=None, updated_at=stamp))
        else:
            conn.execute(segments.update().where(key).values(seq=seq))


def segments_of(conn: Connection, localization_id: str) -> list[StoredSegment]:
    """A localization's segments in order."""
    rows = conn.execute(select(segments).where(segments.c.localization_id == localization_id)
                        .order_by(segments.c.seq))
    return [_segment(r) for r in rows]


def get_segment(conn: Connection, localization_id: str, segment_id: str) -> StoredSegment:
    """One segment of a localization."""
    row = conn.execute(select(segments).where(segments.c.localization_id == localization_id,
                                              segments.c.segment_id == segment_id)).first()
    if row is None:
        raise LocalizationNotFound(f"localization {localization_id} has no segment {segment_id!r}")
    return _segment(row)


def save_translations(conn: Connection, localization_id: str, results: Sequence[Translation]) -> None:
    """Store engine results; a segment a person already edited is left as it is."""
    stamp = now()
    for t in results:
        state: SegmentState = "translated" if t.status == "translated" else t.status
        conn.execute(segments.update().where(
            segments.c.localization_id == localization_id, segments.c.segment_id == t.segment_id,
            segments.c.state != "edited",
        ).values(target=t.text, origin=t.origin[:80], state=state, issues=_issues_to_json(t.issues),
                 error=t.error, updated_at=stamp))


def save_edit(conn: Connection, actor: User, localization: Localization, segment_id: str, text: str,
              issues: Sequence[Issue]) -> StoredSegment:
    """Store a person's translation of one segment with its fresh QA flags."""
    require_editor(actor, get_work(conn, localization.work_id))
    if not text.strip():
        raise InvalidInput("the translation is empty", hint="type the translation, or leave the segment as it is")
    if len(text) > MAX_EDIT_CHARS:
        raise InvalidInput(f"the translation is longer than {MAX_EDIT_CHARS} characters")
    get_segment(conn, localization.id, segment_id)
    conn.execute(segments.update().where(
        segments.c.localization_id == localization.id, segments.c.segment_id == segment_id,
    ).values(target=text, origin="human", state="edited", issues=_issues_to_json(issues), error=None,
             edited_by=actor.id, updated_at=now()))
    return get_segment(conn, localization.id, segment_id)


def overall_state(stored: Sequence[StoredSegment]) -> LocalizationState:
    """What a localization's segments add up to."""
    states = {s.state for s in stored}
    if "failed" in states:
        return "failed"
    if states & {"pending", "needs_human"}:
        return "needs_human"
    return "done"


def qa_counts(stored: Sequence[StoredSegment]) -> dict[str, int]:
    """QA flags per check over a localization's segments."""
    return dict(Counter(i.check for s in stored for i in s.issues))


class DbCheckpoint:
    """A localization's segments as a `Checkpoint`: each batch is saved in its own transaction."""

    def __init__(self, db: Database, localization_id: str) -> None:
        self.db = db
        self.localization_id = localization_id

    def finished(self) -> dict[tuple[str, str], Translation]:
        """Translated and edited segments keyed by (segment id, source hash)."""
        with self.db.read() as conn:
            stored = segments_of(conn, self.localization_id)
        return {(s.id, source_hash(s.source)): s.to_translation() for s in stored
                if s.state in ("translated", "edited")}

    def save(self, translations: Sequence[Translation]) -> None:
        """Commit one batch of results."""
        with self.db.write() as conn:
            save_translations(conn, self.localization_id, translations)
