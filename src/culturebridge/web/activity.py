"""Who did what: the timeline of actions across the stages, as a page, a CSV and JSON.

Admins see everyone's actions and may narrow to one person and to stages; everyone else
sees only their own. Keyset pages by time (`before`), so the page costs the same deep in
the history as at its start.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel
from sqlalchemy import Connection

from culturebridge.accounts import User, get_user_by_name, list_users
from culturebridge.accounts.activity import Activity, ActivityQuery
from culturebridge.errors import InvalidInput, UserNotFound
from culturebridge.ids import as_utc
from culturebridge.pipeline import ACTIVITY_SOURCES, Timeline, timeline
from culturebridge.web.auth import platform_of, require_user
from culturebridge.web.contract import LIST
from culturebridge.web.insight_svg import csv_text
from culturebridge.web.render import render

router = APIRouter()
api_router = APIRouter(prefix="/api/v1/activity", tags=["accounts"])
PAGE = 50
CSV_ROWS = 5000
COLUMNS = ["at", "stage", "action", "actor", "work", "detail"]


def _query(conn: Connection, user: User, who: str, before: str, limit: int) -> ActivityQuery:
    actor_id: str | None = user.id
    if user.role == "admin":
        actor_id = None
        if who:
            try:
                actor_id = get_user_by_name(conn, who[:64]).id
            except UserNotFound as exc:
                raise InvalidInput(f"no user named {who[:64]!r}") from exc
    cursor: datetime | None = None
    if before:
        try:
            cursor = as_utc(datetime.fromisoformat(before[:40]))
        except ValueError as exc:
            raise InvalidInput(f"'before' must be an ISO 8601 time, not {before[:40]!r}") from exc
    return ActivityQuery(actor_id=actor_id, before=cursor, limit=limit)


def _read(request: Request, user: User, who: str, stage: list[str], before: str, limit: int
          ) -> tuple[Timeline, dict[str, str]]:
    with platform_of(request).db.read() as conn:
        found = timeline(conn, _query(conn, user, who, before, limit), stage)
        names = {u.id: u.username for u in list_users(conn)}
    return found, names


def _row(a: Activity, names: dict[str, str]) -> dict[str, Any]:
    actor = names.get(a.actor_id, a.actor_id) if a.actor_id else (a.actor or "platform")
    return {"at": a.at.isoformat(), "stage": a.stage, "action": a.action, "actor": actor,
            "actor_id": a.actor_id, "work": a.work_id, "detail": a.detail}


@router.get("/studio/activity", response_class=HTMLResponse, include_in_schema=False)
def activity_page(request: Request, user: Annotated[User, Depends(require_user)]) -> Response:
    params = request.query_params
    who, before, stages = params.get("who", ""), params.get("before", ""), params.getlist("stage")
    found, names = _read(request, user, who, stages, before, PAGE)
    users = sorted(names.values()) if user.role == "admin" else []
    return render(request, "activity.html", rows=[_row(a, names) for a in found.items],
                  next_before=found.next_before.isoformat() if found.next_before else None,
                  who=who, chosen=stages, stages=list(ACTIVITY_SOURCES), users=users)


@router.get("/studio/activity.csv", include_in_schema=False)
def activity_csv(request: Request, user: Annotated[User, Depends(require_user)]) -> Response:
    params = request.query_params
    found, names = _read(request, user, params.get("who", ""), params.getlist("stage"), params.get("before", ""),
                         CSV_ROWS)
    rows = [_row(a, names) for a in found.items]
    return Response(csv_text(COLUMNS, [[r[c] for c in COLUMNS] for r in rows]), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="activity.csv"'})


class ActivityOut(BaseModel):
    at: str
    stage: str
    action: str
    actor: str
    actor_id: str | None
    work: str | None
    detail: str


class TimelineOut(BaseModel):
    items: list[ActivityOut]
    next_before: str | None


@api_router.get("", summary="Who did what across the stages, newest first (admins: anyone; others: themselves)",
                responses=LIST)
def activity_api(request: Request, user: Annotated[User, Depends(require_user)], who: str = "",
                 stage: Annotated[list[str] | None, Query()] = None, before: str = "",
                 limit: Annotated[int, Query(ge=1, le=500)] = PAGE) -> TimelineOut:
    found, names = _read(request, user, who, stage or [], before, limit)
    return TimelineOut(items=[ActivityOut(**_row(a, names)) for a in found.items],
                       next_before=found.next_before.isoformat() if found.next_before else None)
