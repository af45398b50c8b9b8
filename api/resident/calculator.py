"""政策计算器."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint(
    "resident_calculator",
    __name__,
    url_prefix="/calculator",
    description="政策计算器",
)
