"""Running a team from the command line: `users invite/role/deactivate/reactivate/reset/tokens/revoke-token/log`.

Commands act as `--as NAME` or the first active admin (the local operator), and every change
lands in the account log with the client `cli`. Links are printed, not mailed: the operator
passes them on. Their address starts with the `public_url` setting (else http://host:port).
"""

from __future__ import annotations

from dataclasses import asdict

import typer
from rich.table import Table

from culturebridge import accounts
from culturebridge.accounts import IssuedLink
from culturebridge.cli._context import acting_user, console, context, print_json
from culturebridge.settings import Settings
from culturebridge.web.insight_svg import csv_text

CLIENT = "cli"
AsOpt = typer.Option(None, "--as", help="Act as this admin (default: the first active admin).")
JsonOpt = typer.Option(False, "--json", help="Print JSON for scripts.")


def link_url(settings: Settings, issued: IssuedLink) -> str:
    base = settings.public_url.rstrip("/") or f"http://{settings.host}:{settings.port}"
    return base + issued.path


def _print_link(settings: Settings, issued: IssuedLink, json_out: bool) -> None:
    url = link_url(settings, issued)
    if json_out:
        print_json({"kind": issued.link.kind, "url": url, "expires_at": issued.link.expires_at.isoformat()})
        return
    typer.echo(url)
    console.print(f"works once, until {issued.link.expires_at:%Y-%m-%d %H:%M} UTC", markup=False)


def invite_command(
    ctx: typer.Context,
    email: str = typer.Argument(..., help="Whom the invite is for."),
    role: str = typer.Option("creator", help="admin, creator or reviewer."),
    name: str = typer.Option("", "--name", help="Name shown in the studio (default: the e-mail's local part)."),
    as_user: str | None = AsOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Make a one-time invite link (valid `invite_days` days) and print it."""
    platform = context(ctx).platform()
    with platform.db.write() as conn:
        issued = accounts.create_invite(conn, acting_user(conn, as_user), email, name, role,
                                        platform.settings.invite_days, client=CLIENT)
    _print_link(platform.settings, issued, json_out)


def reset_command(
    ctx: typer.Context,
    username: str = typer.Argument(..., help="Whose password to reset."),
    as_user: str | None = AsOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Make a one-time password-reset link (valid `reset_link_hours` hours) and print it."""
    platform = context(ctx).platform()
    with platform.db.write() as conn:
        target = accounts.get_user_by_name(conn, username)
        issued = accounts.issue_reset(conn, acting_user(conn, as_user), target, platform.settings.reset_link_hours,
                                      client=CLIENT)
    _print_link(platform.settings, issued, json_out)


def role_command(
    ctx: typer.Context,
    username: str = typer.Argument(...),
    role: str = typer.Argument(..., help="admin, creator or reviewer."),
    as_user: str | None = AsOpt,
) -> None:
    """Change an account's role (the last active admin keeps theirs)."""
    platform = context(ctx).platform()
    with platform.db.write() as conn:
        user = accounts.change_role(conn, acting_user(conn, as_user), accounts.get_user_by_name(conn, username).id,
                                    role, client=CLIENT)
    console.print(f"{user.username} is {user.role}", markup=False)


def deactivate_command(ctx: typer.Context, username: str = typer.Argument(...), as_user: str | None = AsOpt) -> None:
    """Deactivate an account: it cannot log in, its sessions and API tokens end; its works stay."""
    platform = context(ctx).platform()
    with platform.db.write() as conn:
        user = accounts.deactivate(conn, acting_user(conn, as_user), accounts.get_user_by_name(conn, username).id,
                                   client=CLIENT)
    console.print(f"{user.username} is deactivated", markup=False)


def reactivate_command(ctx: typer.Context, username: str = typer.Argument(...), as_user: str | None = AsOpt) -> None:
    """Let a deactivated account log in again."""
    platform = context(ctx).platform()
    with platform.db.write() as conn:
        user = accounts.reactivate(conn, acting_user(conn, as_user), accounts.get_user_by_name(conn, username).id,
                                   client=CLIENT)
    console.print(f"{user.username} is active", markup=False)


def tokens_command(
    ctx: typer.Context,
    username: str | None = typer.Argument(None, help="Whose tokens (default: everyone's)."),
    json_out: bool = JsonOpt,
) -> None:
    """List API tokens: name, owner, created, last used (never the secret)."""
    platform = context(ctx).platform()
    with platform.db.read() as conn:
        owner = accounts.get_user_by_name(conn, username).id if username else None
        found = accounts.list_tokens(conn, owner)
    if json_out:
        print_json([asdict(t) for t in found])
        return
    table = Table("id", "user", "name", "created", "last used")
    for t in found:
        table.add_row(t.id, t.username, t.name, f"{t.created_at:%Y-%m-%d %H:%M}",
                      f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "never")
    console.print(table)


def revoke_token_command(ctx: typer.Context, token_id: str = typer.Argument(...), as_user: str | None = AsOpt) -> None:
    """Revoke an API token by its id (see `users tokens`); it stops working at once."""
    platform = context(ctx).platform()
    with platform.db.write() as conn:
        token = accounts.revoke_token(conn, acting_user(conn, as_user), token_id, client=CLIENT)
    console.print(f"revoked {token.id} ({token.username}: {token.name})", markup=False)


def log_command(
    ctx: typer.Context,
    user: str | None = typer.Option(None, "--user", help="Entries by or about this account."),
    action: str | None = typer.Option(None, "--action", help="One of: " + ", ".join(accounts.ACTIONS) + "."),
    limit: int = typer.Option(50, help=f"Entries per page (1-{accounts.MAX_PAGE})."),
    before: int | None = typer.Option(None, help="Show entries older than this id (the next page)."),
    csv_out: bool = typer.Option(False, "--csv", help="Print CSV (formula cells neutralised)."),
    json_out: bool = JsonOpt,
) -> None:
    """The account log, newest first: invites, role changes, deactivations, resets, tokens, logins."""
    platform = context(ctx).platform()
    with platform.db.read() as conn:
        user_id = accounts.get_user_by_name(conn, user).id if user else None
        page = accounts.list_events(conn, user_id=user_id, action=action, before=before, limit=limit)
    rows = [(e.id, e.at.isoformat(), e.action, e.actor, e.subject, e.client, e.detail) for e in page.events]
    if csv_out:
        typer.echo(csv_text(("id", "at", "action", "actor", "subject", "client", "detail"), rows), nl=False)
        return
    if json_out:
        print_json({"events": [asdict(e) for e in page.events], "next_before": page.next_before})
        return
    table = Table("id", "at", "action", "actor", "subject", "client", "detail")
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    console.print(table)
    if page.next_before is not None:
        console.print(f"older: --before {page.next_before}", markup=False)
