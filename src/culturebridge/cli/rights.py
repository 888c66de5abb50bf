"""`rights` commands (register, certificate, bundle, checkpoint, keygen) and the top-level `verify`."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import typer
from cryptography import x509

from culturebridge.catalog import get_work, require_viewer
from culturebridge.cli._context import acting_user, console, context, print_json
from culturebridge.errors import InvalidInput, MalformedBundle
from culturebridge.fingerprint import claim_fingerprints
from culturebridge.rights import (
    LICENCES,
    Certificate,
    Licence,
    checkpoint_now,
    create_identity_key,
    load_log_key,
    log_key_path,
    public_key_bytes,
    public_key_from_base64,
    register_work,
    require_certificate,
    verify_bundle,
    work_bundle,
)

app = typer.Typer(help="Rights claims in the transparency log, and evidence bundles.", no_args_is_help=True)

JsonOpt = typer.Option(False, "--json", help="Print JSON for scripts.")
AsOpt = typer.Option(None, "--as", help="Act as this user (default: the first admin).")


@app.command("keygen")
def keygen_command(path: Path = typer.Argument(..., help="Where to write the new key (never overwritten).")) -> None:
    """Create an Ed25519 identity or log key file; print its public key (base64)."""
    key = create_identity_key(path)
    typer.echo(base64.b64encode(public_key_bytes(key)).decode())


def _licence(licence: str | None, terms: str | None) -> Licence | None:
    if licence is None:
        if terms is not None:
            raise InvalidInput("--terms goes with --licence custom")
        return None
    if licence not in LICENCES:
        raise InvalidInput(f"licence {licence!r} is not one of {', '.join(LICENCES)}")
    return Licence(licence, terms)


def _print_certificate(cert: Certificate) -> None:
    root = cert.root_hash
    console.print(f"work {cert.work_id}: log entry {cert.leaf_index}, licence {cert.licence.id}", markup=False)
    console.print(f"  registered {cert.registered_at.isoformat(timespec='seconds')}", markup=False)
    if cert.tree_size is None or root is None:
        console.print("  no checkpoint covers it yet (run `culturebridge rights checkpoint`)", markup=False)
    else:
        console.print(f"  checkpoint size {cert.tree_size}, root {base64.b64encode(root).decode()}", markup=False)


@app.command("register")
def register_command(
    ctx: typer.Context,
    work: str = typer.Argument(..., help="The work's ID."),
    licence: str | None = typer.Option(
        None, "--licence", help="CC0-1.0, CC-BY-4.0 ... CC-BY-NC-ND-4.0, all-rights-reserved or custom "
        "(default: the previous registration's, else all-rights-reserved)."
    ),
    terms: str | None = typer.Option(None, "--terms", help="Licence terms text (with --licence custom)."),
    as_user: str | None = AsOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Sign the work's claim with its owner's key, log it and checkpoint it."""
    platform = context(ctx).platform()
    with platform.db.read() as conn:
        actor = acting_user(conn, as_user)
    cert = register_work(platform, actor, work, _licence(licence, terms), fingerprints=claim_fingerprints)
    if json_out:
        print_json(cert.to_json())
    else:
        _print_certificate(cert)


@app.command("certificate")
def certificate_command(
    ctx: typer.Context,
    work: str = typer.Argument(..., help="The work's ID."),
    as_user: str | None = AsOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Show the work's newest registration (log entry, checkpoint)."""
    platform = context(ctx).platform()
    with platform.db.read() as conn:
        require_viewer(acting_user(conn, as_user), get_work(conn, work))
        cert = require_certificate(conn, work)
    if json_out:
        print_json(cert.to_json())
    else:
        _print_certificate(cert)


@app.command("bundle")
def bundle_command(
    ctx: typer.Context,
    work: str = typer.Argument(..., help="The work's ID."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the bundle here instead of stdout."),
    as_user: str | None = AsOpt,
) -> None:
    """Write the evidence bundle of the work's newest claim (see docs/evidence-bundle.md)."""
    platform = context(ctx).platform()
    with platform.db.read() as conn:
        require_viewer(acting_user(conn, as_user), get_work(conn, work))
    text = json.dumps(work_bundle(platform, work), ensure_ascii=False, indent=2) + "\n"
    if output is None:
        typer.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"cannot write {output}: {exc.strerror}") from exc
    console.print(f"wrote {output}", markup=False)


@app.command("checkpoint")
def checkpoint_command(ctx: typer.Context, json_out: bool = JsonOpt) -> None:
    """Sign (and timestamp, with a TSA configured) a checkpoint of the log; print it."""
    platform = context(ctx).platform()
    checkpoint = checkpoint_now(platform)
    if json_out:
        log_key = load_log_key(log_key_path(platform.settings))
        print_json({
            "log_public_key": base64.b64encode(public_key_bytes(log_key)).decode(),
            "tree_size": checkpoint.size,
            "root_hash": base64.b64encode(checkpoint.root_hash).decode(),
            "checkpoint": checkpoint.note,
            "timestamped": checkpoint.timestamp_token is not None,
        })
    else:
        typer.echo(checkpoint.note, nl=False)


def verify_command(
    file: Path = typer.Argument(..., help="The evidence bundle JSON file."),
    media: list[Path] = typer.Argument(None, help="Media files that must be assets of the claim."),
    trust_log_key: list[str] = typer.Option([], "--trust-log-key", help="Pin the log's public key (base64); repeatable."),
    tsa_cert: list[Path] = typer.Option([], "--tsa-cert", help="Trusted TSA (or TSA CA) certificate, PEM; repeatable."),
    json_out: bool = JsonOpt,
) -> None:
    """Verify an evidence bundle offline; exit non-zero naming the failing check."""
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise MalformedBundle(f"cannot read {file}: {exc.strerror}") from exc
    anchors = []
    for path in tsa_cert:
        try:
            anchors.append(x509.load_pem_x509_certificate(path.read_bytes()))
        except (OSError, ValueError) as exc:
            raise InvalidInput(f"{path} is not a readable PEM certificate") from exc
    keys = [public_key_from_base64(k) for k in trust_log_key]
    report = verify_bundle(data, media or [], trusted_log_keys=keys, trusted_tsa_certificates=anchors)
    if json_out:
        print_json(report.to_json())
    else:
        for check in report.checks:
            mark = {"pass": "ok  ", "fail": "FAIL", "skip": "--  "}[check.status]
            console.print(f"{mark} {check.name}: {check.message}", markup=False)
    report.raise_for_failure()
