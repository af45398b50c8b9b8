"""登录：微信 code 换取访问令牌，刷新令牌."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint(
    "resident_login",
    __name__,
    url_prefix="/auth",
    description="登录：微信 code 换取访问令牌，刷新令牌",
)
