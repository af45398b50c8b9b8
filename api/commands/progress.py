"""Progress of long CLI work on stderr (stdout keeps the results): a bar redrawn in place on a
terminal, and otherwise — a log file, a CI job, `nohup` — one line every EVERY seconds and one
when a stage ends, so that an operator tailing it sees the work move."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from typing import BinaryIO, TextIO

EVERY = 10.0  # seconds between lines when not on a terminal
WIDTH = 30


class Reporter:
    """A services.progress.Progress that draws."""

    def __init__(self, stream: TextIO | None = None, every: float = EVERY) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.every = every
        self.stage = ""
        self.last = 0.0
        self.started = time.monotonic()
        self.open = False

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        new_stage = stage != self.stage
        if new_stage:
            self.finish()
            self.stage, self.started = stage, now
        finished = total > 0 and done >= total
        if self.tty:
            self.stream.write(f"\r{self._text(done, total, now)}\033[K")
            self.open = True
            if finished:
                self.finish()
        elif new_stage or finished or now - self.last >= self.every:
            self.stream.write(self._text(done, total, now) + "\n")
            self.last = now
        self.stream.flush()

    def finish(self) -> None:
        """End the bar's line (on a terminal)."""
        if self.open:
            self.stream.write("\n")
            self.open = False

    def _text(self, done: int, total: int, now: float) -> str:
        elapsed = now - self.started
        if total <= 0:
            return f"{self.stage} … {elapsed:.0f} s" if not done else f"{self.stage} {done:,} …"
        share = min(1.0, done / total)
        bar = "#" * int(share * WIDTH)
        left = ""
        if 0 < share < 1 and elapsed > 1:
            left = f"，约剩 {elapsed / share - elapsed:.0f} s"
        return f"{self.stage} [{bar:<{WIDTH}}] {share:6.1%} {done:,}/{total:,}{left}"


class CountingReader:
    """A binary file that reports how many of its bytes were read (an import's progress)."""

    def __init__(self, stream: BinaryIO, total: int, progress: Reporter, stage: str) -> None:
        self.stream, self.total, self.progress, self.stage = stream, total, progress, stage
        self.read_bytes = 0

    def __iter__(self) -> Iterator[bytes]:
        for line in self.stream:
            self.read_bytes += len(line)
            self.progress(self.stage, self.read_bytes, self.total)
            yield line
