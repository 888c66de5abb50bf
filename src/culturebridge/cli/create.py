"""`create` commands: canon-grounded AI drafts of a work, their versions, attempts and endpoints."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import typer

from culturebridge.catalog import get_work, require_viewer
from culturebridge.cli._context import acting_user, console, context, err_console, print_json
from culturebridge.create import (
    KINDS,
    STORY_FORMS,
    Attempt,
    Draft,
    DraftRequest,
    DraftResult,
    Options,
    cancel,
    draft_of_work,
    drafts_of_source,
    get_draft,
    list_attempts,
    make_draft,
    next_version,
    parse_endpoints,
    queue_attempt,
    run_attempt,
    start,
)
from culturebridge.errors import InvalidInput
from culturebridge.platform import Platform
from culturebridge.review import Models

app = typer.Typer(help="Canon-grounded AI drafts born with lineage, labels and review.", no_args_is_help=True)

JsonOpt = typer.Option(False, "--json", help="Print JSON for scripts.")
AsOpt = typer.Option(None, "--as", help="Act as this user (default: the first admin).")
EndpointOpt = typer.Option(None, "--endpoint", help="NAME from create_endpoints, or BASE_URL[@MODEL].")
QueueOpt = typer.Option(False, "--queue", help="Run as a background job (see `jobs list`) instead of now.")
NoModelsOpt = typer.Option(False, "--no-models", help="Review with rules and lexicons only (faster).")
SeedOpt = typer.Option(None, "--seed", help="Seed sent to the endpoints.")


def _progress(message: str) -> None:
    err_console.print(f"  {message}", markup=False)


def _options(form: str, seconds: int, scenes: int, subtitles: str, seed: int | None, size: str | None,
             platform: Platform) -> Options:
    if subtitles not in ("burned", "track"):
        raise InvalidInput("--subtitles is burned or track")
    return Options(form=form, seconds=seconds, scenes=scenes, subtitles=subtitles,  # type: ignore[arg-type]
                   seed=seed, image_size=size or platform.settings.create_image_size)


def _print_result(result: DraftResult, json_out: bool) -> None:
    if json_out:
        print_json(result.to_dict())
        return
    console.print(f"draft {result.draft_id} v{result.version}: work {result.work_id} ({result.kind}) "
                  f"from {result.source_id}", markup=False)
    for asset, label in zip(result.assets, result.labels, strict=True):
        c2pa = f", C2PA {label['c2pa']} ({label['c2pa_action']})" if label["c2pa"] else ""
        console.print(f"  {asset['id']} {asset['name']} {asset['media_type']}: AIGC Label {label['label']['Label']} "
                      f"by {label['label']['ContentProducer']}{c2pa}", markup=False)
    console.print(f"  review: {result.review['decision']} ({result.review['policy']}@{result.review['policy_version']})",
                  markup=False)
    for reason in result.review.get("reasons", []):
        console.print(f"    {reason['clause']}: {reason['explanation']}", markup=False)


def _run_or_queue(platform: Platform, actor_name: str | None, attempt: Attempt, queue: bool, no_models: bool,
                  json_out: bool) -> None:
    if queue:
        with platform.db.write() as conn:
            job = queue_attempt(conn, attempt)
        if json_out:
            print_json({"attempt_id": attempt.id, "job_id": job.id, "state": "queued"})
        else:
            console.print(f"attempt {attempt.id} queued as job {job.id}", markup=False)
        return
    with platform.db.read() as conn:
        actor = acting_user(conn, actor_name)
    result = run_attempt(platform, actor, attempt, environ=os.environ,
                         review_models=Models.none() if no_models else None,
                         progress=None if json_out else _progress)
    _print_result(result, json_out)


@app.command("draft")
def draft_command(
    ctx: typer.Context,
    source: str = typer.Option(..., "--from", help="The source work's ID."),
    kind: str = typer.Option(..., "--kind", help=f"One of {', '.join(KINDS)}."),
    brief: str = typer.Option("", "--brief", help="What to make (the instruction); checked against the policy first."),
    market: str | None = typer.Option(None, "--market", help="Target market COUNTRY/lang (needed for --kind brief)."),
    endpoint: str | None = EndpointOpt,
    form: str = typer.Option("synopsis", "--form", help=f"Story form: {', '.join(STORY_FORMS)}."),
    seconds: int = typer.Option(30, "--seconds", help="Motion comic length."),
    scenes: int = typer.Option(6, "--scenes", help="Motion comic scenes (one still each)."),
    subtitles: str = typer.Option("burned", "--subtitles", help="Motion comic subtitles: burned or track."),
    seed: int | None = SeedOpt,
    size: str | None = typer.Option(None, "--size", help="Image size WIDTHxHEIGHT (default create_image_size)."),
    queue: bool = QueueOpt,
    no_models: bool = NoModelsOpt,
    as_user: str | None = AsOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Generate a draft from a work: labelled, signed, stored as its AI adaptation, reviewed."""
    platform = context(ctx).platform()
    with platform.db.read() as conn:
        actor = acting_user(conn, as_user)
    request = DraftRequest(source, kind, brief, market, endpoint,
                           _options(form, seconds, scenes, subtitles, seed, size, platform))
    if queue:
        attempt = start(platform, actor, request, state="queued")
        _run_or_queue(platform, as_user, attempt, True, no_models, json_out)
        return
    result = make_draft(platform, actor, request, environ=os.environ,
                        review_models=Models.none() if no_models else None,
                        progress=None if json_out else _progress)
    _print_result(result, json_out)


@app.command("regenerate")
def regenerate_command(
    ctx: typer.Context,
    draft: str = typer.Argument(..., help="The draft's ID."),
    brief: str | None = typer.Option(None, "--brief", help="A new brief (default: the latest version's)."),
    endpoint: str | None = EndpointOpt,
    queue: bool = QueueOpt,
    no_models: bool = NoModelsOpt,
    as_user: str | None = AsOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Make a new version from the source again (kept beside the others in the lineage graph)."""
    platform = context(ctx).platform()
    with platform.db.read() as conn:
        actor = acting_user(conn, as_user)
    attempt = next_version(platform, actor, draft, action="regenerated", brief=brief, endpoint=endpoint,
                           state="queued" if queue else "running")
    _run_or_queue(platform, as_user, attempt, queue, no_models, json_out)


@app.command("edit")
def edit_command(
    ctx: typer.Context,
    draft: str = typer.Argument(..., help="The draft's ID."),
    brief: str | None = typer.Option(None, "--brief", help="What to change (regenerated from the latest version)."),
    text_file: str | None = typer.Option(None, "--text-file", help="Edited text of a story or brief (UTF-8)."),
    endpoint: str | None = EndpointOpt,
    queue: bool = QueueOpt,
    no_models: bool = NoModelsOpt,
    as_user: str | None = AsOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Edit the latest version (C2PA c2pa.edited; the new version derives from it)."""
    if (brief is None) == (text_file is None):
        raise InvalidInput("give --brief (what to change) or --text-file (the edited text)")
    text = None
    if text_file is not None:
        try:
            text = Path(text_file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidInput(f"cannot read {text_file}: {exc}") from None
    platform = context(ctx).platform()
    with platform.db.read() as conn:
        actor = acting_user(conn, as_user)
    attempt = next_version(platform, actor, draft, action="edited", brief=brief, endpoint=endpoint,
                           edited_text=text, state="queued" if queue else "running")
    _run_or_queue(platform, as_user, attempt, queue, no_models, json_out)


def _draft_dict(draft: Draft) -> dict[str, Any]:
    return {"id": draft.id, "source_id": draft.source_id, "kind": draft.kind, "market": draft.market,
            "versions": [{"number": v.number, "work_id": v.work_id, "parent_work_id": v.parent_work_id,
                          "action": v.action, "brief": v.brief, "created_at": v.created_at.isoformat(),
                          "record": v.record} for v in draft.versions]}


@app.command("show")
def show_command(
    ctx: typer.Context,
    draft: str = typer.Argument(..., help="A draft's ID, or the work ID of one of its versions."),
    as_user: str | None = AsOpt,
    json_out: bool = JsonOpt,
) -> None:
    """A draft's versions with their briefs, models and lineage parents."""
    platform = context(ctx).platform()
    with platform.db.read() as conn:
        actor = acting_user(conn, as_user)
        found = draft_of_work(conn, draft) if draft.startswith("w-") else get_draft(conn, draft)
        if found is None:
            found = get_draft(conn, draft)
        require_viewer(actor, get_work(conn, found.source_id))
    if json_out:
        print_json(_draft_dict(found))
        return
    console.print(f"draft {found.id} ({found.kind}) from {found.source_id}", markup=False)
    for v in found.versions:
        endpoint = (v.record.get("endpoint") or {}).get("name", "human edit")
        console.print(f"  v{v.number} {v.action:<11} work {v.work_id} <- {v.parent_work_id} via {endpoint}: "
                      f"{v.brief[:60]}", markup=False)


@app.command("list")
def list_command(
    ctx: typer.Context,
    work: str = typer.Argument(..., help="The source work's ID."),
    as_user: str | None = AsOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Drafts made from a work."""
    platform = context(ctx).platform()
    with platform.db.read() as conn:
        require_viewer(acting_user(conn, as_user), get_work(conn, work))
        drafts = drafts_of_source(conn, work)
    if json_out:
        print_json([_draft_dict(d) for d in drafts])
        return
    for d in drafts:
        console.print(f"{d.id} {d.kind} {len(d.versions)} version(s), latest work {d.latest.work_id}", markup=False)


@app.command("attempts")
def attempts_command(
    ctx: typer.Context,
    work: str | None = typer.Option(None, "--work", help="Only attempts on this source work."),
    limit: int = typer.Option(20, "--limit", help="How many, newest first."),
    json_out: bool = JsonOpt,
) -> None:
    """The generation log: every attempt, including refused, failed and cancelled ones."""
    platform = context(ctx).platform()
    with platform.db.read() as conn:
        attempts = list_attempts(conn, source_id=work, limit=limit)
    if json_out:
        print_json([a.to_dict() for a in attempts])
        return
    for a in attempts:
        console.print(f"{a.id} {a.created_at:%Y-%m-%d %H:%M} {a.kind} {a.action} {a.state}"
                      + (f": {a.error[:120]}" if a.error else f" ({a.step})" if a.step else ""), markup=False)


@app.command("cancel")
def cancel_command(
    ctx: typer.Context,
    attempt: str = typer.Argument(..., help="The attempt's ID (see `create attempts`)."),
    as_user: str | None = AsOpt,
) -> None:
    """Cancel a queued or running generation; it stops at its next step and saves nothing."""
    platform = context(ctx).platform()
    with platform.db.read() as conn:
        actor = acting_user(conn, as_user)
    done = cancel(platform, actor, attempt)
    console.print(f"attempt {done.id}: {done.state}" + (" (stops at its next step)" if done.state == "running" else ""),
                  markup=False)


@app.command("endpoints")
def endpoints_command(ctx: typer.Context, json_out: bool = JsonOpt) -> None:
    """The configured generation endpoints (keys are never shown)."""
    settings = context(ctx).settings()
    named = parse_endpoints(settings.create_endpoints, os.environ)
    rows = [{**e.record(), "key": "set" if e.api_key else "none", "default": e.name == settings.create_endpoint}
            for e in named.values()]
    if json_out:
        print_json(rows)
        return
    for r in rows:
        console.print(f"{r['name']}{' (default)' if r['default'] else ''}: {r['base_url']} chat={r['chat_model']} "
                      f"images={r['image_model']} speech={r['speech_model']} key={r['key']}", markup=False)
