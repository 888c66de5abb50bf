"""Automation: the workspace's rules that run pipeline actions on their own, and what they did.

Public API: `Condition`, `Rule`, `Run`, `add_rule`, `list_rules`, `get_rule`, `set_enabled`,
`remove_rule`, `runs_of`, `matches`; the job (`JOB_KIND`, `handler`) and the ingest hook
(`queue_for_asset`) the pipeline plugs in.
"""

from culturebridge.automation.rules import (
    ACTIONS,
    PROTECTIONS,
    TRIGGERS,
    Condition,
    Facts,
    Rule,
    Run,
    add_rule,
    check_params,
    get_rule,
    list_rules,
    matches,
    remove_rule,
    runs_of,
    set_enabled,
)
from culturebridge.automation.runner import JOB_KIND, handler, queue_for_asset, run_rules

__all__ = [
    "ACTIONS",
    "JOB_KIND",
    "PROTECTIONS",
    "TRIGGERS",
    "Condition",
    "Facts",
    "Rule",
    "Run",
    "add_rule",
    "check_params",
    "get_rule",
    "handler",
    "list_rules",
    "matches",
    "queue_for_asset",
    "remove_rule",
    "run_rules",
    "runs_of",
    "set_enabled",
]
