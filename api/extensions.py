"""Extensions, unbound until create_app; clients are built in init_app, kept on app.extensions."""

from __future__ import annotations

from typing import Any

import redis
from flask import Flask, current_app, g
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_smorest import Api as SmorestApi
from flask_smorest.pagination import PaginationMetadataSchema
from sqlalchemy.orm import Session

from api.config import Settings
from api.errors import http_error_response
from models.db import Database
from models.pii import Vault
from notify.wechat import WeChatGateway


class Api(SmorestApi):
    """flask-smorest's Api answering every HTTP error in our one shape."""

    def handle_http_exception(self, error):
        """Use api.errors for every HTTPException, including 404 and 405."""
        return http_error_response(error)

    def _register_pagination_header(self) -> None:
        """Document X-Pagination as what it is, JSON text (flask-smorest documents an object)."""
        self.spec.components.header(
            "PAGINATION",
            {
                "description": (
                    "分页信息，JSON 文本，例如 "
                    '{"total": 25, "total_pages": 3, "first_page": 1, "last_page": 3, '
                    '"page": 1, "next_page": 2}'
                ),
                "content": {"application/json": {"schema": PaginationMetadataSchema}},
            },
            lazy=True,
        )


class DatabaseExtension:
    """The database of the current app, and one session per request or app context."""

    def init_app(self, app: Flask, settings: Settings) -> None:
        """Build the engine and session factory for this app."""
        database = Database(
            settings.database_url, vault=Vault(settings.data_key), fast_paths=settings.fast_paths
        )
        app.extensions["kx.db"] = database
        app.teardown_appcontext(self._close_session)

    @property
    def database(self) -> Database:
        """Return the current app's Database."""
        return current_app.extensions["kx.db"]

    @property
    def session(self) -> Session:
        """Return this app context's session, opening it on first use."""
        if "kx_session" not in g:
            g.kx_session = self.database.sessionmaker()
        return g.kx_session

    @staticmethod
    def _close_session(_exc: BaseException | None) -> None:
        session = g.pop("kx_session", None)
        if session is not None:
            session.close()


class RedisExtension:
    """The Redis client, or None when KX_REDIS_URL is unset (embedded default)."""

    def init_app(self, app: Flask, settings: Settings) -> None:
        """Connect lazily; redis-py opens a connection on the first command."""
        client = None
        if settings.redis_url:
            client = redis.Redis.from_url(
                settings.redis_url, socket_timeout=5, socket_connect_timeout=3
            )
        app.extensions["kx.redis"] = client

    @property
    def client(self) -> Any:
        """Return the redis.Redis client or None."""
        return current_app.extensions["kx.redis"]


class WeChatExtension:
    """The WeChat gateway (notify.wechat), sharing its token through Redis when configured."""

    def init_app(self, app: Flask, settings: Settings) -> None:
        """Build the gateway; no network I/O happens until the first call."""
        app.extensions["kx.wechat"] = WeChatGateway(
            appid=settings.wechat_appid,
            secret=settings.wechat_secret,
            api_base=settings.wechat_api_base,
            timeout=settings.wechat_timeout,
            redis=app.extensions["kx.redis"],
            redis_prefix=settings.redis_prefix,
            miniprogram_state=settings.miniprogram_state,
        )

    @property
    def gateway(self) -> WeChatGateway:
        """Return the current app's notify.wechat.WeChatGateway."""
        return current_app.extensions["kx.wechat"]


api = Api()
db = DatabaseExtension()


class AppLimiter(Limiter):
    """flask-limiter, taking its key prefix from each app it is bound to (not only the first)."""

    def init_app(self, app: Flask) -> None:
        """Bind to the app with that app's storage and key prefix."""
        self._key_prefix = app.config.get("RATELIMIT_KEY_PREFIX", "")
        super().init_app(app)


# Rate limits live in Redis when configured (shared by every worker), in memory otherwise.
# No X-RateLimit-* headers on every answer: each costs a storage read per limit per request (and
# flask-limiter would put a Retry-After on 200s); a 429 says when to retry (api/errors.py).
limiter = AppLimiter(key_func=get_remote_address, headers_enabled=False)
redis_store = RedisExtension()
wechat = WeChatExtension()


def settings_of(app: Flask | None = None) -> Settings:
    """Return the Settings the app was created with."""
    return (app or current_app).extensions["kx.settings"]


def dispatcher_for(app: Flask | None = None, *, name: str | None = None, **changes: Any) -> Any:
    """Return a notify.dispatcher.Dispatcher on the app's database, gateway and Redis."""
    from notify.dispatcher import make_dispatcher

    app = app or current_app
    settings = settings_of(app)
    return make_dispatcher(
        app.extensions["kx.db"],
        app.extensions["kx.wechat"],
        settings.dispatch(**changes),
        rate=settings.send_rate,
        redis=app.extensions["kx.redis"],
        redis_prefix=settings.redis_prefix,
        name=name,
    )
