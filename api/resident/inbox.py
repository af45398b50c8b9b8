"""消息与订阅."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint(
    "resident_inbox",
    __name__,
    url_prefix="/me",
    description="消息与订阅",
)
