"""A stage's panel on a work's studio page.

A panel provider is a function `(conn, work, viewer) -> Panel | None`; the work page renders
each panel's template with its values, in the order `web.stages` lists them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from culturebridge.accounts import User
from culturebridge.catalog import Work


@dataclass(frozen=True)
class Panel:
    template: str  # a template under web/templates, rendered inside the work page
    values: dict[str, Any] = field(default_factory=dict)


PanelProvider = Callable[[Connection, Work, User], Panel | None]
