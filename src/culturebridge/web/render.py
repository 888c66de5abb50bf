"""Render a page: every template gets the caller, their language and the CSRF token."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from culturebridge.platform import Platform
from culturebridge.web.auth import identify
from culturebridge.web.error_titles import error_title, explain
from culturebridge.web.i18n import (
    choose_locale,
    format_age,
    format_datetime,
    format_number,
    translator,
)


def page_context(request: Request, **values: Any) -> dict[str, Any]:
    """What every template gets: the caller, their language, the CSRF token."""
    caller = identify(request)
    platform: Platform = request.app.state.platform
    locale = choose_locale(
        request.cookies.get("lang"),
        caller.user.locale if caller.user else None,
        request.headers.get("accept-language"),
        platform.settings.default_locale,
    )
    return {
        "user": caller.user,
        "csrf": caller.csrf_token,
        "locale": locale,
        "t": translator(locale),
        "n": lambda value: format_number(value, locale),
        "when": lambda value: format_datetime(value, locale),
        "age": lambda since, at: format_age(since, at, locale),
        "problem": lambda exc: explain(exc, locale),
        "problem_title": lambda exc: error_title(exc, locale),
        **values,
    }


def locale_of(request: Request) -> str:
    locale: str = page_context(request)["locale"]
    return locale


def render(request: Request, template: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    """A template rendered with the page context."""
    templates = request.app.state.templates
    response: HTMLResponse = templates.TemplateResponse(
        request, template, page_context(request, **values), status_code=status_code
    )
    return response
