"""One JSON error shape for every error: {"code", "status", "message", "errors"}."""

from __future__ import annotations

import logging
import re
import time
from typing import Any

from flask import Flask, Response, jsonify
from flask_limiter import RateLimitExceeded
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.http import HTTP_STATUS_CODES

from api.admin.fields import at_least
from services.errors import DomainError

log = logging.getLogger(__name__)

# What a person reads when a view did not say more.
DEFAULT_MESSAGES = {
    400: "请求格式有误",
    401: "请先登录",
    403: "无权进行此操作",
    404: "未找到请求的内容",
    405: "不支持该请求方法",
    406: "不支持请求的返回格式",
    409: "当前状态不允许此操作",
    412: "内容已被修改，请刷新后重试",
    413: "上传内容过大",
    415: "不支持的内容类型",
    422: "输入内容有误，请检查后重试",
    428: "缺少必需的请求头",
    429: "请求过于频繁，请稍后再试",
    500: "服务器内部错误，请稍后再试",
    503: "服务暂时不可用，请稍后再试",
}


def error_body(code: int, message: str | None = None, errors: dict | None = None) -> dict:
    """Build the one error shape."""
    return {
        "code": code,
        "status": HTTP_STATUS_CODES.get(code, "Error"),
        "message": message or DEFAULT_MESSAGES.get(code, HTTP_STATUS_CODES.get(code, "Error")),
        "errors": errors or {},
    }


# Field messages that libraries write in English where no field of ours is involved: webargs'
# answer to a body that is not JSON, and marshmallow's defaults in flask-smorest's pagination
# schema (page ≥ 1, 1 ≤ page_size ≤ max). Our fields say theirs in Chinese (api/admin/fields.py).
LIBRARY_MESSAGES = {
    "Invalid JSON body.": "请求体不是有效的 JSON",
    "Not a valid integer.": "应为整数",
}
_RANGE = re.compile(
    r"Must be greater than or equal to (-?\d+)(?: and less than or equal to (-?\d+))?\."
)


def in_chinese(errors: Any) -> Any:
    """Return field-level errors with the libraries' English messages said in Chinese."""
    if isinstance(errors, dict):
        return {key: in_chinese(value) for key, value in errors.items()}
    if isinstance(errors, list):
        return [in_chinese(value) for value in errors]
    if not isinstance(errors, str):
        return errors
    if errors in LIBRARY_MESSAGES:
        return LIBRARY_MESSAGES[errors]
    if found := _RANGE.fullmatch(errors):
        low, high = found.groups()
        return at_least(int(low), None if high is None else int(high)).error
    return errors


def http_error_response(error: HTTPException) -> tuple[Response, int, dict]:
    """Answer any werkzeug HTTPException (abort, 404, 405, webargs 422 …) in the one shape."""
    data = getattr(error, "data", None) or {}
    errors = in_chinese(data.get("errors") or data.get("messages") or {})
    message = data.get("message")
    if message is None and error.description and error.code not in DEFAULT_MESSAGES:
        message = error.description
    headers = dict(data.get("headers") or {})
    if error.code == 405 and hasattr(error, "valid_methods") and error.valid_methods:
        headers["Allow"] = ", ".join(error.valid_methods)
    code = error.code or 500
    return jsonify(error_body(code, message, errors)), code, headers


def register_error_handlers(app: Flask) -> None:
    """Map domain errors and unexpected exceptions to the error shape."""

    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError):
        return jsonify(error_body(error.status, error.message, error.errors)), error.status

    @app.errorhandler(RateLimitExceeded)
    def handle_rate_limited(error: RateLimitExceeded):
        """429 with Retry-After: when the breached window resets (one storage read, on breach)."""
        from api.extensions import limiter

        response, code, headers = http_error_response(error)
        current = limiter.current_limit
        if current is not None:
            headers["Retry-After"] = str(max(1, current.reset_at - int(time.time())))
        return response, code, headers

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        if isinstance(error, HTTPException):
            return http_error_response(error)
        log.exception("unhandled error")
        return http_error_response(InternalServerError())
