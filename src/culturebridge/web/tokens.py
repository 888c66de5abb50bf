"""API tokens in the studio: everyone lists, makes and revokes their own; admins see everyone's.

A new token's secret is shown once, on the page that answers its creation; after that only
its name and dates are. Someone else's token id answers 404, the same as a missing one.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from culturebridge import accounts
from culturebridge.accounts import User
from culturebridge.web.auth import check_csrf, platform_of, require_user
from culturebridge.web.clients import client_address
from culturebridge.web.render import render

router = APIRouter(include_in_schema=False)
Caller = Annotated[User, Depends(require_user)]


def _page(request: Request, user: User, status_code: int = 200, new_secret: str | None = None) -> Response:
    with platform_of(request).db.read() as conn:
        mine = accounts.list_tokens(conn, user.id)
        everyone = accounts.list_tokens(conn) if user.is_admin else []
    return render(request, "accounts/tokens.html", status_code=status_code, mine=mine,
                  others=[t for t in everyone if t.user_id != user.id], new_secret=new_secret)


@router.get("/studio/tokens", response_class=HTMLResponse)
def tokens_page(request: Request, user: Caller) -> Response:
    return _page(request, user)


@router.post("/studio/tokens")
def make_token(request: Request, user: Caller, name: Annotated[str, Form(max_length=2000)],
               csrf: Annotated[str, Form(max_length=200)] = "") -> Response:
    check_csrf(request, csrf)
    with platform_of(request).db.write() as conn:
        secret = accounts.create_token(conn, user, name, client=client_address(request))[1]
    return _page(request, user, status_code=201, new_secret=secret)


@router.post("/studio/tokens/{token_id}/revoke")
def revoke(request: Request, token_id: str, user: Caller, csrf: Annotated[str, Form(max_length=200)] = "") -> Response:
    check_csrf(request, csrf)
    with platform_of(request).db.write() as conn:
        accounts.revoke_token(conn, user, token_id, client=client_address(request))
    return RedirectResponse("/studio/tokens", status_code=303)

