"""政策与事项：条件查询、详情."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint(
    "resident_catalog",
    __name__,
    url_prefix="",
    description="政策与事项：条件查询、详情",
)
