"""Request and job ids carried to every log line."""

from __future__ import annotations

import json
import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime

request_id: ContextVar[str] = ContextVar("request_id", default="-")

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s rid=%(request_id)s %(message)s"


def _install_record_factory() -> None:
    """Stamp every log record, whoever handles it, with the current request or job id."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "_kuaixiang", False):
        return

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        record.request_id = request_id.get()
        return record

    factory._kuaixiang = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


class JsonFormatter(logging.Formatter):
    """One JSON object a line (KX_LOG_FORMAT=json), for a log collector: time (UTC), level,
    logger, request or job id, message, and the exception's traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "rid": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str = "INFO", fmt: str = "text") -> None:
    """Send our logs to stderr, each line with its request id, as text or one JSON object a
    line; safe to call again (the last call's level and format hold)."""
    _install_record_factory()
    formatter = JsonFormatter() if fmt == "json" else logging.Formatter(LOG_FORMAT)
    root = logging.getLogger()
    for handler in root.handlers:
        if getattr(handler, "_kuaixiang", False):
            handler.setFormatter(formatter)
            root.setLevel(level)
            return
    handler = logging.StreamHandler(sys.stderr)
    handler._kuaixiang = True  # type: ignore[attr-defined]
    handler.setFormatter(formatter)
    root.addHandler(handler)
    root.setLevel(level)
