"""The resident API under load: `python -m bench.api [--persons 100000] [--users 20000]`.

Seeds a scratch MariaDB database (not timed): the demo's policies and items, N synthetic
residents and some enterprises, matched by the real matcher; binds WeChat users to residents
with matches (a share of them also to an enterprise) and mints their access tokens. Then starts
the service under gunicorn (gthread) on MariaDB and Redis and drives, with a closed-loop
keep-alive client (bench/load.py), first a bare `GET /healthz` (the baseline: what the stack
costs with no work), then `GET /api/v1/me/matches` for many users round-robin, each with its own
token; then three resident endpoints of bench/api_app.py for the same users: `GET /bench/noop`
(resident_required and nothing else, the floor of every resident endpoint), `/bench/select1`
(the floor and one trivial round trip to MariaDB) and `/bench/read` (the floor and the read of
/me/matches, nothing after it). The five take turns (`--rounds`, 3 by default, each its share of
`--seconds` per endpoint), so that a drift in the machine's speed weighs on each alike. Prints
healthz_rps, matches_rps, matches_p50_ms, matches_p99_ms, the three floors' rates,
matches_vs_healthz, matches_vs_resident_noop, each floor's ratio to healthz, the same list asked
again with its ETag (`If-None-Match`: a page shown again, answered 304: matches_304_rps,
matches_304_vs_healthz), and per phase the
CPU cores used on average by the workers (each), the load client, MariaDB, Redis and the rest
of the machine (other jobs sharing it). `--layouts
2x4,4x2,2x0:gevent` serves and drives once per layout on the same seeded database;
`--connections 2,4,8` drives at each number of connections in turn on one server (a block of
figures each). The client spreads its connections evenly over the workers (`--no-spread`: as
the kernel hands them out).
"""

from __future__ import annotations

import argparse
import base64
import os
import random
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import redis as redis_lib
import requests
from sqlalchemy import func, select

from bench.common import BENCH_KEY, emit, scratch_database
from bench.load import LoadResult, drive, request_bytes
from models import SubjectBinding, SubjectMatches, WeChatUser
from models.base import table_of
from models.bulk import write_rows
from models.clock import utcnow
from services import matching, profiles
from services.demo import seed_demo
from services.matching import ENDED, unpack

REDIS_URL = "redis://127.0.0.1:6379/13"
SECRET = "bench-api-secret-key"
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
ROOT = Path(__file__).resolve().parent.parent
REVALIDATED_USERS = 2000  # users whose list is asked again with its ETag (matches_304)
# the resident floors of /me/matches, each a step further into its work (bench/api_app.py)
FLOORS = {"noop": b"/bench/noop", "select1": b"/bench/select1", "read": b"/bench/read"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


TICK = os.sysconf("SC_CLK_TCK")


def _cpu_of(pid: int) -> float:
    """Return a process's CPU seconds so far (user + system), 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def _pids_named(*names: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() in names:
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _machine_busy() -> float:
    """Return the CPU seconds every core has spent busy since boot."""
    parts = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = parts[3] + parts[4]  # idle + iowait
    return (sum(parts[:8]) - idle) / TICK


class CpuWatch:
    """CPU seconds spent during a load phase (each time it is entered, added up), by whom: the
    service's workers, the load client (this process), MariaDB, Redis, and the rest of the
    machine (other jobs)."""

    NAMES = ("workers", "client", "mariadb", "redis", "machine")

    def __init__(self, server_pid: int) -> None:
        self.workers = _children(server_pid)
        self.database = _pids_named("mariadbd", "mysqld")
        self.redis = _pids_named("redis-server")
        self.wall = 0.0
        self.spent = dict.fromkeys(self.NAMES, 0.0)
        self.per_worker_spent = [0.0] * len(self.workers)

    def _sample(self) -> dict[str, Any]:
        return {
            "wall": time.perf_counter(),
            "workers": [_cpu_of(pid) for pid in self.workers],
            "client": time.process_time(),
            "mariadb": sum(_cpu_of(pid) for pid in self.database),
            "redis": sum(_cpu_of(pid) for pid in self.redis),
            "machine": _machine_busy(),
        }

    def __enter__(self) -> CpuWatch:
        self.start = self._sample()
        return self

    def __exit__(self, *_exc: object) -> None:
        end = self._sample()
        self.wall += end["wall"] - self.start["wall"]
        workers = [b - a for a, b in zip(self.start["workers"], end["workers"], strict=True)]
        self.per_worker_spent = [a + b for a, b in zip(self.per_worker_spent, workers, strict=True)]
        self.spent["workers"] += sum(workers)
        for name in self.NAMES[1:]:
            self.spent[name] += end[name] - self.start[name]

    def line(self) -> str:
        """Return the cores each used on average, e.g. `workers 1.31 [0.70, 0.61], client …`."""
        cores = {name: self.spent[name] / self.wall for name in self.NAMES[:-1]}
        cores["other"] = max(0.0, self.spent["machine"] / self.wall - sum(cores.values()))
        parts = [f"{name} {value:.2f}" for name, value in cores.items()]
        parts[0] += f" {[round(w / self.wall, 2) for w in self.per_worker_spent]}"
        return ", ".join(parts)


def _matched(session, kind: str) -> list[int]:
    """Return subjects of `kind` with at least one active match."""
    rows = session.execute(
        select(SubjectMatches.subject_id, SubjectMatches.entries).where(SubjectMatches.kind == kind)
    )
    return [s for s, blob in rows if ((unpack(blob)["flags"] & ENDED) == 0).any()]


def bind_users(session, users: int, enterprise_share: float) -> list[int]:
    """Create `users` WeChat users, each bound to a matched resident, some also to an enterprise."""
    rng = random.Random(11)
    persons = _matched(session, "person")
    enterprises = _matched(session, "enterprise")
    chosen = rng.sample(persons, min(users, len(persons)))
    now = utcnow()
    write_rows(
        session,
        table_of(WeChatUser),
        ("appid", "openid", "status", "created_at"),
        [("wxbenchapi", f"o-api-{s}", "active", now) for s in chosen],
    )
    session.commit()
    ids = dict(
        session.execute(
            select(WeChatUser.openid, WeChatUser.id).where(WeChatUser.appid == "wxbenchapi")
        ).all()
    )
    rows = [(ids[f"o-api-{s}"], s, "self") for s in chosen]
    if enterprises:
        rows += [
            (ids[f"o-api-{s}"], rng.choice(enterprises), "legal_representative")
            for s in chosen
            if rng.random() < enterprise_share
        ]
    rows = list(
        {(user, subject): (user, subject, relation) for user, subject, relation in rows}.values()
    )
    write_rows(
        session,
        table_of(SubjectBinding),
        ("wechat_user_id", "subject_id", "relation", "status", "verified_by")
        + ("verified_at", "created_at"),
        [
            (user, subject, relation, "active", "bench", now, now)
            for user, subject, relation in rows
        ],
    )
    session.commit()
    return sorted(ids.values())


def tokens(user_ids: list[int]) -> list[str]:
    """Mint an access token per user with the server's secret (as POST /auth/wechat would)."""
    from api import create_app
    from api.config import Settings
    from api.resident_auth import issue_resident_token

    app = create_app(
        Settings(
            instance_dir=Path("/tmp"),
            database_url="sqlite://",
            data_key=BENCH_KEY,
            secret_key=SECRET,
            scheduler="off",
            log_level="WARNING",
        )
    )
    with app.test_request_context():
        return [issue_resident_token(SimpleNamespace(id=user_id)) for user_id in user_ids]  # type: ignore[arg-type]


class Server:
    """The service under gunicorn in its own processes."""

    def __init__(
        self,
        database_url: str,
        workers: int,
        threads: int,
        log_level: str,
        reuse_port: bool,
        worker_class: str = "gthread",
    ) -> None:
        self.url = f"http://127.0.0.1:{_free_port()}"
        self.prefix = f"kxbench-{uuid.uuid4().hex[:8]}"
        env = os.environ | {
            "KX_DATABASE_URL": database_url,
            "KX_REDIS_URL": REDIS_URL,
            "KX_REDIS_PREFIX": self.prefix,
            "KX_SECRET_KEY": SECRET,
            "KX_DATA_KEY": base64.b64encode(BENCH_KEY).decode(),
            "KX_SCHEDULER": "off",
            "KX_LOG_LEVEL": log_level,
            "KX_RESIDENT_RATE_LIMIT": "100000/minute",
            "KX_INSTANCE_DIR": "/tmp/kxbench-api",
        }
        self.process = subprocess.Popen(
            [GUNICORN, "-k", worker_class, "--workers", str(workers)]
            # gevent: greenlets, up to gunicorn's default 1,000 connections per worker
            + (["--threads", str(threads)] if worker_class == "gthread" else [])
            + ["--keep-alive", "30", "--bind", self.url.removeprefix("http://")]
            # one listening socket per worker: the kernel spreads connections over the workers,
            # instead of the first worker awake accepting most of the keep-alive connections
            + (["--reuse-port"] if reuse_port else [])
            + ["bench.api_app:app"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(300):
            try:
                if requests.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except requests.RequestException:  # bound, workers still booting
                pass
            if self.process.poll() is not None:
                raise RuntimeError("gunicorn exited; run it by hand to see why")
            time.sleep(0.1)
        self.process.terminate()
        self.process.wait(timeout=30)
        raise RuntimeError("the service did not start")

    def stop(self) -> None:
        """Stop gunicorn and remove this run's Redis keys."""
        self.process.terminate()
        self.process.wait(timeout=30)
        client = redis_lib.Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(f"{self.prefix}:*"))
        if keys:
            client.delete(*keys)
        client.close()


def main() -> None:
    """Seed, serve, load, print one figure a line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--enterprises", type=int, default=5_000)
    parser.add_argument("--users", type=int, default=20_000)
    parser.add_argument("--enterprise-share", type=float, default=0.25)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument(
        "--connections",
        type=_counts,
        default=[8],
        help="keep-alive connections of the load client; several (2,4,8) take turns on one server",
    )
    parser.add_argument(
        "--worker-class",
        choices=("gthread", "gevent"),
        default="gthread",
        help="gevent is not a dependency of the project: pip install gevent first",
    )
    parser.add_argument(
        "--spread",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="as many connections on each worker (bench.load)",
    )
    parser.add_argument("--reuse-port", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument(
        "--layouts",
        type=_layouts,
        default=None,
        help="several server layouts on the same seeded data, e.g. 2x4,4x2,2x0:gevent "
        "(workers x threads, the worker class if not --worker-class; gevent ignores threads)",
    )
    parser.add_argument("--seconds", type=float, default=15.0, help="timed, per endpoint")
    parser.add_argument("--rounds", type=int, default=3, help="turns the endpoints take")
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args()
    with scratch_database("mysql") as database:
        started = time.perf_counter()
        with database.session() as session:
            seed_demo(session=session, persons=args.persons, enterprises=args.enterprises)
            for kind in ("person", "enterprise"):
                profiles.build_chunks(session, kind)
            session.commit()
        matching.process_changes(database)
        with database.session() as session:
            user_ids = bind_users(session, args.users, args.enterprise_share)
            bindings = session.scalar(select(func.count()).select_from(SubjectBinding))
        emit("persons", args.persons)
        emit("enterprises", args.enterprises)
        emit("users", len(user_ids))
        emit("bindings", bindings)
        emit("seed_and_match_s", time.perf_counter() - started)
        bearer = tokens(user_ids)
        layouts = args.layouts or [(args.workers, args.threads, None)]
        for workers, threads, worker_class in layouts:
            run_layout(
                database.url, bearer, workers, threads, worker_class or args.worker_class, args
            )


def run_layout(
    database_url: str, bearer: list[str], workers: int, threads: int, worker_class: str, args: Any
) -> None:
    """Serve with this many workers and threads, drive the three phases at each number of
    connections asked for, print the figures (a block per number).

    The phases take turns, `--rounds` times, each for its share of `--seconds`, and within a
    round every number of connections takes its turn: a drift of the machine's speed during the
    run (other tenants, clocks) then weighs on the baseline as on the endpoint measured, and on
    each number alike. The users go on round-robin from one turn to the next, so no user is
    asked for twice before every user has been.
    """
    server = Server(database_url, workers, threads, args.log_level, args.reuse_port, worker_class)
    try:
        host = server.url.removeprefix("http://")
        rng = random.Random(5)
        order = list(range(len(bearer)))
        rng.shuffle(order)
        calls = [
            request_bytes("/api/v1/me/matches", host, {"Authorization": f"Bearer {bearer[i]}"})
            for i in order
        ]
        # a page shown again whose list did not change: If-None-Match, answered 304 (issue 19)
        revalidations = []
        for i in order[:REVALIDATED_USERS]:
            auth = {"Authorization": f"Bearer {bearer[i]}"}
            etag = requests.get(
                f"{server.url}/api/v1/me/matches", headers=auth, timeout=30
            ).headers.get("ETag")
            if etag:
                revalidations.append(
                    request_bytes("/api/v1/me/matches", host, auth | {"If-None-Match": etag})
                )
        phases = {
            "healthz": [request_bytes("/healthz", host)],
            "matches": calls,
            "matches_304": revalidations,
            **{
                name: [call.replace(b"/api/v1/me/matches", path) for call in calls]
                for name, path in FLOORS.items()
            },
        }
        # as many connections on each worker: it says its process id (bench/api_app.py)
        spread = (request_bytes("/bench/pid", host), workers) if args.spread else None
        turns = [(count, name) for count in args.connections for name in phases]
        results = {turn: LoadResult(0.0) for turn in turns}
        cpu = {turn: CpuWatch(server.process.pid) for turn in turns}
        sent = dict.fromkeys(phases, 0)
        for round_number in range(args.rounds):
            for count, name in turns:
                with cpu[count, name]:
                    result = drive(
                        server.url,
                        phases[name],
                        connections=count,
                        warmup=2.0 if round_number == 0 else 0.5,
                        seconds=args.seconds / args.rounds,
                        start=sent[name],
                        spread=spread,
                    )
                results[count, name].add(result)
                sent[name] += result.sent
    finally:
        server.stop()
    for count in args.connections:
        _report(
            f"{workers}x{threads} {worker_class}" + (", reuse-port" * args.reuse_port),
            f"{count}" + (", spread" * args.spread),
            args.rounds,
            {name: (results[count, name], cpu[count, name]) for name in phases},
        )


def _report(workers: str, connections: str, rounds: int, phases: dict[str, Any]) -> None:
    """Print one block of figures: a layout at one number of connections."""
    (health, health_cpu), (matches, matches_cpu), (floor, floor_cpu) = (
        phases["healthz"],
        phases["matches"],
        phases["noop"],
    )
    emit("rounds", rounds)
    emit("workers", workers)
    emit("connections", connections)
    emit("healthz_rps", health.rps)
    emit("healthz_p99_ms", health.percentile_ms(0.99))
    emit("healthz_cpu_cores", health_cpu.line())
    emit("matches_rps", matches.rps)
    emit("matches_p50_ms", matches.percentile_ms(0.50))
    emit("matches_p99_ms", matches.percentile_ms(0.99))
    emit("matches_statuses", dict(matches.statuses))
    emit("matches_cpu_cores", matches_cpu.line())
    emit("resident_noop_rps", floor.rps)
    emit("resident_noop_p99_ms", floor.percentile_ms(0.99))
    emit("resident_noop_statuses", dict(floor.statuses))
    emit("resident_noop_cpu_cores", floor_cpu.line())
    for name in ("select1", "read"):
        result, watch = phases[name]
        emit(f"resident_{name}_rps", result.rps)
        emit(f"resident_{name}_statuses", dict(result.statuses))
        emit(f"resident_{name}_cpu_cores", watch.line())
    revalidated, revalidated_cpu = phases["matches_304"]
    emit("matches_304_rps", revalidated.rps)
    emit("matches_304_statuses", dict(revalidated.statuses))
    emit("matches_304_cpu_cores", revalidated_cpu.line())
    emit("matches_vs_healthz", matches.rps / health.rps)
    emit("matches_304_vs_healthz", revalidated.rps / health.rps)
    emit("matches_vs_resident_noop", matches.rps / floor.rps)
    for name in ("select1", "read"):
        emit(f"resident_{name}_vs_healthz", phases[name][0].rps / health.rps)


def _counts(text: str) -> list[int]:
    """Parse `4` or `2,4,8` (numbers of connections)."""
    return [int(part) for part in text.split(",")]


def _layouts(text: str) -> list[tuple[int, int, str | None]]:
    """Parse `2x4,4x2,2x0:gevent` (workers x threads, a worker class after a colon)."""
    layouts = []
    for part in text.split(","):
        size, _, worker_class = part.partition(":")
        workers, threads = (int(n) for n in size.split("x"))
        layouts.append((workers, threads, worker_class or None))
    return layouts


if __name__ == "__main__":
    main()
