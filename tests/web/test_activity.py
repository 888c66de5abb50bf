"""The "who did what" page, CSV and API: admins see everyone, others only themselves."""

from __future__ import annotations

from fastapi.testclient import TestClient

from culturebridge.accounts import get_user_by_name
from culturebridge.platform import Platform
from tests.factories import make_work
from tests.web.conftest import login


def _works(platform: Platform) -> tuple[str, str]:
    with platform.db.write() as conn:
        mei, bo = get_user_by_name(conn, "mei"), get_user_by_name(conn, "bo")
        return make_work(conn, mei, "剪纸").id, make_work(conn, bo, "京剧").id


def test_admin_sees_everyone_and_narrows_by_person_and_stage(client: TestClient, platform: Platform) -> None:
    meis, bos = _works(platform)
    login(client, "admin")
    page = client.get("/studio/activity")
    assert page.status_code == 200 and meis in page.text and bos in page.text
    only_bo = client.get("/studio/activity", params={"who": "bo", "stage": "catalog"})
    assert bos in only_bo.text and meis not in only_bo.text
    assert client.get("/studio/activity", params={"stage": "rights"}).text.count("<tr data-stage") == 0
    csv = client.get("/studio/activity.csv", params={"who": "mei"})
    assert csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.strip().splitlines()
    assert lines[0] == "at,stage,action,actor,work,detail" and meis in csv.text and bos not in csv.text
    api = client.get("/api/v1/activity", params={"who": "bo"}, headers={"accept": "application/json"}).json()
    assert [i["work"] for i in api["items"]] == [bos] and api["items"][0]["actor"] == "bo"


def test_a_creator_sees_only_their_own_actions(client: TestClient, platform: Platform) -> None:
    meis, bos = _works(platform)
    login(client, "mei")
    page = client.get("/studio/activity", params={"who": "bo"})  # asking for someone else changes nothing
    assert meis in page.text and bos not in page.text
    api = client.get("/api/v1/activity", params={"who": "bo"}, headers={"accept": "application/json"}).json()
    assert {i["actor"] for i in api["items"]} == {"mei"}


def test_bad_filters_answer_422_naming_the_value(client: TestClient, platform: Platform) -> None:
    login(client, "admin")
    assert "payroll" in client.get("/studio/activity", params={"stage": "payroll"}).text
    assert client.get("/studio/activity", params={"stage": "payroll"}).status_code == 422
    assert client.get("/studio/activity", params={"before": "yesterday'--"}).status_code == 422
    assert client.get("/studio/activity", params={"who": "nobody"}).status_code == 422
    assert client.get("/api/v1/activity", params={"limit": 0}, headers={"accept": "application/json"}).status_code == 422


def test_anonymous_visitors_are_sent_to_log_in(client: TestClient) -> None:
    assert client.get("/studio/activity", follow_redirects=False).status_code == 303
    assert client.get("/api/v1/activity", headers={"accept": "application/json"}).status_code == 401
