"""Accounts: users with roles, password login, web sessions and API tokens."""

from culturebridge.accounts.sessions import WebSession, end_session, session_user, start_session
from culturebridge.accounts.tokens import create_api_token, user_for_api_token
from culturebridge.accounts.users import (
    ROLES,
    Role,
    User,
    authenticate,
    create_user,
    get_user,
    get_user_by_name,
    list_users,
)

__all__ = [
    "ROLES",
    "Role",
    "User",
    "WebSession",
    "authenticate",
    "create_api_token",
    "create_user",
    "end_session",
    "get_user",
    "get_user_by_name",
    "list_users",
    "session_user",
    "start_session",
    "user_for_api_token",
]
