"""Settings from KX_* environment variables, each with an embedded default.

Every variable is listed in VARIABLES (name, default, meaning); the README's table is checked
against it by a test, so the two cannot drift apart.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from notify.development import DEV_AES_KEY, DEV_APPID, DEV_SECRET, DEV_TOKEN

if TYPE_CHECKING:
    from notify.dispatcher import DispatchSettings

PROJECT_DIR = Path(__file__).resolve().parent.parent

# (variable, default shown to people, meaning)
VARIABLES: list[tuple[str, str, str]] = [
    (
        "KX_INSTANCE_DIR",
        "./instance",
        "folder for the SQLite file, the development data key, uploads",
    ),
    (
        "KX_DATABASE_URL",
        "sqlite:///instance/kuaixiang.db",
        "SQLAlchemy URL; `mysql+pymysql://user:pass@host:3306/db` for MariaDB/MySQL",
    ),
    (
        "KX_REDIS_URL",
        "(unset: in-process)",
        "Redis for token storage, rate limits and locks shared by all processes",
    ),
    ("KX_REDIS_PREFIX", "kx", "prefix of every Redis key this service writes"),
    (
        "KX_SECRET_KEY",
        "(derived from KX_DATA_KEY)",
        "signs tokens; the same in every process, so any worker accepts any token",
    ),
    (
        "KX_DATA_KEY",
        "(instance/data.key, written by `kuaixiang run`)",
        "32-byte key, base64: encrypts 身份证号 and phone numbers at rest",
    ),
    ("KX_WECHAT_APPID", "wx0000000000000000", "mini-program AppID"),
    ("KX_WECHAT_SECRET", "emulator-secret", "mini-program AppSecret"),
    (
        "KX_WECHAT_API_BASE",
        "http://127.0.0.1:5001",
        "WeChat API base; `https://api.weixin.qq.com` in production",
    ),
    (
        "KX_WECHAT_EMULATOR",
        "1 (on)",
        "`kuaixiang run` starts the built-in WeChat emulator on KX_WECHAT_API_BASE's port",
    ),
    ("KX_WECHAT_TIMEOUT", "5", "seconds to wait for WeChat (connect and read)"),
    ("KX_WECHAT_TOKEN", "kuaixiang", "message-push Token (消息推送)"),
    (
        "KX_WECHAT_AES_KEY",
        "(a fixed development key)",
        "message-push EncodingAESKey, 43 characters",
    ),
    (
        "KX_WECHAT_LONG_TERM_TEMPLATES",
        "(empty)",
        "comma-separated ids of long-term (长期订阅) templates: on/off instead of counted",
    ),
    ("KX_MINIPROGRAM_STATE", "formal", "miniprogram_state of pushes: formal, trial or developer"),
    (
        "KX_WECHAT_TEMPLATES",
        "(development ids)",
        "subscribe template id per message topic: `new_matches=ID,grant_made=ID,claim_status=ID,"
        "deadline_near=ID,payout_done=ID`",
    ),
    (
        "KX_WECHAT_TEMPLATES_FILE",
        "(none)",
        "TOML file: per message topic the template `id` and `keys` (our field = the template's "
        "keyword key), as picked in 我的模板; docs/notify.md",
    ),
    (
        "KX_ENV",
        "development",
        "`production` refuses to start with a development or missing secret, key, token or "
        "template (so does any real WeChat base URL)",
    ),
    ("KX_QUIET_HOURS", "22:00-08:00", "Asia/Shanghai hours when non-urgent pushes wait"),
    ("KX_SEND_RATE", "1000", "pushes per second at most, across all dispatchers"),
    ("KX_SEND_CONCURRENCY", "32", "pushes in flight at once per dispatcher"),
    ("KX_SEND_MAX_ATTEMPTS", "6", "tries of a push before it is failed for an operator"),
    (
        "KX_SCHEDULER",
        "inprocess",
        "`inprocess` runs jobs inside `kuaixiang run`; `off` leaves them to `kuaixiang scheduler`",
    ),
    (
        "KX_IDENTITY_PROVIDER",
        "local",
        "who verifies a resident binding an identity: `local` (check digits and imported "
        "profiles) or `province` (the province's unified identity service)",
    ),
    ("KX_IDENTITY_URL", "(unset)", "base URL of the province identity service (`province` only)"),
    ("KX_IDENTITY_KEY", "(unset)", "bearer key for the province identity service"),
    ("KX_IDENTITY_TIMEOUT", "5", "seconds to wait for the province identity service"),
    (
        "KX_RESIDENT_RATE_LIMIT",
        "120/minute",
        "requests per resident (by user id) across all mini-program endpoints",
    ),
    ("KX_HOST", "127.0.0.1", "address `kuaixiang run` and `kuaixiang serve` listen on"),
    ("KX_PORT", "5000", "port `kuaixiang run` and `kuaixiang serve` listen on"),
    ("KX_LOG_LEVEL", "INFO", "DEBUG, INFO, WARNING or ERROR"),
    (
        "KX_LOG_FORMAT",
        "text",
        "`text`, or `json`: one JSON object a line (time, level, logger, rid, message)",
    ),
    (
        "KX_PROXY_COUNT",
        "0",
        "reverse proxies in front that set X-Forwarded-For (nginx: 1); limits, audit entries and "
        "logs then name the client (docs/operations.md)",
    ),
    (
        "KX_METRICS_ALLOW",
        "127.0.0.1/32,::1/128",
        "addresses or networks that may read /metrics, comma-separated",
    ),
    ("KX_METRICS_TOKEN", "(unset)", "a bearer token that may read /metrics from anywhere"),
    ("KX_WEB_WORKERS", "(the CPU count)", "`kuaixiang serve`: gunicorn workers"),
    ("KX_WEB_THREADS", "4", "`kuaixiang serve`: threads a worker"),
    (
        "KX_LLM_URL",
        "(unset: off)",
        "智能咨询's optional language model, an OpenAI-compatible base URL (…/v1); it only "
        "rephrases answers built from the items (docs/ask.md)",
    ),
    ("KX_LLM_MODEL", "(empty)", "the model's name at KX_LLM_URL"),
    ("KX_LLM_KEY", "(unset)", "bearer key for KX_LLM_URL"),
    ("KX_LLM_TIMEOUT", "5", "seconds to wait for the model before showing the built answer"),
    (
        "KX_HOLIDAYS_FILE",
        "instance/holidays.toml (when there)",
        "the State Council's holiday schedule for years chinesecalendar does not know yet (or to "
        "correct it): claims' promised working days count by it (docs/claims.md)",
    ),
    (
        "KX_FAST_PATHS",
        "1 (on)",
        "the storage fast paths (prepared /me/matches read, LOAD DATA, temporary-table updates); "
        "0 runs their plain SQLAlchemy versions, same results (docs/conventions.md)",
    ),
    (
        "KX_TEST_MYSQL_URL",
        "mysql+pymysql://root@127.0.0.1:3306/test",
        "tests only: the MariaDB server the suite creates its own database on",
    ),
    (
        "KX_TEST_REDIS_URL",
        "redis://127.0.0.1:6379/15",
        "tests only: the Redis database the suite uses",
    ),
    (
        "KX_TEST_REQUIRE_SERVERS",
        "0",
        "tests only: 1 fails the MariaDB + Redis variant where they do not answer instead of "
        "skipping it (.ci/run sets it)",
    ),
]

MINIPROGRAM_STATES = ("formal", "trial", "developer")
# /metrics from this host only, unless KX_METRICS_ALLOW says otherwise
DEFAULT_METRICS_ALLOW = (ipaddress.ip_network("127.0.0.1/32"), ipaddress.ip_network("::1/128"))


class ConfigError(Exception):
    """A setting is missing or malformed; the message names the variable."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable


@dataclass(frozen=True)
class Settings:
    """The service's configuration; build it with Settings.from_env()."""

    instance_dir: Path
    database_url: str
    data_key: bytes = field(repr=False)
    secret_key: str = field(repr=False)
    redis_url: str | None = None
    redis_prefix: str = "kx"
    wechat_appid: str = DEV_APPID
    wechat_secret: str = field(default=DEV_SECRET, repr=False)
    wechat_api_base: str = "http://127.0.0.1:5001"
    wechat_emulator: bool = True
    wechat_timeout: float = 5.0
    wechat_token: str = field(default=DEV_TOKEN, repr=False)
    wechat_aes_key: str = field(default=DEV_AES_KEY, repr=False)
    wechat_long_term_templates: tuple[str, ...] = ()
    miniprogram_state: str = "formal"
    wechat_templates: dict[str, str] = field(default_factory=dict)
    # topic -> our field -> the template's keyword key (notify.templates; defaults when absent)
    wechat_template_keys: dict[str, dict[str, str]] = field(default_factory=dict)
    environment: str = "development"
    quiet_hours: str = "22:00-08:00"
    send_rate: float = 1000.0
    send_concurrency: int = 32
    send_max_attempts: int = 6
    scheduler: str = "inprocess"
    identity_provider: str = "local"
    identity_url: str | None = None
    identity_key: str = field(default="", repr=False)
    identity_timeout: float = 5.0
    resident_rate_limit: str = "120/minute"
    host: str = "127.0.0.1"
    port: int = 5000
    log_level: str = "INFO"
    log_format: str = "text"
    fast_paths: bool = True
    # reverse proxies in front of the service that each append to X-Forwarded-For (nginx: 1);
    # 0 trusts no forwarded header (a direct client could forge one)
    proxy_count: int = 0
    # who may read /metrics: these networks, or a request bearing the token
    metrics_allow: tuple[Any, ...] = field(default=DEFAULT_METRICS_ALLOW)
    metrics_token: str = field(default="", repr=False)
    # 智能咨询's optional language model (OpenAI-compatible chat completions): off when unset
    llm_url: str | None = None
    llm_model: str = ""
    llm_key: str = field(default="", repr=False)
    llm_timeout: float = 5.0
    # year -> (holidays, make-up working days) from KX_HOLIDAYS_FILE (models.clock)
    holiday_schedules: dict[int, tuple[frozenset[date], frozenset[date]]] = field(
        default_factory=dict
    )

    @property
    def is_sqlite(self) -> bool:
        """Tell whether the database is the embedded SQLite file."""
        return self.database_url.startswith("sqlite")

    def dispatch(self, **changes: Any) -> DispatchSettings:
        """Return the dispatcher's settings (notify.dispatcher), with `changes` applied."""
        from notify.dispatcher import DispatchSettings
        from notify.timing import parse_hours

        start, end = parse_hours(self.quiet_hours)
        values: dict[str, Any] = {
            "template_ids": dict(self.wechat_templates),
            "template_keys": {t: dict(k) for t, k in self.wechat_template_keys.items()},
            "long_term_templates": frozenset(self.wechat_long_term_templates),
            "concurrency": self.send_concurrency,
            "max_attempts": self.send_max_attempts,
            "quiet_start": start,
            "quiet_end": end,
        }
        return DispatchSettings(**(values | changes))

    def with_overrides(self, **changes: Any) -> Settings:
        """Return a copy with some settings changed (used by tests and the CLI)."""
        return replace(self, **changes)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read KX_* variables, apply embedded defaults and validate each value."""
        env = os.environ if environ is None else environ
        # ./instance of the working directory, as the README says (never inside site-packages)
        instance_dir = Path(env.get("KX_INSTANCE_DIR") or "instance").resolve()
        database_url = env.get("KX_DATABASE_URL") or f"sqlite:///{instance_dir / 'kuaixiang.db'}"
        _check_database_url(database_url)
        redis_url = env.get("KX_REDIS_URL") or None
        if redis_url:
            _check_redis_url(redis_url)
        data_key = _read_data_key(env, instance_dir)
        template_ids, template_keys = _template_config(env)
        settings = cls(
            instance_dir=instance_dir,
            database_url=database_url,
            data_key=data_key,
            secret_key=env.get("KX_SECRET_KEY") or derived_secret_key(data_key),
            redis_url=redis_url,
            redis_prefix=env.get("KX_REDIS_PREFIX") or "kx",
            wechat_appid=env.get("KX_WECHAT_APPID") or DEV_APPID,
            wechat_secret=env.get("KX_WECHAT_SECRET") or DEV_SECRET,
            wechat_api_base=_check_http_url(
                "KX_WECHAT_API_BASE", env.get("KX_WECHAT_API_BASE") or "http://127.0.0.1:5001"
            ),
            wechat_emulator=_flag("KX_WECHAT_EMULATOR", env.get("KX_WECHAT_EMULATOR", "1")),
            wechat_timeout=_positive_float("KX_WECHAT_TIMEOUT", env.get("KX_WECHAT_TIMEOUT", "5")),
            wechat_token=env.get("KX_WECHAT_TOKEN") or DEV_TOKEN,
            wechat_aes_key=_aes_key(env.get("KX_WECHAT_AES_KEY") or DEV_AES_KEY),
            wechat_long_term_templates=_template_ids(
                "KX_WECHAT_LONG_TERM_TEMPLATES", env.get("KX_WECHAT_LONG_TERM_TEMPLATES", "")
            ),
            miniprogram_state=_choice(
                "KX_MINIPROGRAM_STATE",
                env.get("KX_MINIPROGRAM_STATE", "formal"),
                MINIPROGRAM_STATES,
            ),
            wechat_templates=template_ids,
            wechat_template_keys=template_keys,
            environment=_choice(
                "KX_ENV", env.get("KX_ENV") or "development", ("development", "production")
            ),
            quiet_hours=_quiet_hours(env.get("KX_QUIET_HOURS") or "22:00-08:00"),
            send_rate=_positive_float("KX_SEND_RATE", env.get("KX_SEND_RATE", "1000")),
            send_concurrency=_whole("KX_SEND_CONCURRENCY", env.get("KX_SEND_CONCURRENCY", "32")),
            send_max_attempts=_whole("KX_SEND_MAX_ATTEMPTS", env.get("KX_SEND_MAX_ATTEMPTS", "6")),
            scheduler=_choice(
                "KX_SCHEDULER", env.get("KX_SCHEDULER", "inprocess"), ("inprocess", "off")
            ),
            **_identity(env),
            resident_rate_limit=_rate_limit(
                "KX_RESIDENT_RATE_LIMIT", env.get("KX_RESIDENT_RATE_LIMIT") or "120/minute"
            ),
            host=env.get("KX_HOST") or "127.0.0.1",
            port=int(_positive_float("KX_PORT", env.get("KX_PORT", "5000"))),
            log_level=_choice(
                "KX_LOG_LEVEL",
                env.get("KX_LOG_LEVEL", "INFO").upper(),
                ("DEBUG", "INFO", "WARNING", "ERROR"),
            ),
            log_format=_choice(
                "KX_LOG_FORMAT", env.get("KX_LOG_FORMAT", "text").lower(), ("text", "json")
            ),
            fast_paths=_flag("KX_FAST_PATHS", env.get("KX_FAST_PATHS", "1")),
            proxy_count=_count("KX_PROXY_COUNT", env.get("KX_PROXY_COUNT", "0"), most=5),
            metrics_allow=_networks("KX_METRICS_ALLOW", env.get("KX_METRICS_ALLOW")),
            metrics_token=env.get("KX_METRICS_TOKEN") or "",
            llm_url=(
                _check_http_url("KX_LLM_URL", env["KX_LLM_URL"]) if env.get("KX_LLM_URL") else None
            ),
            llm_model=env.get("KX_LLM_MODEL") or "",
            llm_key=env.get("KX_LLM_KEY") or "",
            llm_timeout=_positive_float("KX_LLM_TIMEOUT", env.get("KX_LLM_TIMEOUT", "5")),
            holiday_schedules=_holiday_schedules(env, instance_dir),
        )
        problems = production_problems(settings, env)
        if problems:
            raise ProductionConfigError(problems)
        return settings

    @property
    def real_wechat(self) -> bool:
        """Tell whether WeChat calls go to a real WeChat (not an emulator on this machine)."""
        return urlsplit(self.wechat_api_base).hostname not in ("127.0.0.1", "localhost", "::1")


class ProductionConfigError(ConfigError):
    """Production (KX_ENV=production, or a real WeChat) with development or missing secrets:
    one line per variable."""

    def __init__(self, lines: list[tuple[str, str]]) -> None:
        Exception.__init__(self, "\n".join(f"{variable}: {problem}" for variable, problem in lines))
        self.variable = lines[0][0]
        self.lines = lines


DEVELOPMENT_VALUES = {
    "KX_WECHAT_APPID": DEV_APPID,
    "KX_WECHAT_SECRET": DEV_SECRET,
    "KX_WECHAT_TOKEN": DEV_TOKEN,
    "KX_WECHAT_AES_KEY": DEV_AES_KEY,
}


def production_problems(settings: Settings, env: Mapping[str, str]) -> list[tuple[str, str]]:
    """What keeps these settings from production, one (variable, problem) each; nothing unless
    KX_ENV=production or the WeChat base is a real WeChat. Anyone could forge message-push
    events with the public development Token and EncodingAESKey, and a development template id
    fails every push with 40037."""
    if settings.environment != "production" and not settings.real_wechat:
        return []
    lines: list[tuple[str, str]] = []
    if not env.get("KX_DATA_KEY"):
        lines.append(("KX_DATA_KEY", "must be set in production (not the instance folder's file)"))
    for variable, development in DEVELOPMENT_VALUES.items():
        value = env.get(variable)
        if not value:
            lines.append((variable, "must be set in production"))
        elif value == development:
            lines.append((variable, "is the public development value; set the account's own"))
    if settings.environment == "production" and not settings.real_wechat:
        lines.append(("KX_WECHAT_API_BASE", "points at this machine (the emulator) in production"))
    from notify.templates import DEFAULT_TEMPLATE_IDS

    for topic, development in DEFAULT_TEMPLATE_IDS.items():
        if settings.wechat_templates.get(topic, development) == development:
            lines.append(
                (
                    "KX_WECHAT_TEMPLATES",
                    f"{topic} has no template id of the account (development id {development})",
                )
            )
    return lines


def _holiday_schedules(
    env: Mapping[str, str], instance_dir: Path
) -> dict[int, tuple[frozenset[date], frozenset[date]]]:
    """Read KX_HOLIDAYS_FILE, or instance/holidays.toml when it is there; none otherwise."""
    from models.clock import HolidayFileError, parse_holiday_schedules

    named = env.get("KX_HOLIDAYS_FILE")
    path = Path(named) if named else instance_dir / "holidays.toml"
    if not path.is_file():
        if named:
            raise ConfigError("KX_HOLIDAYS_FILE", f"{path} does not exist")
        return {}
    try:
        return parse_holiday_schedules(path.read_text(encoding="utf-8"))
    except (HolidayFileError, UnicodeDecodeError) as exc:
        raise ConfigError("KX_HOLIDAYS_FILE", f"{path}: {exc}") from None


def _template_config(env: Mapping[str, str]) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """Template ids and keys: KX_WECHAT_TEMPLATES_FILE (TOML: per topic its id and keys), then
    KX_WECHAT_TEMPLATES (ids only, our default keys), then the development ids."""
    from notify.templates import TemplateConfigError, load_file, problems_of

    ids = _templates(env.get("KX_WECHAT_TEMPLATES") or "")
    keys: dict[str, dict[str, str]] = {}
    path = env.get("KX_WECHAT_TEMPLATES_FILE")
    if path:
        try:
            file_ids, keys = load_file(path)
        except TemplateConfigError as exc:
            raise ConfigError("KX_WECHAT_TEMPLATES_FILE", str(exc)) from None
        problems = problems_of(keys)
        if problems:
            raise ConfigError("KX_WECHAT_TEMPLATES_FILE", "; ".join(problems))
        ids.update(file_ids)
    return ids, keys


def _identity(env: Mapping[str, str]) -> dict[str, Any]:
    provider = _choice(
        "KX_IDENTITY_PROVIDER", env.get("KX_IDENTITY_PROVIDER") or "local", ("local", "province")
    )
    url = env.get("KX_IDENTITY_URL") or None
    key = env.get("KX_IDENTITY_KEY") or ""
    if url:
        url = _check_http_url("KX_IDENTITY_URL", url)
    if provider == "province" and not url:
        raise ConfigError("KX_IDENTITY_URL", "required when KX_IDENTITY_PROVIDER=province")
    if provider == "province" and not key:
        raise ConfigError("KX_IDENTITY_KEY", "required when KX_IDENTITY_PROVIDER=province")
    timeout = _positive_float("KX_IDENTITY_TIMEOUT", env.get("KX_IDENTITY_TIMEOUT", "5"))
    return {
        "identity_provider": provider,
        "identity_url": url,
        "identity_key": key,
        "identity_timeout": timeout,
    }


def _rate_limit(variable: str, value: str) -> str:
    from limits import parse_many

    try:
        parse_many(value)
    except ValueError:
        raise ConfigError(variable, "must be a rate such as 120/minute or 10 per second") from None
    return value.strip()


def _templates(text: str) -> dict[str, str]:
    from notify.messages import DEFAULT_TEMPLATE_IDS

    found = dict(DEFAULT_TEMPLATE_IDS)
    for part in filter(None, (p.strip() for p in text.split(","))):
        topic, _, template_id = part.partition("=")
        if topic.strip() not in DEFAULT_TEMPLATE_IDS or not template_id.strip():
            topics = ", ".join(DEFAULT_TEMPLATE_IDS)
            problem = f"write topic=template_id pairs; topics: {topics}"
            raise ConfigError("KX_WECHAT_TEMPLATES", problem)
        found[topic.strip()] = template_id.strip()
    return found


def _quiet_hours(text: str) -> str:
    from notify.timing import parse_hours

    try:
        parse_hours(text)
    except ValueError as exc:
        raise ConfigError("KX_QUIET_HOURS", str(exc)) from None
    return text.strip()


def _whole(variable: str, value: str) -> int:
    number = _positive_float(variable, value)
    if number != int(number):
        raise ConfigError(variable, "must be a whole number")
    return int(number)


def _networks(variable: str, value: str | None) -> tuple[Any, ...]:
    if value is None:
        return DEFAULT_METRICS_ALLOW
    try:
        return tuple(
            ipaddress.ip_network(part.strip(), strict=False)
            for part in value.split(",")
            if part.strip()
        )
    except ValueError as exc:
        raise ConfigError(
            variable, f"must be addresses or networks, comma-separated ({exc})"
        ) from None


def _count(variable: str, value: str, *, most: int) -> int:
    if not value.strip().isdigit() or int(value) > most:
        raise ConfigError(variable, f"must be a whole number from 0 to {most}")
    return int(value)


def derived_secret_key(data_key: bytes) -> str:
    """Derive the token-signing key from the data key, so one secret configures both."""
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"kuaixiang/secret-key")
    return base64.urlsafe_b64encode(derived.derive(data_key)).decode()


def data_key_path(instance_dir: Path) -> Path:
    """Return where the development data key is kept."""
    return instance_dir / "data.key"


def new_data_key() -> str:
    """Return a fresh 32-byte key in the form KX_DATA_KEY expects."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def parse_data_key(text: str, variable: str = "KX_DATA_KEY") -> bytes:
    """Decode a base64 32-byte key or raise ConfigError naming the variable."""
    try:
        raw = base64.urlsafe_b64decode(text.strip().encode() + b"=" * (-len(text.strip()) % 4))
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise ConfigError(
            variable, "must be 32 random bytes in base64 (make one with `kuaixiang gen-key`)"
        )
    return raw


def _read_data_key(env: Mapping[str, str], instance_dir: Path) -> bytes:
    if env.get("KX_DATA_KEY"):
        return parse_data_key(env["KX_DATA_KEY"])
    path = data_key_path(instance_dir)
    if path.exists():
        return parse_data_key(path.read_text(), f"KX_DATA_KEY (read from {path})")
    raise ConfigError(
        "KX_DATA_KEY",
        f"not set and {path} does not exist (`kuaixiang run` writes a development key there; "
        "in production set KX_DATA_KEY)",
    )


def _check_database_url(url: str) -> None:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigError("KX_DATABASE_URL", f"not a database URL ({exc})") from None
    if parsed.get_backend_name() not in ("sqlite", "mysql", "mariadb"):
        raise ConfigError("KX_DATABASE_URL", "only sqlite and mysql/mariadb URLs are supported")


def _check_redis_url(url: str) -> None:
    if urlsplit(url).scheme not in ("redis", "rediss", "unix"):
        raise ConfigError("KX_REDIS_URL", "must start with redis://, rediss:// or unix://")


def _check_http_url(variable: str, url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(variable, "must be an http(s) URL such as https://api.weixin.qq.com")
    return url.rstrip("/")


def _flag(variable: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off", ""):
        return False
    raise ConfigError(variable, "must be 1 or 0")


def _positive_float(variable: str, value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if number <= 0:
        raise ConfigError(variable, "must be a positive number")
    return number


def _choice(variable: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ConfigError(variable, f"must be one of {', '.join(allowed)}")
    return value


def _aes_key(value: str) -> str:
    if len(value) != 43:
        raise ConfigError("KX_WECHAT_AES_KEY", "must be the 43-character EncodingAESKey")
    return value


def _template_ids(variable: str, value: str) -> tuple[str, ...]:
    ids = tuple(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))
    if any(len(template_id) > 64 or " " in template_id for template_id in ids):
        raise ConfigError(variable, "must be template ids (≤ 64 characters) separated by commas")
    return ids
