"""create_app(): the one place that wires the packages together."""

from __future__ import annotations

from typing import cast

from flask import Flask
from flask.json.provider import DefaultJSONProvider
from werkzeug.middleware.proxy_fix import ProxyFix

from api.config import Settings


def create_app(settings: Settings | None = None) -> Flask:
    """Build the Flask app from settings (default: the KX_* environment)."""
    from api import (
        admin,
        auth,
        console,
        converters,
        docs,
        errors,
        extensions,
        health,
        input_guard,
        metrics,
        requests,
        resident,
        resident_auth,
        wechat_callback,
    )
    from models.clock import set_holiday_schedules
    from models.context import configure_logging

    settings = settings or Settings.from_env()
    configure_logging(settings.log_level, settings.log_format)
    set_holiday_schedules(settings.holiday_schedules)  # claims' promised working days
    if settings.is_sqlite:
        settings.instance_dir.mkdir(parents=True, exist_ok=True)
    app = Flask(__name__, instance_path=str(settings.instance_dir))
    app.url_map.converters["int"] = converters.IdConverter  # before any route is added
    app.config.update(
        SECRET_KEY=settings.secret_key,
        JSON_AS_ASCII=False,
        MAX_CONTENT_LENGTH=20 * 1024 * 1024,
        RATELIMIT_STORAGE_URI=settings.redis_url or "memory://",
        RATELIMIT_KEY_PREFIX=f"{settings.redis_prefix}:ratelimit",
        **docs.OPENAPI_CONFIG,
    )
    cast(DefaultJSONProvider, app.json).ensure_ascii = False  # Flask's default provider
    app.extensions["kx.settings"] = settings
    extensions.db.init_app(app, settings)
    extensions.redis_store.init_app(app, settings)
    extensions.wechat.init_app(app, settings)
    extensions.limiter.init_app(app)
    extensions.api.init_app(app)
    for name, scheme in (auth.SECURITY_SCHEMES | resident_auth.RESIDENT_SCHEME).items():
        extensions.api.spec.components.security_scheme(name, scheme)
    errors.register_error_handlers(app)
    requests.register_request_id(app)
    metrics.register_metrics(app)
    input_guard.register_input_guard(app)
    docs.register_assets(app)
    console.register_console(app)
    extensions.api.register_blueprint(health.blp)
    admin.register(extensions.api)
    resident.register(extensions.api)
    extensions.api.register_blueprint(wechat_callback.blp)
    if settings.proxy_count:
        # behind nginx (docs/operations.md): the client's address, scheme and host are the ones
        # the trusted proxies forwarded, so limits, audit entries and logs name the resident
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app,
            x_for=settings.proxy_count,
            x_proto=settings.proxy_count,
            x_host=settings.proxy_count,
        )
    return app
