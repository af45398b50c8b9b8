"""Faults the emulator injects: an errcode, an HTTP status, latency or a hang, per path."""

from __future__ import annotations

import random
import threading
from dataclasses import asdict, dataclass, field
from typing import Any

ANY_PATH = "*"
DEFAULT_HANG_SECONDS = 30.0


@dataclass
class Fault:
    """What to do to the next matching calls; `times` None means until cleared.

    A hanging call answers 504 after hang_seconds (or when faults are cleared) and has no effect:
    it stands for a request WeChat never answered. `lose_answer` is the other timeout: WeChat did
    the call (a send is delivered, its sent event follows) and the answer is lost on the way back
    (the client's read timeout; subscribeMessage.send has no idempotency key to ask again with).
    """

    path: str
    errcode: int | None = None
    errmsg: str | None = None
    status: int | None = None
    latency_ms: int = 0
    hang: bool = False
    lose_answer: bool = False
    hang_seconds: float = DEFAULT_HANG_SECONDS
    times: int | None = None
    probability: float = 1.0
    seed: int | None = None
    applied: int = 0
    _rng: random.Random = field(default_factory=random.Random, repr=False)

    def __post_init__(self) -> None:
        if not self.path.startswith("/") and self.path != ANY_PATH:
            raise ValueError("path must start with / (or be * for every WeChat path)")
        if not 0.0 <= self.probability <= 1.0:
            raise ValueError("probability must be between 0 and 1")
        if self.times is not None and self.times < 1:
            raise ValueError("times must be at least 1")
        if self.status is not None and not 100 <= self.status <= 599:
            raise ValueError("status must be an HTTP status")
        self._rng = random.Random(self.seed)

    def fires(self, path: str) -> bool:
        """Tell whether this fault applies to a call of `path` now (draws the dice once)."""
        if self.path not in (path, ANY_PATH) or self.times == 0:
            return False
        return self.probability >= 1.0 or self._rng.random() < self.probability

    def describe(self) -> dict[str, Any]:
        """Return the fault as JSON-ready data."""
        data = asdict(self)
        data.pop("_rng", None)
        return data


class FaultBook:
    """The faults in force; the first one that fires for a path wins."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._released = threading.Event()

    def add(self, **options: Any) -> Fault:
        """Add a fault (see Fault for the options) and return it."""
        fault = Fault(**options)
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, path: str) -> Fault | None:
        """Return the fault to apply to this call, counting it against `times`."""
        with self._lock:
            for fault in self._faults:
                if fault.fires(path):
                    fault.applied += 1
                    if fault.times is not None:
                        fault.times -= 1
                    return fault
        return None

    def describe(self) -> list[dict[str, Any]]:
        """Return the faults still in force."""
        with self._lock:
            return [f.describe() for f in self._faults if f.times != 0]

    def clear(self) -> None:
        """Remove every fault and free calls that are hanging."""
        with self._lock:
            self._faults.clear()
            self._released.set()
            self._released = threading.Event()

    def hang(self, seconds: float) -> None:
        """Block the calling request thread until cleared or `seconds` pass."""
        self._released.wait(seconds)
