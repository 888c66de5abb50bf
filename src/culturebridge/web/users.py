"""The team page (admins): invite people, change roles, deactivate, hand out reset links.

Also the two pages anyone holding a one-time link may open without logging in: accepting an
invite (choose a username and password) and setting a new password. Both log the person in
on success; a used, expired or unknown link answers with the error saying which.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from culturebridge import accounts
from culturebridge.accounts import ROLES, IssuedLink, User
from culturebridge.errors import InvalidInput
from culturebridge.platform import Platform
from culturebridge.web.auth import (
    check_csrf,
    platform_of,
    require_role,
    require_user,
    set_session_cookie,
)
from culturebridge.web.clients import client_address
from culturebridge.web.render import render

router = APIRouter(include_in_schema=False)
Admin = Annotated[User, Depends(require_user)]  # checked to be an admin by `_admin`
Text = Annotated[str, Form(max_length=2000)]  # anything longer is refused with 422 before we look


def link_url(request: Request, issued: IssuedLink) -> str:
    """The full address of a one-time link, under `public_url` when that is set."""
    base = platform_of(request).settings.public_url.rstrip("/") or str(request.base_url).rstrip("/")
    return base + issued.path


def _admin(request: Request, user: User) -> Platform:
    require_role(user, "admin")
    return platform_of(request)


@router.get("/studio/users", response_class=HTMLResponse)
def users_page(request: Request, user: Admin) -> Response:
    platform = _admin(request, user)
    with platform.db.read() as conn:
        people = accounts.list_users(conn)
        invites = accounts.pending_invites(conn)
    return render(request, "accounts/users.html", people=people, invites=invites, roles=ROLES,
                  invite_days=platform.settings.invite_days)


@router.post("/studio/users/invite")
def invite(request: Request, user: Admin, email: Text, role: Text, csrf: Text = "",
           display_name: Text = "") -> Response:
    platform = _admin(request, user)
    check_csrf(request, csrf)
    with platform.db.write() as conn:
        issued = accounts.create_invite(conn, user, email, display_name, role, platform.settings.invite_days,
                                        client=client_address(request))
    return render(request, "accounts/link.html", status_code=201, kind="invite", url=link_url(request, issued),
                  expires=issued.link.expires_at, whom=issued.link.email)


@router.post("/studio/users/{user_id}/role")
def set_role(request: Request, user_id: str, user: Admin, role: Text, csrf: Text = "") -> Response:
    platform = _admin(request, user)
    check_csrf(request, csrf)
    with platform.db.write() as conn:
        accounts.change_role(conn, user, user_id, role, client=client_address(request))
    return RedirectResponse("/studio/users", status_code=303)


@router.post("/studio/users/{user_id}/active")
def set_active(request: Request, user_id: str, user: Admin, active: Text, csrf: Text = "") -> Response:
    platform = _admin(request, user)
    check_csrf(request, csrf)
    if active not in ("0", "1"):
        raise InvalidInput(f"active must be 0 (deactivate) or 1 (reactivate), not {active[:20]!r}")
    change = accounts.reactivate if active == "1" else accounts.deactivate
    with platform.db.write() as conn:
        change(conn, user, user_id, client=client_address(request))
    return RedirectResponse("/studio/users", status_code=303)


@router.post("/studio/users/{user_id}/reset")
def reset_link(request: Request, user_id: str, user: Admin, csrf: Text = "") -> Response:
    platform = _admin(request, user)
    check_csrf(request, csrf)
    with platform.db.write() as conn:
        target = accounts.get_user(conn, user_id)
        issued = accounts.issue_reset(conn, user, target, platform.settings.reset_link_hours,
                                      client=client_address(request))
    return render(request, "accounts/link.html", status_code=201, kind="reset", url=link_url(request, issued),
                  expires=issued.link.expires_at, whom=target.username)


# --- pages for the holder of a one-time link (no login) -------------------------------------


@router.get("/invite/{secret}", response_class=HTMLResponse)
def invite_page(request: Request, secret: str) -> Response:
    with platform_of(request).db.read() as conn:
        link = accounts.open_link(conn, "invite", secret)
    return render(request, "accounts/accept.html", link=link, kind="invite", error=None)


@router.post("/invite/{secret}")
def accept(request: Request, secret: str, username: Text, password: Text, csrf: Text = "") -> Response:
    check_csrf(request, csrf)
    platform = platform_of(request)
    with platform.db.write() as conn:
        user = accounts.accept_invite(conn, secret, username, password, client=client_address(request))
        cookie = accounts.start_session(conn, user, platform.settings.session_days)
    response = RedirectResponse("/studio", status_code=303)
    set_session_cookie(response, request, cookie)
    return response


@router.get("/reset/{secret}", response_class=HTMLResponse)
def reset_page(request: Request, secret: str) -> Response:
    with platform_of(request).db.read() as conn:
        link = accounts.open_link(conn, "reset", secret)
    return render(request, "accounts/accept.html", link=link, kind="reset", error=None)


@router.post("/reset/{secret}")
def use_reset(request: Request, secret: str, password: Text, csrf: Text = "") -> Response:
    check_csrf(request, csrf)
    platform = platform_of(request)
    with platform.db.write() as conn:
        user = accounts.use_reset(conn, secret, password, client=client_address(request))
        cookie = accounts.start_session(conn, user, platform.settings.session_days)  # the only session now
    response = RedirectResponse("/studio", status_code=303)
    set_session_cookie(response, request, cookie)
    return response
