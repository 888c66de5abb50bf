"""The `culturebridge` command line.

`main(argv)` runs one command and returns its exit code; `run()` is the console script.
Errors are turned into one line and an exit code here, and only here.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import typer

from culturebridge.cli import accounts as accounts_cli
from culturebridge.cli import audit as audit_cli
from culturebridge.cli import automation as automation_cli
from culturebridge.cli import backup as backup_cli
from culturebridge.cli import catalog as catalog_cli
from culturebridge.cli import create as create_cli
from culturebridge.cli import feed as feed_cli
from culturebridge.cli import fingerprint as fingerprint_cli
from culturebridge.cli import insight as insight_cli
from culturebridge.cli import labels as labels_cli
from culturebridge.cli import localize as localize_cli
from culturebridge.cli import media as media_cli
from culturebridge.cli import platform as platform_cli
from culturebridge.cli import review as review_cli
from culturebridge.cli import rights as rights_cli
from culturebridge.cli._context import CliContext, err_console
from culturebridge.errors import Error

app = typer.Typer(
    name="culturebridge",
    help="Take cultural works across languages and markets, trustworthily.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root(
    ctx: typer.Context,
    data_dir: Path | None = typer.Option(
        None, "--data-dir", envvar="CULTUREBRIDGE_DATA_DIR", help="Data directory (default ./data)."
    ),
) -> None:
    obj = CliContext(data_dir=data_dir)
    ctx.obj = obj
    ctx.call_on_close(obj.close)


app.command("init")(platform_cli.init_command)
app.command("serve")(platform_cli.serve_command)
app.command("demo")(platform_cli.demo_command)
app.command("settings")(platform_cli.settings_command)
app.command("backup")(backup_cli.backup_command)
app.command("restore")(backup_cli.restore_command)
app.command("lineage")(catalog_cli.lineage_command)
app.add_typer(catalog_cli.works_app, name="works")
app.add_typer(catalog_cli.assets_app, name="assets")
app.add_typer(catalog_cli.ip_app, name="ip")
for _name, _command in (
    ("invite", accounts_cli.invite_command), ("reset", accounts_cli.reset_command),
    ("role", accounts_cli.role_command), ("deactivate", accounts_cli.deactivate_command),
    ("reactivate", accounts_cli.reactivate_command), ("tokens", accounts_cli.tokens_command),
    ("revoke-token", accounts_cli.revoke_token_command), ("log", accounts_cli.log_command),
):
    platform_cli.users_app.command(_name)(_command)
app.add_typer(platform_cli.users_app, name="users")
app.add_typer(platform_cli.jobs_app, name="jobs")
app.add_typer(labels_cli.app, name="labels")
app.add_typer(localize_cli.app, name="localize")
app.add_typer(review_cli.app, name="review")
app.add_typer(rights_cli.app, name="rights")
app.add_typer(insight_cli.app, name="insight")
app.add_typer(insight_cli.events_app, name="events")
app.add_typer(automation_cli.app, name="automation")
app.command("verify")(rights_cli.verify_command)
app.add_typer(fingerprint_cli.app, name="fingerprint")
app.command("scan")(fingerprint_cli.scan_command)
app.add_typer(feed_cli.app, name="feed")
app.add_typer(media_cli.app, name="media")
app.add_typer(create_cli.app, name="create")
app.add_typer(audit_cli.app, name="audit")


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit code (0 on success)."""
    args = list(sys.argv[1:] if argv is None else argv)
    command = typer.main.get_command(app)
    try:
        command.main(args=args, prog_name="culturebridge", standalone_mode=False)
    except Error as exc:
        err_console.print(f"error: {exc.diagnostic()}", markup=False)
        return exc.exit_code
    except typer.Exit as exc:
        return int(exc.exit_code)
    except typer.Abort:
        err_console.print("aborted", markup=False)
        return 130
    except typer.TyperException as exc:  # usage errors from the command-line parser
        format_message = getattr(exc, "format_message", None)
        message = format_message() if callable(format_message) else str(exc)
        if message.strip():
            err_console.print(f"error: {message}", markup=False)
        return int(getattr(exc, "exit_code", 2) or 2)
    return 0


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
