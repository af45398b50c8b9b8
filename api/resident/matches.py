"""我的政策：可享事项、红利预期."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint(
    "resident_matches",
    __name__,
    url_prefix="/me",
    description="我的政策：可享事项、红利预期",
)
