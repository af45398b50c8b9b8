"""一键办理：申请、材料、进度."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint(
    "resident_claims",
    __name__,
    url_prefix="/claims",
    description="一键办理：申请、材料、进度",
)
