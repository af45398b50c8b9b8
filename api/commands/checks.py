"""Start-up checks that end a command with one line naming the variable at fault."""

from __future__ import annotations

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


def _reason(exc: Exception) -> str:
    inner = getattr(exc, "orig", None) or exc
    return (str(inner).splitlines() or [type(inner).__name__])[0][:200]
