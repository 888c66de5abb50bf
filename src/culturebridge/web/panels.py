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
    from culturebridge.web import automation as automation_web
    from culturebridge.web import feed as feed_web
    from culturebridge.web import fingerprint as fingerprint_web
    from culturebridge.web import labels as labels_web
    from culturebridge.web import localize as localize_web
    from culturebridge.web import review as review_web
    from culturebridge.web import rights as rights_web

    return [
        automation_web.automation_panel,
        rights_web.rights_panel,
        fingerprint_web.fingerprint_panel,
        labels_web.labels_panel,
        review_web.review_panel,
        localize_web.localize_panel,
        feed_web.feed_panel,
    ]


def stage_routers() -> list[APIRouter]:
    """Routers of the stages' pages and API endpoints."""
    from culturebridge.web import automation as automation_web
    from culturebridge.web import feed as feed_web
    from culturebridge.web import fingerprint as fingerprint_web
    from culturebridge.web import labels as labels_web
    from culturebridge.web import localize as localize_web
    from culturebridge.web import review as review_web
    from culturebridge.web import rights as rights_web

    return [
        automation_web.router,
        automation_web.api_router,
        rights_web.router,
        fingerprint_web.router,
        labels_web.router,
        review_web.router,
        localize_web.router,
        localize_web.api_router,
        feed_web.router,
        feed_web.api_router,
    ]
