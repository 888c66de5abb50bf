"""`culturebridge labels ...`: check and apply GB 45438 / IPTC / C2PA AI-content labels.

The stage (pypdf, c2pa, numpy) is imported inside the commands, so `culturebridge --help`
stays fast. When the data directory is initialised, the platform's keys are used by
default and `apply` is recorded in the labelling log.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from culturebridge.cli._context import acting_user, context, print_json
from culturebridge.errors import InvalidInput, NotFound, SigningCredentialsMissing

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

    from culturebridge.labels import Credentials, Report
    from culturebridge.labels.keyring import PlatformKeys
    from culturebridge.platform import Platform
    from culturebridge.settings import Settings

# Languages of the explicit notice (labels.explicit.SHORT; listed here to keep --help fast).
LANGS = ("zh", "en", "fr", "es", "ja", "ko")

app = typer.Typer(
    help="Check and apply AI-content labels (GB 45438 implicit/explicit, IPTC, C2PA).",
    no_args_is_help=True,
)


def _settings(ctx: typer.Context) -> Settings | None:
    """The data directory's settings when it is initialised, else None (files-only mode)."""
    from culturebridge.platform import MARKER

    settings = context(ctx).settings()
    return settings if (settings.data_dir / MARKER).exists() else None


def _platform_keys(ctx: typer.Context) -> PlatformKeys | None:
    from culturebridge.labels.keyring import has_platform_keys, platform_keys

    settings = _settings(ctx)
    if settings is None or not has_platform_keys(settings):
        return None
    return platform_keys(settings)


def _keys(label_key: Path | None, platform: PlatformKeys | None) -> tuple[Ed25519PublicKey, ...]:
    from culturebridge.labels import load_label_key

    if label_key is not None:
        return (load_label_key(label_key).public_key(),)
    return (platform.label_key.public_key(),) if platform else ()


def _trust(cert_dir: Path | None, platform: PlatformKeys | None) -> bytes | None:
    from culturebridge.labels.c2pa import CA_FILE

    if cert_dir is None:
        return platform.credentials.ca_pem if platform else None
    path = cert_dir / CA_FILE
    try:
        return path.read_bytes()
    except OSError as exc:
        raise SigningCredentialsMissing(
            f"no C2PA CA certificate at {path} ({exc.strerror})",
            hint="point --cert-dir at a directory made by `culturebridge init`",
        ) from None


def _summary(report: Report) -> str:
    lines = [f"{report.source}: {report.verdict.value} ({report.kind.value})"]
    if report.label is not None:
        lines.append(f"  label: {report.label.to_json()}")
    if report.tier:
        lines.append(f"  show: 「{report.tier}」")
    for found in report.found:
        lines.append(f"  found in {found.carrier}")
    if report.iptc_source_type:
        lines.append(f"  IPTC DigitalSourceType: {report.iptc_source_type}")
    if report.c2pa is not None and report.c2pa.present:
        lines.append(f"  C2PA: {report.c2pa.validation_state}")
    if report.integrity is not None:
        lines.append(f"  ReservedCode1/2: {report.integrity[0].value}/{report.integrity[1].value}")
    lines.append(
        f"  explicit label: {report.explicit_label or 'not found'} ({report.explicit_checked})"
    )
    lines.extend(f"  ! {reason}" for reason in report.reasons)
    lines.extend(f"  - {finding}" for finding in report.findings)
    return "\n".join(lines)


@app.command("check")
def check(
    ctx: typer.Context,
    files: Annotated[
        list[Path], typer.Argument(help="Files to check (content is sniffed, not the extension)")
    ],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON array of reports")
    ] = False,
    label_key: Annotated[
        Path | None,
        typer.Option(
            "--label-key",
            help="Ed25519 PEM key to verify ReservedCode fields (default: the platform's key)",
        ),
    ] = None,
    cert_dir: Annotated[
        Path | None,
        typer.Option("--cert-dir", help="C2PA directory whose CA is trusted (default: the platform's)"),
    ] = None,
    no_video: Annotated[
        bool, typer.Option("--no-video", help="Skip decoding video frames for the explicit label")
    ] = False,
    ocr: Annotated[
        bool, typer.Option("--ocr", help="Read other parties' visible AI notices in pictures and video (Tesseract)")
    ] = False,
    ray_address: Annotated[
        str | None,
        typer.Option("--ray", help="Check as tasks on this Ray cluster, HOST:PORT (setting `ray_address`); "
                                   "the files must be readable on every node."),
    ] = None,
) -> None:
    """Report every label in each file, its validity and the notice to show (Art. 6)."""
    from culturebridge.labels.batch import check_files

    platform = _platform_keys(ctx) if label_key is None or cert_dir is None else None
    keys = _keys(label_key, platform)
    trust = _trust(cert_dir, platform)
    settings = context(ctx).settings()
    address = ray_address if ray_address is not None else settings.ray_address
    reports = check_files(files, public_keys=keys, trust_anchor_pem=trust, check_video=not no_video, ocr=ocr,
                          ray_address=address, max_whole_pixels=settings.max_whole_decode_pixels)
    if as_json:
        typer.echo(json.dumps([r.to_dict() for r in reports], ensure_ascii=False, indent=2))
    else:
        for report in reports:
            typer.echo(_summary(report))


@app.command("apply")
def apply(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="File to label")],
    out: Annotated[Path, typer.Option("-o", "--out", help="Where to write the labelled file")],
    producer: Annotated[
        str, typer.Option("--producer", help="ContentProducer code (if the file has no label yet)")
    ] = "",
    produce_id: Annotated[
        str, typer.Option("--produce-id", help="ProduceID: the producer's ID for this content")
    ] = "",
    propagator: Annotated[
        str, typer.Option("--propagator", help="ContentPropagator code when publishing")
    ] = "",
    propagate_id: Annotated[
        str, typer.Option("--propagate-id", help="PropagateID for this publication")
    ] = "",
    explicit: Annotated[
        bool, typer.Option("--explicit", help="Also add a visible/audible label")
    ] = False,
    lang: Annotated[
        str, typer.Option("--lang", help=f"Language of the explicit label: {', '.join(LANGS)}")
    ] = "zh",
    tone: Annotated[
        bool, typer.Option("--tone", help="Audio: use the short-long-short-short tone, not speech")
    ] = False,
    composite: Annotated[
        bool,
        typer.Option(
            "--composite", help="Mixed human/AI work (IPTC compositeWithTrainedAlgorithmicMedia)"
        ),
    ] = False,
    c2pa: Annotated[
        bool,
        typer.Option("--c2pa", help="Sign a C2PA manifest (with --cert-dir or the platform's chain)"),
    ] = False,
    cert_dir: Annotated[
        Path | None,
        typer.Option("--cert-dir", help="C2PA chain directory (default: the platform's)"),
    ] = None,
    label_key: Annotated[
        Path | None,
        typer.Option(
            "--label-key", help="Ed25519 PEM key that signs ReservedCode1/2 (default: the platform's)"
        ),
    ] = None,
    parent: Annotated[
        Path | None, typer.Option("--parent", help="Source work, added as C2PA parentOf ingredient")
    ] = None,
    as_user: Annotated[
        str | None, typer.Option("--as", help="User recorded in the labelling log (default: first admin)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON")] = False,
) -> None:
    """Write the implicit label (+ IPTC), optionally an explicit label and a C2PA manifest."""
    from culturebridge.labels import (
        LabelRequest,
        Parent,
        apply_labels,
        load_credentials,
        load_label_key,
        sniff,
    )
    from culturebridge.labels.c2pa import mime_for

    if lang not in LANGS:
        raise InvalidInput(f"unknown --lang {lang!r}", hint=f"use one of {', '.join(LANGS)}")
    platform_keys = _platform_keys(ctx) if label_key is None or (c2pa and cert_dir is None) else None
    if c2pa and cert_dir is None and platform_keys is None:
        raise InvalidInput(
            "--c2pa needs --cert-dir (no initialised data directory with keys was found)",
            hint="point --cert-dir at a C2PA directory, or run `culturebridge init` first",
        )
    data = _read(file)
    parent_ref = None
    if parent is not None:
        parent_data = _read(parent)
        parent_ref = Parent(parent_data, mime_for(sniff(parent_data)), parent.name)
    request = LabelRequest(
        producer=producer,
        produce_id=produce_id,
        propagator=propagator,
        propagate_id=propagate_id,
        composite=composite,
        explicit_lang=lang if explicit else None,
        spoken=not tone,
        title=file.name,
    )
    signing_key: Ed25519PrivateKey | None = (
        load_label_key(label_key) if label_key else platform_keys.label_key if platform_keys else None
    )
    credentials: Credentials | None = None
    if c2pa:
        credentials = load_credentials(cert_dir) if cert_dir else platform_keys.credentials if platform_keys else None
    applied = apply_labels(
        data, request, label_key=signing_key, c2pa_credentials=credentials, parent=parent_ref
    )
    tmp = out.with_name(out.name + ".tmp")
    try:
        tmp.write_bytes(applied.data)
        os.replace(tmp, out)
    except OSError as exc:
        raise InvalidInput(f"cannot write {out}: {exc.strerror}") from None
    if _settings(ctx) is not None:
        _log_apply(context(ctx).platform(), as_user, file, out, applied.label.to_dict(), applied.c2pa_state)
    result = {
        "out": str(out),
        "label": applied.label.to_dict(),
        "kind": applied.kind.value,
        "c2pa": applied.c2pa_state,
    }
    typer.echo(
        json.dumps(result, ensure_ascii=False) if as_json else f"{out}: {applied.label.to_json()}"
    )


def _log_apply(
    platform: Platform, as_user: str | None, file: Path, out: Path, label: dict[str, str], c2pa_state: str | None
) -> None:
    from culturebridge.labels import log_event

    with platform.db.write() as conn:
        user = acting_user(conn, as_user)
        log_event(
            conn,
            "apply-file",
            actor_id=user.id,
            actor=user.username,
            label=label,
            detail=f"{file} -> {out}" + (f"; C2PA {c2pa_state}" if c2pa_state else ""),
        )


@app.command("log")
def log(
    ctx: typer.Context,
    work: Annotated[str | None, typer.Option("--work", help="Only this work's actions")] = None,
    asset: Annotated[str | None, typer.Option("--asset", help="Only this asset's actions")] = None,
    limit: Annotated[int, typer.Option("--limit", help="How many actions, newest first")] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts")] = False,
) -> None:
    """Show the append-only labelling log (checks, renditions, publications, refusals)."""
    from culturebridge.labels import list_events

    with context(ctx).platform().db.read() as conn:
        events = list_events(conn, limit=limit, work_id=work, asset_id=asset)
    if as_json:
        print_json([e.to_dict() for e in events])
        return
    for e in events:
        where = " ".join(filter(None, [e.work_id, e.asset_id, f"-> {e.result_asset_id}" if e.result_asset_id else None]))
        extra = " ".join(filter(None, [e.verdict, f"「{e.tier}」" if e.tier else None, e.actor and f"by {e.actor}"]))
        typer.echo(f"{e.at:%Y-%m-%d %H:%M:%S}Z {e.action:<11} {where} {extra}".rstrip())
        if e.label:
            typer.echo(f"    label: {json.dumps(e.label, separators=(',', ':'))}")
        if e.detail:
            typer.echo(f"    {e.detail}")


@app.command("status")
def status(
    ctx: typer.Context,
    work: Annotated[str, typer.Argument(help="Work id")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts")] = False,
) -> None:
    """Each asset of a work: stored label verdict and the Art. 6 notice to show."""
    from culturebridge.catalog import get_work, list_assets
    from culturebridge.labels import stored_check

    with context(ctx).platform().db.read() as conn:
        get_work(conn, work)
        rows: list[dict[str, Any]] = []
        for asset in list_assets(conn, work):
            stored = stored_check(conn, asset.id)
            rows.append(
                {
                    "asset_id": asset.id,
                    "name": asset.original_name,
                    "verdict": stored.verdict if stored else None,
                    "tier": stored.tier if stored else None,
                    "reasons": stored.report.get("reasons", []) if stored else [],
                    "rendition_of": stored.rendition_of if stored else None,
                    "purpose": stored.purpose if stored else None,
                }
            )
    if as_json:
        print_json(rows)
        return
    for row in rows:
        made = f" ({row['purpose']} rendition of {row['rendition_of']})" if row["rendition_of"] else ""
        tier = f" 「{row['tier']}」" if row["tier"] else ""
        typer.echo(f"{row['asset_id']} {row['name']}: {row['verdict'] or 'not checked yet'}{tier}{made}")
        for reason in row["reasons"]:
            typer.echo(f"    ! {reason}")


@app.command("publish")
def publish(
    ctx: typer.Context,
    asset: Annotated[str, typer.Argument(help="Asset id to prepare for publication")],
    lang: Annotated[str, typer.Option("--lang", help=f"Audience language: {', '.join(LANGS)}")] = "en",
    as_user: Annotated[str | None, typer.Option("--as", help="Act as this user (default: the work's owner)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts")] = False,
) -> None:
    """Make (once) the copy to publish: explicit label in LANG + implicit label + C2PA."""
    from culturebridge.catalog import get_asset, get_work, require_editor
    from culturebridge.labels import label_for_publication

    platform = context(ctx).platform()
    with platform.db.read() as conn:
        source = get_asset(conn, asset)
        actor = acting_user(conn, as_user) if as_user else None
        if actor is not None:
            require_editor(actor, get_work(conn, source.work_id))
    result = label_for_publication(platform, source, lang, actor=actor)
    if as_json:
        print_json({"asset_id": result.id, "name": result.original_name, "source_asset_id": source.id})
    elif result.id == source.id:
        typer.echo(f"{source.id}: nothing indicates AI content; publish it as is")
    else:
        typer.echo(f"{result.id} {result.original_name}: labelled copy of {source.id} for {lang}")


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise NotFound(f"file {path} does not exist") from None
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}") from None
