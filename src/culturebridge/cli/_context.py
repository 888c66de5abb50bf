"""What every command shares: settings from the root options, the platform, output helpers."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from sqlalchemy import Connection

from culturebridge.accounts.users import User, get_user_by_name, list_users
from culturebridge.errors import NotFound
from culturebridge.platform import Platform, open_platform
from culturebridge.settings import Settings, load_settings


@dataclass
class CliContext:
    data_dir: Path | None = None
    _platform: Platform | None = field(default=None, repr=False)

    def settings(self) -> Settings:
        return load_settings(self.data_dir)

    def platform(self) -> Platform:
        if self._platform is None:
            self._platform = open_platform(self.settings())
        return self._platform

    def close(self) -> None:
        if self._platform is not None:
            self._platform.close()
            self._platform = None


def context(ctx: typer.Context) -> CliContext:
    obj = ctx.find_root().obj
    if not isinstance(obj, CliContext):
        obj = CliContext()
        ctx.find_root().obj = obj
    return obj


def acting_user(conn: Connection, username: str | None) -> User:
    """The user a command acts as: the one named, else the first active admin (the local operator)."""
    if username:
        return get_user_by_name(conn, username)
    admins = [u for u in list_users(conn) if u.is_admin]
    if not admins:
        raise NotFound("no active admin account exists", hint="run `culturebridge init`")
    return admins[0]


console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


def print_json(value: Any) -> None:
    """JSON on stdout, UTF-8 kept readable, for scripts."""
    typer.echo(json.dumps(value, ensure_ascii=False, indent=2, default=str))
