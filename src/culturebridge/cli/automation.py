"""`culturebridge automation ...`: the workspace's automation rules and what they did to a work."""

from __future__ import annotations

from typing import Annotated

import typer

from culturebridge.cli._context import acting_user, console, context, print_json

app = typer.Typer(help="Automation rules: pipeline actions that run on their own when files are added.")


@app.command("list")
def list_command(ctx: typer.Context, json_out: bool = typer.Option(False, "--json")) -> None:
    """List the rules, on and off."""
    from culturebridge import pipeline as automation

    with context(ctx).platform().db.read() as conn:
        rules = automation.list_rules(conn)
    if json_out:
        print_json([r.to_dict() for r in rules])
        return
    for r in rules:
        console.print(f"{r.id}  [{'on' if r.enabled else 'off'}]  {r.name}  —  {r.describe()}", markup=False)


@app.command("add")
def add_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="What the rule is for, e.g. 'AI derivative of a classic → review'")],
    action: Annotated[str, typer.Option(help="review, register, localize or publish")],
    ai_generated: Annotated[bool | None, typer.Option("--ai/--not-ai", help="Only AI-generated (or only other) works")] = None,
    derived: Annotated[bool | None, typer.Option("--derived/--original", help="Only derivatives (or only originals)")] = None,
    protection: Annotated[list[str] | None, typer.Option(help="IP protection of the work or a source: classic, childrens, modern")] = None,
    kind: Annotated[list[str] | None, typer.Option(help="Only works of this kind (repeatable)")] = None,
    locale: Annotated[list[str] | None, typer.Option(help="localize: a target language (repeatable)")] = None,
    engine: Annotated[str, typer.Option(help="localize: human or machine")] = "human",
    market: Annotated[list[str] | None, typer.Option(help="publish: a market such as US/en (repeatable)")] = None,
    as_user: Annotated[str | None, typer.Option("--as", help="Admin the rule acts for (default: the first admin)")] = None,
) -> None:
    """Add a rule (it is on at once)."""
    from culturebridge import pipeline as automation

    condition = automation.Condition.from_dict({"ai_generated": ai_generated, "derived": derived,
                                                "protections": protection or [], "kinds": kind or []})
    params: dict[str, object] = {}
    if action == "localize":
        params = {"locales": locale or [], "engine": engine}
    elif action == "publish":
        params = {"markets": market or []}
    with context(ctx).platform().db.write() as conn:
        rule = automation.add_rule(conn, acting_user(conn, as_user), name, condition, action, params)
    console.print(f"added rule {rule.id}: {rule.describe()}")


def _set(ctx: typer.Context, rule_id: str, enabled: bool, as_user: str | None) -> None:
    from culturebridge import pipeline as automation

    with context(ctx).platform().db.write() as conn:
        rule = automation.set_enabled(conn, acting_user(conn, as_user), rule_id, enabled)
    console.print(f"rule {rule.id} is {'on' if rule.enabled else 'off'}")


@app.command("enable")
def enable_command(ctx: typer.Context, rule_id: str,
                   as_user: Annotated[str | None, typer.Option("--as", help="Admin making the change")] = None) -> None:
    """Turn a rule on."""
    _set(ctx, rule_id, True, as_user)


@app.command("disable")
def disable_command(ctx: typer.Context, rule_id: str,
                    as_user: Annotated[str | None, typer.Option("--as", help="Admin making the change")] = None) -> None:
    """Turn a rule off."""
    _set(ctx, rule_id, False, as_user)


@app.command("remove")
def remove_command(ctx: typer.Context, rule_id: str,
                   as_user: Annotated[str | None, typer.Option("--as", help="Admin making the change")] = None) -> None:
    """Delete a rule (what it did stays recorded)."""
    from culturebridge import pipeline as automation

    with context(ctx).platform().db.write() as conn:
        automation.remove_rule(conn, acting_user(conn, as_user), rule_id)
    console.print(f"removed rule {rule_id}")


@app.command("runs")
def runs_command(ctx: typer.Context, work_id: str, json_out: bool = typer.Option(False, "--json")) -> None:
    """What rules did to a work, and why (newest first)."""
    from dataclasses import asdict

    from culturebridge import catalog
    from culturebridge import pipeline as automation

    with context(ctx).platform().db.read() as conn:
        catalog.get_work(conn, work_id)
        runs = automation.runs_of(conn, work_id)
    if json_out:
        print_json([asdict(r) for r in runs])
        return
    for r in runs:
        console.print(f"{r.at:%Y-%m-%d %H:%M}  {r.outcome:<8} {r.rule_name}: {r.detail}")
