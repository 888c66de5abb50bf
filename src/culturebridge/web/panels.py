"""Stage panels on a work's studio page, and the routers stages add to the web app.

A panel is a function `(conn, work, viewer) -> Panel | None`; the work page renders each
panel's template with its values, in the order listed. A stage adds itself with one line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter
from sqlalchemy import Connection

from culturebridge.accounts import User
from culturebridge.catalog import Work


@dataclass(frozen=True)
class Panel:
    template: str  # a template under web/templates, rendered inside the work page
    values: dict[str, Any] = field(default_factory=dict)


PanelProvider = Callable[[Connection, Work, User], Panel | None]


def work_panels() -> list[PanelProvider]:
    """Panels on the work page, in pipeline order."""
    return []


def stage_routers() -> list[APIRouter]:
    """Routers of the stages' pages and API endpoints."""
    return []
