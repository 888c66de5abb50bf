"""The review desk on the web: queue, item page with highlighted evidence, decisions,
appeals, the audit log, exports, stats, and the work-page panel.

The desk is for reviewers and admins; a work's owner sees the panel with the latest
decision and can submit the work or appeal the decision from there.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import Connection

from culturebridge import catalog
from culturebridge.accounts import User
from culturebridge.catalog import Work
from culturebridge.errors import InvalidInput
from culturebridge.jobs import set_status
from culturebridge.review import audit, desk
from culturebridge.review.policy import load_policy
from culturebridge.review.stats import desk_stats
from culturebridge.review.work_review import reviewed_fields, stage_state, submit_work
from culturebridge.web.auth import check_csrf, platform_of, require_role, require_user
from culturebridge.web.contract import READ, STAFF
from culturebridge.web.panels import Panel
from culturebridge.web.render import render

router = APIRouter()
ITEM_FIELDS = ("id", "work_id", "ip", "policy", "policy_version", "automated_decision", "decision", "state",
               "round", "created_at", "updated_at")


def _desk_user(user: User) -> User:
    require_role(user, "reviewer", "admin")
    return user


def marked(text: str, spans: list[tuple[int, int, str]]) -> list[dict[str, Any]]:
    """Split text into plain and marked pieces; overlapping spans merge, notes join."""
    merged: list[list[Any]] = []
    for start, end, note in sorted(s for s in spans if 0 <= s[0] < s[1] <= len(text)):
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
            if note not in merged[-1][2]:
                merged[-1][2].append(note)
        else:
            merged.append([start, end, [note]])
    pieces: list[dict[str, Any]] = []
    at = 0
    for start, end, notes in merged:
        if start > at:
            pieces.append({"text": text[at:start], "mark": False, "note": ""})
        pieces.append({"text": text[start:end], "mark": True, "note": "; ".join(notes)})
        at = end
    if at < len(text):
        pieces.append({"text": text[at:], "mark": False, "note": ""})
    return pieces


def _highlighted(item: desk.StoredItem) -> list[dict[str, Any]]:
    """Per language: the reviewed title and text with each finding's evidence marked."""
    out = []
    for entry in item.texts:
        title, text = reviewed_fields(entry)
        spans: dict[str, list[tuple[int, int, str]]] = {"title": [], "text": []}
        for f in item.findings:
            ev = f.get("evidence", {})
            if f.get("lang", "") == entry["lang"] and ev.get("field") in spans:
                spans[ev["field"]].append((int(ev.get("start", 0)), int(ev.get("end", 0)), f"{f['check']}/{f['kind']}"))
        out.append({"lang": entry["lang"], "title": marked(title, spans["title"]), "text": marked(text, spans["text"])})
    return out


def review_panel(conn: Connection, work: Work, viewer: User) -> Panel | None:
    """The work's latest review decision and findings; submit and appeal forms for its owner."""
    if not catalog.can_view(viewer, work):
        return None

    item = desk.latest_item(conn, work.id)
    appeal = desk.appeal_of(conn, item.id) if item else None
    human = item is not None and any(not d.automated for d in desk.decisions_of(conn, item.id))
    owner = viewer.id == work.owner_id
    return Panel("review/panel.html", {
        "work": work, "item": item, "appeal": appeal, "human": human,
        "can_submit": catalog.can_edit(viewer, work),
        "can_appeal": bool(owner and item and item.state == "decided" and item.decision != "pass" and appeal is None),
        "desk": viewer.role in ("reviewer", "admin"),
    })


# --- the desk --------------------------------------------------------------------------------


@router.get("/review", include_in_schema=False)
def queue_page(request: Request, user: User = Depends(require_user)) -> Response:
    _desk_user(user)
    with platform_of(request).db.read() as conn:
        items = desk.list_items(conn, states=("queued", "appealed"), limit=100)
        mine = desk.held_by(conn, user)
        counts = desk.queue_counts(conn)
    return render(request, "review/queue.html", items=items, mine=mine, counts=counts,
                  empty=request.query_params.get("empty") == "1")


@router.post("/review/claim", include_in_schema=False)
def claim_next_form(request: Request, csrf: str = Form(""), user: User = Depends(require_user)) -> Response:
    check_csrf(request, csrf)
    _desk_user(user)
    platform = platform_of(request)
    with platform.db.write() as conn:
        item = desk.claim_next(conn, user, lock=not platform.db.is_sqlite)
        if item is not None:
            set_status(conn, item.work_id, "review", *stage_state(item))
    if item is None:
        return RedirectResponse("/review?empty=1", status_code=303)
    return RedirectResponse(f"/review/items/{item.id}", status_code=303)


@router.get("/review/items/{item_id}", include_in_schema=False)
def item_page(request: Request, item_id: str, user: User = Depends(require_user)) -> Response:
    _desk_user(user)
    with platform_of(request).db.read() as conn:
        item = desk.get_item(conn, item_id)
        work = catalog.get_work(conn, item.work_id)
        holder = desk.holder(conn, item)
        decisions = desk.decisions_of(conn, item_id)
        appeal = desk.appeal_of(conn, item_id)
        log = audit.list_audit(conn, item_id=item_id, limit=100)
    policy = load_policy(item.policy)
    return render(request, "review/item.html", item=item, work=work, texts=_highlighted(item),
                  holds=holder == user.id, held=holder is not None, decisions=decisions, appeal=appeal, log=log,
                  clauses=policy.clauses, locale_key="zh" if request.cookies.get("lang") == "zh" else "en")


@router.post("/review/items/{item_id}/claim", include_in_schema=False)
def claim_form(request: Request, item_id: str, csrf: str = Form(""), user: User = Depends(require_user)) -> Response:
    check_csrf(request, csrf)
    _desk_user(user)
    with platform_of(request).db.write() as conn:
        item = desk.claim(conn, user, item_id)
        set_status(conn, item.work_id, "review", *stage_state(item))
    return RedirectResponse(f"/review/items/{item_id}", status_code=303)


@router.post("/review/items/{item_id}/release", include_in_schema=False)
def release_form(request: Request, item_id: str, csrf: str = Form(""), user: User = Depends(require_user)) -> Response:
    check_csrf(request, csrf)
    _desk_user(user)
    with platform_of(request).db.write() as conn:
        item = desk.release(conn, user, item_id)
        set_status(conn, item.work_id, "review", *stage_state(item))
    return RedirectResponse("/review", status_code=303)


@router.post("/review/items/{item_id}/decide", include_in_schema=False)
def decide_form(request: Request, item_id: str, decision: str = Form(...), clause: str = Form(""),
                note: str = Form(""), csrf: str = Form(""), user: User = Depends(require_user)) -> Response:
    check_csrf(request, csrf)
    _desk_user(user)
    with platform_of(request).db.write() as conn:
        stored = desk.get_item(conn, item_id)
        item = desk.decide_item(conn, user, item_id, decision, clause, note, load_policy(stored.policy).clauses)
        set_status(conn, item.work_id, "review", *stage_state(item))
    return RedirectResponse(f"/review/items/{item_id}", status_code=303)


# --- the creator's side ----------------------------------------------------------------------


@router.post("/studio/works/{work_id}/review/submit", include_in_schema=False)
def submit_form(request: Request, work_id: str, csrf: str = Form(""), user: User = Depends(require_user)) -> Response:
    check_csrf(request, csrf)
    with platform_of(request).db.write() as conn:
        submit_work(conn, user, work_id)
    return RedirectResponse(f"/studio/works/{work_id}#review", status_code=303)


@router.post("/studio/works/{work_id}/review/appeal", include_in_schema=False)
def appeal_form(request: Request, work_id: str, item_id: str = Form(...), reason: str = Form(""),
                csrf: str = Form(""), user: User = Depends(require_user)) -> Response:
    check_csrf(request, csrf)
    with platform_of(request).db.write() as conn:
        item = desk.get_item(conn, item_id)
        if item.work_id != work_id:
            raise InvalidInput(f"review item {item_id} is not of work {work_id}")
        desk.appeal(conn, user, item_id, reason)
        set_status(conn, work_id, "review", *stage_state(desk.get_item(conn, item_id)))
    return RedirectResponse(f"/studio/works/{work_id}#review", status_code=303)


# --- audit log, exports, stats ----------------------------------------------------------------


@router.get("/review/audit", include_in_schema=False)
def audit_page(request: Request, user: User = Depends(require_user)) -> Response:
    _desk_user(user)
    with platform_of(request).db.read() as conn:
        entries = audit.list_audit(conn, limit=500)
    return render(request, "review/audit.html", entries=entries)


def _export_rows(conn: Connection, what: str) -> tuple[list[dict[str, Any]], tuple[str, ...]]:
    if what == "audit":
        return [e.to_dict() for e in audit.list_audit(conn, limit=100_000)], audit.FIELDS
    if what == "items":
        rows = [i.to_dict() for i in desk.list_items(conn, limit=10_000)]
        return rows, ITEM_FIELDS
    raise InvalidInput(f"nothing to export as {what!r}", hint="use audit or items")


@router.get("/review/export/{what}.{fmt}", include_in_schema=False)
def export(request: Request, what: str, fmt: str, user: User = Depends(require_user)) -> Response:
    """The audit log or the items, as CSV or JSON downloads."""
    _desk_user(user)
    if fmt not in ("csv", "json"):
        raise InvalidInput(f"export format {fmt!r} is not csv or json")
    with platform_of(request).db.read() as conn:
        rows, fields = _export_rows(conn, what)
    disposition = {"content-disposition": f'attachment; filename="review-{what}.{fmt}"'}
    if fmt == "csv":
        return Response(audit.to_csv(rows, fields), media_type="text/csv; charset=utf-8", headers=disposition)
    body = json.dumps(rows, ensure_ascii=False, indent=1, default=str)
    return Response(body, media_type="application/json", headers=disposition)


@router.get("/review/stats", include_in_schema=False)
def stats_page(request: Request, user: User = Depends(require_user)) -> Response:
    _desk_user(user)
    with platform_of(request).db.read() as conn:
        stats = desk_stats(conn)
    return render(request, "review/stats.html", stats=stats)


class AppealOut(BaseModel):
    reason: str
    appealed_decision: str


class WorkReviewOut(BaseModel):
    work_id: str
    reviewed: bool
    item: dict[str, Any] | None = Field(default=None, description="the latest review item, when reviewed")
    appeal: AppealOut | None = Field(default=None, description="the owner's appeal of it, if any")


@router.get("/api/v1/works/{work_id}/review", tags=["review"], summary="The latest review decision of a work",
            response_model=WorkReviewOut, response_model_exclude_unset=True, responses=READ)
def api_work_review(request: Request, work_id: str, user: User = Depends(require_user)) -> dict[str, Any]:
    with platform_of(request).db.read() as conn:
        work = catalog.get_work(conn, work_id)
        catalog.require_viewer(user, work)
        item = desk.latest_item(conn, work_id)
        if item is None:
            return {"work_id": work_id, "reviewed": False}
        appeal = desk.appeal_of(conn, item.id)
    return {"work_id": work_id, "reviewed": True, "item": item.to_dict(),
            "appeal": None if appeal is None else {"reason": appeal.reason, "appealed_decision": appeal.appealed_decision}}


@router.get("/api/v1/review/stats", tags=["review"], summary="Review desk figures and reviewer agreement",
            response_model=dict[str, Any], responses=STAFF)
def api_stats(request: Request, user: User = Depends(require_user)) -> dict[str, Any]:
    _desk_user(user)
    with platform_of(request).db.read() as conn:
        return desk_stats(conn)
