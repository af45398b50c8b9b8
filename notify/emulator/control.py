"""Control endpoints under /_emulator/: what a phone, a user or a test would do to WeChat."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import BadRequest

from notify.emulator.state import EmulatorState

FAULT_OPTIONS = (
    "path",
    "errcode",
    "errmsg",
    "status",
    "latency_ms",
    "hang",
    "lose_answer",
    "hang_seconds",
    "times",
    "probability",
    "seed",
)


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


def _need(body: dict[str, Any], name: str) -> Any:
    if body.get(name) in (None, ""):
        raise BadRequest(f"{name} is required")
    return body[name]


def blueprint(state: EmulatorState) -> Blueprint:
    """Return the control blueprint bound to `state`."""
    bp = Blueprint("emulator_control", __name__, url_prefix="/_emulator")

    @bp.errorhandler(BadRequest)
    def bad_request(exc: BadRequest) -> ResponseReturnValue:
        return jsonify(error=exc.description), 400

    @bp.post("/login-code")
    def login_code() -> ResponseReturnValue:
        """Mint the code wx.login would return on `openid`'s phone."""
        body = _body()
        code = state.mint_login_code(str(_need(body, "openid")), body.get("unionid"))
        return jsonify(code=code, openid=body["openid"])

    @bp.post("/phone-code")
    def phone_code() -> ResponseReturnValue:
        """Mint the code a getPhoneNumber button would return for a number."""
        body = _body()
        code = state.mint_phone_code(
            str(_need(body, "phone_number")),
            str(body.get("country_code") or "86"),
            body.get("openid"),
        )
        return jsonify(code=code)

    @bp.post("/subscriptions")
    def grant() -> ResponseReturnValue:
        """Record taps on "allow" in wx.requestSubscribeMessage (count, default 1).

        A body {"grants": [{"openid", "template_id", "count"}, …]} grants many at once.
        """
        body = _body()
        if isinstance(body.get("grants"), list):  # many users at once (benchmarks)
            for grant in body["grants"]:
                state.grant(str(grant["openid"]), str(grant["template_id"]), int(grant["count"]))
            return jsonify(granted=len(body["grants"]))
        openid, template_id = str(_need(body, "openid")), str(_need(body, "template_id"))
        if body.get("status") == "reject":
            state.revoke(openid, template_id)
            return jsonify(remaining=0)
        remaining = state.grant(openid, template_id, int(body.get("count") or 1))
        return jsonify(remaining=remaining)

    @bp.post("/popup")
    def popup() -> ResponseReturnValue:
        """One tap on a subscribe popup: {"openid", "results": {template_id: accept|reject…}};
        WeChat's popup event follows to the callback URL when one is configured."""
        body = _body()
        results = _need(body, "results")
        if not isinstance(results, dict) or not results:
            raise BadRequest("results must be {template_id: accept|reject|ban|filter}")
        openid = str(_need(body, "openid"))
        return jsonify(remaining=state.popup(openid, {str(k): str(v) for k, v in results.items()}))

    @bp.get("/subscriptions")
    def quota() -> ResponseReturnValue:
        """Show the sends left for an (openid, template_id)."""
        args = request.args
        openid, template_id = _need(args, "openid"), _need(args, "template_id")
        return jsonify(remaining=state.quota(openid, template_id))

    @bp.route("/faults", methods=["GET", "POST", "DELETE"])
    def faults() -> ResponseReturnValue:
        """List, add (POST a fault) or clear (DELETE) injected faults."""
        if request.method == "DELETE":
            state.faults.clear()
        elif request.method == "POST":
            body = _body()
            unknown = sorted(set(body) - set(FAULT_OPTIONS))
            if unknown:
                raise BadRequest(f"unknown fault options: {', '.join(unknown)}")
            try:
                state.faults.add(**{"path": _need(body, "path"), **body})
            except (TypeError, ValueError) as exc:
                raise BadRequest(str(exc)) from None
        return jsonify(faults=state.faults.describe())

    @bp.get("/requests")
    def requests_received() -> ResponseReturnValue:
        """List the WeChat calls received (secrets masked), optionally for one path."""
        return jsonify(requests=state.requests(request.args.get("path")))

    @bp.get("/messages")
    def messages() -> ResponseReturnValue:
        """List the subscribe messages delivered."""
        return jsonify(messages=state.messages())

    @bp.route("/clock", methods=["GET", "POST"])
    def clock() -> ResponseReturnValue:
        """Show the emulator's time, or move it forward by `advance` seconds."""
        if request.method == "POST":
            state.advance(float(_need(_body(), "advance")))
        return jsonify(now=state.now())

    @bp.route("/config", methods=["GET", "POST"])
    def config() -> ResponseReturnValue:
        """Show or change the settings (valid_pages, long_term_templates, risky_words …)."""
        if request.method == "GET":
            return jsonify(state.describe_settings())
        try:
            return jsonify(state.configure(**_body()))
        except ValueError as exc:
            raise BadRequest(str(exc)) from None

    @bp.post("/tokens/invalidate")
    def invalidate_tokens() -> ResponseReturnValue:
        """Make every issued access token invalid (next calls get 40001)."""
        state.invalidate_tokens()
        return jsonify(ok=True)

    @bp.post("/reset")
    def reset() -> ResponseReturnValue:
        """Forget everything and restore the default settings."""
        state.reset()
        return jsonify(ok=True)

    return bp
