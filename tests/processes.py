"""Helpers for the tests that start the service as a process of its own (`kuaixiang run`, the
production layout, the installed wheel, the mini-program's end-to-end run)."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from typing import Any

import pytest
import requests


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(
    check: Callable[[], Any], seconds: float, why: Callable[[], str], step: float = 0.3
) -> Any:
    """Return check()'s first true answer within `seconds`; otherwise fail saying why()."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(step)
    pytest.fail(why())


def healthy(base: str) -> bool:
    """Tell whether the service at `base` answers /healthz (not yet listening: no)."""
    try:
        return requests.get(f"{base}/healthz", timeout=5).status_code == 200
    except requests.RequestException:
        return False
