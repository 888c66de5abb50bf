"""The stages' pages in the web app: panels on a work's page and routers, in pipeline order.

A stage's web module (`web/<stage>.py`) defines its panel and its routers; this module only
lists them, so a new stage plugs into the web app with one line in each list.
"""

from __future__ import annotations

from fastapi import APIRouter

from culturebridge.web import audit as audit_web
from culturebridge.web import automation as automation_web
from culturebridge.web import create as create_web
from culturebridge.web import feed as feed_web
from culturebridge.web import fingerprint as fingerprint_web
from culturebridge.web import insight as insight_web
from culturebridge.web import labels as labels_web
from culturebridge.web import localize as localize_web
from culturebridge.web import review as review_web
from culturebridge.web import rights as rights_web
from culturebridge.web.panels import PanelProvider


def work_panels() -> list[PanelProvider]:
    """Panels on the work page, in pipeline order."""
    return [
        automation_web.automation_panel,
        rights_web.rights_panel,
        fingerprint_web.fingerprint_panel,
        labels_web.labels_panel,
        review_web.review_panel,
        localize_web.localize_panel,
        feed_web.feed_panel,
        insight_web.insight_panel,
        create_web.create_panel,
    ]


def stage_routers() -> list[APIRouter]:
    """Routers of the stages' pages and API endpoints."""
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
        insight_web.router,
        insight_web.api_router,
        create_web.router,
        audit_web.router,
    ]
