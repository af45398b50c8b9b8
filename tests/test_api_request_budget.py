"""The per-resident request budget: exact in one process, shared through Redis in batches,
still answering when Redis does not."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
import redis
from limits import parse_many

from api.request_budget import RequestBudget
from tests import backends

T0 = 1_795_000_000.0 - 1_795_000_000.0 % 3600  # the start of an hour (and of a minute)


class Clock:
    """A settable clock for the budget."""

    def __init__(self, now: float = T0 + 10) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["memory", "redis"])
def shared(request: pytest.FixtureRequest) -> Iterator[redis.Redis | None]:
    """No Redis (the embedded default), or a real Redis the budgets share."""
    if request.param == "memory":
        yield None
        return
    reason = backends.server_unavailable_reason()
    if reason:
        pytest.skip(f"Redis variant skipped: {reason}")
    client = redis.Redis.from_url(backends.REDIS_URL)
    yield client
    keys = list(client.scan_iter("kxtest:budget-test:*"))
    if keys:
        client.delete(*keys)
    client.close()


def budget(limit: str, client: redis.Redis | None, clock: Clock, **options) -> RequestBudget:  # type: ignore[no-untyped-def]
    prefix = f"kxtest:budget-test:{time.time_ns()}"
    return RequestBudget(parse_many(limit), redis=client, prefix=prefix, clock=clock, **options)


def test_one_process_is_exact_and_says_when_to_retry(shared) -> None:  # type: ignore[no-untyped-def]
    clock = Clock(T0 + 45)
    own = budget("3/minute", shared, clock)
    assert [own.spend("user:1") for _ in range(3)] == [None, None, None]
    assert own.spend("user:1") == 16  # the minute ends in 15 s: retry after 16
    assert own.spend("user:1") == 16  # refused requests are not counted
    assert own.spend("user:2") is None  # another resident has a budget of their own
    clock.now = T0 + 60  # the next minute
    assert own.spend("user:1") is None


def test_every_rate_must_hold(shared) -> None:  # type: ignore[no-untyped-def]
    clock = Clock()
    own = budget("3/minute;4/hour", shared, clock)
    assert [own.spend("u") for _ in range(4)] == [None, None, None, 51]
    clock.now += 60
    assert own.spend("u") is None
    assert own.spend("u") == 3600 - 70 + 1  # the hour's fourth: wait for the next hour


def test_processes_share_counts_through_redis(shared) -> None:  # type: ignore[no-untyped-def]
    if shared is None:
        pytest.skip("without Redis every process counts on its own")
    clock = Clock()
    prefix = f"kxtest:budget-test:{time.time_ns()}"
    rates = parse_many("10/minute")
    # two workers, each flushing its counts to Redis on every request
    one, two = (
        RequestBudget(rates, redis=shared, prefix=prefix, clock=clock, flush_seconds=0)
        for _ in range(2)
    )
    allowed = 0
    for turn in range(20):
        worker = one if turn % 2 == 0 else two
        allowed += worker.spend("user:7") is None
    # each worker learns the other's counts at its next flush: at most one request per other
    # worker beyond the limit
    assert 10 <= allowed <= 11
    assert one.spend("user:7") is not None and two.spend("user:7") is not None
    assert int(shared.get(f"{prefix}:budget:10-60:user:7:{int(clock.now // 60)}")) == allowed


def test_counts_wait_for_the_flush_interval(shared) -> None:  # type: ignore[no-untyped-def]
    if shared is None:
        pytest.skip("without Redis there is nothing to flush to")
    clock = Clock()
    own = budget("100/minute", shared, clock, flush_seconds=1.0)
    key = f"{own.prefix}:budget:100-60:user:1:{int(clock.now // 60)}"
    assert own.spend("user:1") is None  # the first request flushes at once
    assert [own.spend("user:1") for _ in range(4)] == [None] * 4
    assert int(shared.get(key)) == 1  # the four since are counted here only
    clock.now += 1.0
    assert own.spend("user:1") is None  # due: this request flushes the five
    assert int(shared.get(key)) == 6


def test_redis_down_answers_from_what_the_process_counted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()
    dead = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.5)
    own = RequestBudget(parse_many("3/minute"), redis=dead, prefix="kx", clock=clock)
    assert [own.spend("u") for _ in range(4)] == [None, None, None, 51]
    assert "Redis did not take" in caplog.text


def test_many_threads_never_exceed_the_limit(shared) -> None:  # type: ignore[no-untyped-def]
    own = budget("100/minute", shared, Clock(), flush_seconds=0)
    allowed: list[bool] = []

    def hammer() -> None:
        for _ in range(40):
            allowed.append(own.spend("user:9") is None)

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(allowed) == 100 and len(allowed) == 320


def test_ended_windows_are_forgotten(shared) -> None:  # type: ignore[no-untyped-def]
    clock = Clock()
    own = budget("5/minute", shared, clock, flush_seconds=0)
    for minute in range(30):
        clock.now = T0 + 60 * minute + 1
        for user in range(50):
            assert own.spend(f"user:{user}") is None
    # only this minute's residents are held, whatever ran before
    assert sum(len(keyed) for keyed in own._windows.values()) == 50
