"""The studio in real headless Chromium (Debian's chromium, driven by Playwright)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import browser, server  # noqa: F401  (fixtures)
from tests.factories import png_bytes
from tests.web.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_log_in_create_upload_see_lineage_log_out(server: str, browser: object, tmp_path: Path) -> None:
    from playwright.sync_api import Browser, expect

    assert isinstance(browser, Browser)
    image = tmp_path / "paper-cut.png"
    image.write_bytes(png_bytes(120, 90))
    page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone-sized screen

    page.goto(server + "/studio")
    expect(page).to_have_url(server + "/login?next=/studio")  # anonymous visitors cannot reach the studio

    page.fill("input[name=username]", "mei")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(server + "/studio")

    page.click("#new-work")
    page.fill("input[name=title_zh]", "蔚县剪纸")
    page.fill("input[name=title_en]", "Yuxian paper-cutting")
    page.select_option("select[name=kind]", "heritage")
    page.fill("input[name=markets]", "US/en")
    page.click("form.grid button[type=submit]")
    expect(page.locator("h1")).to_have_text("Yuxian paper-cutting")
    work_url = page.url

    page.set_input_files("input[type=file]", str(image))
    page.click("#upload")
    expect(page.locator("[role=status]")).to_be_visible()
    expect(page.locator(".asset img")).to_have_count(1)
    assert page.locator(".asset img").evaluate("img => img.naturalWidth") == 120
    no_sideways_scroll = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert no_sideways_scroll, "the work page scrolls sideways on a phone"

    page.click("h2 a[href$='/lineage']")
    work_id = work_url.rsplit("/", 1)[1]
    expect(page.locator(f"#lineage-graph g[data-work='{work_id}']")).to_have_count(1)

    page.click("#logout")
    expect(page).to_have_url(server + "/")
    page.goto(server + "/studio")
    expect(page).to_have_url(server + "/login?next=/studio")
