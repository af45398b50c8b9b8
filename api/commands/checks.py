"""Start-up checks that end a command with one line naming the variable at fault."""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy.engine import make_url

from api.config import ConfigError, Settings
from api.extensions import settings_of
from models import migrate


def check_dependencies(settings: Settings) -> None:
    """Connect to the database (and Redis, when configured) or raise ConfigError."""
    from models.db import make_engine

    engine = make_engine(settings.database_url)
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - reported as one line naming the variable
        shown = make_url(settings.database_url).render_as_string(hide_password=True)
        raise ConfigError("KX_DATABASE_URL", f"cannot connect to {shown}: {_reason(exc)}") from None
    finally:
        engine.dispose()
    if settings.redis_url:
        import redis

        try:
            redis.Redis.from_url(settings.redis_url, socket_connect_timeout=3).ping()
        except Exception as exc:  # noqa: BLE001 - as above
            raise ConfigError(
                "KX_REDIS_URL", f"cannot connect to {settings.redis_url}: {_reason(exc)}"
            ) from None


def require_migrated() -> None:
    """Stop with one line when the database is not at the newest migration."""
    settings = settings_of(current_app)
    check_dependencies(settings)
    current = migrate.current_revision(current_app.extensions["kx.db"].engine)
    if current != migrate.head_revision():
        raise ConfigError(
            "KX_DATABASE_URL",
            f"database is at revision {current or '(none)'}, not the newest; "
            "run `kuaixiang db upgrade` first",
        )


def template_mismatches(app: Any) -> list[str]:
    """Compare the configured subscribe templates with the account's (gettemplate); return one
    line per mismatch (notify.templates.check). Raise WeChatError when WeChat cannot answer."""
    from notify.templates import check

    settings = settings_of(app)
    account = app.extensions["kx.wechat"].get_templates()
    return check(
        settings.wechat_templates,
        settings.wechat_template_keys,
        account,
        long_term=settings.wechat_long_term_templates,
    )


def require_templates(app: Any) -> None:
    """Stop (ConfigError, one line per mismatch) when a configured template would fail every
    push; when WeChat cannot be asked, say so and go on (pushes then fail and are retried)."""
    import logging

    from notify.wechat import WeChatError

    try:
        lines = template_mismatches(app)
    except WeChatError as exc:
        logging.getLogger(__name__).warning(
            "could not compare the subscribe templates with the account's: %s", exc
        )
        return
    if lines:
        raise ConfigError("KX_WECHAT_TEMPLATES_FILE", "\n".join(lines))


def _reason(exc: Exception) -> str:
    inner = getattr(exc, "orig", None) or exc
    return (str(inner).splitlines() or [type(inner).__name__])[0][:200]
