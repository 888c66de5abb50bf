"""`culturebridge insight ...` and `culturebridge events import`: market index, work analytics,
experiments, analytics-export imports, and bulk first-party events."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="Insight: market index, creator analytics, localization experiments.", no_args_is_help=True)
events_app = typer.Typer(help="First-party audience events.", no_args_is_help=True)
experiment_app = typer.Typer(help="Localization experiments: two versions of a work in one market.",
                             no_args_is_help=True)
app.add_typer(experiment_app, name="experiment")

AsJson = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]


def _fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


@app.command("index")
def index_cmd(
    ctx: typer.Context,
    market: Annotated[str | None, typer.Option("--market", help="Only this market (COUNTRY/lang).")] = None,
    weights: Annotated[Path | None, typer.Option("--weights", help="YAML/JSON file of name: weight pairs.")] = None,
    as_json: AsJson = False,
) -> None:
    """The market index: Reach, Resonance, Influence, interval, rank and rank interval per market."""
    from culturebridge.cli._context import context, print_json
    from culturebridge.feed import check_market
    from culturebridge.insight import load, load_weights_file, market_index, reweight

    method = load()
    if weights is not None:
        method = reweight(method, load_weights_file(weights))
    with context(ctx).platform().db.read() as conn:
        result = market_index(conn, method, market=None if market is None else check_market(market))
    if as_json:
        print_json(result.to_dict())
        return
    typer.echo(f"market index, methodology {method.version}" + (" (re-weighted)" if method.reweighted else "")
               + f"; markets under {method.min_viewers} viewers are not ranked")
    if not result.markets:
        typer.echo("no audience events yet")
    for m in result.markets:
        if not m.enough_data or m.index is None:
            typer.echo(f"  {m.market:<8} not enough data ({m.viewers} viewers)")
            continue
        assert m.rank_interval is not None and m.reach and m.resonance and m.influence
        typer.echo(f"  #{m.rank} {m.market:<8} index {m.index.value:5.1f} [{m.index.low:.1f}, {m.index.high:.1f}]  "
                   f"reach {m.reach.value:5.1f}  resonance {m.resonance.value:5.1f}  influence {m.influence.value:5.1f}"
                   f"  rank interval {m.rank_interval[0]}-{m.rank_interval[1]}  viewers {m.viewers}")


@app.command("work")
def work_cmd(
    ctx: typer.Context,
    work_id: Annotated[str, typer.Argument(help="Id of the work.", metavar="WORK")],
    as_json: AsJson = False,
) -> None:
    """A work's funnel, rates with intervals, retention, feed reasons and comments per market."""
    from culturebridge.cli._context import context, print_json
    from culturebridge.insight import work_report

    with context(ctx).platform().db.read() as conn:
        report = work_report(conn, work_id)
    if as_json:
        print_json(report.to_dict())
        return
    typer.echo(f"{report.title} ({report.work_id}) - first-party figures")
    for m in report.markets:
        f = m.funnel
        typer.echo(f"  {m.market} [{m.version if m.version == 'original' else 'localized: ' + m.version_title}]"
                   + ("" if m.enough_data else "  (not enough data)"))
        typer.echo(f"    funnel  impressions {f['impressions']} > views {f['views']} > half {f['half']} > "
                   f"completed {f['completed']} > likes {f['likes']} / shares {f['shares']} / follows {f['follows']}")
        for name, fig in m.rates.items():
            if fig is not None:
                typer.echo(f"    {name:<24} {fig.value:.3f} [{fig.low:.3f}, {fig.high:.3f}]")
        typer.echo("    retention " + " ".join(f"{x:.2f}" for x in m.retention[::4]) + "  (0%, 20%, ... 100%)")
        for reason, (engaged, skipped) in sorted(m.reasons.items()):
            typer.echo(f"    served by {reason:<12} engaged {engaged}  skipped {skipped}")
        if m.discount is not None:
            typer.echo(f"    cultural discount {m.discount:+.2f}")
        for c in m.comments[:5]:
            s = "not scored" if c["sentiment"] is None else f"{c['sentiment']:+.2f}"
            typer.echo(f"    comment [{c['language'] or '?'} {s}] {c['text'][:80]}")
        if m.held_comments:
            typer.echo(f"    {m.held_comments} comment(s) held or rejected by moderation")
    for row in report.external:
        typer.echo(f"  external {row['source']} {row['dimension']} {row['key']}: {row['metric']} = {row['value']}")


@app.command("discount")
def discount_cmd(ctx: typer.Context, as_json: AsJson = False) -> None:
    """Cultural-discount diagnostic: 1 - completion(t,m) / median completion in m, outside the home language."""
    from culturebridge.cli._context import context, print_json
    from culturebridge.insight import cultural_discount, discount_summary

    with context(ctx).platform().db.read() as conn:
        rows = cultural_discount(conn)
    summary = discount_summary(rows)
    if as_json:
        print_json({"works": rows, "summary": summary})
        return
    if not rows:
        typer.echo("not enough views outside home markets yet")
    for by, groups in summary.items():
        typer.echo(f"median discount by {by}: " + "; ".join(f"{k} {g['median']:+.2f} ({g['works']:.0f})"
                                                          for k, g in groups.items()))
    for r in rows:
        typer.echo(f"  {r['market']:<8} {r['title'][:30]:<30} {r['variant']:<24} {r['ip'][:16]:<16} "
                   f"completion {r['completion']:.2f} vs {r['baseline']:.2f}  discount {r['discount']:+.2f}"
                   + (f" [{r['ci'][0]:+.2f}, {r['ci'][1]:+.2f}]" if r["ci"] else ""))


@app.command("rebuild")
def rebuild_cmd(ctx: typer.Context) -> None:
    """Recompute every roll-up from the stored events and comments."""
    from culturebridge.cli._context import context
    from culturebridge.insight import rebuild

    with context(ctx).platform().db.write() as conn:
        n = rebuild(conn)
    typer.echo(f"rolled up {n} event(s)")


@app.command("import")
def import_cmd(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="youtube or tiktok.", metavar="SOURCE")],
    file: Annotated[Path, typer.Argument(help="The CSV export.", metavar="FILE")],
    work: Annotated[str, typer.Option("--work", help="Id of the work the export is about.")],
    as_json: AsJson = False,
) -> None:
    """Import a YouTube Studio (advanced mode) or TikTok analytics CSV export for a work."""
    from culturebridge.cli._context import context, print_json
    from culturebridge.insight.external import import_export

    with context(ctx).platform().db.write() as conn:
        result = import_export(conn, source, file, work)
    if as_json:
        print_json(result)
        return
    typer.echo(f"imported {result['rows']} row(s), {result['figures']} figure(s) from {source} for {work} "
               "(kept apart from first-party figures)")


@experiment_app.command("create")
def experiment_create(
    ctx: typer.Context,
    work_id: Annotated[str, typer.Argument(help="The work.", metavar="WORK")],
    market: Annotated[str, typer.Option("--market", help="Market, COUNTRY/lang.")],
    variant_a: Annotated[str, typer.Option("--a", help="Work id of version A (e.g. the literal title).")],
    variant_b: Annotated[str, typer.Option("--b", help="Work id of version B (e.g. the transliterated title).")],
    metric: Annotated[str, typer.Option(help="Primary metric: completion or follow.")] = "completion",
    alpha: Annotated[float, typer.Option(help="False-positive rate of the sequential test.")] = 0.05,
    as_json: AsJson = False,
) -> None:
    """Start an experiment (metric, alpha and the mSPRT mixing scale are fixed now: pre-registered)."""
    from culturebridge import catalog
    from culturebridge.cli._context import context, print_json
    from culturebridge.feed import check_market
    from culturebridge.insight import create

    with context(ctx).platform().db.write() as conn:
        for w in (work_id, variant_a, variant_b):
            catalog.get_work(conn, w)
        e = create(conn, work_id, check_market(market), variant_a, variant_b, metric=metric, alpha=alpha)
    if as_json:
        print_json({"id": e.id, "work_id": e.work_id, "market": e.market, "metric": e.metric, "alpha": e.alpha})
        return
    typer.echo(f"experiment {e.id}: {e.work_id} in {e.market}, A={e.variant_a} vs B={e.variant_b}, {e.metric}")


@experiment_app.command("show")
def experiment_show(
    ctx: typer.Context,
    experiment_id: Annotated[str, typer.Argument(help="Experiment id.", metavar="EXPERIMENT")],
    as_json: AsJson = False,
) -> None:
    """The result so far: rates per variant, difference, always-valid interval and p-value."""
    from culturebridge.cli._context import context, print_json
    from culturebridge.insight import analyze

    with context(ctx).platform().db.write() as conn:
        result = analyze(conn, experiment_id).to_dict()
    if as_json:
        print_json(result)
        return
    typer.echo(f"{result['id']} ({result['status']}): {result['decision']}")
    for v in ("A", "B"):
        arm = result["arms"][v]
        typer.echo(f"  {v} {result['variants'][v]}: {arm['viewers']} viewers, completion "
                   f"{result['rates'][v]['completion']:.3f}, follow {result['rates'][v]['follow']:.3f}")
    iv = result["interval"]
    typer.echo(f"  {result['metric']} difference B-A {result['difference'][result['metric']]:+.3f}, always-valid "
               f"{1 - result['alpha']:.0%} interval " + ("-" if iv is None else f"[{iv[0]:+.3f}, {iv[1]:+.3f}]")
               + f", p = {result['p_value']:.4f}")


@experiment_app.command("list")
def experiment_list(ctx: typer.Context, as_json: AsJson = False) -> None:
    """Every experiment with its status."""
    from culturebridge.cli._context import context, print_json
    from culturebridge.insight import list_experiments

    with context(ctx).platform().db.read() as conn:
        rows = [{"id": e.id, "work_id": e.work_id, "market": e.market, "status": e.status, "outcome": e.outcome}
                for e in list_experiments(conn)]
    if as_json:
        print_json(rows)
        return
    if not rows:
        typer.echo("no experiments")
    for r in rows:
        typer.echo(f"  {r['id']}  {r['work_id']}  {r['market']}  {r['status']}  {r['outcome']}")


@events_app.command("import")
def events_import(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A .jsonl or .csv file of events.", metavar="FILE")],
    as_json: AsJson = False,
) -> None:
    """Bulk-load first-party events: idempotent by event_id, all or nothing, errors name the line."""
    from culturebridge.cli._context import context, print_json
    from culturebridge.insight.importfile import import_events

    cli = context(ctx)
    result = import_events(cli.platform(), file, max_events=cli.settings().insight_import_max_events)
    out = {"lines": result.lines, "stored": result.stored, "duplicates": result.duplicates,
           "held_comments": result.held_comments}
    if as_json:
        print_json(out)
        return
    typer.echo(f"imported {result.stored} new event(s) from {result.lines} line(s); {result.duplicates} already "
               f"stored; {result.held_comments} comment(s) held by moderation")
