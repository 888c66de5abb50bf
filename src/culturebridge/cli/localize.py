"""`culturebridge localize ...`: QA, subtitle translation and fitting, glossaries, memories."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from culturebridge.cli._context import acting_user, context
from culturebridge.errors import ConfigurationError, InvalidInput, UnsupportedLanguage

if TYPE_CHECKING:  # engines, glossaries and the database load only when a command runs
    from culturebridge.localize.subtitles import Cue
    from culturebridge.localize.translator import Translator
    from culturebridge.platform import Platform

app = typer.Typer(help="Translate, check and fit text and subtitles with IP glossaries and memories.")
glossary_app = typer.Typer(help="IP glossaries (seeded from canon cards).")
tm_app = typer.Typer(help="Translation memories (TMX / XLIFF 2.0 exchange).")
app.add_typer(glossary_app, name="glossary")
app.add_typer(tm_app, name="tm")

CanonDir = Annotated[Path | None, typer.Option("--canon-dir", help="Folder of canon cards (default: demo pack).")]
AsUser = Annotated[str | None, typer.Option("--as", help="Act as this user (default: the first admin).")]


def _read_text(path: Path) -> str:
    from culturebridge.localize.subtitles import decode_bytes

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}") from exc
    return decode_bytes(data)[0]


def _language(tag: str) -> str:
    from culturebridge.localize.segments import LANGUAGES, base_language

    if base_language(tag) not in LANGUAGES:
        raise UnsupportedLanguage(f"language {tag!r} is not supported",
                                  hint=f"use one of {', '.join(LANGUAGES)} (with a script or region subtag if needed)")
    return tag


@app.command()
def qa(
    ip: Annotated[str, typer.Option(help="IP whose glossary applies.")],
    source: Annotated[Path, typer.Option(help="Source text, one segment a line.")],
    target: Annotated[Path, typer.Option(help="Translation, aligned line by line.")],
    source_lang: Annotated[str, typer.Option(help="Source language tag.")] = "zh",
    target_lang: Annotated[str, typer.Option(help="Target language tag.")] = "en",
    as_json: Annotated[bool, typer.Option("--json", help="Print issues as JSON.")] = False,
    canon_dir: CanonDir = None,
) -> None:
    """Check a translation against its source and the IP glossary."""
    from culturebridge.localize.qa import check_lines
    from culturebridge.localize.termbase_files import glossary_for

    source_lang, target_lang = _language(source_lang), _language(target_lang)
    glossary = glossary_for(ip, canon_dir, source_lang)
    issues = check_lines(_read_text(source).splitlines(), _read_text(target).splitlines(),
                         source_lang, target_lang, glossary)
    if as_json:
        typer.echo(json.dumps([{"line": int(i.segment), "check": i.check, "span": list(i.span),
                                "message": i.message} for i in issues], ensure_ascii=False, indent=1))
        return
    for i in issues:
        typer.echo(f"{i.segment}: [{i.check}] {i.message}")
    typer.echo(f"{len(issues)} issue(s)")


def _engine(engine_dir: Path | None, endpoint: str | None, model: str | None, timeout: float) -> Translator:
    if engine_dir and endpoint:
        raise InvalidInput("give either --engine-dir or --endpoint, not both")
    if engine_dir:
        from culturebridge.localize.ct2_engine import CTranslate2Translator

        return CTranslate2Translator(engine_dir)
    if endpoint:
        if not model:
            raise InvalidInput("--endpoint needs --model (the model name the server expects)")
        from culturebridge.localize.openai_engine import OpenAIChatTranslator

        return OpenAIChatTranslator(endpoint, model, timeout=timeout)
    raise ConfigurationError("no translation engine configured",
                             hint="pass --engine-dir DIR (CTranslate2 model) or --endpoint URL --model M")


@app.command()
def subtitles(
    ctx: typer.Context,
    input_file: Annotated[Path, typer.Argument(help="SRT or WebVTT file to translate.", metavar="IN")],
    ip: Annotated[str, typer.Option(help="IP whose glossary applies.")],
    to: Annotated[str, typer.Option("--to", help="Target language tag.")],
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Output file (.srt or .vtt).")] = None,
    source_lang: Annotated[str, typer.Option("--from", help="Source language tag.")] = "zh",
    engine_dir: Annotated[Path | None, typer.Option(help="CTranslate2 model directory.")] = None,
    endpoint: Annotated[str | None, typer.Option(help="OpenAI-compatible base URL (…/v1).")] = None,
    model: Annotated[str | None, typer.Option(help="Model name at the endpoint.")] = None,
    timeout: Annotated[float, typer.Option(help="Seconds per endpoint request.")] = 60.0,
    checkpoint: Annotated[Path | None, typer.Option(help="JSONL checkpoint to resume from.")] = None,
    canon_dir: CanonDir = None,
    glossary_method: Annotated[str, typer.Option(help="mask (placeholders) or substitute (renderings in the source).")] = "mask",
    as_json: Annotated[bool, typer.Option("--json", help="Print issues as JSON.")] = False,
) -> None:
    """Translate a subtitle file with glossary + the data dir's memory + QA, then fit it to the target's limits."""
    from culturebridge.localize.checkpoint import JsonlCheckpoint, run_job
    from culturebridge.localize.glossary import Method
    from culturebridge.localize.memory_store import load_memory
    from culturebridge.localize.segments import Context, Segment
    from culturebridge.localize.subtitles import Cue, fit_cues, parse_subtitles
    from culturebridge.localize.termbase_files import glossary_for
    from culturebridge.localize.translator import (
        GlossaryEnforcer,
        QAChecked,
        TMTranslator,
        first_mentions,
    )

    source_lang, to = _language(source_lang), _language(to)
    cues = parse_subtitles(_read_bytes(input_file))
    glossary = glossary_for(ip, canon_dir, source_lang)
    if glossary_method not in ("mask", "substitute"):
        raise InvalidInput(f"unknown --glossary-method {glossary_method!r}", hint="use mask or substitute")
    method: Method = "mask" if glossary_method == "mask" else "substitute"
    engine = _engine(engine_dir, endpoint, model, timeout)
    with context(ctx).platform().db.read() as conn:
        tm = load_memory(conn, ip, source_lang, to)
    segments = [Segment(str(i + 1), c.text.replace("\n", " ")) for i, c in enumerate(cues)]
    out = output or input_file.with_name(f"{input_file.stem}.{to}{input_file.suffix}")
    ckpt = JsonlCheckpoint(checkpoint or out.with_name(out.name + ".checkpoint.jsonl"))
    # One first-mention record per job, seeded from what the checkpoint already holds.
    mentions = first_mentions(glossary, list(ckpt.finished().values()), to)
    pipeline = QAChecked(TMTranslator(tm, GlossaryEnforcer(glossary, engine, method, mentions=mentions)), glossary)
    result = run_job(pipeline, segments, source_lang, to, ckpt, Context(ip=ip))
    translated = [Cue(c.start_ms, c.end_ms, t.text if t.text is not None else c.text)
                  for c, t in zip(cues, result.translations)]
    fitted = fit_cues(translated, to)
    _write(out, fitted.cues)
    issues = [i for t in result.translations for i in t.issues] + fitted.issues
    failed = [t for t in result.translations if t.status == "failed"]
    report = {"output": str(out), "cues": len(fitted.cues), "reused": result.reused,
              "failed": [{"line": t.segment_id, "message": t.error} for t in failed],
              "issues": [i.to_dict() for i in issues]}
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False, indent=1))
        return
    for t in failed:
        typer.echo(f"{t.segment_id}: failed: {t.error}")
    for i in issues:
        typer.echo(f"{i.segment}: [{i.check}] {i.message}")
    typer.echo(f"wrote {out} ({len(fitted.cues)} cues, {len(failed)} failed, {len(issues)} issue(s))")


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}") from exc


def _write(path: Path, cues: list[Cue]) -> None:
    from culturebridge.localize.subtitles import to_srt, to_vtt

    text = to_vtt(cues) if path.suffix.lower() == ".vtt" else to_srt(cues)
    path.write_text(text, encoding="utf-8")


@app.command("subtitles-fit")
def subtitles_fit(
    input_file: Annotated[Path, typer.Argument(help="SRT or WebVTT file.", metavar="IN")],
    lang: Annotated[str, typer.Option(help="Language of the subtitles.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Output file (.srt or .vtt).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print remaining issues as JSON.")] = False,
) -> None:
    """Break lines, split/merge cues and fix durations to the language's limits."""
    from culturebridge.localize.subtitles import fit_cues, parse_subtitles

    lang = _language(lang)
    result = fit_cues(parse_subtitles(_read_bytes(input_file)), lang)
    _write(output, result.cues)
    if as_json:
        typer.echo(json.dumps([i.to_dict() for i in result.issues], ensure_ascii=False, indent=1))
        return
    for i in result.issues:
        typer.echo(f"{i.segment}: [{i.check}] {i.message}")
    typer.echo(f"wrote {output} ({len(result.cues)} cues, {len(result.issues)} issue(s) left)")


@glossary_app.command("export")
def glossary_export(
    ip: Annotated[str, typer.Option(help="IP name.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="File to write.")],
    fmt: Annotated[str, typer.Option("--format", help="tbx or json.")] = "tbx",
    locale: Annotated[list[str] | None, typer.Option(help="Target locales (repeat; default all).")] = None,
    source_lang: Annotated[str, typer.Option(help="Source language of the terms.")] = "zh",
    canon_dir: CanonDir = None,
) -> None:
    """Write an IP's glossary as TBX (for CAT tools) or JSON (the termbase overlay shape)."""
    from culturebridge.localize.termbase_files import glossary_for, to_tbx

    glossary = glossary_for(ip, canon_dir, source_lang)
    if fmt == "tbx":
        locales = locale or sorted({loc for t in glossary.terms for loc in t.renderings})
        output.write_bytes(to_tbx(glossary, locales))
    elif fmt == "json":
        output.write_text(json.dumps(glossary.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8")
    else:
        raise InvalidInput(f"unknown glossary format {fmt!r}", hint="use --format tbx or --format json")
    typer.echo(f"wrote {output} ({len(glossary.terms)} terms)")


@glossary_app.command("show")
def glossary_show(
    ip: Annotated[str, typer.Option(help="IP name.")],
    locale: Annotated[str, typer.Option(help="Target locale.")] = "en",
    canon_dir: CanonDir = None,
) -> None:
    """List an IP's terms with their rendering for one locale."""
    from culturebridge.localize.termbase_files import glossary_for

    glossary = glossary_for(ip, canon_dir)
    for t in glossary.terms:
        r = t.rendering(locale)
        typer.echo(f"{t.source}\t{r.text if r else '(no rendering)'}\t{t.strategy}")


@tm_app.command("import")
def tm_import(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="TMX, or XLIFF 2.0 with targets, to import.")],
    ip: Annotated[str, typer.Option(help="IP the memory belongs to.")],
    source_lang: Annotated[str, typer.Option(help="Source language tag.")] = "zh",
    target_lang: Annotated[str, typer.Option(help="Target language tag.")] = "en",
    as_user: AsUser = None,
) -> None:
    """Add the pairs of a TMX or XLIFF 2.0 file to an IP's memory in the data directory."""
    from culturebridge.localize.memory import TranslationMemory, from_xliff
    from culturebridge.localize.memory_store import count_entries, import_memory

    source_lang, target_lang = _language(source_lang), _language(target_lang)
    data = _read_bytes(file)
    if file.suffix.lower() in (".xlf", ".xliff"):
        tm = TranslationMemory(ip, source_lang, target_lang)
        for u in from_xliff(data)[2]:
            if u.target and u.source.strip():
                tm.add(u.source, u.target, "xliff")
    else:
        tm = TranslationMemory.from_tmx(data, ip, source_lang, target_lang)
    with context(ctx).platform().db.write() as conn:
        added = import_memory(conn, tm, acting_user(conn, as_user).id)
        total = count_entries(conn, ip, source_lang, target_lang)
    typer.echo(f"{added} new, {total} total entries in the {ip} {source_lang}-{target_lang} memory")


@tm_app.command("export")
def tm_export(
    ctx: typer.Context,
    ip: Annotated[str, typer.Option(help="IP the memory belongs to.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="TMX file to write.")],
    source_lang: Annotated[str, typer.Option(help="Source language tag.")] = "zh",
    target_lang: Annotated[str, typer.Option(help="Target language tag.")] = "en",
) -> None:
    """Write an IP's memory from the data directory as TMX 1.4."""
    from culturebridge.localize.memory_store import load_memory

    with context(ctx).platform().db.read() as conn:
        tm = load_memory(conn, ip, _language(source_lang), _language(target_lang))
    output.write_bytes(tm.to_tmx())
    typer.echo(f"wrote {output} ({len(tm)} entries)")


@app.command("xliff-export")
def xliff_export(
    source: Annotated[Path, typer.Argument(help="Source text, one segment a line.", metavar="SRC")],
    output: Annotated[Path, typer.Option("-o", "--output", help="XLIFF 2.0 file to write.")],
    source_lang: Annotated[str, typer.Option("--from", help="Source language tag.")] = "zh",
    target_lang: Annotated[str, typer.Option("--to", help="Target language tag.")] = "en",
) -> None:
    """Write segments as XLIFF 2.0 for an outside translator (bring it back with `tm import`)."""
    from culturebridge.localize.memory import to_xliff
    from culturebridge.localize.segments import Segment

    lines = [line for line in _read_text(source).splitlines() if line.strip()]
    segments = [Segment(str(i + 1), line) for i, line in enumerate(lines)]
    output.write_bytes(to_xliff(segments, _language(source_lang), _language(target_lang)))
    typer.echo(f"wrote {output} ({len(segments)} segments)")


@glossary_app.command("seed")
def glossary_seed(
    ctx: typer.Context,
    ip: Annotated[str, typer.Option(help="IP name in the data directory.")],
    source_lang: Annotated[str, typer.Option(help="Source language of the terms.")] = "zh",
) -> None:
    """(Re)seed an IP's stored glossary from its canon card in the data directory (curated terms are kept)."""
    from culturebridge.localize.glossary_store import seed_glossary

    with context(ctx).platform().db.write() as conn:
        count = seed_glossary(conn, ip, _language(source_lang))
    typer.echo(f"{ip}: {count} glossary terms")


@app.command("work")
def work(
    ctx: typer.Context,
    work_id: Annotated[str, typer.Argument(help="Id of the work to localize.", metavar="WORK")],
    to: Annotated[str, typer.Option("--to", help="Target locale (en, fr, es-MX ...).")],
    engine_dir: Annotated[Path | None, typer.Option(help="CTranslate2 model directory (default: setting mt_model_dir).")] = None,
    endpoint: Annotated[str | None, typer.Option(help="OpenAI-compatible base URL (default: setting llm_base_url).")] = None,
    model: Annotated[str | None, typer.Option(help="Model name at the endpoint (default: setting llm_model).")] = None,
    human: Annotated[bool, typer.Option("--human", help="Leave every segment for a human translator.")] = False,
    wait: Annotated[bool, typer.Option("--wait", help="Run the job in this process and wait for it.")] = False,
    as_user: AsUser = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the localization as JSON.")] = False,
) -> None:
    """Queue the localization of a work into a locale; the result is a derived `translation` work."""
    from culturebridge.localize.engine_spec import choose_engine
    from culturebridge.localize.work_localization import request_localization

    cli = context(ctx)
    platform = cli.platform()
    spec = choose_engine(platform.settings, str(engine_dir) if engine_dir else None, endpoint, model, human)
    with platform.db.write() as conn:
        loc = request_localization(conn, acting_user(conn, as_user), work_id, to, spec)
    if wait:
        _wait_for(platform, loc.job_id or "")
    _show(ctx, work_id, to, as_json)


def _wait_for(platform: Platform, job_id: str) -> None:
    from culturebridge.jobs import get_job, run_one
    from culturebridge.localize.localizations import JOB_KIND
    from culturebridge.localize.work_localization import handler

    handlers = {JOB_KIND: handler(platform)}
    while True:  # localization jobs run oldest first; ours is done when the queue reaches it
        with platform.db.read() as conn:
            job = get_job(conn, job_id)
        if job.state in ("done", "failed"):
            if job.error:
                typer.echo(f"job {job.id} failed: {job.error}", err=True)
            return
        if run_one(platform.db, handlers) is None:
            return


def _show(ctx: typer.Context, work_id: str, to: str | None, as_json: bool) -> None:
    from culturebridge.jobs import get_job
    from culturebridge.localize.localizations import list_localizations, qa_counts, segments_of

    with context(ctx).platform().db.read() as conn:
        rows: list[dict[str, Any]] = []
        for loc in list_localizations(conn, work_id):
            if to and loc.target_lang != to:
                continue
            stored = segments_of(conn, loc.id)
            job = get_job(conn, loc.job_id) if loc.job_id else None
            rows.append({"locale": loc.target_lang, "state": loc.state, "engine": loc.engine.label,
                         "derived_work": loc.derived_id, "segments": len(stored),
                         "done": sum(1 for s in stored if s.state in ("translated", "edited")),
                         "qa": qa_counts(stored), "job": job.id if job else None,
                         "job_state": job.state if job else None, "job_error": job.error if job else None})
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    if not rows:
        typer.echo(f"work {work_id} has no localizations")
    for r in rows:
        qa = ", ".join(f"{k} {v}" for k, v in sorted(r["qa"].items())) or "no QA flags"
        typer.echo(f"{r['locale']}: {r['state']} ({r['done']}/{r['segments']} segments, {qa}) engine {r['engine']}"
                   f" job {r['job']} {r['job_state']}" + (f" -> work {r['derived_work']}" if r["derived_work"] else ""))


@app.command("status")
def status(
    ctx: typer.Context,
    work_id: Annotated[str, typer.Argument(help="Id of the work.", metavar="WORK")],
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Show a work's localizations: state, progress, QA flags, derived work."""
    _show(ctx, work_id, None, as_json)


@app.command("work-xliff")
def work_xliff(
    ctx: typer.Context,
    work_id: Annotated[str, typer.Argument(help="Id of the work.", metavar="WORK")],
    to: Annotated[str, typer.Option("--to", help="Locale of the localization.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="XLIFF 2.0 file to write.")],
) -> None:
    """Write a localization's segments as XLIFF 2.0 for an outside translator."""
    from culturebridge.localize.localizations import get_localization
    from culturebridge.localize.work_localization import to_localization_xliff

    with context(ctx).platform().db.read() as conn:
        data = to_localization_xliff(conn, get_localization(conn, work_id, to).id)
    output.write_bytes(data)
    typer.echo(f"wrote {output}")


@app.command("work-xliff-import")
def work_xliff_import(
    ctx: typer.Context,
    work_id: Annotated[str, typer.Argument(help="Id of the work.", metavar="WORK")],
    file: Annotated[Path, typer.Argument(help="XLIFF 2.0 file with targets.", metavar="FILE")],
    to: Annotated[str, typer.Option("--to", help="Locale of the localization.")],
    as_user: AsUser = None,
) -> None:
    """Apply an outside translator's XLIFF 2.0 targets to a localization as human edits."""
    from culturebridge.localize.localizations import get_localization
    from culturebridge.localize.work_localization import import_localization_xliff

    data = _read_bytes(file)
    platform = context(ctx).platform()
    with platform.db.write() as conn:
        loc = get_localization(conn, work_id, to)
        updated, refused = import_localization_xliff(conn, platform, acting_user(conn, as_user), loc.id, data)
    for line in refused:
        typer.echo(f"refused {line}")
    typer.echo(f"{updated} segment(s) updated, {len(refused)} refused")
