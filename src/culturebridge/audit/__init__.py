"""Audit: ask several AI endpoints the same questions in several languages and compare the answers.

    qset = load_question_set(path)
    run_id = run_audit(db, qset, RunConfig((parse_endpoint("a=http://127.0.0.1:8080/v1@m"),), ("en", "zh-Hans")))
    report = get_run(conn, run_id).summary

Question sets are versioned YAML (`questions`); each cell is asked through the `openai` SDK
with a base URL (`client`), cached and stored as it finishes (`runner`, `store`); measures are
pure functions (`measures`, `refusal`, `entities`, `sentiment`, `agreement`) gathered into a
report (`report`) rendered as HTML with inline SVG (`html`); `diff` compares two runs and
`handoff` turns a finding into a glossary or canon note.
"""

from __future__ import annotations

from culturebridge.audit import _tables  # noqa: F401  (registers the stage's tables)
from culturebridge.audit.activity import activity
from culturebridge.audit.cells import Cell
from culturebridge.audit.client import ChatClient, Reply, RetryPolicy
from culturebridge.audit.endpoints import Endpoint, api_key, key_variable, parse_endpoint
from culturebridge.audit.questions import (
    LANGUAGES,
    Question,
    QuestionSet,
    bundled_set_path,
    load_question_set,
    parse_question_set,
)
from culturebridge.audit.report import build_report, json_summary
from culturebridge.audit.runner import Limits, RunConfig, resume_audit, run_audit
from culturebridge.audit.store import AuditRun, cells_of, findings_of, get_run, list_runs

__all__ = [
    "activity",
    "LANGUAGES", "AuditRun", "Cell", "ChatClient", "Endpoint", "Limits", "Question", "QuestionSet", "Reply",
    "RetryPolicy", "RunConfig", "api_key", "build_report", "bundled_set_path", "cells_of", "findings_of", "get_run",
    "json_summary", "key_variable", "list_runs", "load_question_set", "parse_endpoint", "parse_question_set",
    "resume_audit", "run_audit",
]
