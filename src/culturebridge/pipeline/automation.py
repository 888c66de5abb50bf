"""Automation: a file added to a work queues one `automation-run` job, which applies the rules.

Each action is the very call the studio makes when a person clicks the button, made on
behalf of the rule's author, so the stage records it as it records a manual one (the review
audit's "submitted", the rights log's claim, the localization's creator); the run itself
(rule, work, outcome, detail) is recorded next to it and shown on the work page. A rule acts
once per work; a refused action is recorded with the reason and tried again on the next file
(recorded again only when the reason changes, so a work's history does not fill with repeats).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from culturebridge.accounts.users import User, get_user
from culturebridge.catalog import get_work
from culturebridge.errors import ConfigurationError, Error, InvalidInput
from culturebridge.jobs import Handler, Progress, enqueue
from culturebridge.pipeline._tables import automation_rules
from culturebridge.pipeline.rules import (
    Rule,
    facts_of,
    has_run,
    last_run,
    list_rules,
    matches,
    record_run,
)
from culturebridge.platform import Platform

AUTOMATION_JOB = "automation-run"


def queue_rules(conn: Connection, work_id: str, asset_id: str, actor_id: str | None) -> None:
    """Queue the rules' run for a newly added file, when any rule is on (in the ingest transaction)."""
    on = conn.execute(select(automation_rules.c.id).where(automation_rules.c.enabled.is_(True)).limit(1)).first()
    if on is not None:
        enqueue(conn, AUTOMATION_JOB, {"work_id": work_id, "asset_id": asset_id}, created_by=actor_id)


def handler(platform: Platform) -> Handler:
    """The `automation-run` job handler: params {"work_id", "asset_id"}."""

    def run(params: dict[str, Any], progress: Progress) -> str:
        work_id, asset_id = params.get("work_id"), params.get("asset_id")
        if not isinstance(work_id, str):
            raise InvalidInput("automation-run job needs a work_id")
        return run_rules(platform, work_id, asset_id if isinstance(asset_id, str) else None)

    return run


def run_rules(platform: Platform, work_id: str, asset_id: str | None) -> str:
    """Apply every enabled rule matching the work that has not acted on it yet; a one-line summary."""
    with platform.db.read() as conn:
        work = get_work(conn, work_id)
        facts = facts_of(conn, work)
        due = [(r, get_user(conn, r.created_by)) for r in list_rules(conn, enabled_only=True)
               if matches(r.condition, facts) and not has_run(conn, r.id, work_id)]
    done = []
    for rule, author in due:
        try:
            detail, outcome = _act(platform, rule, author, work_id), "done"
        except (ConfigurationError, Error) as exc:
            detail, outcome = exc.message, "refused"
        detail = f"{rule.describe()}: {detail}"
        with platform.db.write() as conn:
            previous = last_run(conn, rule.id, work_id)
            repeat = outcome == "refused" and previous is not None and (previous.outcome, previous.detail) == (
                outcome, detail[:2000])
            if not repeat:
                record_run(conn, rule, work_id, asset_id, outcome, detail, author.id)
        done.append(f"{rule.name}: {outcome}" + (" (as before)" if repeat else ""))
    return "; ".join(done) or "no rule applies"


def _act(platform: Platform, rule: Rule, author: User, work_id: str) -> str:
    """Do the rule's action as its author would from the studio; what was done, in a few words."""
    if rule.action == "review":
        from culturebridge.review import submit_work

        with platform.db.write() as conn:
            job = submit_work(conn, author, work_id)
        return f"submitted for review (job {job.id})"
    if rule.action == "register":
        from culturebridge.fingerprint import claim_fingerprints
        from culturebridge.rights import register_work

        cert = register_work(platform, author, work_id, fingerprints=claim_fingerprints)
        return f"rights registered (log entry {cert.leaf_index})"
    if rule.action == "localize":
        from culturebridge.localize import choose_engine, request_localization

        spec = choose_engine(platform.settings, human=rule.params.get("engine", "human") == "human")
        out = []
        for locale in rule.params["locales"]:
            with platform.db.write() as conn:
                loc = request_localization(conn, author, work_id, locale, spec)
            out.append(f"{loc.target_lang} ({loc.state})")
        return "localization requested: " + ", ".join(out)
    from culturebridge.feed.publish import publish_work

    for market in rule.params["markets"]:
        publish_work(platform, author, work_id, market)
    return "published to " + ", ".join(rule.params["markets"])
