"""`culturebridge review ...`: check adaptations, submit works, run the review desk.

Heavy modules (the review checks, models, the database layer) are imported inside the
commands so `culturebridge --help` stays fast.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from culturebridge.cli._context import acting_user, context, print_json
from culturebridge.errors import DataDirNotInitialised, InvalidInput, ReviewTextInvalid

if TYPE_CHECKING:
    from culturebridge.catalog.canon import CanonCard
    from culturebridge.review.desk import StoredItem

MAX_TEXT_CHARS = 200_000  # review.findings.MAX_TEXT_CHARS (checked again by the review itself)
app = typer.Typer(help="Review AI-altered adaptations of classics against canon cards and policy packs.")


def _read_text(text: str | None, file: Path | None) -> str:
    if (text is None) == (file is None):
        raise InvalidInput("give exactly one of --text or --file")
    if text is not None:
        return text
    assert file is not None
    try:
        if file.stat().st_size > MAX_TEXT_CHARS * 4:
            raise ReviewTextInvalid(
                f"{file} is {file.stat().st_size:,} bytes, above the review limit",
                hint="split the work into episodes or chapters and review each",
            )
        return file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ReviewTextInvalid(f"{file} is not UTF-8 text", hint="convert it to UTF-8") from exc
    except OSError as exc:
        raise InvalidInput(f"cannot read {file} ({exc.strerror})") from exc


@app.command("check")
def check(
    ctx: typer.Context,
    ip: Annotated[str, typer.Option("--ip", help="IP name (canon card slug), e.g. journey-to-the-west")],
    text: Annotated[str | None, typer.Option("--text", help="The synopsis or script text")] = None,
    file: Annotated[Path | None, typer.Option("--file", help="Read the text from a UTF-8 file")] = None,
    title: Annotated[str, typer.Option("--title", help="Title of the adaptation")] = "",
    lang: Annotated[str | None, typer.Option("--lang", help="zh or en (optional; both are checked)")] = None,
    ai_generated: Annotated[bool, typer.Option("--ai-generated", help="The work is AI-generated")] = False,
    labelled: Annotated[bool, typer.Option("--labelled", help="It already carries the AI label")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the decision as JSON")] = False,
    canon_dir: Annotated[Path | None, typer.Option("--canon-dir", help="Folder of <ip>.yaml canon cards")] = None,
    policy: Annotated[str, typer.Option("--policy", help="Policy pack: cn-nrta-ai-alteration, generic-safety or a YAML path")] = "cn-nrta-ai-alteration",
    no_models: Annotated[bool, typer.Option("--no-models", help="Rules and lexicons only (no embeddings/classifiers)")] = False,
    llm_base_url: Annotated[str | None, typer.Option("--llm-base-url", help="OpenAI-compatible endpoint for the optional judge")] = None,
    llm_model: Annotated[str, typer.Option("--llm-model", help="Model name for the judge")] = "default",
    llm_api_key: Annotated[str, typer.Option("--llm-api-key", envvar="CULTUREBRIDGE_LLM_API_KEY", help="API key for the judge")] = "none",
) -> None:
    """Check one adaptation and print the decision with its findings."""
    from culturebridge.review import (
        JudgeConfig,
        LLMJudge,
        Reviewer,
        ReviewItem,
        load_models,
        load_policy,
    )

    body = _read_text(text, file)
    if lang is not None and lang not in ("zh", "en"):
        raise InvalidInput(f"--lang must be zh or en, not {lang!r}")
    pack = load_policy(policy)
    cards = _cards(ctx, canon_dir)
    judge = LLMJudge(JudgeConfig(llm_base_url, llm_model, llm_api_key)) if llm_base_url else None
    models = load_models(frames=False) if not no_models else None
    reviewer = Reviewer(pack, cards, models=models, judge=judge)
    decision = reviewer.review(
        ReviewItem(ip=ip, text=body, title=title, lang=lang, ai_generated=ai_generated, labelled=labelled)
    )
    if as_json:
        typer.echo(json.dumps(decision.to_dict(), ensure_ascii=False, indent=2))
        return
    typer.echo(f"{decision.decision.upper()}  ({decision.policy}@{decision.policy_version}, automated)")
    for reason in decision.reasons:
        typer.echo(f"  [{reason.outcome}] {reason.clause}: {reason.explanation}")
    for fix in decision.fixes:
        typer.echo(f"  fix allowed automatically: {fix}")
    for f in decision.findings:
        where = f"frame @{f.evidence.frame_time_s}s" if f.evidence.field == "frame" else f"{f.evidence.field}[{f.evidence.start}:{f.evidence.end}]"
        typer.echo(f"  - {f.severity:<6} {f.check}/{f.kind} {where} {f.evidence.quote!r}")


def _cards(ctx: typer.Context, canon_dir: Path | None) -> dict[str, CanonCard]:
    """Canon cards: --canon-dir if given, else the catalog's IPs, else the demo pack's cards."""
    from culturebridge.review import default_canon_dir, load_canon_dir

    if canon_dir is not None:
        return load_canon_dir(canon_dir)
    try:
        platform = context(ctx).platform()
    except DataDirNotInitialised:
        return load_canon_dir(default_canon_dir())
    from culturebridge.review.work_review import cards_from_db

    with platform.db.read() as conn:
        return cards_from_db(conn)


@app.command("policies")
def policies() -> None:
    """List the bundled policy packs with their versions."""
    from culturebridge.review import bundled_policies, load_policy

    for name in bundled_policies():
        pack = load_policy(name)
        typer.echo(f"{pack.name}@{pack.version}  {pack.title.get('en', '')}")


# --- the platform: submit works, the desk, audit, stats, shadow -------------------------------

AsUser = Annotated[str | None, typer.Option("--as", help="Act as this user (default: the first admin)")]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON")]


def _show(item: StoredItem, as_json: bool) -> None:
    if as_json:
        print_json(item.to_dict())
        return
    typer.echo(f"{item.id}  work {item.work_id}  {item.decision.upper()}  [{item.state}]  "
               f"{item.policy}@{item.policy_version}  (automated: {item.automated_decision})")
    for reason in item.reasons:
        typer.echo(f"  [{reason['outcome']}] {reason['clause']}: {reason['explanation']}")
    for fix in item.fixes:
        typer.echo(f"  fix allowed automatically: {fix}")


@app.command("submit")
def submit(
    ctx: typer.Context,
    work: Annotated[str, typer.Argument(help="Work id")],
    policy: Annotated[str | None, typer.Option("--policy", help="Policy pack (default: by whether the work has an IP)")] = None,
    queue: Annotated[bool, typer.Option("--queue", help="Queue a review-work job for the worker instead of reviewing now")] = False,
    no_models: Annotated[bool, typer.Option("--no-models", help="Rules and lexicons only (no embeddings/classifiers)")] = False,
    as_user: AsUser = None,
    as_json: AsJson = False,
) -> None:
    """Review a work now (or queue the job): decide automatically or send it to the desk."""
    from culturebridge.review.work_review import assess, record, submit_work

    platform = context(ctx).platform()
    if queue:
        with platform.db.write() as conn:
            job = submit_work(conn, acting_user(conn, as_user), work, policy)
        print_json({"job": job.id, "kind": job.kind}) if as_json else typer.echo(f"queued job {job.id} ({job.kind})")
        return
    models = None
    if no_models:
        from culturebridge.review import Models

        models = Models.none()
    with platform.db.read() as conn:
        actor = acting_user(conn, as_user)
        from culturebridge.catalog import get_work, require_editor

        if actor.role != "reviewer":
            require_editor(actor, get_work(conn, work))
        decision, texts = assess(conn, platform.media, work, policy=policy, models=models)
    with platform.db.write() as conn:
        item = record(conn, work, decision, texts, actor)
    _show(item, as_json)


@app.command("queue")
def queue_command(ctx: typer.Context, as_json: AsJson = False) -> None:
    """List items waiting for a human (queued or appealed, oldest first) and claimed ones."""
    from culturebridge.review.desk import list_items

    with context(ctx).platform().db.read() as conn:
        items = list_items(conn, states=("queued", "appealed", "claimed"))
    if as_json:
        print_json([i.to_dict() for i in items])
        return
    if not items:
        typer.echo("the review queue is empty")
    for item in items:
        _show(item, False)


@app.command("show")
def show(ctx: typer.Context, item: Annotated[str, typer.Argument(help="Review item id")], as_json: AsJson = False) -> None:
    """Show one review item with its findings and decisions."""
    from culturebridge.review.desk import decisions_of, get_item

    with context(ctx).platform().db.read() as conn:
        stored = get_item(conn, item)
        decisions = decisions_of(conn, item)
    if as_json:
        print_json(stored.to_dict() | {"decisions": [
            {"round": d.round, "reviewer_id": d.reviewer_id, "decision": d.decision, "clause": d.clause,
             "note": d.note, "automated": d.automated, "at": d.created_at.isoformat()} for d in decisions]})
        return
    _show(stored, False)
    for f in stored.findings:
        ev = f["evidence"]
        typer.echo(f"  - {f['severity']:<6} {f['check']}/{f['kind']} [{f.get('lang', '')}] {ev.get('quote', '')!r}")
    for d in decisions:
        who = "automated" if d.automated else d.reviewer_id
        typer.echo(f"  round {d.round}: {d.decision} by {who} {d.clause or ''} {d.note}")


@app.command("claim")
def claim_command(
    ctx: typer.Context,
    item: Annotated[str | None, typer.Argument(help="Item id (default: the oldest one you may take)")] = None,
    as_user: AsUser = None,
    as_json: AsJson = False,
) -> None:
    """Claim the next item in the queue (or a named one) for a reviewer."""
    from culturebridge.review.desk import claim, claim_next

    platform = context(ctx).platform()
    with platform.db.write() as conn:
        reviewer = acting_user(conn, as_user)
        got = claim(conn, reviewer, item) if item else claim_next(conn, reviewer, lock=not platform.db.is_sqlite)
    if got is None:
        print_json(None) if as_json else typer.echo("nothing to claim")
        return
    _show(got, as_json)


@app.command("decide")
def decide_command(
    ctx: typer.Context,
    item: Annotated[str, typer.Argument(help="Review item id (claimed by you)")],
    decision: Annotated[str, typer.Option("--decision", help="pass or reject")],
    clause: Annotated[str | None, typer.Option("--clause", help="Policy clause the decision applies")] = None,
    note: Annotated[str, typer.Option("--note", help="Note for the record")] = "",
    as_user: AsUser = None,
    as_json: AsJson = False,
) -> None:
    """Record a reviewer's decision on an item they hold."""
    from culturebridge.jobs import set_status
    from culturebridge.review.desk import decide_item, get_item
    from culturebridge.review.policy import load_policy
    from culturebridge.review.work_review import stage_state

    with context(ctx).platform().db.write() as conn:
        stored = get_item(conn, item)
        done = decide_item(conn, acting_user(conn, as_user), item, decision, clause, note,
                           load_policy(stored.policy).clauses)
        set_status(conn, done.work_id, "review", *stage_state(done))
    _show(done, as_json)


@app.command("appeal")
def appeal_command(
    ctx: typer.Context,
    item: Annotated[str, typer.Argument(help="Review item id of your work")],
    reason: Annotated[str, typer.Option("--reason", help="Why the decision is wrong")],
    as_user: AsUser = None,
) -> None:
    """Appeal a decision on your work; another reviewer will decide it."""
    from culturebridge.jobs import set_status
    from culturebridge.review.desk import appeal, get_item
    from culturebridge.review.work_review import stage_state

    with context(ctx).platform().db.write() as conn:
        got = appeal(conn, acting_user(conn, as_user), item, reason)
        set_status(conn, get_item(conn, item).work_id, "review", *stage_state(get_item(conn, item)))
    typer.echo(f"appeal {got.id} queued for a different reviewer")


@app.command("audit")
def audit_command(
    ctx: typer.Context,
    item: Annotated[str | None, typer.Option("--item", help="Only this item")] = None,
    work: Annotated[str | None, typer.Option("--work", help="Only this work")] = None,
    fmt: Annotated[str, typer.Option("--format", help="text, csv or json")] = "text",
    limit: Annotated[int, typer.Option("--limit", help="At most this many entries")] = 500,
) -> None:
    """Print the append-only review audit log (newest first)."""
    from culturebridge.review.audit import FIELDS, list_audit, to_csv

    if fmt not in ("text", "csv", "json"):
        raise InvalidInput(f"--format must be text, csv or json, not {fmt!r}")
    with context(ctx).platform().db.read() as conn:
        rows = [e.to_dict() for e in list_audit(conn, item_id=item, work_id=work, limit=limit)]
    if fmt == "json":
        print_json(rows)
    elif fmt == "csv":
        typer.echo(to_csv(rows, FIELDS), nl=False)
    else:
        for r in rows:
            who = "automated" if r["automated"] else r["actor"]
            typer.echo(f"{r['at']}  {who:<10} {r['action']:<18} {r['item_id'] or ''} {r['decision'] or ''} "
                       f"{r['clause'] or ''} {r['policy'] or ''}@{r['policy_version'] or ''} {r['detail'] or ''}")


@app.command("stats")
def stats_command(ctx: typer.Context, as_json: AsJson = False) -> None:
    """Queue sizes, decisions, appeal outcomes and reviewer agreement (Cohen's kappa)."""
    from culturebridge.review.stats import desk_stats

    with context(ctx).platform().db.read() as conn:
        stats = desk_stats(conn)
    if as_json:
        print_json(stats)
        return
    for key, value in stats.items():
        typer.echo(f"{key}: {value}")


@app.command("shadow")
def shadow_command(
    ctx: typer.Context,
    policy: Annotated[str, typer.Option("--policy", help="Candidate policy: bundled name or YAML path")],
    version: Annotated[str | None, typer.Option("--version", help="The candidate's version (checked against the file)")] = None,
    no_models: Annotated[bool, typer.Option("--no-models", help="Rules and lexicons only")] = False,
    as_json: AsJson = False,
) -> None:
    """Replay past review items under a candidate policy version; show what would change."""
    from culturebridge.review import Models, load_models
    from culturebridge.review.shadow_db import candidate_policy, shadow_from_db

    pack = candidate_policy(policy, version)
    with context(ctx).platform().db.read() as conn:
        report = shadow_from_db(conn, pack, Models.none() if no_models else load_models(frames=False))
    if as_json:
        print_json(report.to_dict())
        return
    typer.echo(f"{report.policy}@{report.candidate_version}: {report.changed} of {report.total} items would change")
    for key, n in sorted(report.transitions.items()):
        typer.echo(f"  {key}: {n}")
    for change in report.changes:
        typer.echo(f"  {change.item_id}: {change.before} -> {change.after}  {'; '.join(change.reasons)[:200]}")

