"""`works`, `assets`, `ip` and `lineage` commands."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any, BinaryIO

import typer
import yaml
from rich.markup import escape
from rich.progress import Progress
from rich.table import Table

from culturebridge import catalog
from culturebridge.catalog import Asset, CanonCard, NewWork, PreparedFile, Work
from culturebridge.cli._context import acting_user, console, context, err_console, print_json
from culturebridge.errors import Error, InvalidInput
from culturebridge.jobs import COMMIT_BATCH, record_prepared

works_app = typer.Typer(help="Create, list and inspect works.", no_args_is_help=True)
assets_app = typer.Typer(help="Add media files to works.", no_args_is_help=True)
ip_app = typer.Typer(help="IPs and their canon cards.", no_args_is_help=True)

JsonOpt = typer.Option(False, "--json", help="Print JSON for scripts.")
AsOpt = typer.Option(None, "--as", help="Act as this user (default: the first admin).")


def work_json(work: Work) -> dict[str, Any]:
    data = asdict(work)
    data["markets"] = list(work.markets)
    return data


def _pairs(values: list[str], option: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in values:
        lang, sep, text = item.partition("=")
        if not sep or not lang.strip():
            raise InvalidInput(f"{option} {item!r} must be LANG=TEXT, e.g. {option} zh=西游记")
        out[lang.strip()] = text
    return out


@works_app.command("add")
def works_add(
    ctx: typer.Context,
    title: list[str] = typer.Option(..., "--title", help="LANG=TEXT, repeatable."),
    kind: str = typer.Option("story", help="story, image, audio, video, heritage or micro-drama-episode."),
    lang: str = typer.Option("zh", "--lang", help="Original language of the work."),
    synopsis: list[str] = typer.Option([], "--synopsis", help="LANG=TEXT, repeatable."),
    ip: str | None = typer.Option(None, "--ip", help="Name of the IP the work belongs to."),
    market: list[str] = typer.Option([], "--market", help="COUNTRY/lang, e.g. US/en; repeatable."),
    rights_holder: str = typer.Option("", help="Rights holder (default: the owner's name)."),
    ai_generated: bool = typer.Option(False, "--ai-generated", help="The work was made with AI."),
    derived_from: str | None = typer.Option(None, "--derived-from", help="Source work id."),
    derivation: str = typer.Option("ai-adaptation", "--derivation", help="ai-adaptation, translation, excerpt, remix."),
    tool: str | None = typer.Option(None, "--tool", help="Tool or model that made the derivative."),
    as_user: str | None = AsOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Create a work (optionally derived from another)."""
    platform = context(ctx).platform()
    new = NewWork(
        kind=kind,
        original_language=lang,
        titles=_pairs(title, "--title"),
        synopses=_pairs(synopsis, "--synopsis"),
        rights_holder=rights_holder,
        ip_name=ip,
        markets=market,
        ai_generated=ai_generated,
    )
    with platform.db.write() as conn:
        user = acting_user(conn, as_user)
        work = catalog.create_work(conn, user, new)
        if derived_from:
            catalog.add_derivation(conn, user, derived_from, work.id, derivation, tool, ai_generated)
    if json_out:
        print_json(work_json(work))
    else:
        console.print(f"created work [bold]{work.id}[/bold]: {escape(work.title())}")


@works_app.command("list")
def works_list(
    ctx: typer.Context,
    query: str = typer.Option("", "--query", "-q", help="Words to find in titles and synopses."),
    limit: int = typer.Option(100, help="At most this many works."),
    json_out: bool = JsonOpt,
) -> None:
    """List works, newest first."""
    platform = context(ctx).platform()
    with platform.db.read() as conn:
        found = catalog.list_works(conn, None, query=query, limit=limit)
    if json_out:
        print_json([work_json(w) for w in found])
        return
    table = Table("id", "kind", "title", "en", "AI")
    for w in found:
        table.add_row(w.id, w.kind, w.title(), w.titles.get("en", ""), "yes" if w.ai_generated else "")
    console.print(table)


@works_app.command("show")
def works_show(ctx: typer.Context, work_id: str, json_out: bool = JsonOpt) -> None:
    """Show one work with its assets and stage statuses."""
    from culturebridge.pipeline import statuses

    platform = context(ctx).platform()
    with platform.db.read() as conn:
        work = catalog.get_work(conn, work_id)
        found_assets = catalog.list_assets(conn, work_id)
        stages = statuses(conn, work_id)
        sources = catalog.sources_of(conn, work_id)
    if json_out:
        data = work_json(work)
        data["assets"] = [asdict(a) for a in found_assets]
        data["stages"] = {s.stage: s.state for s in stages}
        data["derived_from"] = [asdict(s) for s in sources]
        print_json(data)
        return
    console.print(f"[bold]{escape(work.title())}[/bold]  ({work.id}, {work.kind}, {work.original_language})")
    for lang, text in work.titles.items():
        console.print(f"  title[{lang}]: {text}", markup=False)
    for lang, text in work.synopses.items():
        console.print(f"  synopsis[{lang}]: {text}", markup=False)
    console.print(f"  rights holder: {work.rights_holder}; markets: {', '.join(work.markets) or '-'}", markup=False)
    for s in sources:
        console.print(f"  derived from {s.source_id} ({s.kind}{', AI' if s.ai_generated else ''})")
    for a in found_assets:
        console.print(f"  asset {a.id}: {a.original_name} {a.media_type} {a.size:,} B sha256 {a.sha256[:16]}…", markup=False)
    console.print("  stages: " + ", ".join(f"{s.stage}={s.state}" for s in stages))


@assets_app.command("add")
def assets_add(
    ctx: typer.Context,
    work_id: str,
    files: list[Path] = typer.Argument(..., help="Files to add."),
    as_user: str | None = AsOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Ingest media files as assets of a work (content is sniffed, hashed and checked).

    Files are decoded and checked with no transaction open, then recorded a few at a time in
    short writes, so the web keeps writing during a long batch; a bad file is reported and
    skipped, the others are kept, and the command exits non-zero if any file was refused.
    """
    platform = context(ctx).platform()
    added: list[Asset] = []
    refused: list[tuple[Path, Error]] = []
    with platform.db.read() as conn:
        user = acting_user(conn, as_user)
        catalog.require_editor(user, catalog.get_work(conn, work_id))
    with Progress(console=console, transient=True, disable=json_out) as progress:
        task = progress.add_task("ingesting", total=len(files))
        for start in range(0, len(files), COMMIT_BATCH):
            ready: list[tuple[Path, PreparedFile]] = []
            for path in files[start : start + COMMIT_BATCH]:
                try:  # decode and check with no transaction open
                    with _open_file(path) as fh:
                        ready.append((path, catalog.prepare_file(platform.media, fh, path.name, platform.limits)))
                except Error as exc:
                    refused.append((path, exc))
                progress.advance(task)
            results = record_prepared(platform, user, work_id, [p for _, p in ready])
            for (path, _), result in zip(ready, results, strict=True):
                if isinstance(result, Error):
                    refused.append((path, result))
                else:
                    added.append(result)
    if json_out:
        print_json({"added": [asdict(a) for a in added],
                    "refused": [{"file": str(p), "error": e.diagnostic()} for p, e in refused]})
    else:
        for a in added:
            console.print(f"added asset [bold]{a.id}[/bold] {escape(a.original_name)} ({a.media_type}, {a.size:,} B)")
        for path, problem in refused:
            err_console.print(f"refused {path}: {problem.diagnostic()}", markup=False)
    if len(refused) == 1:
        raise refused[0][1]
    if refused:
        raise InvalidInput(f"{len(refused)} of {len(files)} files were refused (listed above)")


def _open_file(path: Path) -> BinaryIO:
    try:
        return path.open("rb")
    except IsADirectoryError as exc:
        raise InvalidInput(f"{path} is a folder, not a file") from exc
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}") from exc


@ip_app.command("add")
def ip_add(ctx: typer.Context, card_file: Path, as_user: str | None = AsOpt) -> None:
    """Register an IP from a canon card file (YAML or JSON)."""
    card = _read_card(card_file)
    platform = context(ctx).platform()
    with platform.db.write() as conn:
        ip = catalog.add_ip(conn, acting_user(conn, as_user), card)
    console.print(f"added IP [bold]{ip.name}[/bold] ({ip.canon.titles.get('en', ip.name)})")


@ip_app.command("list")
def ip_list(ctx: typer.Context, json_out: bool = JsonOpt) -> None:
    """List IPs."""
    platform = context(ctx).platform()
    with platform.db.read() as conn:
        found = catalog.list_ips(conn)
    if json_out:
        print_json([{"name": i.name, "titles": i.titles, "protection": i.canon.protection} for i in found])
        return
    table = Table("name", "title", "protection", "characters")
    for i in found:
        table.add_row(i.name, " / ".join(i.titles.values()), i.canon.protection, str(len(i.canon.characters)))
    console.print(table)


@ip_app.command("show")
def ip_show(ctx: typer.Context, name: str, json_out: bool = JsonOpt) -> None:
    """Show an IP's canon card."""
    platform = context(ctx).platform()
    with platform.db.read() as conn:
        ip = catalog.get_ip(conn, name)
    if json_out:
        print_json(ip.canon.to_dict())
        return
    card = ip.canon
    console.print(f"[bold]{' / '.join(card.titles.values())}[/bold] ({card.name}, {card.protection})")
    console.print(f"  era: {' / '.join(card.era.label.values())}" + (" (mythic)" if card.era.mythic else ""))
    for c in card.characters:
        aliases = ", ".join(a for names in c.aliases.values() for a in names)
        console.print(f"  {' / '.join(c.names.values())}" + (f" — {aliases}" if aliases else ""))
    for f in card.facts:
        console.print(f"  fact {f.id}: {f.text.get('en') or next(iter(f.text.values()))}")


def _read_card(path: Path) -> CanonCard:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}") from exc
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{path} is not valid YAML/JSON: {exc}") from exc
    return CanonCard.from_dict(data)


def lineage_command(ctx: typer.Context, work_id: str, json_out: bool = JsonOpt) -> None:
    """Show a work's ancestors and descendants."""
    platform = context(ctx).platform()
    with platform.db.read() as conn:
        graph = catalog.lineage(conn, work_id)
    if json_out:
        print_json(
            {
                "work": work_id,
                "ancestors": graph.ancestors(),
                "descendants": graph.descendants(),
                "nodes": {wid: {"title": w.title(), "kind": w.kind, "ai_generated": w.ai_generated}
                          for wid, w in graph.works.items()},
                "edges": [{"source": e.source_id, "derived": e.derived_id, "kind": e.kind, "tool": e.tool,
                           "ai_generated": e.ai_generated} for e in graph.edges],
            }
        )
        return
    children: dict[str, list[Any]] = {}
    for e in graph.edges:
        children.setdefault(e.source_id, []).append(e)
    roots = [w for w in graph.works if not any(e.derived_id == w for e in graph.edges)]

    def show(node: str, depth: int, via: str) -> None:
        work = graph.works[node]
        mark = " ◀" if node == work_id else ""
        console.print(f"{'  ' * depth}{via}{escape(work.title())} [dim]({node})[/dim]{mark}")
        for e in children.get(node, []):
            show(e.derived_id, depth + 1, f"└─{e.kind}{' (AI)' if e.ai_generated else ''}→ ")

    for root in roots:
        show(root, 0, "")
