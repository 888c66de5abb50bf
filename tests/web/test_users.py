"""The team page and the one-time link pages, as browsers use them (forms, cookies, CSRF)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from culturebridge.accounts import get_user_by_name, list_events
from culturebridge.platform import Platform
from culturebridge.web import create_app
from tests.web.conftest import PASSWORD, csrf_of, login


def _link(html: str, kind: str) -> str:
    match = re.search(rf'value="(http://testserver/{kind}/[A-Za-z0-9_-]+)"', html)
    assert match, html
    return match.group(1).removeprefix("http://testserver")


def test_an_admin_invites_and_the_invitee_joins_once(client: TestClient, platform: Platform) -> None:
    csrf = login(client, "admin")
    page = client.get("/studio/users")
    assert page.status_code == 200 and 'data-user="mei"' in page.text and "7" in page.text
    made = client.post("/studio/users/invite", data={"email": "lan@example.org", "display_name": "蓝",
                                                     "role": "reviewer", "csrf": csrf})
    assert made.status_code == 201
    path = _link(made.text, "invite")
    assert "lan@example.org" in client.get("/studio/users").text  # listed as pending
    with TestClient(create_app(platform), headers={"accept": "text/html"}) as guest:
        form = guest.get(path)
        assert form.status_code == 200 and "reviewer" in form.text
        joined = guest.post(path, data={"username": "lan", "password": "lan-password", "csrf": csrf_of(form.text)},
                            follow_redirects=False)
        assert joined.status_code == 303 and joined.headers["location"] == "/studio"
        assert guest.get("/api/v1/me").json()["role"] == "reviewer"  # logged in by the invite
        again = guest.get(path)
        assert again.status_code == 409 and "already used" in again.text


def test_a_reset_link_ends_the_users_other_sessions(client: TestClient, platform: Platform) -> None:
    with TestClient(create_app(platform), headers={"accept": "text/html"}) as mei:
        login(mei, "mei")
        assert mei.get("/studio").status_code == 200
        csrf = login(client, "admin")
        mei_id = client.get("/api/v1/users").json()
        target = next(u["id"] for u in mei_id if u["username"] == "mei")
        made = client.post(f"/studio/users/{target}/reset", data={"csrf": csrf})
        path = _link(made.text, "reset")
        with TestClient(create_app(platform), headers={"accept": "text/html"}) as other:
            form = other.get(path)
            done = other.post(path, data={"password": "brand-new-pass", "csrf": csrf_of(form.text)},
                              follow_redirects=False)
            assert done.status_code == 303
            assert other.get("/studio").status_code == 200
        assert mei.get("/studio", follow_redirects=False).status_code == 303  # the old session is over
    with platform.db.read() as conn:
        assert [e.action for e in list_events(conn, user_id=target).events][:2] == ["reset-used", "reset-issued"]


def test_deactivated_users_are_logged_out_and_refused_like_a_wrong_password(client: TestClient,
                                                                           platform: Platform) -> None:
    with TestClient(create_app(platform), headers={"accept": "text/html"}) as mei:
        login(mei, "mei")
        csrf = login(client, "admin")
        with platform.db.read() as conn:
            mei_id = get_user_by_name(conn, "mei").id
        assert client.post(f"/studio/users/{mei_id}/active", data={"active": "0", "csrf": csrf},
                           follow_redirects=False).status_code == 303
        assert mei.get("/studio", follow_redirects=False).status_code == 303
        form = mei.get("/login")
        deactivated = mei.post("/login", data={"username": "mei", "password": PASSWORD, "csrf": csrf_of(form.text)})
        wrong = mei.post("/login", data={"username": "bo", "password": "not-the-password",
                                         "csrf": csrf_of(form.text)})
        assert deactivated.status_code == wrong.status_code == 401
        assert "Wrong username or password." in deactivated.text and "Wrong username or password." in wrong.text
        assert 'data-user="mei"' in client.get("/studio/users").text  # the account and its history stay


def test_the_last_admin_cannot_demote_or_deactivate_themselves(client: TestClient, platform: Platform) -> None:
    csrf = login(client, "admin")
    with platform.db.read() as conn:
        admin_id = get_user_by_name(conn, "admin").id
    demote = client.post(f"/studio/users/{admin_id}/role", data={"role": "creator", "csrf": csrf})
    assert demote.status_code == 409 and "last active admin" in demote.text
    stop = client.post(f"/studio/users/{admin_id}/active", data={"active": "0", "csrf": csrf})
    assert stop.status_code == 409


def test_role_changes_apply_on_the_next_request(client: TestClient, platform: Platform) -> None:
    with TestClient(create_app(platform), headers={"accept": "text/html"}) as rita:
        login(rita, "rita")
        assert rita.get("/studio/users").status_code == 403
        csrf = login(client, "admin")
        with platform.db.read() as conn:
            rita_id = get_user_by_name(conn, "rita").id
        client.post(f"/studio/users/{rita_id}/role", data={"role": "admin", "csrf": csrf})
        assert rita.get("/studio/users").status_code == 200  # same session, new role


def test_creators_cannot_use_admin_routes_and_forms_need_csrf(client: TestClient, platform: Platform) -> None:
    csrf = login(client, "mei")
    with platform.db.read() as conn:
        bo_id = get_user_by_name(conn, "bo").id
    assert client.get("/studio/users").status_code == 403
    assert client.get("/studio/account-log").status_code == 403
    for path, data in ((f"/studio/users/{bo_id}/role", {"role": "admin"}), (f"/studio/users/{bo_id}/active",
                       {"active": "0"}), (f"/studio/users/{bo_id}/reset", {}),
                       ("/studio/users/invite", {"email": "x@example.org", "role": "admin"})):
        assert client.post(path, data={**data, "csrf": csrf}).status_code == 403, path
    admin_csrf = login(client, "admin")
    assert admin_csrf
    no_csrf = client.post(f"/studio/users/{bo_id}/role", data={"role": "admin", "csrf": "forged"})
    assert no_csrf.status_code == 403 and "CSRF" in no_csrf.text


def test_hostile_input_gets_422_naming_the_problem(client: TestClient, platform: Platform) -> None:
    csrf = login(client, "admin")
    with platform.db.read() as conn:
        bo_id = get_user_by_name(conn, "bo").id
    bad_role = client.post(f"/studio/users/{bo_id}/role", data={"role": "emperor'; DROP TABLE users;--", "csrf": csrf})
    assert bad_role.status_code == 422 and "is not one of admin, creator, reviewer" in bad_role.text
    bad_email = client.post("/studio/users/invite", data={"email": "<script>", "role": "creator", "csrf": csrf})
    assert bad_email.status_code == 422 and "not an e-mail address" in bad_email.text and "<script>" not in bad_email.text
    huge = client.post("/studio/users/invite", data={"email": "a" * 5000, "role": "creator", "csrf": csrf})
    assert huge.status_code == 422
    assert client.get("/invite/" + "x" * 300).status_code == 404
    assert client.post("/studio/users/u-missing/active", data={"active": "0", "csrf": csrf}).status_code == 404
    odd = client.post(f"/studio/users/{bo_id}/active", data={"active": "yes", "csrf": csrf})
    assert odd.status_code == 422 and "active must be 0" in odd.text
