"""The account log page: admins only, filters, keyset pages, CSV with formula cells neutralised."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient

from culturebridge.accounts import get_user_by_name, record
from culturebridge.platform import Platform
from tests.web.conftest import csrf_of, login


def test_failed_logins_are_logged_with_the_client_and_csv_is_formula_safe(client: TestClient,
                                                                          platform: Platform) -> None:
    form = client.get("/login")
    client.post("/login", data={"username": "=HYPERLINK(\"http://evil\")", "password": "x", "csrf": csrf_of(form.text)})
    login(client, "admin")
    page = client.get("/studio/account-log?action=login-failed")
    assert page.status_code == 200 and "HYPERLINK" in page.text and "testclient" in page.text
    download = client.get("/studio/account-log.csv?action=login-failed")
    assert download.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(download.text)))
    assert rows[0][:3] == ["id", "at", "action"]
    assert rows[1][2] == "login-failed" and rows[1][4].startswith("'=HYPERLINK")


def test_pages_by_keyset_and_filters_by_user(client: TestClient, platform: Platform) -> None:
    with platform.db.write() as conn:
        mei, bo = get_user_by_name(conn, "mei"), get_user_by_name(conn, "bo")
        for i in range(60):
            record(conn, "login-succeeded", actor=mei, subject=mei, client=f"10.0.0.{i}")
        record(conn, "login-succeeded", actor=bo, subject=bo, client="10.9.9.9")
    login(client, "admin")
    first = client.get("/studio/account-log?username=mei&action=login-succeeded")
    assert first.text.count('data-event="') == 50 and "10.9.9.9" not in first.text
    older = first.text.split('id="older"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    second = client.get(older)
    assert second.text.count('data-event="') == 10 and 'id="older"' not in second.text
    assert client.get("/studio/account-log?action=nonsense").status_code == 422
    assert client.get("/studio/account-log?username=nobody").status_code == 404
    assert client.get("/studio/account-log?before=-1").status_code == 422
    assert client.get("/studio/account-log?username=" + "x" * 500).status_code == 422


def test_non_admins_get_403_for_the_log_and_its_csv(client: TestClient) -> None:
    login(client, "rita")
    assert client.get("/studio/account-log").status_code == 403
    assert client.get("/studio/account-log.csv").status_code == 403
