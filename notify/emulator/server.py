"""EmulatorServer: the emulated WeChat on a real socket, in a background thread."""

from __future__ import annotations

import logging
import os
import threading
from types import TracebackType
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from notify.emulator.app import create_emulator_app
from notify.emulator.state import EmulatorState

log = logging.getLogger(__name__)

TOKEN_PATHS = ("/cgi-bin/stable_token", "/cgi-bin/token")


class _QuietHandler(WSGIRequestHandler):
    """Log method, path and status only: query strings carry secrets and codes."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Log the request line without its query string, at DEBUG."""
        path = getattr(self, "path", "").split("?", 1)[0]
        log.debug("wx-emulator %s %s %s", getattr(self, "command", "-"), path, code)


def wsgi_app() -> Any:
    """Return the emulator as a WSGI app for gunicorn (one worker, many threads, keep-alive).

    The appid and secret come from KX_WECHAT_APPID / KX_WECHAT_SECRET. Werkzeug's server closes
    every connection; under `gunicorn -k gthread` clients keep theirs, as with WeChat's servers.
    """
    appid = os.environ.get("KX_WECHAT_APPID") or "wx0000000000000000"
    secret = os.environ.get("KX_WECHAT_SECRET") or "emulator-secret"
    return create_emulator_app(EmulatorState(appid=appid, secret=secret))


class EmulatorServer:
    """The WeChat emulator over HTTP; control it here or through /_emulator/."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        appid: str = "wx0000000000000000",
        secret: str = "emulator-secret",
    ) -> None:
        self.appid = appid
        self.secret = secret
        self.state = EmulatorState(appid=appid, secret=secret)
        self.app = create_emulator_app(self.state)
        self._server: BaseWSGIServer = make_server(
            host, port, self.app, threaded=True, request_handler=_QuietHandler
        )
        self.host = host
        self.port = int(self._server.server_address[1])
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        return f"EmulatorServer(url={self.url!r}, appid={self.appid!r})"

    @property
    def url(self) -> str:
        """Return the base URL to give as the WeChat API base."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> EmulatorServer:
        """Serve in a daemon thread and return self."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever, name="wx-emulator", daemon=True
            )
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted (the CLI's foreground mode)."""
        try:
            self._server.serve_forever()
        finally:
            self._server.server_close()

    def stop(self) -> None:
        """Free hanging calls, stop serving and close the socket."""
        self.state.faults.clear()
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def reset(self) -> None:
        """Forget everything: tokens, codes, quotas, faults, logs, settings and the clock."""
        self.state.reset()

    def configure(self, **settings: Any) -> dict[str, Any]:
        """Change settings: templates (the account's, as gettemplate lists them), valid_pages,
        long_term_templates, risky_words …"""
        return self.state.configure(**settings)

    def mint_login_code(self, openid: str, unionid: str | None = None) -> str:
        """Return the code wx.login would give `openid`'s phone (single use, 5 minutes)."""
        return self.state.mint_login_code(openid, unionid)

    def mint_phone_code(
        self, phone_number: str, country_code: str = "86", openid: str | None = None
    ) -> str:
        """Return the code a getPhoneNumber button would give (single use, 5 minutes)."""
        return self.state.mint_phone_code(phone_number, country_code, openid)

    def grant(self, openid: str, template_id: str, count: int = 1) -> int:
        """Stand in for the user tapping "allow" `count` times; return the sends left."""
        return self.state.grant(openid, template_id, count)

    def popup(self, openid: str, results: dict[str, str]) -> dict[str, int]:
        """Stand in for one tap on a subscribe popup; WeChat's popup event follows to the
        callback URL when one is configured. Return the sends left per template."""
        return self.state.popup(openid, results)

    def visit(self, openid: str) -> None:
        """Stand in for the user opening the mini-program now (msgSecCheck wants it recent)."""
        self.state.visit(openid)

    def wait_for_events(self, timeout: float = 10) -> bool:
        """Wait until every event due was posted to the callback (tests)."""
        return self.state.pusher.wait_idle(timeout)

    def revoke(self, openid: str, template_id: str) -> None:
        """Stand in for the user switching the template off."""
        self.state.revoke(openid, template_id)

    def quota(self, openid: str, template_id: str) -> int:
        """Return the sends left for (openid, template_id)."""
        return self.state.quota(openid, template_id)

    def inject(self, path: str, **options: Any) -> dict[str, Any]:
        """Add a fault: errcode/errmsg, status, latency_ms, hang, lose_answer, times, probability,
        seed."""
        return self.state.faults.add(path=path, **options).describe()

    def clear_faults(self) -> None:
        """Remove every fault and free hanging calls."""
        self.state.faults.clear()

    def invalidate_tokens(self) -> None:
        """Make every issued access token invalid."""
        self.state.invalidate_tokens()

    def advance_clock(self, seconds: float) -> float:
        """Move the emulator's clock forward (codes and tokens age); return the new time."""
        return self.state.advance(seconds)

    def requests(self, path: str | None = None) -> list[dict[str, Any]]:
        """Return the WeChat calls received (secrets masked), optionally for one path."""
        return self.state.requests(path)

    def token_fetches(self) -> int:
        """Return how many access-token requests were received."""
        return sum(len(self.state.requests(path)) for path in TOKEN_PATHS)

    def messages(self) -> list[dict[str, Any]]:
        """Return the subscribe messages delivered."""
        return self.state.messages()
