"""The localization workbench in real headless Chromium on a phone-sized screen."""

from __future__ import annotations

import pytest

from culturebridge.jobs import run_one
from culturebridge.localize.localizations import JOB_KIND
from culturebridge.localize.work_localization import handler
from culturebridge.platform import Platform
from tests.browser import browser, server  # noqa: F401  (fixtures)
from tests.localize.test_web import _work
from tests.web.conftest import PASSWORD, platform  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser


def test_workbench_on_a_phone(server: str, browser: object, platform: Platform) -> None:
    from playwright.sync_api import Browser, expect

    assert isinstance(browser, Browser)
    work_id = _work(platform)
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(server + "/login")
    page.fill("input[name=username]", "mei")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{server}/studio/works/{work_id}")
    page.select_option("select[name=locale]", "en")
    page.select_option("select[name=engine]", "human")
    page.click("#localize-start")
    expect(page).to_have_url(f"{server}/studio/works/{work_id}/localize/en")
    run_one(platform.db, {JOB_KIND: handler(platform)})
    page.reload()
    title = page.locator('[data-segment="title"]')
    title.locator("textarea").fill("Havoc in Heaven")
    title.locator("button").click()
    expect(page.locator("[role=status]")).to_contain_text("Saved")
    expect(page.locator("#derived-link")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    source, target = page.locator('[data-segment="title"] .side').all()
    assert source.bounding_box()["y"] == target.bounding_box()["y"]  # type: ignore[index]  # side by side
    page.goto(f"{server}/studio/ips/journey-to-the-west/glossary")
    expect(page.locator('[data-term="孙悟空"]')).to_contain_text("Sun Wukong (Monkey King)")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
