"""What a resident sees and does as themselves: log in with WeChat, bind the subjects they may act
for (identity verified), their matches with reasons and amounts, the calculator, their messages.
Every resident service checks access through _access: objects of subjects not bound to the
caller answer 404.

Others call what __all__ lists (the resident API). _matches_read is the prepared /me/matches read
(the fast path), _my_matches builds the cards from it.
"""

from __future__ import annotations

from services.residents._access import bound_subject_ids, require_bound
from services.residents._account import delete_account
from services.residents._auth import (
    REFRESH_TOKEN_SECONDS,
    LoginResult,
    account_phone,
    describe_me,
    describe_user,
    login_with_code,
    logout,
    refresh,
    save_phone,
)
from services.residents._bindings import bind_enterprise, bind_person, list_bindings, unbind
from services.residents._calculator import calculate
from services.residents._consent import (
    CONSENT_TEXTS,
    PURPOSES,
    consent_texts,
    grant_consent,
    list_consents,
    require_consent,
    withdraw_consent,
)
from services.residents._identity import IdentityConfig, provider_for
from services.residents._inbox import (
    PUSH_STATES,
    list_messages,
    mark_all_read,
    mark_read,
    unread_count,
)
from services.residents._my_matches import my_matches, my_summary, shown_name
from services.residents._reasons import with_reasons

__all__ = [
    "account_phone",
    "CONSENT_TEXTS",
    "PURPOSES",
    "consent_texts",
    "grant_consent",
    "list_consents",
    "require_consent",
    "withdraw_consent",
    "delete_account",
    "IdentityConfig",
    "LoginResult",
    "PUSH_STATES",
    "REFRESH_TOKEN_SECONDS",
    "bind_enterprise",
    "bind_person",
    "bound_subject_ids",
    "calculate",
    "describe_me",
    "describe_user",
    "list_bindings",
    "list_messages",
    "login_with_code",
    "logout",
    "mark_all_read",
    "mark_read",
    "my_matches",
    "my_summary",
    "provider_for",
    "refresh",
    "require_bound",
    "save_phone",
    "shown_name",
    "unbind",
    "unread_count",
    "with_reasons",
]
