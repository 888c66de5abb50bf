"""Audit runs in the studio: the list of runs and each run's side-by-side report (admin and reviewer).

Runs are started from the command line (they take minutes and call outside endpoints); the
studio reads their stored reports, serves the JSON, and hands findings off to the glossary
or the canon notes with a CSRF-checked form.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from culturebridge.accounts import User
from culturebridge.errors import Conflict
from culturebridge.web.auth import check_csrf, platform_of, require_role, require_user
from culturebridge.web.i18n import translator
from culturebridge.web.render import locale_of, render

router = APIRouter(include_in_schema=False)
ROLES = ("admin", "reviewer")


@router.get("/studio/audit")
def runs_page(request: Request, user: Annotated[User, Depends(require_user)]) -> Response:
    """Every audit run, newest first, each opening its report."""
    from culturebridge.audit import list_runs

    require_role(user, *ROLES)
    with platform_of(request).db.read() as conn:
        runs = list_runs(conn)
    return render(request, "audit/runs.html", runs=runs)


@router.get("/studio/audit/{run_id}")
def report_page(request: Request, run_id: str, user: Annotated[User, Depends(require_user)]) -> Response:
    """The side-by-side report of one finished run."""
    from culturebridge.audit import findings_of, get_run
    from culturebridge.audit.html import report_body

    require_role(user, *ROLES)
    with platform_of(request).db.read() as conn:
        run = get_run(conn, run_id)
        findings = findings_of(conn, run_id)
    if run.summary is None:
        raise Conflict(f"audit run {run_id} has not finished", hint=f"culturebridge audit resume {run_id}")
    body = report_body(run.summary, translator(locale_of(request)), findings=findings)
    return render(request, "audit/report.html", run=run, body=body,
                  question_ids=[q["id"] for q in run.summary["questions"]],
                  done=request.query_params.get("handed") == "1")


@router.get("/studio/audit/{run_id}/report.json")
def report_json(request: Request, run_id: str, user: Annotated[User, Depends(require_user)]) -> Response:
    """The full JSON report of one run."""
    from culturebridge.audit import get_run

    require_role(user, *ROLES)
    with platform_of(request).db.read() as conn:
        run = get_run(conn, run_id)
    return JSONResponse(run.summary or {"run_id": run_id, "state": run.state})


@router.post("/studio/audit/{run_id}/handoff")
def handoff_form(request: Request, run_id: str, user: Annotated[User, Depends(require_user)],
                 question_id: Annotated[str, Form()], ip: Annotated[str, Form()],
                 target: Annotated[str, Form()] = "glossary", term: Annotated[str, Form()] = "",
                 note: Annotated[str, Form()] = "", csrf: Annotated[str, Form()] = "") -> Response:
    """Record a finding as a glossary or canon note with the run's evidence."""
    from culturebridge.audit.handoff import hand_off

    check_csrf(request, csrf)
    with platform_of(request).db.write() as conn:
        hand_off(conn, user, run_id=run_id, question_id=question_id, target="canon" if target == "canon"
                 else "glossary", ip_name=ip, note=note, term=term)
    return RedirectResponse(f"/studio/audit/{run_id}?handed=1", status_code=303)
