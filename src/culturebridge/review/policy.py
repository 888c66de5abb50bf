"""Policy packs: versioned data files composing checks with thresholds and clauses.

A pack (`review/policies/<name>.yaml`) names its clauses (the rules it enforces, e.g. the
three NRTA 2026 AI-alteration criteria), the checks it runs, the severities at which each
check's findings send an item to review or reject it, and the fixes it allows to be applied
automatically. Loading is strict: an unknown key, check, clause or severity raises
`PolicyInvalid` and nothing of the pack is used.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from culturebridge.errors import PolicyInvalid, PolicyNotFound
from culturebridge.review import ai_label, fidelity, learned, misplacement, safety, stance
from culturebridge.review.check import Check, CheckFactory
from culturebridge.review.findings import SEVERITIES, Severity

CHECKS: dict[str, CheckFactory] = {
    fidelity.NAME: fidelity.build,
    safety.NAME: safety.build,
    misplacement.NAME: misplacement.build,
    ai_label.NAME: ai_label.build,
    learned.NAME: learned.build,
    stance.NAME: stance.build,
}
KNOWN_FIXES = frozenset({ai_label.FIX})
_VERSION = re.compile(r"^\d+(\.\d+){0,3}$")
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_TOP_KEYS = {"name", "version", "title", "requires_canon", "clauses", "checks", "auto_fixes"}
_RULE_KEYS = {"check", "clause", "clause_by_kind", "review_at", "reject_at", "params"}


@dataclass(frozen=True)
class Rule:
    """One check in a policy: its clause(s) and decision thresholds."""

    check: Check
    clause: str
    clause_by_kind: Mapping[str, str]
    review_at: Severity
    reject_at: Severity

    def clause_for(self, kind: str) -> str:
        """The clause a finding of this kind is tied to."""
        return self.clause_by_kind.get(kind, self.clause)


@dataclass(frozen=True)
class Policy:
    name: str
    version: str
    title: Mapping[str, str]
    requires_canon: bool
    clauses: Mapping[str, Mapping[str, str]]
    rules: tuple[Rule, ...]
    auto_fixes: frozenset[str]

    @property
    def ref(self) -> str:
        """name@version, as recorded on every decision."""
        return f"{self.name}@{self.version}"

    def rule(self, check: str) -> Rule | None:
        """The rule running the named check, if any."""
        return next((r for r in self.rules if r.check.name == check), None)


def _fail(source: str, what: str) -> PolicyInvalid:
    return PolicyInvalid(f"policy {source}: {what}", hint="fix the policy file; nothing of it was applied")


def _severity(source: str, where: str, value: Any) -> Severity:
    if value not in SEVERITIES:
        raise _fail(source, f"{where} must be one of {', '.join(SEVERITIES)}, got {value!r}")
    return value  # type: ignore[no-any-return]


def _texts(source: str, where: str, value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping) or not value or not all(
        isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in value.items()
    ):
        raise _fail(source, f"{where} must map language tags to non-empty text")
    return dict(value)


def policy_from_dict(data: Any, *, source: str = "<data>") -> Policy:
    """Validate a policy pack from plain data; raise PolicyInvalid naming the bad field."""
    if not isinstance(data, Mapping):
        raise _fail(source, "expected a mapping at the top")
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise _fail(source, f"unknown key(s) {', '.join(sorted(map(str, unknown)))}")
    name, version = data.get("name"), data.get("version")
    if not isinstance(name, str) or not _NAME.match(name):
        raise _fail(source, f"name {name!r} is not a slug")
    if not isinstance(version, str) or not _VERSION.match(version):
        raise _fail(source, f"version {version!r} must be a quoted dotted number like '2026.1'")
    raw_clauses = data.get("clauses")
    if not isinstance(raw_clauses, Mapping) or not raw_clauses:
        raise _fail(source, "clauses must be a non-empty mapping of id -> {zh, en}")
    clauses = {str(k): _texts(source, f"clauses.{k}", v) for k, v in raw_clauses.items()}
    raw_rules = data.get("checks")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise _fail(source, "checks must be a non-empty list")
    rules: list[Rule] = []
    for i, raw in enumerate(raw_rules):
        where = f"checks[{i}]"
        if not isinstance(raw, Mapping):
            raise _fail(source, f"{where} must be a mapping")
        extra = set(raw) - _RULE_KEYS
        if extra:
            raise _fail(source, f"{where}: unknown key(s) {', '.join(sorted(map(str, extra)))}")
        check_name = raw.get("check")
        if check_name not in CHECKS:
            raise _fail(source, f"{where}.check {check_name!r} is not one of {', '.join(CHECKS)}")
        if any(r.check.name == check_name for r in rules):
            raise _fail(source, f"{where}: check {check_name} appears twice")
        clause = raw.get("clause")
        by_kind = raw.get("clause_by_kind") or {}
        if not isinstance(by_kind, Mapping):
            raise _fail(source, f"{where}.clause_by_kind must be a mapping")
        for c in [clause, *by_kind.values()]:
            if c not in clauses:
                raise _fail(source, f"{where}: clause {c!r} is not declared under clauses")
        review_at = _severity(source, f"{where}.review_at", raw.get("review_at", "medium"))
        reject_at = _severity(source, f"{where}.reject_at", raw.get("reject_at", "high"))
        if SEVERITIES.index(reject_at) < SEVERITIES.index(review_at):
            raise _fail(source, f"{where}: reject_at is below review_at")
        params = raw.get("params") or {}
        if not isinstance(params, Mapping):
            raise _fail(source, f"{where}.params must be a mapping")
        try:
            check = CHECKS[check_name](params)
        except PolicyInvalid as exc:
            raise _fail(source, f"{where}: {exc.message}") from exc
        rules.append(Rule(check, str(clause), dict(by_kind), review_at, reject_at))
    fixes = data.get("auto_fixes") or []
    if not isinstance(fixes, list) or not set(fixes) <= KNOWN_FIXES:
        raise _fail(source, f"auto_fixes must be a list drawn from {', '.join(sorted(KNOWN_FIXES))}")
    requires_canon = data.get("requires_canon", True)
    if not isinstance(requires_canon, bool):
        raise _fail(source, "requires_canon must be true or false")
    return Policy(
        name=name,
        version=version,
        title=_texts(source, "title", data.get("title")),
        requires_canon=requires_canon,
        clauses=clauses,
        rules=tuple(rules),
        auto_fixes=frozenset(fixes),
    )


def load_policy_file(path: Path) -> Policy:
    """Read and validate a policy pack from a YAML file."""
    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyInvalid(f"policy {path}: cannot read ({exc})") from exc
    except yaml.YAMLError as exc:
        raise _fail(str(path), f"not valid YAML ({str(exc).splitlines()[0]})") from exc
    return policy_from_dict(data, source=str(path))


def bundled_policies() -> list[str]:
    """Names of the policy packs that ship with culturebridge."""
    folder = resources.files("culturebridge.review") / "policies"
    return sorted(p.name[: -len(".yaml")] for p in folder.iterdir() if p.name.endswith(".yaml"))


def load_policy(name: str) -> Policy:
    """A bundled policy pack by name (e.g. 'cn-nrta-ai-alteration'), or a path to a YAML file."""
    if name.endswith((".yaml", ".yml")) or "/" in name:
        return load_policy_file(Path(name))
    if name not in bundled_policies():
        raise PolicyNotFound(name, bundled_policies())
    folder = resources.files("culturebridge.review") / "policies"
    return load_policy_file(Path(str(folder / f"{name}.yaml")))
