"""免申即享：确认或放弃."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint(
    "resident_grants",
    __name__,
    url_prefix="/me/grants",
    description="免申即享：确认或放弃",
)
