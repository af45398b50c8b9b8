"""Request and job ids carried to every log line."""

from __future__ import annotations

import logging
import sys
from contextvars import ContextVar

request_id: ContextVar[str] = ContextVar("request_id", default="-")

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s rid=%(request_id)s %(message)s"


class RequestIdFilter(logging.Filter):
    """Put the current request or job id on each record."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Attach request_id; never drop a record."""
        record.request_id = request_id.get()
        return True


def configure_logging(level: str = "INFO") -> None:
    """Send our logs to stderr, each line with its request id; safe to call twice."""
    root = logging.getLogger()
    for handler in root.handlers:
        if getattr(handler, "_kuaixiang", False):
            root.setLevel(level)
            return
    handler = logging.StreamHandler(sys.stderr)
    handler._kuaixiang = True  # type: ignore[attr-defined]
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root.addHandler(handler)
    root.setLevel(level)
