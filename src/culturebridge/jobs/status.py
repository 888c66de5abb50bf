"""Each work's state per pipeline stage.

Stages record their state with `set_status`; which stages a work page lists, and in which
order, is the pipeline's business (`culturebridge.pipeline.STAGES`), passed to `statuses`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, cast

from sqlalchemy import Connection, and_, exists, not_, select

from culturebridge.errors import InvalidInput
from culturebridge.ids import as_utc, now
from culturebridge.jobs._tables import stage_status

_STAGE_NAME = re.compile(r"[a-z][a-z0-9-]{0,31}")
StageState = Literal["pending", "running", "done", "failed", "skipped"]
STATES: tuple[StageState, ...] = ("pending", "running", "done", "failed", "skipped")


@dataclass(frozen=True)
class StageStatus:
    stage: str
    state: StageState
    detail: str | None
    updated_at: datetime | None


def set_status(conn: Connection, work_id: str, stage: str, state: str, detail: str | None = None) -> None:
    """Record where a work stands in one stage (insert or replace)."""
    if not _STAGE_NAME.fullmatch(stage):
        raise InvalidInput(f"stage {stage!r} is not a stage name (lowercase letters, digits, '-'; at most 32)")
    if state not in STATES:
        raise InvalidInput(f"state {state!r} is not one of {', '.join(STATES)}")
    values = {"state": state, "detail": detail, "updated_at": now()}
    # One statement (INSERT ... ON CONFLICT DO UPDATE): two workers finishing jobs of the same
    # work at once must not both try to insert the row.
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        pg = pg_insert(stage_status).values(work_id=work_id, stage=stage, **values)
        conn.execute(pg.on_conflict_do_update(index_elements=["work_id", "stage"], set_=values))
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        lite = sqlite_insert(stage_status).values(work_id=work_id, stage=stage, **values)
        conn.execute(lite.on_conflict_do_update(index_elements=["work_id", "stage"], set_=values))


def in_state(work_id_column: Any, stage: str, state: str) -> Any:
    """A condition on a works' id column: the work stands in `state` at `stage` (no row = pending)."""
    here = and_(stage_status.c.work_id == work_id_column, stage_status.c.stage == stage)
    if state == "pending":
        return not_(exists().where(here, stage_status.c.state != "pending"))
    return exists().where(here, stage_status.c.state == state)


def statuses(conn: Connection, work_id: str, stages: Sequence[str]) -> list[StageStatus]:
    """One entry per stage of `stages`, in that order, `pending` where nothing was recorded yet."""
    return statuses_of(conn, [work_id], stages)[work_id]


def statuses_of(conn: Connection, work_ids: Sequence[str], stages: Sequence[str]) -> dict[str, list[StageStatus]]:
    """`statuses` of several works in one query."""
    found: dict[str, dict[str, Any]] = {wid: {} for wid in work_ids}
    if work_ids:
        for r in conn.execute(select(stage_status).where(stage_status.c.work_id.in_(list(work_ids)))):
            found[r.work_id][r.stage] = r
    return {wid: _complete(rows, stages) for wid, rows in found.items()}


def _complete(rows: dict[str, Any], stages: Sequence[str]) -> list[StageStatus]:
    out = []
    for stage in stages:
        row = rows.get(stage)
        if row is None:
            out.append(StageStatus(stage, "pending", None, None))
        else:
            out.append(StageStatus(stage, cast(StageState, row.state), row.detail, as_utc(row.updated_at)))
    return out
