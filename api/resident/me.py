"""我的：绑定的身份（本人、企业）、手机号."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint(
    "resident_me",
    __name__,
    url_prefix="/me",
    description="我的：绑定的身份（本人、企业）、手机号",
)
