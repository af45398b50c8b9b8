"""The emulated WeChat API: the endpoints notify.wechat calls, answered the way WeChat answers.

Errors are JSON bodies with HTTP 200 and WeChat's errcodes; faults injected through
/_emulator/faults come first, so a test can make any path busy, slow, broken or hanging.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, request

from notify.emulator import control
from notify.emulator.faults import Fault
from notify.emulator.state import EmulatorState
from notify.emulator.validation import (
    LANGS,
    MAX_SEC_CHECK_CHARS,
    MINIPROGRAM_STATES,
    data_problem,
    error,
    page_ok,
    rid,
)
from notify.templates import template_keys_of

Answer = dict[str, Any]
Handler = Callable[[EmulatorState, dict[str, str], Any], Answer]


def _credentials(state: EmulatorState, values: dict[str, Any]) -> Answer | None:
    """Check appid and secret the way cgi-bin/token and jscode2session do."""
    if not values.get("appid"):
        return error(41002)
    if values["appid"] != state.appid:
        return error(40013)
    if not values.get("secret"):
        return error(41004)
    if values["secret"] != state.secret:
        return error(40125)
    return None


def classic_token(state: EmulatorState, query: dict[str, str], _body: Any) -> Answer:
    """GET cgi-bin/token: a new token on every call."""
    if query.get("grant_type") != "client_credential":
        return error(40002)
    problem = _credentials(state, query)
    if problem:
        return problem
    token, expires_in = state.issue_classic_token()
    return {"access_token": token, "expires_in": expires_in}


def stable_token(state: EmulatorState, _query: dict[str, str], body: Any) -> Answer:
    """POST cgi-bin/stable_token: the same token while valid unless force_refresh."""
    if not isinstance(body, dict):
        return error(47001)
    if body.get("grant_type") != "client_credential":
        return error(40002)
    problem = _credentials(state, body)
    if problem:
        return problem
    token, expires_in = state.issue_stable_token(bool(body.get("force_refresh")))
    return {"access_token": token, "expires_in": expires_in}


def jscode2session(state: EmulatorState, query: dict[str, str], _body: Any) -> Answer:
    """GET sns/jscode2session: no access token needed; success answers carry no errcode."""
    problem = _credentials(state, query)
    if problem:
        return problem
    if not query.get("js_code"):
        return error(41008)
    if query.get("grant_type") != "authorization_code":
        return error(40002)
    used = query["js_code"] in state.used_codes
    code = state.redeem(state.login_codes, query["js_code"])
    if code is None or code.openid is None:
        return error(40163) if used else error(40029)
    if code.openid in state.settings.blocked_openids:
        return error(40226)
    answer = {"session_key": state.new_session_key(), "openid": code.openid}
    if code.unionid:
        answer["unionid"] = code.unionid
    return answer


def phone_number(state: EmulatorState, _query: dict[str, str], body: Any) -> Answer:
    """POST wxa/business/getuserphonenumber: a single-use button code for the number."""
    if not isinstance(body, dict) or not body.get("code"):
        return error(47001)
    code = state.redeem(state.phone_codes, str(body["code"]))
    if code is None:
        return error(40029)
    if body.get("openid") and code.openid and body["openid"] != code.openid:
        return error(40029, "invalid code, code does not belong to openid")
    national = code.country_code == "86"
    return {
        "errcode": 0,
        "errmsg": "ok",
        "phone_info": {
            "phoneNumber": code.phone_number
            if national
            else f"+{code.country_code}{code.phone_number}",
            "purePhoneNumber": code.phone_number,
            "countryCode": code.country_code,
            "watermark": {
                "timestamp": int(state.now()),
                "appid": state.settings.watermark_appid or state.appid,
            },
        },
    }


def subscribe_send(state: EmulatorState, _query: dict[str, str], body: Any) -> Answer:
    """POST cgi-bin/message/subscribe/send: validate like WeChat, then spend one quota."""
    if not isinstance(body, dict):
        return error(47001)
    openid, template_id = body.get("touser"), body.get("template_id")
    template = state.settings.templates.get(str(template_id or ""))
    if not openid or openid not in state.users:
        return error(40003)
    if template is None:
        return error(40037)
    for name, allowed in (("miniprogram_state", MINIPROGRAM_STATES), ("lang", LANGS)):
        if name in body and body[name] not in allowed:
            return error(47003, f"argument invalid! {name} invalid")
    problem = data_problem(body.get("data"), template_keys_of(template["content"]))
    if problem:
        return error(47003, problem)
    if not page_ok(body.get("page"), state.settings.valid_pages):
        return error(41030)
    if not state.consume(openid, template["priTmplId"]):
        return error(43101)
    message = {key: body.get(key) for key in ("touser", "template_id", "page", "data", "lang")} | {
        "miniprogram_state": body.get("miniprogram_state", "formal")
    }
    return {"errcode": 0, "errmsg": "ok", "msgid": state.deliver(message)}


def msg_sec_check(state: EmulatorState, _query: dict[str, str], body: Any) -> Answer:
    """POST wxa/msg_sec_check, version 2 only: errcode 0 even for risky text."""
    if not isinstance(body, dict) or body.get("version") != 2:
        return error(47001, "data format error hint: version 2 is required")
    content = body.get("content")
    if not body.get("openid") or body["openid"] not in state.users:
        return error(40003)
    if body.get("scene") not in (1, 2, 3, 4):
        return error(40129)
    if not state.seen_lately(body["openid"]):
        return error(61010)
    if not isinstance(content, str) or not content:
        return error(44002)
    if len(content) > MAX_SEC_CHECK_CHARS:
        return error(47001, "data format error hint: content too long")
    settings = state.settings
    suggest, label = "pass", 100
    hit = next((w for w in settings.review_words if w in content), None)
    if hit:
        suggest, label = "review", 21000
    risky = next((w for w in settings.risky_words if w in content), None)
    if risky:
        suggest, label, hit = "risky", 20006, risky
    detail = {"strategy": "content_model", "errcode": 0, "suggest": suggest, "label": label}
    if hit:
        detail["keyword"] = hit
    return {
        "errcode": 0,
        "errmsg": "ok",
        "result": {"suggest": suggest, "label": label},
        "detail": [detail],
        "trace_id": rid(),
    }


def get_templates(state: EmulatorState, _query: dict[str, str], _body: Any) -> Answer:
    """GET wxaapi/newtmpl/gettemplate: the account's templates (我的模板)."""
    return {"errcode": 0, "errmsg": "ok", "data": list(state.settings.templates.values())}


# path, method, needs an access token, handler
ENDPOINTS: list[tuple[str, str, bool, Handler]] = [
    ("/cgi-bin/token", "GET", False, classic_token),
    ("/cgi-bin/stable_token", "POST", False, stable_token),
    ("/sns/jscode2session", "GET", False, jscode2session),
    ("/wxa/business/getuserphonenumber", "POST", True, phone_number),
    ("/cgi-bin/message/subscribe/send", "POST", True, subscribe_send),
    ("/wxa/msg_sec_check", "POST", True, msg_sec_check),
    ("/wxaapi/newtmpl/gettemplate", "GET", True, get_templates),
]


def create_emulator_app(state: EmulatorState) -> Flask:
    """Build the emulator's Flask app over `state`."""
    app = Flask("kuaixiang.wx_emulator")
    for path, method, needs_token, handler in ENDPOINTS:
        view = _endpoint(state, method, needs_token, handler)
        app.add_url_rule(path, endpoint=path, view_func=view, methods=["GET", "POST"])
    app.register_blueprint(control.blueprint(state))
    return app


def _endpoint(
    state: EmulatorState, method: str, needs_token: bool, handler: Handler
) -> Callable[[], Response]:
    def view() -> Response:
        query = request.args.to_dict()
        body = _json_body()
        epoch = state.epoch
        fault = state.faults.take(request.path)
        if fault is not None:
            _delay(state, fault)
        if state.epoch != epoch:  # reset while this call hung: it belongs to a finished test
            return Response("emulator was reset", 503, mimetype="text/plain")
        if fault is not None and fault.hang:  # WeChat never answered, and did nothing
            state.record({"method": request.method, "path": request.path, "status": 504})
            return Response("<html><body>504</body></html>", 504, mimetype="text/html")
        status, answer = _answer(state, fault, method, needs_token, handler, query, body)
        if fault is not None and fault.lose_answer:  # done, and the answer never gets back
            state.record({"method": request.method, "path": request.path, "status": 504})
            state.faults.hang(fault.hang_seconds)
            return Response("<html><body>504</body></html>", 504, mimetype="text/html")
        state.record(
            {
                "method": request.method,
                "path": request.path,
                "query": query,
                "json": body,
                "status": status,
                "errcode": None if answer is None else answer.get("errcode", 0),
                "fault": None if fault is None else fault.describe(),
            }
        )
        if answer is None:
            return Response(f"<html><body>{status}</body></html>", status, mimetype="text/html")
        text = json.dumps(answer, ensure_ascii=False)
        return Response(text, 200, content_type="application/json; encoding=utf-8")

    view.__name__ = f"wx_{handler.__name__}"
    return view


def _answer(
    state: EmulatorState,
    fault: Fault | None,
    method: str,
    needs_token: bool,
    handler: Handler,
    query: dict[str, str],
    body: Any,
) -> tuple[int, Answer | None]:
    if fault is not None and fault.status is not None:
        return fault.status, None
    if fault is not None and fault.errcode is not None:
        return 200, error(fault.errcode, fault.errmsg)
    if request.method != method:
        return 200, error(43002 if method == "POST" else 43001)
    if needs_token:
        problem = state.token_error(query.get("access_token"))
        if problem:
            return 200, error(problem)
    if method == "POST" and not request.get_data():
        return 200, error(44002)
    with state.lock:
        return 200, handler(state, query, body)


def _delay(state: EmulatorState, fault: Fault) -> None:
    if fault.hang:
        state.faults.hang(fault.hang_seconds)
    elif fault.latency_ms:
        time.sleep(fault.latency_ms / 1000)


def _json_body() -> Any:
    raw = request.get_data()
    if not raw:
        return None
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
