"""A request id on every response and every log line written while serving it."""

from __future__ import annotations

import logging
import re
import time
import uuid

from flask import Flask, Response, g, request

from models.context import request_id

HEADER = "X-Request-ID"
access_log = logging.getLogger("kuaixiang.access")
_ACCEPTABLE = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def register_request_id(app: Flask) -> None:
    """Take the caller's X-Request-ID when it is sane, otherwise make one; echo it back."""

    @app.before_request
    def assign_request_id() -> None:
        incoming = request.headers.get(HEADER, "")
        rid = incoming if _ACCEPTABLE.match(incoming) else uuid.uuid4().hex
        g.request_id = rid
        g.request_id_token = request_id.set(rid)
        g.request_started = time.perf_counter()

    @app.after_request
    def echo_request_id(response: Response) -> Response:
        if "request_id" in g:
            response.headers[HEADER] = g.request_id
            elapsed_ms = (time.perf_counter() - g.request_started) * 1000
            # The URL rule, not the path: paths can carry personal data (…/persons/<id_number>).
            route = request.url_rule.rule if request.url_rule else "(no route)"
            access_log.info(
                "%s %s %s %.1fms addr=%s",
                request.method,
                route,
                response.status_code,
                elapsed_ms,
                request.remote_addr,
            )
        return response

    @app.teardown_request
    def forget_request_id(_exc: BaseException | None) -> None:
        token = g.pop("request_id_token", None)
        if token is not None:
            request_id.reset(token)
