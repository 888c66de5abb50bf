"""Accounts: users with roles, password login, web sessions, API tokens, and running a team.

Admins invite people and hand out password-reset links (`links`), change roles and
deactivate accounts (`admin`); every such action, token change and login is written to the
account log (`events`).
"""

from culturebridge.accounts.admin import active_admins, change_role, deactivate, reactivate
from culturebridge.accounts.events import (
    ACTIONS,
    MAX_PAGE,
    AccountEvent,
    Action,
    EventPage,
    account_activity,
    list_events,
    record,
)
from culturebridge.accounts.links import (
    IssuedLink,
    Link,
    accept_invite,
    create_invite,
    issue_reset,
    open_link,
    pending_invites,
    use_reset,
)
from culturebridge.accounts.sessions import (
    WebSession,
    end_session,
    end_sessions_of,
    session_user,
    start_session,
)
from culturebridge.accounts.tokens import (
    ApiToken,
    create_api_token,
    create_token,
    get_token,
    list_tokens,
    needs_touch,
    revoke_token,
    token_for_secret,
    touch_token,
    user_for_api_token,
)
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
    "ACTIONS",
    "MAX_PAGE",
    "ROLES",
    "AccountEvent",
    "Action",
    "ApiToken",
    "EventPage",
    "IssuedLink",
    "Link",
    "Role",
    "User",
    "WebSession",
    "accept_invite",
    "account_activity",
    "active_admins",
    "authenticate",
    "change_role",
    "create_api_token",
    "create_invite",
    "create_token",
    "create_user",
    "deactivate",
    "end_session",
    "end_sessions_of",
    "get_token",
    "get_user",
    "get_user_by_name",
    "issue_reset",
    "list_events",
    "list_tokens",
    "list_users",
    "needs_touch",
    "open_link",
    "pending_invites",
    "reactivate",
    "record",
    "revoke_token",
    "session_user",
    "start_session",
    "token_for_secret",
    "touch_token",
    "use_reset",
    "user_for_api_token",
]
