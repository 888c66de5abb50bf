"""`culturebridge audit ...`: ask several AI endpoints a question set in several languages and compare."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from culturebridge.cli._context import acting_user, context, err_console, print_json

app = typer.Typer(help="Perspective audit: run a question set across AI endpoints and languages, report, diff.",
                  no_args_is_help=True)


def _set_path(value: str) -> Path:
    from culturebridge.audit import bundled_set_path

    path = Path(value)
    if not path.exists() and "/" not in value and bundled_set_path(value.removesuffix(".yaml")).exists():
        return bundled_set_path(value.removesuffix(".yaml"))
    return path


def _progress(done: int, total: int) -> None:
    err_console.print(f"audit: {done}/{total} cells", markup=False)


def _write_outputs(report: dict[str, Any], html_out: Path | None, json_out: Path | None, locale: str) -> None:
    from culturebridge.audit.html import standalone_page
    from culturebridge.web.i18n import translator

    if html_out is not None:
        html_out.write_text(standalone_page(report, translator(locale), "zh-Hans" if locale == "zh" else "en"),
                            encoding="utf-8")
    if json_out is not None:
        json_out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")


def _print_summary(report: dict[str, Any]) -> None:
    typer.echo(f"run {report['run_id']}  set {report['set']['id']} v{report['set']['version']}  "
               f"samples {report['samples']}")
    for name, langs in report["endpoints"].items():
        for lang, v in langs.items():
            rate = "–" if v["refusal_rate"] is None else f"{v['refusal_rate']:.2f}"
            fails = ", ".join(f"{k} {n}" for k, n in v["failures"].items()) or "none"
            typer.echo(f"  {name:<14} {lang:<8} refusal {rate}  answers {v['answers']}  failures {fails}")
    for p in report["pairs"]:
        if p["similarity"] is None:
            continue
        label = (f"{p['a']} ↔ {p['b']} {p['language']}" if p["kind"] == "endpoints"
                 else f"{p['endpoint']} {p['a']} ↔ {p['b']}")
        typer.echo(f"  similarity {label}: {p['similarity']:.3f} ({p['questions']} questions)")


@app.command("validate")
def validate_command(question_set: Annotated[str, typer.Argument(help="Question-set YAML (or a bundled set's name).")]) -> None:
    """Check a question set; print its size, or one line naming the bad question and field."""
    from culturebridge.audit import load_question_set

    qset = load_question_set(_set_path(question_set))
    choice = sum(q.is_choice for q in qset.questions)
    typer.echo(f"{qset.id} v{qset.version}: {len(qset.questions)} questions ({choice} multiple choice), "
               f"languages {', '.join(qset.languages)}, topics {', '.join(qset.topics)}")


@app.command("run")
def run_command(
    ctx: typer.Context,
    question_set: Annotated[str, typer.Argument(help="Question-set YAML (or a bundled set's name).")],
    endpoint: Annotated[list[str], typer.Option("--endpoint", "-e", help="NAME=BASE_URL[@MODEL]; repeat.")],
    lang: Annotated[list[str] | None, typer.Option("--lang", help="Language to ask in; repeat (default: all).")] = None,
    samples: Annotated[int, typer.Option(help="Samples per question, language and endpoint.")] = 1,
    judge: Annotated[list[str] | None, typer.Option(
        "--judge", help="Judge: an --endpoint NAME or NAME=BASE_URL[@MODEL]; repeat for a panel.")] = None,
    concurrency: Annotated[int | None, typer.Option(help="Requests in flight per endpoint (default: setting).")] = None,
    temperature: Annotated[float, typer.Option(help="Sampling temperature sent to the endpoints.")] = 0.7,
    max_tokens: Annotated[int, typer.Option(help="Longest answer asked for, in tokens.")] = 400,
    rpm: Annotated[int, typer.Option(help="Requests per minute per endpoint at most (0: no limit).")] = 0,
    as_user: Annotated[str | None, typer.Option("--as", help="Account the run is recorded under.")] = None,
    html_out: Annotated[Path | None, typer.Option("--html", help="Write the HTML report here.")] = None,
    json_out: Annotated[Path | None, typer.Option("--report-json", help="Write the full JSON report here.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print run_id, endpoints and pairs as JSON.")] = False,
) -> None:
    """Ask every question in every language of every endpoint (K samples), then report."""
    from culturebridge.audit import (
        Limits,
        RetryPolicy,
        RunConfig,
        get_run,
        json_summary,
        load_question_set,
        run_audit,
    )
    from culturebridge.audit.endpoints import api_key, parse_endpoint

    cli = context(ctx)
    settings = cli.settings()
    qset = load_question_set(_set_path(question_set))
    per = concurrency if concurrency is not None else settings.audit_concurrency
    endpoints = tuple(parse_endpoint(e, concurrency=per, temperature=temperature, max_tokens=max_tokens, rpm=rpm)
                      for e in endpoint)
    by_name = {e.name: e for e in endpoints}
    judges = tuple(by_name[j] if j in by_name else parse_endpoint(j, concurrency=per, max_tokens=max_tokens, rpm=rpm)
                   for j in judge or [])
    languages = tuple(lang) if lang else qset.languages
    config = RunConfig(endpoints, languages, samples, judges)
    keys = {e.name: api_key(e.name, settings.llm_api_key) for e in (*endpoints, *judges)}
    limits = Limits(float(settings.audit_timeout), RetryPolicy(settings.audit_retries))
    platform = cli.platform()
    with platform.db.read() as conn:
        user = acting_user(conn, as_user)
    run_id = run_audit(platform.db, qset, config, keys=keys, limits=limits, created_by=user.id,
                       progress=None if as_json else _progress,
                       on_created=lambda rid: err_console.print(f"audit: run {rid} (resume with "
                                                                f"`culturebridge audit resume {rid}`)", markup=False))
    with platform.db.read() as conn:
        report = get_run(conn, run_id).summary or {}
    _write_outputs(report, html_out, json_out, settings.default_locale)
    if as_json:
        print_json(json_summary(report))
    else:
        _print_summary(report)


@app.command("resume")
def resume_command(
    ctx: typer.Context,
    run_id: Annotated[str, typer.Argument(help="The interrupted run.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print run_id, endpoints and pairs as JSON.")] = False,
) -> None:
    """Carry an interrupted run on: stored cells are kept, missing and failed ones are asked."""
    from culturebridge.audit import Limits, RetryPolicy, get_run, json_summary, resume_audit
    from culturebridge.audit.endpoints import api_key

    cli = context(ctx)
    settings = cli.settings()
    platform = cli.platform()
    with platform.db.read() as conn:
        run = get_run(conn, run_id)
    names = [e["name"] for e in (*run.config["endpoints"], *run.config.get("judges", []))]
    keys = {n: api_key(n, settings.llm_api_key) for n in names}
    resume_audit(platform.db, run_id, keys=keys, progress=None if as_json else _progress,
                 limits=Limits(float(settings.audit_timeout), RetryPolicy(settings.audit_retries)))
    with platform.db.read() as conn:
        report = get_run(conn, run_id).summary or {}
    if as_json:
        print_json(json_summary(report))
    else:
        _print_summary(report)


@app.command("list")
def list_command(ctx: typer.Context,
                 as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False) -> None:
    """Audit runs, newest first."""
    from culturebridge.audit import list_runs

    with context(ctx).platform().db.read() as conn:
        runs = list_runs(conn)
    rows = [{"run_id": r.id, "set": f"{r.question_set.id} v{r.question_set.version}", "state": r.state,
             "endpoints": [e["name"] for e in r.config["endpoints"]], "languages": r.config["languages"],
             "samples": r.config["samples"], "started_at": r.started_at.isoformat()} for r in runs]
    if as_json:
        print_json(rows)
        return
    for row in rows:
        typer.echo(f"{row['run_id']}  {row['state']:<8} {row['set']}  {','.join(row['endpoints'])}  "
                   f"{','.join(row['languages'])}  ×{row['samples']}  {row['started_at']}")


@app.command("report")
def report_command(
    ctx: typer.Context,
    run_id: Annotated[str, typer.Argument(help="The run.")],
    html_out: Annotated[Path | None, typer.Option("--html", help="Write the HTML report here.")] = None,
    json_out: Annotated[Path | None, typer.Option("--report-json", help="Write the full JSON report here.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print run_id, endpoints and pairs as JSON.")] = False,
) -> None:
    """A finished run's summary; optionally its HTML and full JSON report as files."""
    from culturebridge.audit import get_run, json_summary
    from culturebridge.errors import Conflict

    cli = context(ctx)
    with cli.platform().db.read() as conn:
        run = get_run(conn, run_id)
    if run.summary is None:
        raise Conflict(f"audit run {run_id} has not finished", hint=f"culturebridge audit resume {run_id}")
    _write_outputs(run.summary, html_out, json_out, cli.settings().default_locale)
    if as_json:
        print_json(json_summary(run.summary))
    else:
        _print_summary(run.summary)


@app.command("diff")
def diff_command(
    ctx: typer.Context,
    run_a: Annotated[str, typer.Argument(help="The earlier run.")],
    run_b: Annotated[str, typer.Argument(help="The later run.")],
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """What changed between two runs of the same question set."""
    from culturebridge.audit import get_run
    from culturebridge.audit.diff import diff_reports
    from culturebridge.errors import Conflict

    with context(ctx).platform().db.read() as conn:
        a, b = get_run(conn, run_a), get_run(conn, run_b)
    for run in (a, b):
        if run.summary is None:
            raise Conflict(f"audit run {run.id} has not finished", hint=f"culturebridge audit resume {run.id}")
    assert a.summary is not None and b.summary is not None
    result = diff_reports(a.summary, b.summary)
    if as_json:
        print_json(result)
        return
    if not result["same_set"]:
        typer.echo("note: the runs used different question-set versions; compared on shared questions")
    typer.echo(f"{len(result['changes'])} changes from {run_a} to {run_b}")
    for change in result["changes"]:
        typer.echo(f"  {change['text']}")


@app.command("handoff")
def handoff_command(
    ctx: typer.Context,
    run_id: Annotated[str, typer.Argument(help="The run holding the finding.")],
    question: Annotated[str, typer.Argument(help="The question id.")],
    ip: Annotated[str, typer.Option("--ip", help="The IP the finding concerns.")],
    note: Annotated[str, typer.Option("--note", help="What the curators should know.")],
    to: Annotated[str, typer.Option("--to", help="glossary (a note on a term) or canon (a note on the IP).")] = "glossary",
    term: Annotated[str, typer.Option("--term", help="The glossary term (source text) the note is about.")] = "",
    cell: Annotated[list[str] | None, typer.Option("--cell", help="Evidence cell ENDPOINT|LANGUAGE; repeat.")] = None,
    as_user: Annotated[str | None, typer.Option("--as", help="Account handing off (admin or reviewer).")] = None,
) -> None:
    """Turn a finding into a glossary note or a canon-card note, with the run's evidence linked."""
    from culturebridge.audit.handoff import hand_off
    from culturebridge.errors import InvalidInput

    if to not in ("glossary", "canon"):
        raise InvalidInput(f"--to {to!r} is not glossary or canon")
    platform = context(ctx).platform()
    with platform.db.write() as conn:
        user = acting_user(conn, as_user)
        finding = hand_off(conn, user, run_id=run_id, question_id=question, target="glossary" if to == "glossary"
                           else "canon", ip_name=ip, note=note, term=term, cells=list(cell or []))
    typer.echo(f"finding {finding}: {to} note on {ip}" + (f" ({term})" if term else ""))


@app.command("findings")
def findings_command(
    ctx: typer.Context,
    run_id: Annotated[str, typer.Argument(help="The run.")],
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Findings handed off from a run, with their evidence."""
    from culturebridge.audit import findings_of, get_run

    with context(ctx).platform().db.read() as conn:
        get_run(conn, run_id)
        rows = findings_of(conn, run_id)
    if as_json:
        print_json(rows)
        return
    for f in rows:
        typer.echo(f"{f['id']}  {f['target']:<8} {f['question_id']}  {f['term']}  {f['note']}")
