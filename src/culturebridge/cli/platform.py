"""`init`, `serve`, `demo`, `settings`, `users` and `jobs` commands."""

from __future__ import annotations

import os
import signal
import time

import typer
from rich.table import Table

from culturebridge.accounts import create_api_token, create_user, get_user_by_name, list_users
from culturebridge.cli._context import console, context, print_json
from culturebridge.jobs import Worker, list_jobs, run_one
from culturebridge.pipeline import init_platform, job_handlers
from culturebridge.platform import open_platform, sweep_media
from culturebridge.settings import SETTINGS

users_app = typer.Typer(help="Accounts and API tokens.", no_args_is_help=True)
jobs_app = typer.Typer(help="Background jobs and their progress.", no_args_is_help=True)

DEMO_ADMIN = "admin"
DEMO_PASSWORD = "culturebridge-demo"


def init_command(
    ctx: typer.Context,
    admin: str = typer.Option("admin", help="Username of the first admin."),
    password: str | None = typer.Option(
        None, envvar="CULTUREBRIDGE_ADMIN_PASSWORD", help="Admin password (prompted if not given)."
    ),
) -> None:
    """Create the data directory, database, keys and the first admin."""
    settings = context(ctx).settings()
    if password is None:
        password = typer.prompt("admin password", hide_input=True, confirmation_prompt=True)
    platform, user = init_platform(settings, admin, password)
    platform.close()
    console.print(f"initialised {settings.data_dir} with admin [bold]{user.username}[/bold]")


def serve_command(
    ctx: typer.Context,
    host: str | None = typer.Option(None, help="Listen address (setting `host`)."),
    port: int | None = typer.Option(None, help="Port (setting `port`)."),
    workers: int | None = typer.Option(None, "--workers", help="Web processes (setting `web_workers`)."),
) -> None:
    """Serve the web app and JSON API (in several processes with --workers N)."""
    import uvicorn

    from culturebridge.web import create_app

    settings = context(ctx).settings().with_overrides(
        **{k: v for k, v in {"host": host, "port": port, "web_workers": workers}.items() if v is not None}
    )
    platform = open_platform(settings)
    sweep_media(platform)
    if settings.web_workers > 1:
        platform.close()
        # Each process opens the platform itself from the environment (uvicorn spawns them).
        os.environ["CULTUREBRIDGE_DATA_DIR"] = str(settings.data_dir.resolve())
        console.print(f"serving on http://{settings.host}:{settings.port} with {settings.web_workers} processes")
        uvicorn.run("culturebridge.web.serving:app_from_environment", factory=True, workers=settings.web_workers,
                    host=settings.host, port=settings.port, log_level="warning")
        return
    workers_ = [Worker(platform.db, job_handlers(platform), lease_seconds=settings.job_lease_seconds)
                for _ in range(settings.job_workers)]
    for worker in workers_:
        worker.start()
    console.print(f"serving on http://{settings.host}:{settings.port}")
    try:
        uvicorn.run(create_app(platform), host=settings.host, port=settings.port, log_level="warning",
                    proxy_headers=False)  # forwarded headers are read by web.clients, from trusted proxies only
    finally:
        for worker in workers_:
            worker.stop()


def demo_command(
    ctx: typer.Context,
    serve: bool = typer.Option(True, "--serve/--no-serve", help="Start the web server after loading."),
    port: int | None = typer.Option(None, help="Port to serve on."),
) -> None:
    """Load the demo pack into a fresh data directory and serve the platform."""
    from culturebridge.demo.load import load_demo

    cli = context(ctx)
    settings = cli.settings()
    if (settings.data_dir / ".culturebridge").exists():
        console.print(f"{settings.data_dir} already holds a platform; serving it as it is")
    else:
        platform, _ = init_platform(settings, DEMO_ADMIN, DEMO_PASSWORD)
        summary = load_demo(platform, progress=lambda msg: console.print(f"  {msg}"))
        platform.close()
        console.print(f"demo loaded: {summary}")
        console.print(f"log in as [bold]{DEMO_ADMIN}[/bold] / [bold]{DEMO_PASSWORD}[/bold]")
    if serve:
        serve_command(ctx, host=None, port=port, workers=None)


def settings_command(ctx: typer.Context, json_out: bool = typer.Option(False, "--json")) -> None:
    """Show every setting with its value and where to change it."""
    settings = context(ctx).settings()
    rows = [
        {"name": s.name, "value": str(getattr(settings, s.name)), "env": f"CULTUREBRIDGE_{s.name.upper()}",
         "help": s.help}
        for s in SETTINGS
    ]
    if json_out:
        print_json(rows)
        return
    table = Table("setting", "value", "environment variable", "meaning")
    for r in rows:
        value = "***" if "key" in r["name"] and r["value"] else r["value"]
        table.add_row(r["name"], value, r["env"], r["help"])
    console.print(table)


@users_app.command("add")
def users_add(
    ctx: typer.Context,
    username: str,
    role: str = typer.Option("creator", help="admin, creator or reviewer."),
    display_name: str | None = typer.Option(None, help="Name shown in the studio."),
    password: str | None = typer.Option(None, envvar="CULTUREBRIDGE_NEW_PASSWORD", help="Prompted if not given."),
) -> None:
    """Create an account."""
    if password is None:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    platform = context(ctx).platform()
    with platform.db.write() as conn:
        user = create_user(conn, username, password, role, display_name)
    console.print(f"created {user.role} [bold]{user.username}[/bold] ({user.id})")


@users_app.command("list")
def users_list(ctx: typer.Context, json_out: bool = typer.Option(False, "--json")) -> None:
    """List accounts."""
    platform = context(ctx).platform()
    with platform.db.read() as conn:
        found = list_users(conn)
    if json_out:
        print_json([{"id": u.id, "username": u.username, "role": u.role, "active": u.active} for u in found])
        return
    table = Table("username", "role", "name", "id", "state")
    for u in found:
        table.add_row(u.username, u.role, u.display_name, u.id, "active" if u.active else "deactivated")
    console.print(table)


@users_app.command("token")
def users_token(ctx: typer.Context, username: str, name: str = typer.Option("cli", help="What the token is for.")) -> None:
    """Create an API token for a user (printed once)."""
    platform = context(ctx).platform()
    with platform.db.write() as conn:
        secret = create_api_token(conn, get_user_by_name(conn, username), name)
    typer.echo(secret)


def _stop_on_signals() -> None:
    """Ctrl-C and SIGTERM (systemd, `docker stop`) stop the worker after its current job.

    Installed outright: a worker started in the background of a script inherits SIGINT
    ignored, and SIGTERM would otherwise end it mid-job without a word.
    """
    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, stop)


@jobs_app.command("work")
def jobs_work(
    ctx: typer.Context,
    once: bool = typer.Option(False, "--once", help="Run queued jobs until the queue is empty, then exit."),
) -> None:
    """Run background jobs in this process (more worker processes may run on other machines)."""
    platform = context(ctx).platform()
    handlers = job_handlers(platform)
    if once:
        count = 0
        while run_one(platform.db, handlers, lease_seconds=platform.settings.job_lease_seconds) is not None:
            count += 1
        console.print(f"ran {count} jobs")
        return
    worker = Worker(platform.db, handlers, lease_seconds=platform.settings.job_lease_seconds)
    _stop_on_signals()
    worker.start()
    console.print("working; Ctrl-C to stop")
    try:
        while True:
            # Short sleeps: the kernel may deliver Ctrl-C/SIGINT to any thread (a BLAS or S3
            # transfer thread), and Python raises it in the main thread only once that thread
            # runs bytecode again, which a long sleep would put off for its whole length.
            time.sleep(0.5)
    except KeyboardInterrupt:
        worker.stop()


@jobs_app.command("list")
def jobs_list(ctx: typer.Context, json_out: bool = typer.Option(False, "--json")) -> None:
    """Show recent background jobs with their progress."""
    platform = context(ctx).platform()
    with platform.db.read() as conn:
        found = list_jobs(conn)
    if json_out:
        print_json([{"id": j.id, "kind": j.kind, "state": j.state, "done": j.done, "total": j.total,
                     "message": j.message, "error": j.error} for j in found])
        return
    table = Table("id", "kind", "state", "progress", "message")
    for j in found:
        progress = f"{j.done}/{j.total}" if j.total else str(j.done)
        table.add_row(j.id, j.kind, j.state, progress, j.error or j.message or "")
    console.print(table)

