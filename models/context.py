"""Request and job ids carried to every log line."""

from __future__ import annotations

import logging
import sys
from contextvars import ContextVar

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


def configure_logging(level: str = "INFO") -> None:
    """Send our logs to stderr, each line with its request id; safe to call twice."""
    _install_record_factory()
    root = logging.getLogger()
    for handler in root.handlers:
        if getattr(handler, "_kuaixiang", False):
            root.setLevel(level)
            return
    handler = logging.StreamHandler(sys.stderr)
    handler._kuaixiang = True  # type: ignore[attr-defined]
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root.addHandler(handler)
    root.setLevel(level)
