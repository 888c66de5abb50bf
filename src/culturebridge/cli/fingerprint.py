"""`culturebridge fingerprint ...`: fingerprint files, register them, scan outside files for copies."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from sqlalchemy import Connection

if TYPE_CHECKING:
    from culturebridge.fingerprint.report import WorkLink

from culturebridge.errors import Error, InvalidInput, NotFound

if TYPE_CHECKING:
    from culturebridge.fingerprint.matcher import Library
    from culturebridge.fingerprint.scan import DecodeLimits, ScanResult
    from culturebridge.platform import Platform

app = typer.Typer(
    help="Perceptual fingerprints (image, video, audio, text) and copy detection.",
    no_args_is_help=True,
)

LibraryOption = Annotated[
    Path, typer.Option("--library", help="Directory of a saved fingerprint library.")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]


def _describe(kind: str, value: Any) -> dict[str, Any]:
    from culturebridge.fingerprint.audio import AudioFingerprint
    from culturebridge.fingerprint.image import ImageFingerprint
    from culturebridge.fingerprint.text import TextFingerprint
    from culturebridge.fingerprint.video import VideoFingerprint

    out: dict[str, Any] = {"kind": kind}
    if isinstance(value, ImageFingerprint):
        out["pdq"] = [{"hash": h.bits.hex(), "quality": h.quality} for h in value.hashes]
        out["orb_keypoints"] = [len(v.descriptors) for v in value.views]
    elif isinstance(value, VideoFingerprint):
        out["fps"] = value.fps
        out["frames"] = [{"pdq": f.bits.hex(), "quality": f.quality} for f in value.frames]
    elif isinstance(value, AudioFingerprint):
        out["duration"] = round(value.duration, 3)
        out["chromaprint"] = list(value.frames)
    elif isinstance(value, TextFingerprint):
        out["simhash"] = f"{value.simhash:016x}"
        out["shingle_size"] = value.shingle_size
        out["passages"] = len(value.passages)
        out["winnowed"] = len(value.winnowed)
    return out


@app.command("fingerprint")
def fingerprint_command(
    file: Annotated[Path, typer.Argument(help="Image, video, audio or text file.")],
    as_json: JsonOption = False,
) -> None:
    """Print a file's fingerprints."""
    from culturebridge.fingerprint.scan import fingerprint_file

    fp = fingerprint_file(file)
    info = _describe(fp.kind, fp.value)
    if as_json:
        typer.echo(json.dumps({"file": str(file), **info}))
        return
    typer.echo(f"{file}: {fp.kind}")
    for key, val in info.items():
        if key == "kind":
            continue
        shown = (
            val
            if not isinstance(val, list) or len(val) <= 4
            else f"{val[:4]} ... ({len(val)} items)"
        )
        typer.echo(f"  {key}: {shown}")


@app.command("register")
def register_command(
    files: Annotated[list[Path], typer.Argument(help="Files of the work to register.")],
    library: LibraryOption,
    work: Annotated[str, typer.Option("--work", help="Work id the files belong to.")],
    asset: Annotated[
        str | None, typer.Option("--asset", help="Asset id (one file only; default: file name).")
    ] = None,
) -> None:
    """Add files' fingerprints to a library (created if missing)."""
    from culturebridge.fingerprint.matcher import Library
    from culturebridge.fingerprint.scan import DecodeLimits, fingerprint_file
    from culturebridge.pipeline import fingerprint_overlays

    if asset is not None and len(files) != 1:
        raise InvalidInput("--asset names one asset, but several files were given",
                           hint="register the files one by one or drop --asset")  # fmt: skip
    try:
        lib = Library.load(library)
    except NotFound:
        lib = Library()
    for file in files:
        lib.add(work, asset or file.name, fingerprint_file(file, limits=DecodeLimits(overlays=fingerprint_overlays)))
    lib.save(library)
    typer.echo(f"registered {len(files)} file(s) for work {work}; the library holds {len(lib)}")


def _scan_rows(results: list[Any]) -> list[dict[str, Any]]:
    rows = []
    for r in results:
        row: dict[str, Any] = {"file": r.file, "matches": [asdict(m) for m in r.matches]}
        if r.error is not None:
            row["error"] = r.error
        rows.append(row)
    return rows


def _batch(ctx: typer.Context, platform: Platform | None, lib: Library, paths: list[str],
           address: str, limits: DecodeLimits) -> list[ScanResult]:
    """A batch scan through the database (Ray tasks when `address` names a cluster)."""
    from culturebridge.cli._context import context, err_console
    from culturebridge.fingerprint.batch import S3Access, batch_scan, list_corpus

    if platform is None:
        platform = context(ctx).platform()
    s3 = S3Access(platform.settings.s3_endpoint_url, platform.settings.s3_region)
    sources = list_corpus(paths, s3)
    where = f"on Ray at {address}" if address else "in this process"
    err_console.print(f"scanning {len(sources)} files {where}", markup=False)

    def show(done: int, total: int) -> None:
        err_console.print(f"  {done}/{total} files", markup=False)

    _, results = batch_scan(platform.db, platform.settings.resolved_database_url, lib, sources, s3=s3,
                            ray_address=address, progress=show, limits=limits)
    return results


@app.command("backfill")
def backfill_command(
    ctx: typer.Context,
    everything: Annotated[
        bool, typer.Option("--all", help="Fingerprint every current asset again, not only those without a row.")
    ] = False,
    ray_address: Annotated[
        str | None, typer.Option("--ray", help="Run as tasks on this Ray cluster, HOST:PORT (setting `ray_address`).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Fingerprint stored assets that have no fingerprint yet (or all), in-process or on Ray."""
    from culturebridge.cli._context import context, err_console
    from culturebridge.fingerprint.backfill import assets_to_backfill, backfill
    from culturebridge.pipeline import fingerprint_overlays

    platform = context(ctx).platform()
    address = ray_address if ray_address is not None else platform.settings.ray_address
    ids = assets_to_backfill(platform, everything=everything)
    where = f"on Ray at {address}" if address else "in this process"
    err_console.print(f"fingerprinting {len(ids)} assets {where}", markup=False)

    def show(done: int, total: int) -> None:
        err_console.print(f"  {done}/{total} assets", markup=False)

    results = backfill(platform, ids, ray_address=address, progress=show, overlays=fingerprint_overlays)
    if as_json:
        typer.echo(json.dumps([asdict(r) for r in results], ensure_ascii=False))
    else:
        for r in results:
            typer.echo(f"{r.asset_id}: {'error: ' if r.failed else ''}{r.message}")
    failed = [r for r in results if r.failed]
    if failed:
        raise InvalidInput(f"{len(failed)} of {len(results)} assets could not be fingerprinted (listed above)")


@app.command("scan")
def scan_command(
    ctx: typer.Context,
    paths: Annotated[list[str], typer.Argument(help="Files, folders or s3://BUCKET/PREFIX to check.")],
    library: Annotated[
        Path | None,
        typer.Option("--library", help="A saved library directory instead of the platform's registered works."),
    ] = None,
    as_json: JsonOption = False,
    report: Annotated[
        Path | None, typer.Option("--report", help="Also write an HTML report with evidence links here.")
    ] = None,
    base_url: Annotated[
        str | None, typer.Option("--base-url", help="Address of the web app for the report's links (default host:port).")
    ] = None,
    ray_address: Annotated[
        str | None, typer.Option("--ray", help="Run as tasks on this Ray cluster, HOST:PORT (setting `ray_address`).")
    ] = None,
) -> None:
    """Fingerprint outside files/folders (or an s3:// prefix) and list the registered works they copy."""
    from culturebridge.cli._context import context
    from culturebridge.fingerprint.matcher import Library
    from culturebridge.fingerprint.scan import DecodeLimits, scan_paths
    from culturebridge.pipeline import fingerprint_overlays

    settings = context(ctx).settings()
    limits = DecodeLimits(settings.max_image_pixels, settings.max_whole_decode_pixels, fingerprint_overlays)
    platform = None
    if library is not None:
        lib = Library.load(library)
    else:
        from culturebridge.fingerprint import platform_library

        platform = context(ctx).platform()
        lib = platform_library(platform)
    address = ray_address if ray_address is not None else (platform.settings.ray_address if platform else "")
    if address or any(p.startswith("s3://") for p in paths):
        results = _batch(ctx, platform, lib, paths, address, limits)
    else:
        results = scan_paths([Path(p) for p in paths], lib, limits=limits)
    if report is not None:
        _write_report(report, results, platform, base_url)
    if as_json:
        typer.echo(json.dumps(_scan_rows(results), ensure_ascii=False))
        return
    for r in results:
        if r.error is not None:
            typer.echo(f"{r.file}: error: {r.error}")
        elif not r.matches:
            typer.echo(f"{r.file}: no match")
        for m in r.matches:
            where = ""
            if m.span is not None:
                s = m.span
                where = f" at {s.reference_start:g}-{s.reference_end:g} {s.unit} of the original"
            typer.echo(f"{r.file}: {m.kind} copy of work {m.work_id} asset {m.asset_id} "
                       f"(score {m.score:.2f}){where}")  # fmt: skip
    if report is not None:
        typer.echo(f"report written to {report}")


def _write_report(out: Path, results: list[Any], platform: Any, base_url: str | None) -> None:
    from culturebridge.fingerprint.report import render_report
    from culturebridge.ids import now

    work_ids = [m.work_id for r in results for m in r.matches]
    links: dict[str, WorkLink] = {}
    if platform is not None:
        base = base_url if base_url is not None else f"http://{platform.settings.host}:{platform.settings.port}"
        with platform.db.read() as conn:
            links = work_links(conn, work_ids, base)
    try:
        out.write_text(render_report(results, links, now()), encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"cannot write the report to {out}: {exc.strerror or exc}",
                           hint="choose a writable path") from exc  # fmt: skip


@app.command("conflicts")
def conflicts_command(
    ctx: typer.Context,
    state: Annotated[
        str | None, typer.Option("--state", help="Only open, licensed, infringing or false-match.")
    ] = None,
    work: Annotated[str | None, typer.Option("--work", help="Only conflicts involving this work.")] = None,
    as_json: JsonOption = False,
) -> None:
    """List copies the pipeline found between registered works, and their decisions."""
    from culturebridge.cli._context import context
    from culturebridge.fingerprint import list_conflicts

    platform = context(ctx).platform()
    with platform.db.read() as conn:
        found = list_conflicts(conn, work_id=work, state=state)
    if as_json:
        typer.echo(json.dumps([c.to_dict() for c in found], ensure_ascii=False))
        return
    if not found:
        typer.echo("no conflicts")
    for c in found:
        typer.echo(f"{c.id} [{c.state}] {c.kind} {c.score:.2f}: asset {c.asset_id} of work {c.work_id} "
                   f"copies asset {c.matched_asset_id} of work {c.matched_work_id}")  # fmt: skip


@app.command("decide")
def decide_command(
    ctx: typer.Context,
    conflict: Annotated[str, typer.Argument(help="Conflict id (from `fingerprint conflicts`).")],
    decision: Annotated[str, typer.Argument(help="licensed, infringing or false-match.")],
    as_user: Annotated[
        str | None, typer.Option("--as", help="Act as this user (default: the first admin).")
    ] = None,
) -> None:
    """Record the rights holder's decision on a conflict."""
    from culturebridge.cli._context import acting_user, context
    from culturebridge.fingerprint import decide_conflict

    platform = context(ctx).platform()
    with platform.db.write() as conn:
        record = decide_conflict(conn, acting_user(conn, as_user), conflict, decision)
    typer.echo(f"{record.id}: {record.state}")


def work_links(conn: Connection, work_ids: Iterable[str], base_url: str = "") -> dict[str, WorkLink]:
    """Links of the matched works (their title, studio page, evidence bundle when registered)."""
    from culturebridge.catalog import get_work
    from culturebridge.fingerprint.report import WorkLink
    from culturebridge.rights import bundle_url, certificate

    base = base_url.rstrip("/")
    out: dict[str, WorkLink] = {}
    for work_id in dict.fromkeys(work_ids):
        try:
            title = get_work(conn, work_id).title()
        except Error:
            title = work_id  # the work was deleted since the library was built
        bundle = base + bundle_url(work_id) if certificate(conn, work_id) is not None else None
        out[work_id] = WorkLink(work_id, title, f"{base}/studio/works/{work_id}", bundle)
    return out
