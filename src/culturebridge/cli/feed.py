"""`culturebridge feed ...`: offline evaluation and the audience simulator from the command line."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal, cast

import typer

from culturebridge.errors import InvalidFeedRequest

app = typer.Typer(
    help="Recommender feed: publish works, refresh the feed, offline evaluation, audience simulation.", no_args_is_help=True
)

DATASETS = ("ml-100k",)
PROTOCOLS = ("msr", "time")
MODELS = ("ease", "als", "bpr", "pop")
DIVERSITY = ("none", "mmr", "dpp")
ALLOCATIONS = ("uniform", "cost_aware", "hindsight")


def _choice(value: str, allowed: tuple[str, ...], what: str) -> str:
    if value not in allowed:
        raise InvalidFeedRequest(
            f"unknown {what} {value!r}", hint=f"use one of: {', '.join(allowed)}"
        )
    return value


def _print_metrics(title: str, d: dict[str, Any]) -> None:
    typer.echo(title)
    for key, val in d.items():
        if isinstance(val, float):
            typer.echo(f"  {key:<22} {val:.4f}")
        elif not isinstance(val, dict):
            typer.echo(f"  {key:<22} {val}")


@app.command("eval")
def eval_cmd(
    dataset: Annotated[
        str, typer.Option(help="Data set: ml-100k (MovieLens-100K from the recbole wheel).")
    ] = "ml-100k",
    protocol: Annotated[
        str, typer.Option(help="Split: msr (random 75/25 per user) or time (global).")
    ] = "msr",
    model: Annotated[str, typer.Option(help="Model: ease, als, bpr or pop.")] = "ease",
    explore: Annotated[
        float, typer.Option(help="Share of slots for break-out exploration, 0-1.")
    ] = 0.0,
    allocation: Annotated[
        str,
        typer.Option(
            help="Exploration slots per viewer: uniform; cost_aware (paced online, as served); "
            "hindsight (the offline optimum under the same total share)."
        ),
    ] = "cost_aware",
    diversity: Annotated[str, typer.Option(help="Re-ranking: none, mmr or dpp.")] = "none",
    k: Annotated[int, typer.Option(help="List length for the @k metrics.")] = 10,
    seed: Annotated[int, typer.Option(help="Seed of the split and of exploration.")] = 42,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Evaluate a model on a split, with the popularity baseline from the same run."""
    from culturebridge.feed.dataset import load_movielens_100k
    from culturebridge.feed.evaluate import evaluate
    from culturebridge.feed.explore import ExploreConfig

    _choice(dataset, DATASETS, "data set")
    _choice(protocol, PROTOCOLS, "protocol")
    _choice(model, MODELS, "model")
    div = _choice(diversity, DIVERSITY, "diversity re-ranker")
    alloc = _choice(allocation, ALLOCATIONS, "exploration allocation")
    cfg = ExploreConfig(share=explore, allocation=cast(Literal["uniform", "cost_aware", "hindsight"], alloc))
    data = load_movielens_100k()
    div_mode = cast(Literal["none", "mmr", "dpp"], div)
    report = evaluate(
        data, model, protocol, k=k, explore=cfg, diversity=div_mode, seed=seed
    ).to_dict()
    base = evaluate(data, "pop", protocol, k=k, seed=seed).to_dict()
    report["dataset"] = dataset
    report["baseline"] = base
    if as_json:
        typer.echo(json.dumps(report, sort_keys=True))
        return
    _print_metrics(f"{model} on {dataset} ({protocol} split)", report)
    _print_metrics("popularity baseline, same split", base)


@app.command("simulate")
def simulate_cmd(
    viewers: Annotated[int, typer.Option(help="Synthetic viewers per country.")] = 60,
    rounds: Annotated[int, typer.Option(help="Feed rounds (each refits the model).")] = 8,
    explore: Annotated[float, typer.Option(help="Exploration share for the 'on' run, 0-1.")] = 0.1,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic world.")] = 7,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Run the audience simulator with exploration off and on; report break-out follows."""
    from culturebridge.feed.simulator import SimConfig, compare

    if not 0.0 < explore <= 1.0:
        raise InvalidFeedRequest(f"exploration share {explore} is outside (0, 1]")
    if viewers > 10_000 or rounds > 100:
        raise InvalidFeedRequest(
            "simulation too large", hint="use at most 10000 viewers and 100 rounds"
        )
    off, on = compare(
        SimConfig(viewers_per_country=viewers, rounds=rounds, explore_share=explore, seed=seed)
    )
    out = {"without_exploration": off.to_dict(), "with_exploration": on.to_dict()}
    if as_json:
        typer.echo(json.dumps(out, sort_keys=True))
        return
    _print_metrics("without exploration", off.to_dict())
    _print_metrics(f"with exploration ({explore:.0%} of slots)", on.to_dict())


# --- the platform's audience feed ---------------------------------------------------------------

AsUser = Annotated[str | None, typer.Option("--as", help="Act as this user (default: the first admin).")]


@app.command("publish")
def publish_cmd(
    ctx: typer.Context,
    work_id: Annotated[str, typer.Argument(help="Id of the work to publish.", metavar="WORK")],
    market: Annotated[str, typer.Option("--market", help="Market as COUNTRY/language, e.g. US/en.")],
    as_user: AsUser = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the publication as JSON.")] = False,
) -> None:
    """Publish a work in a market (its localized version there; AI works with their label)."""
    from culturebridge.cli._context import acting_user, context, print_json
    from culturebridge.feed.publish import publish_work

    platform = context(ctx).platform()
    with platform.db.read() as conn:
        actor = acting_user(conn, as_user)
    result = publish_work(platform, actor, work_id, market)
    pub = result.publication
    out = {"work_id": pub.work_id, "market": pub.market, "served_work_id": pub.served_work_id,
           "label": pub.label or None, "files": [served for _, served in pub.assets],
           "skipped": [{"asset_id": a, "reason": r} for a, r in result.skipped]}
    if as_json:
        print_json(out)
        return
    typer.echo(f"published {pub.work_id} in {pub.market}" + (f" as {pub.served_work_id}" if pub.served_work_id != pub.work_id else "")
               + (f" [{pub.label}]" if pub.label else "") + f"; {len(pub.assets)} file(s) served")
    for asset_id, reason in result.skipped:
        typer.echo(f"  not served: {asset_id}: {reason}")


@app.command("report")
def report_cmd(
    ctx: typer.Context,
    market: Annotated[str | None, typer.Option("--market", help="One market, COUNTRY/lang (default: all).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a list of market objects.")] = False,
) -> None:
    """Per market: slots served by reason and how they ended, break-out reach and follows."""
    from culturebridge.cli._context import context, print_json
    from culturebridge.feed.report import feed_report

    with context(ctx).platform().db.read() as conn:
        reports = feed_report(conn, market)
    if as_json:
        print_json([r.to_dict() for r in reports])
        return
    if not reports:
        typer.echo("no market has been published or served yet")
    for r in reports:
        typer.echo(f"{r.market}: {r.publications} publication(s), {r.viewers} viewer(s) served, {r.served} slot(s), "
                   f"{r.exploration_share:.1%} exploration")
        for f in r.reasons:
            typer.echo(f"  {f.reason:<12} served {f.served:>6}  engaged {f.engaged:>5}  skipped {f.skipped:>5}  "
                       f"conversion {f.conversion:.1%}")
        typer.echo(f"  break-out: {r.breakout_viewers} viewer(s) shown a culture they had not engaged with, "
                   f"{r.breakout_converted_viewers} took to it, {r.breakout_follows} follow(s)")


@app.command("refresh")
def refresh_cmd(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print what was built as JSON.")] = False,
) -> None:
    """Rebuild the feed snapshots from publications and events; running servers swap them in."""
    from culturebridge.cli._context import context, print_json
    from culturebridge.feed.live import refresh_catalog

    report = refresh_catalog(context(ctx).platform())
    out = {"generation": report.generation, "markets": report.markets, "events": report.events,
           "collaborative": list(report.collaborative), "seconds": round(report.seconds, 2)}
    if as_json:
        print_json(out)
        return
    typer.echo(f"feed snapshot {report.generation}: {sum(report.markets.values())} item(s) in "
               f"{len(report.markets)} market(s), {report.events} event(s), {report.seconds:.1f} s")
    for market, items in report.markets.items():
        cf = " (collaborative filtering)" if market in report.collaborative else " (content only)"
        typer.echo(f"  {market}: {items} item(s){cf}")
