"""Accounts in the JSON API: the team (admins), one-time links, API tokens, the account log.

Every answer is a typed model; every error is `ErrorOut` with the status the one error
handler gives its family (401 no credentials, 403 not an admin, 404 unknown or not yours,
409 a used or expired link or the last admin, 422 malformed input naming the field).
Accepting an invite and using a reset link need no login and no CSRF token: the link's
secret is the credential, and no cookie is involved.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from culturebridge import accounts
from culturebridge.accounts import AccountEvent, ApiToken, IssuedLink, User
from culturebridge.web.auth import check_csrf, platform_of, require_role, require_user
from culturebridge.web.clients import client_address
from culturebridge.web.contract import errors
from culturebridge.web.users import link_url

router = APIRouter(prefix="/api/v1", tags=["accounts"])
Caller = Annotated[User, Depends(require_user)]


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The API's common error answers (`web.contract.ErrorBody`), described for accounts."""
    meaning = {401: "No valid session or API token", 403: "Not allowed (this needs an admin)",
               404: "No such user, token or link (or not one the caller may see)",
               409: "The link was already used or has expired, or the change would leave no active admin",
               422: "Malformed input; the message names the field"}
    out = errors(*statuses)
    for status, entry in out.items():
        entry["description"] = meaning.get(int(status), entry["description"])
    return out


def _body_errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """As `_errors`, for a route reading a JSON body: malformed bytes (400) and too large (413) too."""
    return _errors(*statuses, 400, 413)


class UserOut(BaseModel):
    id: str
    username: str
    display_name: str
    role: str
    active: bool
    created_at: datetime
    deactivated_at: datetime | None

    @classmethod
    def of(cls, user: User) -> UserOut:
        return cls(id=user.id, username=user.username, display_name=user.display_name, role=user.role,
                   active=user.active, created_at=user.created_at, deactivated_at=user.deactivated_at)


class RoleIn(BaseModel):
    role: str = Field(max_length=16, description="admin, creator or reviewer")


class InviteIn(BaseModel):
    email: str = Field(max_length=254)
    display_name: str = Field(default="", max_length=200)
    role: str = Field(default="creator", max_length=16, description="admin, creator or reviewer")


class LinkOut(BaseModel):
    kind: str = Field(description="invite or reset")
    url: str = Field(description="the one-time link; shown only in this answer")
    expires_at: datetime


class InviteOut(BaseModel):
    id: str
    email: str | None
    display_name: str | None
    role: str | None
    created_at: datetime
    expires_at: datetime


class AcceptIn(BaseModel):
    token: str = Field(max_length=200, description="the secret at the end of the invite link")
    username: str = Field(max_length=64)
    password: str = Field(min_length=8, max_length=1024)


class ResetIn(BaseModel):
    token: str = Field(max_length=200, description="the secret at the end of the reset link")
    password: str = Field(min_length=8, max_length=1024)


class TokenIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)


class TokenOut(BaseModel):
    id: str
    user_id: str
    username: str
    name: str
    created_at: datetime
    last_used_at: datetime | None

    @classmethod
    def of(cls, token: ApiToken) -> TokenOut:
        return cls(id=token.id, user_id=token.user_id, username=token.username, name=token.name,
                   created_at=token.created_at, last_used_at=token.last_used_at)


class TokenCreatedOut(TokenOut):
    secret: str = Field(description="the bearer token; shown only in this answer")


EventOut = AccountEvent  # the log's own dataclass is the response model


class EventPageOut(BaseModel):
    events: list[EventOut]
    next_before: int | None = Field(description="pass as `before` for the next, older page; null on the last")


def _link_out(request: Request, issued: IssuedLink) -> LinkOut:
    return LinkOut(kind=issued.link.kind, url=link_url(request, issued), expires_at=issued.link.expires_at)


def _admin(user: User) -> None:
    require_role(user, "admin")


@router.get("/users", summary="Every account (admins)", responses=_errors(401, 403))
def list_users(request: Request, user: Caller) -> list[UserOut]:
    _admin(user)
    with platform_of(request).db.read() as conn:
        return [UserOut.of(u) for u in accounts.list_users(conn)]


@router.put("/users/{user_id}/role", summary="Change an account's role (admins); applies to its next request",
            responses=_body_errors(401, 403, 404, 409, 422))
def change_role(request: Request, user_id: str, body: RoleIn, user: Caller) -> UserOut:
    _admin(user)
    check_csrf(request, None)
    with platform_of(request).db.write() as conn:
        return UserOut.of(accounts.change_role(conn, user, user_id, body.role, client=client_address(request)))


@router.post("/users/{user_id}/deactivate", summary="Deactivate an account: sessions and API tokens end (admins)",
             responses=_errors(401, 403, 404, 409, 422))
def deactivate(request: Request, user_id: str, user: Caller) -> UserOut:
    _admin(user)
    check_csrf(request, None)
    with platform_of(request).db.write() as conn:
        return UserOut.of(accounts.deactivate(conn, user, user_id, client=client_address(request)))


@router.post("/users/{user_id}/reactivate", summary="Let a deactivated account log in again (admins)",
             responses=_errors(401, 403, 404, 422))
def reactivate(request: Request, user_id: str, user: Caller) -> UserOut:
    _admin(user)
    check_csrf(request, None)
    with platform_of(request).db.write() as conn:
        return UserOut.of(accounts.reactivate(conn, user, user_id, client=client_address(request)))


@router.post("/users/{user_id}/reset-link", status_code=201, summary="A one-time password-reset link (admins)",
             responses=_errors(401, 403, 404, 422))
def reset_link(request: Request, user_id: str, user: Caller) -> LinkOut:
    _admin(user)
    check_csrf(request, None)
    platform = platform_of(request)
    with platform.db.write() as conn:
        target = accounts.get_user(conn, user_id)
        issued = accounts.issue_reset(conn, user, target, platform.settings.reset_link_hours,
                                      client=client_address(request))
    return _link_out(request, issued)


@router.get("/invites", summary="Invites not used and not expired (admins)", responses=_errors(401, 403))
def pending_invites(request: Request, user: Caller) -> list[InviteOut]:
    _admin(user)
    with platform_of(request).db.read() as conn:
        return [InviteOut(id=i.id, email=i.email, display_name=i.display_name, role=i.role, created_at=i.created_at,
                          expires_at=i.expires_at) for i in accounts.pending_invites(conn)]


@router.post("/invites", status_code=201, summary="Invite someone: a one-time link (admins)",
             responses=_body_errors(401, 403, 422))
def invite(request: Request, body: InviteIn, user: Caller) -> LinkOut:
    _admin(user)
    check_csrf(request, None)
    platform = platform_of(request)
    with platform.db.write() as conn:
        issued = accounts.create_invite(conn, user, body.email, body.display_name, body.role,
                                        platform.settings.invite_days, client=client_address(request))
    return _link_out(request, issued)


@router.post("/invites/accept", status_code=201, summary="Accept an invite: create the account (no login)",
             responses=_body_errors(404, 409, 422))
def accept_invite(request: Request, body: AcceptIn) -> UserOut:
    with platform_of(request).db.write() as conn:
        return UserOut.of(accounts.accept_invite(conn, body.token, body.username, body.password,
                                                 client=client_address(request)))


@router.post("/password-resets/use", summary="Use a reset link: set the password, end all sessions (no login)",
             responses=_body_errors(404, 409, 422))
def use_reset(request: Request, body: ResetIn) -> UserOut:
    with platform_of(request).db.write() as conn:
        return UserOut.of(accounts.use_reset(conn, body.token, body.password, client=client_address(request)))


@router.get("/tokens", summary="The caller's API tokens; everyone's with all=true (admins)",
            responses=_errors(401, 403, 422))
def list_tokens(request: Request, user: Caller,
                everyone: Annotated[bool, Query(alias="all", description="every account's (admins)")] = False,
                ) -> list[TokenOut]:
    if everyone:
        _admin(user)
    with platform_of(request).db.read() as conn:
        return [TokenOut.of(t) for t in accounts.list_tokens(conn, None if everyone else user.id)]


@router.post("/tokens", status_code=201, summary="Create an API token for the caller (its secret is shown once)",
             responses=_body_errors(401, 422))
def create_token(request: Request, body: TokenIn, user: Caller) -> TokenCreatedOut:
    check_csrf(request, None)
    with platform_of(request).db.write() as conn:
        token, secret = accounts.create_token(conn, user, body.name, client=client_address(request))
    return TokenCreatedOut(**TokenOut.of(token).model_dump(), secret=secret)


@router.delete("/tokens/{token_id}", status_code=204, summary="Revoke an API token (the caller's; admins: anyone's)",
               responses=_errors(401, 404, 422))
def revoke_token(request: Request, token_id: str, user: Caller) -> Response:
    check_csrf(request, None)
    with platform_of(request).db.write() as conn:
        accounts.revoke_token(conn, user, token_id, client=client_address(request))
    return Response(status_code=204)


@router.get("/account-events", summary="The account log, newest first, by keyset pages (admins)",
            responses=_errors(401, 403, 422))
def account_events(
    request: Request,
    user: Caller,
    user_id: Annotated[str | None, Query(max_length=40, description="entries by or about this account")] = None,
    action: Annotated[str | None, Query(max_length=40)] = None,
    before: Annotated[int | None, Query(ge=1, le=2**62, description="next_before of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=accounts.MAX_PAGE)] = 50,
) -> EventPageOut:
    _admin(user)
    with platform_of(request).db.read() as conn:
        page = accounts.list_events(conn, user_id=user_id, action=action, before=before, limit=limit)
    return EventPageOut(events=page.events, next_before=page.next_before)
