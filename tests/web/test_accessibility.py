"""Every studio page at 390 px and by keyboard, checked by axe-core (WCAG 2.1 A/AA) in real Chromium.

axe-core comes from npm (package.json, installed by scripts/setup.sh) and is injected from
node_modules: nothing is fetched from a CDN.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from culturebridge.accounts import get_user_by_name
from culturebridge.catalog import NewWork, create_work
from culturebridge.jobs import ingest
from culturebridge.platform import Platform
from tests.browser import browser, server  # noqa: F401  (fixtures)
from tests.factories import png_bytes
from tests.web.conftest import PASSWORD

pytestmark = pytest.mark.browser
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def _seed(platform: Platform) -> str:
    with platform.db.write() as conn:
        mei = get_user_by_name(conn, "mei")
        work = create_work(conn, mei, NewWork("heritage", "zh", {"zh": "蔚县剪纸", "en": "Yuxian paper-cutting"},
                                              {"zh": "窗花。", "en": "Window flowers."}, markets=["US/en"]))
        ingest(conn, platform, mei, work.id, io.BytesIO(png_bytes(320, 240)), "cut.png")
    return work.id


def _violations(page: object) -> list[str]:
    result = page.evaluate(  # type: ignore[attr-defined]
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
        ".then(r => r.violations.map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(' | ')))",
        WCAG,
    )
    return list(result)


@pytest.mark.parametrize("username", ["admin", "mei"])
def test_every_studio_page_passes_axe_at_390_px(server: str, browser: object, platform: Platform, username: str) -> None:
    from playwright.sync_api import Browser

    if not AXE.exists():
        pytest.fail("axe-core is missing: run scripts/setup.sh (npm ci)")
    assert isinstance(browser, Browser)
    work_id = _seed(platform)
    context = browser.new_context(viewport={"width": 390, "height": 844}, bypass_csp=True)
    page = context.new_page()
    page.goto(server + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    pages = ["/", "/studio", "/studio?q=剪纸&kind=heritage", f"/studio/works/{work_id}", "/studio/works/new",
             "/studio/jobs", "/studio/automation", "/studio/conflicts", "/studio/ips", "/studio/tokens"]
    if username == "admin":
        pages += ["/review", "/studio/users", "/studio/account-log"]
    problems: dict[str, list[str]] = {}
    for path in pages:
        page.goto(server + path)
        page.add_script_tag(path=str(AXE))
        found = _violations(page)
        if found:
            problems[path] = found
        wide = page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
        if wide:
            problems.setdefault(path, []).append("scrolls sideways at 390 px")
        images = page.evaluate("Array.from(document.images).filter(i => !i.hasAttribute('alt')).length")
        if images:
            problems.setdefault(path, []).append(f"{images} images without alt text")
    context.close()
    assert problems == {}, problems


def test_the_works_list_works_by_keyboard(server: str, browser: object, platform: Platform) -> None:
    from playwright.sync_api import Browser, expect

    assert isinstance(browser, Browser)
    work_id = _seed(platform)
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(server + "/login")
    page.keyboard.press("Tab")  # skip to the form by keyboard only
    page.focus("input[name=username]")
    page.keyboard.type("mei")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(server + "/studio")
    page.focus("input[name=q]")
    page.keyboard.type("剪纸")
    page.keyboard.press("Enter")
    expect(page.locator(".work-row")).to_have_count(1)
    box = page.locator(f"#pick-{work_id}")
    box.focus()
    page.keyboard.press("Space")
    expect(box).to_be_checked()
    outline = box.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline != "none", "the focused checkbox shows no focus ring"
    page.locator(f".work-row a[href='/studio/works/{work_id}']").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(server + f"/studio/works/{work_id}")
