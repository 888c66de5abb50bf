"""The audit report in real headless Chromium on a phone-sized screen: no page-wide overflow, charts drawn."""

from __future__ import annotations

import pytest

from culturebridge.platform import Platform
from tests.audit.test_web import _run
from tests.browser import browser, server  # noqa: F401  (fixtures)
from tests.web.conftest import PASSWORD, platform  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser


def test_report_on_a_phone(server: str, browser: object, platform: Platform) -> None:
    from playwright.sync_api import Browser, expect

    assert isinstance(browser, Browser)
    run_id = _run(platform)
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(server + "/login")
    page.fill("input[name=username]", "rita")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{server}/studio/audit")
    page.click(f'a[href="/studio/audit/{run_id}"]')
    expect(page.locator("#audit-matrix")).to_be_visible()
    expect(page.locator("#chart-refusal")).to_be_visible()
    box = page.locator("#chart-refusal").bounding_box()
    assert box is not None and 0 < box["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # the matrix scrolls in its own box
    assert page.evaluate("getComputedStyle(document.querySelector('td.divergent')).backgroundColor") \
        == "rgb(255, 241, 194)"
