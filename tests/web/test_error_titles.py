"""Every error a page can show has a title in English and Chinese, and pages show it."""

from __future__ import annotations

import re
from collections.abc import Iterator

from fastapi.testclient import TestClient

from culturebridge import errors
from culturebridge.errors import Error, UnsupportedMedia
from culturebridge.web.error_titles import TITLES, error_title, explain
from tests.web.conftest import login

HAN = re.compile(r"[\u4e00-\u9fff]")


def _subclasses(cls: type[Error]) -> Iterator[type[Error]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_error_class_has_a_title_in_both_languages() -> None:
    classes: list[type[Error]] = [Error, *_subclasses(Error)]
    declared = {c.__name__ for c in classes if c.__module__ == errors.__name__}
    missing = sorted(declared - TITLES.keys())
    assert not missing, f"error classes without a title in web/error_titles.py: {missing}"
    for name, (en, zh) in TITLES.items():
        assert en and not HAN.search(en), f"{name}: English title is empty or not English"
        assert HAN.search(zh), f"{name}: Chinese title has no Chinese"
    assert not TITLES.keys() - declared, f"titles for classes that no longer exist: {sorted(TITLES.keys() - declared)}"


def test_a_title_is_found_along_the_class_hierarchy() -> None:
    class StageSpecific(UnsupportedMedia):
        pass

    exc = StageSpecific("clip.xyz is not a file we take")
    assert error_title(exc, "zh") == TITLES["UnsupportedMedia"][1]
    assert error_title(exc, "en") == TITLES["UnsupportedMedia"][0]
    assert error_title(exc, "fr") == TITLES["UnsupportedMedia"][0]  # no catalog for the locale: English
    assert explain(exc, "zh").endswith("clip.xyz is not a file we take")


def test_an_error_page_leads_with_the_title_in_the_viewers_language(client: TestClient) -> None:
    login(client, "mei")
    client.cookies.set("lang", "zh")
    zh = client.get("/studio/works/no-such-work")
    assert zh.status_code == 404
    assert TITLES["WorkNotFound"][1] in zh.text
    client.cookies.set("lang", "en")
    en = client.get("/studio/works/no-such-work")
    assert TITLES["WorkNotFound"][0] in en.text


def test_a_rejected_filter_explains_itself_in_chinese(client: TestClient) -> None:
    login(client, "mei")
    client.cookies.set("lang", "zh")
    page = client.get("/studio", params={"kind": "poem"})
    assert page.status_code == 422
    assert TITLES["InvalidInput"][1] in page.text
    assert "poem" in page.text  # and the precise value that was wrong
