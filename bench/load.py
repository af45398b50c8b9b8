"""A small closed-loop HTTP/1.1 load generator: asyncio streams, keep-alive, no dependencies.

Each connection sends one request, reads the whole answer, and sends the next; a request costs
the generator tens of microseconds, so on a machine it shares with the server it takes little of
the CPU the server needs (requests + threads costs ten times more per call).
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field


@dataclass
class LoadResult:
    """What one timed run saw."""

    seconds: float
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    sent: int = 0  # requests sent, timed or not (where the next round goes on in the list)

    @property
    def rps(self) -> float:
        """Return completed requests per second."""
        return len(self.latencies) / self.seconds

    def add(self, other: LoadResult) -> LoadResult:
        """Add another timed run of the same requests (a later round) to this one."""
        self.seconds += other.seconds
        self.latencies += other.latencies
        self.statuses += other.statuses
        self.sent += other.sent
        return self

    def percentile_ms(self, share: float) -> float:
        """Return the latency below which `share` of requests completed, in ms."""
        if len(self.latencies) < 2:
            return float("nan")
        cuts = statistics.quantiles(self.latencies, n=1000, method="inclusive")
        return cuts[min(int(share * 1000), 999) - 1] * 1000


def request_bytes(path: str, host: str, headers: dict[str, str] | None = None) -> bytes:
    """Return a GET request for a keep-alive connection."""
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}", "Connection: keep-alive"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def _answer(reader: asyncio.StreamReader) -> int:
    return (await _answer_body(reader))[0]


async def _answer_body(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
            break
    body = b""
    if length and status != 304:
        body = await reader.readexactly(length)
    return status, body


Stream = tuple[asyncio.StreamReader, asyncio.StreamWriter]


async def _open(
    host: str, port: int, connections: int, spread: tuple[bytes, int] | None
) -> list[Stream]:
    """Open the connections; with `spread` (a request answering the serving process's id, and
    how many processes serve), as many on each process as can be: the kernel hands each new
    connection to a worker by a hash of its addresses, and 8 connections so placed often fall
    6 to 2 (now and then 8 to 0), leaving a worker short of work whenever its few requests
    wait on the database. A connection landing on a process that has its share is closed and
    opened again."""
    if spread is None:
        return [await asyncio.open_connection(host, port) for _ in range(connections)]
    probe, processes = spread
    share = -(-connections // processes)
    held: Counter[bytes] = Counter()
    opened: list[Stream] = []
    for _ in range(connections * 50):
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(probe)
        status, body = await _answer_body(reader)
        if status != 200:
            raise RuntimeError(f"the spread probe answered {status}")
        if held[body] < share:
            held[body] += 1
            opened.append((reader, writer))
            if len(opened) == connections:
                return opened
        else:
            writer.close()
    raise RuntimeError(f"could not spread {connections} connections over {processes} processes")


async def _connection(
    stream: Stream,
    requests: list[bytes],
    offset: int,
    step: int,
    warmup_until: float,
    stop_at: float,
    result: LoadResult,
) -> None:
    reader, writer = stream
    index = offset
    try:
        while True:
            begun = time.perf_counter()
            if begun >= stop_at:
                return
            writer.write(requests[index % len(requests)])
            index += step
            result.sent += 1
            status = await _answer(reader)
            ended = time.perf_counter()
            if begun >= warmup_until and ended <= stop_at:
                result.latencies.append(ended - begun)
                result.statuses[status] += 1
    finally:
        writer.close()


async def _run(
    host: str,
    port: int,
    requests: list[bytes],
    connections: int,
    warmup: float,
    seconds: float,
    start: int,
    spread: tuple[bytes, int] | None,
) -> LoadResult:
    streams = await _open(host, port, connections, spread)
    started = time.perf_counter()
    warmup_until, stop_at = started + warmup, started + warmup + seconds
    result = LoadResult(seconds)
    await asyncio.gather(
        *(
            _connection(
                streams[i],
                requests,
                start + i,
                connections,
                warmup_until,
                stop_at,
                result,
            )
            for i in range(connections)
        )
    )
    return result


def drive(
    url: str,
    requests: list[bytes],
    *,
    connections: int = 8,
    warmup: float = 2.0,
    seconds: float = 10.0,
    start: int = 0,
    spread: tuple[bytes, int] | None = None,
) -> LoadResult:
    """Send `requests` round-robin over `connections` keep-alive connections, beginning at
    requests[start]; time `seconds` after `warmup` seconds not timed. `spread`: see _open."""
    host, port = url.removeprefix("http://").split(":")
    return asyncio.run(_run(host, int(port), requests, connections, warmup, seconds, start, spread))
