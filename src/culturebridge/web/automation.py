"""Automation rules in the studio and the API: listed for everyone, changed by admins; what ran on a work."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool

from culturebridge import pipeline as automation
from culturebridge.accounts import User
from culturebridge.catalog import WORK_KINDS, Work
from culturebridge.errors import InvalidInput
from culturebridge.pipeline import Condition, Rule, Run
from culturebridge.platform import Platform
from culturebridge.web.auth import check_csrf, platform_of, require_user
from culturebridge.web.contract import BODY, READ, WRITE, errors, merged
from culturebridge.web.error_titles import explain
from culturebridge.web.panels import Panel
from culturebridge.web.render import locale_of, render

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/v1/automation", tags=["automation"])


def automation_panel(conn: Connection, work: Work, viewer: User) -> Panel | None:
    """What rules did to this work and why."""
    runs = automation.runs_of(conn, work.id, limit=20)
    return Panel("automation/panel.html", {"runs": runs}) if runs else None


@router.get("/studio/automation", response_class=HTMLResponse)
def rules_page(request: Request, user: User = Depends(require_user)) -> Response:
    with platform_of(request).db.read() as conn:
        rules = automation.list_rules(conn)
    return render(request, "automation/rules.html", rules=rules, actions=automation.ACTIONS,
                  protections=automation.PROTECTIONS, kinds=WORK_KINDS, error=None)


def _write(platform: Platform, change: Callable[..., object], *args: object) -> None:
    """One write transaction, run in the thread pool: waiting for the write lock never stalls the event loop."""
    with platform.db.write() as conn:
        change(conn, *args)


def _tri(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


@router.post("/studio/automation")
async def add_rule_form(request: Request, user: User = Depends(require_user)) -> Response:
    form = await request.form()
    check_csrf(request, str(form.get("csrf", "")))
    action = str(form.get("action", ""))
    words = str(form.get("targets", "")).split()
    params: dict[str, Any] = {}
    if action == "localize":
        params = {"locales": words, "engine": str(form.get("engine", "human"))}
    elif action == "publish":
        params = {"markets": words}
    platform = platform_of(request)
    try:
        condition = Condition(_tri(str(form.get("ai_generated", ""))), _tri(str(form.get("derived", ""))),
                              tuple(str(v) for v in form.getlist("protections")),
                              tuple(str(v) for v in form.getlist("kinds")))
        condition = Condition.from_dict(condition.to_dict())
        await run_in_threadpool(_write, platform, automation.add_rule, user, str(form.get("name", "")),
                                condition, action, params)
    except InvalidInput as exc:
        with platform.db.read() as conn:
            rules = automation.list_rules(conn)
        return render(request, "automation/rules.html", status_code=422, rules=rules, actions=automation.ACTIONS,
                      protections=automation.PROTECTIONS, kinds=WORK_KINDS,
                      error=explain(exc, locale_of(request)))
    return RedirectResponse("/studio/automation", status_code=303)


@router.post("/studio/automation/{rule_id}/enabled")
async def toggle_rule(request: Request, rule_id: str, user: User = Depends(require_user)) -> Response:
    form = await request.form()
    check_csrf(request, str(form.get("csrf", "")))
    await run_in_threadpool(_write, platform_of(request), automation.set_enabled, user, rule_id,
                            str(form.get("enabled")) == "1")
    return RedirectResponse("/studio/automation", status_code=303)


@router.post("/studio/automation/{rule_id}/delete")
async def delete_rule(request: Request, rule_id: str, user: User = Depends(require_user)) -> Response:
    form = await request.form()
    check_csrf(request, str(form.get("csrf", "")))
    await run_in_threadpool(_write, platform_of(request), automation.remove_rule, user, rule_id)
    return RedirectResponse("/studio/automation", status_code=303)


# --- API -----------------------------------------------------------------------------------


class RuleIn(BaseModel):
    name: str
    action: str = Field(description="review, register, localize or publish")
    condition: dict[str, Any] = Field(default={}, description="ai_generated, derived, protections, kinds")
    params: dict[str, Any] = Field(default={}, description="localize: {locales, engine}; publish: {markets}")
    trigger: str = "asset-added"
    enabled: bool = True


class EnabledIn(BaseModel):
    enabled: bool


class RuleOut(BaseModel):
    id: str
    name: str
    trigger: str
    condition: dict[str, Any] = Field(description="only the parts the rule tests: ai_generated, derived, protections, kinds")
    action: str
    params: dict[str, Any]
    enabled: bool
    created_by: str
    created_at: datetime | None
    description: str = Field(description="the rule in one line")


def rule_out(rule: Rule) -> dict[str, Any]:
    return rule.to_dict()


@api_router.get("/rules", summary="The workspace's automation rules", response_model=list[RuleOut],
                responses=errors(401))
def api_rules(request: Request, user: User = Depends(require_user)) -> list[dict[str, Any]]:
    with platform_of(request).db.read() as conn:
        return [rule_out(r) for r in automation.list_rules(conn)]


@api_router.post("/rules", status_code=201, summary="Add an automation rule (admins)", response_model=RuleOut,
                 responses=merged(WRITE, BODY))
def api_add_rule(request: Request, body: RuleIn, user: User = Depends(require_user)) -> dict[str, Any]:
    check_csrf(request, None)
    with platform_of(request).db.write() as conn:
        rule = automation.add_rule(conn, user, body.name, Condition.from_dict(body.condition), body.action,
                                   body.params, trigger=body.trigger, enabled=body.enabled)
    return rule_out(rule)


@api_router.put("/rules/{rule_id}", summary="Turn a rule on or off (admins)", response_model=RuleOut, responses=merged(WRITE, BODY))
def api_set_enabled(request: Request, rule_id: str, body: EnabledIn, user: User = Depends(require_user)) -> dict[str, Any]:
    check_csrf(request, None)
    with platform_of(request).db.write() as conn:
        return rule_out(automation.set_enabled(conn, user, rule_id, body.enabled))


@api_router.delete("/rules/{rule_id}", status_code=204, summary="Remove a rule (admins; its runs stay recorded)",
                   response_class=Response, responses=WRITE)
def api_remove_rule(request: Request, rule_id: str, user: User = Depends(require_user)) -> Response:
    check_csrf(request, None)
    with platform_of(request).db.write() as conn:
        automation.remove_rule(conn, user, rule_id)
    return Response(status_code=204)


@api_router.get("/works/{work_id}/runs", summary="What rules did to a work, and why", response_model=list[Run],
                responses=READ)
def api_runs(request: Request, work_id: str, user: User = Depends(require_user)) -> list[Run]:
    from culturebridge import catalog

    with platform_of(request).db.read() as conn:
        catalog.require_viewer(user, catalog.get_work(conn, work_id))
        return list(automation.runs_of(conn, work_id))
