"""The account log in the studio (admins): filter by user and action, page by page, or as CSV.

Pages are keyset pages (`before` = the last id seen). The CSV holds every matching entry,
with cells a spreadsheet would run as formulas neutralised (OWASP CSV injection): a failed
login's username is typed by anyone.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import Connection

from culturebridge import accounts
from culturebridge.accounts import ACTIONS, AccountEvent, User
from culturebridge.web.auth import platform_of, require_role, require_user
from culturebridge.web.insight_svg import csv_text
from culturebridge.web.render import render

router = APIRouter(include_in_schema=False)
CSV_MAX = 100_000  # entries in one download; narrow the filters for more
CSV_HEADER = ("id", "at", "action", "actor", "subject", "client", "detail")
UserQ = Annotated[str, Query(max_length=64)]
ActionQ = Annotated[str, Query(max_length=40)]
BeforeQ = Annotated[int | None, Query(ge=1, le=2**62)]


def _user_id(conn: Connection, username: str) -> str | None:
    return accounts.get_user_by_name(conn, username).id if username else None


def _action(action: str) -> str | None:
    return action or None  # list_events refuses an action it does not know


@router.get("/studio/account-log", response_class=HTMLResponse)
def log_page(request: Request, user: Annotated[User, Depends(require_user)], username: UserQ = "",
             action: ActionQ = "", before: BeforeQ = None) -> Response:
    require_role(user, "admin")
    with platform_of(request).db.read() as conn:
        page = accounts.list_events(conn, user_id=_user_id(conn, username), action=_action(action), before=before)
        people = accounts.list_users(conn)
    return render(request, "accounts/log.html", page=page, people=people, actions=ACTIONS, username=username,
                  action=action)


@router.get("/studio/account-log.csv")
def log_csv(request: Request, user: Annotated[User, Depends(require_user)], username: UserQ = "",
            action: ActionQ = "") -> Response:
    require_role(user, "admin")
    rows: list[AccountEvent] = []
    with platform_of(request).db.read() as conn:
        user_id, kind = _user_id(conn, username), _action(action)
        before: int | None = None
        while len(rows) < CSV_MAX:
            page = accounts.list_events(conn, user_id=user_id, action=kind, before=before, limit=accounts.MAX_PAGE)
            rows += page.events
            if page.next_before is None:
                break
            before = page.next_before
    body = csv_text(CSV_HEADER, [(e.id, e.at.isoformat(), e.action, e.actor, e.subject, e.client, e.detail)
                                 for e in rows[:CSV_MAX]])
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="account-log.csv"'})
