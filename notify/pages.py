"""The mini-program pages a push message may open (WeChat answers 41030 for any other page).

Every path here must be in miniprogram_stub/app.json; tests/test_notify_pages.py checks it.
"""

from __future__ import annotations

HOME = "pages/index/index"
ITEM = "pages/item/item"
CLAIM = "pages/claim/claim"
GRANTS = "pages/grants/grants"
MESSAGES = "pages/messages/messages"

DEEP_LINK_PAGES = frozenset({HOME, ITEM, CLAIM, GRANTS, MESSAGES})


def home() -> str:
    """Return the home page (我的政策), marked as opened from a push."""
    return f"{HOME}?from=push"


def item(item_id: int) -> str:
    """Return an item's detail page (事项详情)."""
    return f"{ITEM}?id={int(item_id)}&from=push"


def claim(claim_id: int) -> str:
    """Return a claim's page with its timeline (申请详情)."""
    return f"{CLAIM}?id={int(claim_id)}&from=push"


def grants() -> str:
    """Return the 免申即享 page, where grants are confirmed."""
    return f"{GRANTS}?from=push"


def messages() -> str:
    """Return the inbox (消息)."""
    return f"{MESSAGES}?from=push"


def path_of(page: str) -> str:
    """Return the page path without its query string or a leading slash."""
    return page.split("?", 1)[0].lstrip("/")
