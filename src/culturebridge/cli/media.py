"""`media` commands: migrate between stores, sweep unreferenced blobs."""

from __future__ import annotations

import typer

from culturebridge.catalog import referenced_keys
from culturebridge.cli._context import console, context, print_json
from culturebridge.errors import ExternalServiceError
from culturebridge.platform import open_media_store, sweep_media
from culturebridge.storage.migrate import migrate_media

app = typer.Typer(help="The media store: migrate between a folder and S3, sweep.", no_args_is_help=True)


@app.command("migrate")
def migrate_command(
    ctx: typer.Context,
    to: str = typer.Option(..., "--to", help="Target store: a folder or s3://BUCKET/PREFIX."),
    verify_existing: bool = typer.Option(False, "--verify-existing", help="Re-hash blobs already in the target."),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Copy every referenced blob to another store (resumable; each blob's SHA-256 is checked)."""
    platform = context(ctx).platform()
    target = open_media_store(platform.settings, to)
    ensure = getattr(target, "ensure_bucket", None)
    if ensure is not None:
        ensure()
    with platform.db.read() as conn:
        keys = referenced_keys(conn)
    total = len(keys)

    def show(n: int, state: str) -> None:
        if not json_out and (n == total or n % 100 == 0):
            console.print(f"  {n}/{total} blobs ({state})")

    report = migrate_media(platform.media, target, keys, verify_existing=verify_existing, progress=show)
    if json_out:
        print_json({"copied": report.copied, "present": report.present, "missing": report.missing,
                    "failed": report.failed})
    else:
        console.print(f"copied {report.copied}, already there {report.present}, "
                      f"missing from the source {len(report.missing)}, failed {len(report.failed)}")
    if not report.ok:
        first = next(iter(report.failed.items()), None)
        detail = f"{first[0]}: {first[1]}" if first else f"{report.missing[0]} is missing from the source"
        raise ExternalServiceError(f"migration incomplete ({detail})",
                                   hint="run the same command again to resume")
    if not json_out:
        console.print(f"set media_url = {to!r} to use the new store")


@app.command("sweep")
def sweep_command(ctx: typer.Context) -> None:
    """Delete blobs no asset refers to, older than media_sweep_grace_seconds."""
    platform = context(ctx).platform()
    removed = sweep_media(platform)
    console.print(f"removed {len(removed)} unreferenced blobs")
