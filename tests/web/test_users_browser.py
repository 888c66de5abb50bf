"""The team page in real headless Chromium at 390 px: invite, change a role, deactivate — and axe-core finds nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from culturebridge.accounts import get_user_by_name
from culturebridge.platform import Platform
from tests.browser import browser, server  # noqa: F401  (fixtures)
from tests.web.conftest import PASSWORD

pytestmark = pytest.mark.browser
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def _problems(page: object) -> list[str]:
    page.add_script_tag(path=str(AXE))  # type: ignore[attr-defined]
    found = page.evaluate(  # type: ignore[attr-defined]
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
        ".then(r => r.violations.map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(' | ')))",
        WCAG,
    )
    if page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1"):  # type: ignore[attr-defined]
        found.append("scrolls sideways at 390 px")
    return list(found)


def test_an_admin_runs_the_team_on_a_phone(server: str, browser: object, platform: Platform) -> None:
    from playwright.sync_api import Browser, expect

    if not AXE.exists():
        pytest.fail("axe-core is missing: run scripts/setup.sh (npm ci)")
    assert isinstance(browser, Browser)
    context = browser.new_context(viewport={"width": 390, "height": 844}, bypass_csp=True)
    page = context.new_page()
    page.goto(server + "/login")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(server + "/studio/users")
    expect(page.locator("li.person")).to_have_count(4)
    problems = {"/studio/users": _problems(page)}

    page.fill("#invite input[name=email]", "lan@example.org")
    page.select_option("#invite select[name=role]", "reviewer")
    page.click("#send-invite")
    link = page.locator("#one-time-link").input_value()
    assert "/invite/" in link
    problems["invite link"] = _problems(page)

    page.goto(server + "/studio/users")
    rita = page.locator("li.person[data-user=rita]")
    rita.locator("select[name=role]").select_option("creator")
    rita.locator("form.row button").click()
    expect(page.locator("li.person[data-user=rita] .tag").first).to_have_text("creator")
    page.click("#deactivate-bo")
    expect(page.locator("#reactivate-bo")).to_be_visible()
    with platform.db.read() as conn:
        assert get_user_by_name(conn, "rita").role == "creator"
        assert not get_user_by_name(conn, "bo").active

    for path in ("/studio/tokens", "/studio/account-log"):
        page.goto(server + path)
        problems[path] = _problems(page)
    expect(page.locator("#log li")).not_to_have_count(0)

    guest = browser.new_context(viewport={"width": 390, "height": 844}, bypass_csp=True).new_page()
    guest.goto(link)
    problems["accept invite"] = _problems(guest)
    guest.fill("input[name=username]", "lan")
    guest.fill("input[name=password]", "lan-password")
    guest.click("#accept")
    guest.wait_for_url(server + "/studio")
    context.close()
    assert {k: v for k, v in problems.items() if v} == {}
