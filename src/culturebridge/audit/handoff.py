"""Turn an audit finding into a glossary note (localize's public API) or a canon-card note, with evidence.

The evidence is the run id, the question and the cells (endpoint x language) with their
refusal rate, distribution and an excerpt, so a curator can open the report at that row.
A glossary note is appended to the IP's term (a curated term is created if none exists);
a canon note is stored against the IP here, since canon cards carry no free-text notes.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Literal

from sqlalchemy import Connection

from culturebridge.accounts import User
from culturebridge.audit.store import get_run, save_finding
from culturebridge.catalog import get_ip
from culturebridge.errors import InvalidInput, PermissionDenied

Target = Literal["glossary", "canon"]
CURATORS = ("admin", "reviewer")


def evidence_of(conn: Connection, run_id: str, question_id: str, cells: list[str]) -> dict[str, Any]:
    """The run's figures for the named cells ('endpoint|language'; all cells of the row when empty)."""
    run = get_run(conn, run_id)
    run.question_set.question(question_id)
    if run.summary is None:
        raise InvalidInput(f"audit run {run_id} has not finished", hint="resume it first")
    row = next(q for q in run.summary["questions"] if q["id"] == question_id)
    picked: dict[str, Any] = {}
    wanted = cells or [f"{n}|{lang}" for n in row["cells"] for lang in row["cells"][n]]
    for ref in wanted:
        name, _, lang = ref.partition("|")
        cell = row["cells"].get(name, {}).get(lang)
        if cell is None:
            raise InvalidInput(f"cell {ref!r} is not in run {run_id}", hint="name cells as ENDPOINT|LANGUAGE")
        picked[ref] = {k: cell.get(k) for k in ("refusal_rate", "distribution", "correctness", "divergence",
                                                 "excerpt")}
    return {"run_id": run_id, "question_id": question_id, "link": f"/studio/audit/{run_id}#q-{question_id}",
            "cells": picked}


def hand_off(conn: Connection, actor: User, *, run_id: str, question_id: str, target: Target, ip_name: str,
             note: str, term: str = "", cells: list[str] | None = None) -> str:
    """Record the finding (and write the glossary note); the finding's id."""
    if actor.role not in CURATORS:
        raise PermissionDenied(f"handing off findings needs the role admin or reviewer; {actor.username} is "
                               f"{actor.role}")
    if not note.strip():
        raise InvalidInput("a finding needs a note")
    if target not in ("glossary", "canon"):
        raise InvalidInput(f"target {target!r} is not glossary or canon")
    ip = get_ip(conn, ip_name)
    evidence = evidence_of(conn, run_id, question_id, cells or [])
    if target == "glossary":
        if not term.strip():
            raise InvalidInput("a glossary note needs the term it is about", hint="pass --term")
        from culturebridge.localize import Term, save_term, stored_glossary

        existing = stored_glossary(conn, ip_name).term(term.strip())
        line = f"[audit {run_id} · {question_id}] {note.strip()}"
        updated = (replace(existing, note=f"{existing.note}\n{line}".strip()) if existing
                   else Term(term.strip(), note=line))
        save_term(conn, ip_name, updated)
    return save_finding(conn, run_id=run_id, question_id=question_id, target=target, ip_id=ip.id,
                        term=term.strip(), note=note.strip(), evidence=evidence, created_by=actor.id)
