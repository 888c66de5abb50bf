"""The audience feed in real headless Chromium: media plays in the page, buttons record events."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from culturebridge.feed._tables import events
from culturebridge.feed.content import UsemEncoder
from culturebridge.feed.live import LiveFeed
from culturebridge.platform import Platform
from culturebridge.web import create_app
from tests.browser import browser, serve  # noqa: F401  (fixture)
from tests.feed.test_web import _setup
from tests.web.conftest import PASSWORD, platform  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser


@pytest.fixture
def feed_server(platform: Platform, text_encoder: UsemEncoder) -> Iterator[str]:
    app = create_app(platform)
    app.state.feed = LiveFeed(platform, encoder=text_encoder, poll_seconds=0.0)
    yield from serve(app)


def test_a_phone_viewer_sees_the_feed_and_their_like_is_recorded_once(
    platform: Platform, feed_server: str, browser: object, text_encoder: UsemEncoder
) -> None:
    from fastapi.testclient import TestClient
    from playwright.sync_api import Browser, expect

    assert isinstance(browser, Browser)
    with TestClient(create_app(platform)) as helper:
        ids = _setup(platform, helper, text_encoder)
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(feed_server + "/feed/US-en")
    cards = page.locator(".feed-card")
    expect(cards.first).to_be_visible()
    first = cards.first.get_attribute("data-work")
    assert first in ids
    # The media loads (lazily: wait for it rather than read it at once).
    page.wait_for_function(
        "() => { const i = document.querySelector('.feed-card img'); return i && i.complete && i.naturalWidth > 0; }",
        timeout=15_000,
    )
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), "scrolls sideways"
    cards.first.locator("button[data-event=like]").click()
    deadline = time.monotonic() + 10
    kinds: list[str] = []
    while time.monotonic() < deadline:
        with platform.db.read() as conn:
            kinds = [r.type for r in conn.execute(select(events.c.type).where(events.c.work_id == first))]
        if "like" in kinds:
            break
        time.sleep(0.2)
    assert kinds.count("like") == 1 and "impression" in kinds
    # The platform desk sees that like in the market's figures, on a phone too.
    page.goto(feed_server + "/login?next=/studio/feed")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(feed_server + "/studio/feed")
    market = page.locator("#market-US-en")
    expect(market).to_be_visible()
    expect(market.locator("tbody tr")).to_have_count(4)  # personal, popular, similar, exploration
    assert "like 1" in market.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), "report scrolls sideways"
