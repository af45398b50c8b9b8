"""Draw the synthetic population in batches, in a second process for city-sized runs.

Drawing a person and making its row (checks, hashes, encryption) costs about as much as
inserting it, so a million-person seed runs nearly twice as fast when one process prepares the
next batch while the other stores this one. The worker draws the same stream the seeder would
draw itself: same seed, same people.

The worker is forked, not spawned: a spawned worker re-imports the caller's __main__, which
breaks any script without a __main__ guard. Forking is only safe in a process with one thread,
so with more threads running (a server, a scheduler) the stream is drawn here instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from itertools import islice
from multiprocessing import get_all_start_methods, get_context
from random import Random
from threading import active_count
from typing import Any

from services.demo import _population as population

# Below this many subjects a second process costs more to start than it saves.
PREFETCH_FROM = 50_000

Record = dict[str, Any]
Prepare = Callable[[Record], Record]

# What a worker process draws from and applies; set by _start in that process only.
_worker: tuple[Iterator[Record], Prepare] | None = None


def draw(kind: str, *, seed: int, count: int, as_of: date) -> Iterator[dict[str, Any]]:
    """Return the stream of `count` persons or enterprises for `seed`."""
    if kind == "person":
        return population.persons(Random(f"persons:{seed}"), count, as_of=as_of)
    return population.enterprises(Random(f"enterprises:{seed}"), count, as_of=as_of)


def batches(
    kind: str,
    *,
    seed: int,
    count: int,
    as_of: date,
    size: int,
    prepare: Prepare = lambda record: record,
    prefetch_from: int = PREFETCH_FROM,
) -> Iterator[list[Record]]:
    """Yield prepare(record) for the stream in lists of `size`; ahead in a worker if large."""
    if count < prefetch_from or active_count() > 1 or "fork" not in get_all_start_methods():
        stream = draw(kind, seed=seed, count=count, as_of=as_of)
        while batch := [prepare(record) for record in islice(stream, size)]:
            yield batch
        return
    with ProcessPoolExecutor(
        max_workers=1,
        mp_context=get_context("fork"),  # forked: `prepare` and its vault are not pickled
        initializer=_start,
        initargs=(draw(kind, seed=seed, count=count, as_of=as_of), prepare),
    ) as pool:
        pending = pool.submit(_next_batch, size)
        while batch := pending.result():
            pending = pool.submit(_next_batch, size)
            yield batch


def _start(stream: Iterator[Record], prepare: Prepare) -> None:
    global _worker
    _worker = (stream, prepare)


def _next_batch(size: int) -> list[Record]:
    assert _worker is not None, "the worker was not started"
    stream, prepare = _worker
    return [prepare(record) for record in islice(stream, size)]
