"""The labels panel in real headless Chromium on a phone-sized screen."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from culturebridge.accounts.users import get_user_by_name
from culturebridge.jobs import ingest
from culturebridge.platform import Platform
from tests.browser import browser, server  # noqa: F401  (fixtures)
from tests.factories import make_work, png_bytes
from tests.labels.conftest import run_jobs
from tests.web.conftest import PASSWORD, platform  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser


def test_panel_fits_a_phone_and_shows_the_notice(
    server: str,
    browser: object,
    platform: Platform,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import Browser, expect

    assert isinstance(browser, Browser)
    with platform.db.write() as conn:
        mei = get_user_by_name(conn, "mei")
        work = make_work(conn, mei, "一个很长很长的人工智能生成作品标题" * 2, ai_generated=True, kind="image")
        name = "a-rather-long-file-name-for-an-ai-generated-picture-of-paper-cutting.png"
        ingest(conn, platform, mei, work.id, io.BytesIO(png_bytes(120, 90)), name)
    run_jobs(platform)
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(server + "/login")
    page.fill("input[name=username]", "mei")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{server}/studio/works/{work.id}#labels")
    panel = page.locator("#labels")
    expect(panel.locator(".label-row")).to_have_count(2)
    expect(panel.locator(".tag.ai").first).to_have_text("「可能为AI生成」")
    page.screenshot(path=str(tmp_path / "labels-phone.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), "panel scrolls sideways"
    page.select_option("#labels select[name=lang]", "en")
    page.locator("#labels form button").first.click()
    expect(panel.locator(".label-row")).to_have_count(3)
