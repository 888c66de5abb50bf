"""Automation rules of the workspace: when a file is added to a work that meets a condition, act.

A rule is plain data stored in the database: a trigger (`asset-added`), a condition on the
work (all given parts must hold), an action the studio also offers by hand (`review`,
`register`, `localize`, `publish`) with its parameters, and whether it is on. Only admins
change rules. `matches` is pure; what a rule did is recorded as a run (see `runner`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, select

from culturebridge.accounts.users import User
from culturebridge.catalog import WORK_KINDS, Work, ancestors_of, get_ip_by_id, get_work
from culturebridge.errors import InvalidInput, PermissionDenied, RuleNotFound
from culturebridge.ids import as_utc, new_id, now
from culturebridge.pipeline._tables import automation_rules, automation_runs

TRIGGERS = ("asset-added",)
ACTIONS = ("review", "register", "localize", "publish")
PROTECTIONS = ("classic", "childrens", "modern")
OUTCOMES = ("done", "refused", "failed")
_LOCALE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
_MARKET = re.compile(r"^[A-Z]{2}/[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")


@dataclass(frozen=True)
class Condition:
    """What a work must be for a rule to act on it; None / empty means "any"."""

    ai_generated: bool | None = None
    derived: bool | None = None  # made from another work
    protections: tuple[str, ...] = ()  # the work's or an ancestor's IP has one of these protections
    kinds: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Condition:
        unknown = set(data) - {"ai_generated", "derived", "protections", "kinds"}
        if unknown:
            raise InvalidInput(f"unknown condition {min(unknown)!r}",
                               hint="use ai_generated, derived, protections and kinds")
        for key in ("ai_generated", "derived"):
            if data.get(key) is not None and not isinstance(data[key], bool):
                raise InvalidInput(f"condition {key} is true, false or absent")
        protections, kinds = tuple(data.get("protections") or ()), tuple(data.get("kinds") or ())
        for value, allowed, label in ((protections, PROTECTIONS, "protection"), (kinds, WORK_KINDS, "kind")):
            bad = [v for v in value if v not in allowed]
            if bad:
                raise InvalidInput(f"{label} {str(bad[0])[:40]!r} is not one of {', '.join(allowed)}")
        return cls(data.get("ai_generated"), data.get("derived"), protections, kinds)

    def to_dict(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items() if v not in (None, ())}


@dataclass(frozen=True)
class Facts:
    """What a rule's condition is checked against."""

    ai_generated: bool
    derived: bool
    protections: frozenset[str]
    kind: str


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    trigger: str
    condition: Condition
    action: str
    params: dict[str, Any] = field(default_factory=dict)
    enabled: bool = True
    created_by: str = ""
    created_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["condition"] = self.condition.to_dict()
        data["description"] = self.describe()
        return data

    def describe(self) -> str:
        """The rule in one line, e.g. `asset-added · ai_generated=True derived=True → review`."""
        cond = " ".join(f"{k}={v}" for k, v in self.condition.to_dict().items()) or "every work"
        params = " ".join(f"{k}={v}" for k, v in self.params.items())
        return f"{self.trigger} · {cond} → {self.action}{' ' + params if params else ''}"


@dataclass(frozen=True)
class Run:
    id: str
    rule_id: str
    rule_name: str
    work_id: str
    asset_id: str | None
    action: str
    outcome: str
    detail: str
    at: datetime


def matches(condition: Condition, facts: Facts) -> bool:
    """Whether a work with these facts meets the condition."""
    if condition.ai_generated is not None and condition.ai_generated != facts.ai_generated:
        return False
    if condition.derived is not None and condition.derived != facts.derived:
        return False
    if condition.protections and not set(condition.protections) & facts.protections:
        return False
    return not condition.kinds or facts.kind in condition.kinds


def facts_of(conn: Connection, work: Work) -> Facts:
    """The facts of a work: its flags and the protection of its and its ancestors' IPs."""
    ancestors = ancestors_of(conn, work.id)
    protections = set()
    for wid in [work.id, *ancestors]:
        ip_id = work.ip_id if wid == work.id else get_work(conn, wid).ip_id
        if ip_id:
            protections.add(get_ip_by_id(conn, ip_id).canon.protection)
    return Facts(work.ai_generated, bool(ancestors), frozenset(protections), work.kind)


def check_params(action: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """The action's parameters, validated: locales for localize, markets for publish."""
    if action not in ACTIONS:
        raise InvalidInput(f"action {action[:40]!r} is not one of {', '.join(ACTIONS)}")
    if action == "localize":
        locales = list(params.get("locales") or [])
        if not locales or not all(isinstance(v, str) and _LOCALE.match(v) for v in locales):
            raise InvalidInput("localize needs locales, e.g. en th")
        engine = params.get("engine", "human")
        if engine not in ("human", "machine"):
            raise InvalidInput("the localize engine is human or machine")
        return {"locales": locales, "engine": engine}
    if action == "publish":
        markets = list(params.get("markets") or [])
        if not markets or not all(isinstance(v, str) and _MARKET.match(v) for v in markets):
            raise InvalidInput("publish needs markets, e.g. US/en TH/th")
        return {"markets": markets}
    if params:
        raise InvalidInput(f"{action} takes no parameters")
    return {}


def _require_admin(actor: User) -> None:
    if actor.role != "admin":
        raise PermissionDenied(f"only admins change automation rules; {actor.username} is {actor.role}")


def _rule(row: Any) -> Rule:
    m = row._mapping
    return Rule(m["id"], m["name"], m["trigger"], Condition.from_dict(m["condition"]), m["action"], dict(m["params"]),
                bool(m["enabled"]), m["created_by"], as_utc(m["created_at"]))


def add_rule(conn: Connection, actor: User, name: str, condition: Condition, action: str,
             params: Mapping[str, Any] | None = None, *, trigger: str = "asset-added", enabled: bool = True) -> Rule:
    """Store a new rule (admins only); InvalidInput names the first bad part."""
    _require_admin(actor)
    name = name.strip()
    if not 1 <= len(name) <= 200:
        raise InvalidInput("a rule needs a name of 1-200 characters")
    if trigger not in TRIGGERS:
        raise InvalidInput(f"trigger {trigger[:40]!r} is not one of {', '.join(TRIGGERS)}")
    checked = check_params(action, params or {})
    stamp, rule_id = now(), new_id("ar")
    conn.execute(automation_rules.insert().values(
        id=rule_id, name=name, trigger=trigger, condition=condition.to_dict(), action=action, params=checked,
        enabled=enabled, created_by=actor.id, created_at=stamp, updated_at=stamp))
    return get_rule(conn, rule_id)


def get_rule(conn: Connection, rule_id: str) -> Rule:
    row = conn.execute(select(automation_rules).where(automation_rules.c.id == rule_id)).first()
    if row is None:
        raise RuleNotFound(rule_id)
    return _rule(row)


def list_rules(conn: Connection, *, enabled_only: bool = False) -> list[Rule]:
    stmt = select(automation_rules).order_by(automation_rules.c.created_at, automation_rules.c.id)
    if enabled_only:
        stmt = stmt.where(automation_rules.c.enabled.is_(True))
    return [_rule(r) for r in conn.execute(stmt)]


def set_enabled(conn: Connection, actor: User, rule_id: str, enabled: bool) -> Rule:
    _require_admin(actor)
    get_rule(conn, rule_id)
    conn.execute(automation_rules.update().where(automation_rules.c.id == rule_id)
                 .values(enabled=enabled, updated_at=now()))
    return get_rule(conn, rule_id)


def remove_rule(conn: Connection, actor: User, rule_id: str) -> None:
    """Delete a rule; what it already did stays recorded in its runs."""
    _require_admin(actor)
    get_rule(conn, rule_id)
    conn.execute(delete(automation_rules).where(automation_rules.c.id == rule_id))


def record_run(conn: Connection, rule: Rule, work_id: str, asset_id: str | None, outcome: str, detail: str,
               actor_id: str | None) -> Run:
    run_id = new_id("arun")
    conn.execute(automation_runs.insert().values(
        id=run_id, rule_id=rule.id, rule_name=rule.name, work_id=work_id, asset_id=asset_id, action=rule.action,
        outcome=outcome, detail=detail[:2000], actor_id=actor_id, at=now()))
    return runs_of(conn, work_id, run_id=run_id)[0]


def has_run(conn: Connection, rule_id: str, work_id: str) -> bool:
    """Whether the rule already acted on the work successfully (rules act once per work)."""
    row = conn.execute(select(automation_runs.c.id).where(
        automation_runs.c.rule_id == rule_id, automation_runs.c.work_id == work_id,
        automation_runs.c.outcome == "done").limit(1)).first()
    return row is not None


def last_run(conn: Connection, rule_id: str, work_id: str) -> Run | None:
    """The rule's newest run on the work, if any."""
    row = conn.execute(select(automation_runs.c.id).where(
        automation_runs.c.rule_id == rule_id, automation_runs.c.work_id == work_id)
        .order_by(automation_runs.c.at.desc(), automation_runs.c.id.desc()).limit(1)).first()
    return None if row is None else runs_of(conn, work_id, run_id=row.id)[0]


def runs_of(conn: Connection, work_id: str, *, run_id: str | None = None, limit: int = 100) -> list[Run]:
    """What rules did to a work, newest first."""
    stmt = select(automation_runs).where(automation_runs.c.work_id == work_id)
    if run_id is not None:
        stmt = stmt.where(automation_runs.c.id == run_id)
    rows = conn.execute(stmt.order_by(automation_runs.c.at.desc(), automation_runs.c.id).limit(limit))
    return [Run(r.id, r.rule_id, r.rule_name, r.work_id, r.asset_id, r.action, r.outcome, r.detail, as_utc(r.at))
            for r in rows]
