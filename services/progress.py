"""How long work tells how far it has come: a service that runs for minutes (an import, a full
match, seeding the demo) takes an optional `progress(stage, done, total)` and calls it as it
goes; the CLI draws it (api/commands/progress.py), others pass nothing. `total` 0: not known."""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """Told the stage, how much of it is done and its total (by name or in that order)."""

    def __call__(self, stage: str, done: int, total: int) -> None: ...


def silent(stage: str, done: int, total: int) -> None:
    """The progress of work nobody watches."""
