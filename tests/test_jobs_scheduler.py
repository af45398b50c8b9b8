"""One runner per job across processes: the job lease, its heartbeat, `kuaixiang scheduler` run
twice at once and stopped by SIGTERM, and `kuaixiang jobs run|list` for operators."""

from __future__ import annotations

import base64
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import select, update

from api.cli import cli
from api.config import Settings
from jobs.registry import ANCHOR, all_jobs, every, job_named
from jobs.runner import lease_name, run_guarded
from jobs.scheduler import build_scheduler, scheduled_tick
from models import JobRun, JobStatus, Lease
from models.clock import SHANGHAI, utcnow
from services import operations

KUAIXIANG = str(Path(sys.executable).parent / "kuaixiang")
PROJECT = Path(__file__).resolve().parent.parent


# --- the guarded wrapper, in one process ---------------------------------------------------------


def test_two_threads_firing_the_same_tick_run_the_work_once(database) -> None:
    calls: list[int] = []
    start = threading.Barrier(2)
    outcomes = []

    def work(database):  # type: ignore[no-untyped-def]
        calls.append(threading.get_ident())
        time.sleep(0.5)
        return {"done": 1}

    tick = utcnow()

    def fire() -> None:
        start.wait()
        outcomes.append(run_guarded(database, "twice", work, trigger="schedule", tick=tick))

    threads = [threading.Thread(target=fire) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(calls) == 1
    assert sorted(o.status for o in outcomes) == [JobStatus.SKIPPED, JobStatus.SUCCEEDED]
    skipped = next(o for o in outcomes if o.skipped)
    assert skipped.reason in ("busy", "already_run")

    # The same tick fired again later (a slow second scheduler): already run, not run again.
    late = run_guarded(database, "twice", work, trigger="schedule", tick=tick)
    assert late.skipped and late.reason == "already_run" and len(calls) == 1
    # The next tick runs, and so does an operator's manual run.
    assert run_guarded(database, "twice", work, trigger="schedule", tick=utcnow()).run
    assert run_guarded(database, "twice", work, trigger="manual").status == JobStatus.SUCCEEDED
    assert len(calls) == 3
    with database.session() as session:
        lease = session.get(Lease, lease_name("twice"))
        assert lease is not None and lease.holder is None  # released after every run
        statuses = sorted(session.scalars(select(JobRun.status).where(JobRun.job == "twice")))
    assert statuses == ["skipped", "skipped", "succeeded", "succeeded", "succeeded"]


def test_a_held_lease_skips_the_run_until_it_expires(database) -> None:
    calls: list[int] = []

    def work(database):  # type: ignore[no-untyped-def]
        calls.append(1)
        return {"done": 1}

    assert operations.acquire(database, lease_name("held"), "elsewhere:1:abc", ttl=1.0)
    busy = run_guarded(database, "held", work, trigger="manual")
    assert busy.skipped and busy.reason == "busy" and busy.held_by == "elsewhere:1:abc"
    assert busy.run is not None and busy.run.status == JobStatus.SKIPPED and not calls
    # A frequent job records nothing when it stands aside.
    quiet = run_guarded(database, "held", work, trigger="schedule", record_idle=False)
    assert quiet.skipped and quiet.run is None
    time.sleep(1.1)  # the holder crashed: its lease expires and the next run takes it
    assert run_guarded(database, "held", work, trigger="manual").status == JobStatus.SUCCEEDED
    assert calls == [1]


def test_the_heartbeat_keeps_a_long_job_exclusive(database) -> None:
    def long_work(database):  # type: ignore[no-untyped-def]
        time.sleep(1.2)  # twice the lease's ttl: without renewal it would have expired
        intruder = operations.acquire(database, lease_name("long"), "intruder:2:def", ttl=5)
        return {"intruder_took_it": int(intruder)}

    outcome = run_guarded(database, "long", long_work, trigger="manual", ttl=0.6)
    assert outcome.status == JobStatus.SUCCEEDED and outcome.counts == {"intruder_took_it": 0}


def test_a_lost_lease_is_logged_loudly_and_recorded(database, caplog) -> None:
    def stolen(database):  # type: ignore[no-untyped-def]
        with database.session() as session:  # as if it expired and another process took it
            session.execute(
                update(Lease)
                .where(Lease.name == lease_name("stolen"))
                .values(holder="thief:3:ghi", expires_at=utcnow() + timedelta(seconds=60))
            )
            session.commit()
        time.sleep(0.6)  # the heartbeat beats every 0.2 s
        return {"done": 1}

    with caplog.at_level(logging.ERROR):
        outcome = run_guarded(database, "stolen", stolen, trigger="manual", ttl=0.6)
    assert outcome.counts == {"done": 1, "lease_lost": 1}
    assert "LEASE LOST" in caplog.text
    assert operations.holder_of(database, lease_name("stolen")) == "thief:3:ghi"  # not released


def test_an_inner_lease_held_elsewhere_skips_the_run(database) -> None:
    assert operations.acquire(database, "matching", "matcher:4:jkl", ttl=60)
    job = job_named("match_changes")
    outcome = run_guarded(database, job.name, job.work, trigger="schedule", record_idle=False)
    assert outcome.skipped and outcome.reason == "inner_busy" and outcome.run is None
    with database.session() as session:
        assert session.scalars(select(JobRun)).all() == []


# --- ticks and triggers ------------------------------------------------------------------------


def test_a_run_finds_the_tick_it_was_fired_for() -> None:
    nine = CronTrigger(hour=9, minute=0, timezone=SHANGHAI)
    at = datetime(2026, 11, 27, 9, 0, 4, tzinfo=SHANGHAI)
    assert scheduled_tick(nine, at, timedelta(minutes=6)) == datetime(
        2026, 11, 27, 9, 0, tzinfo=SHANGHAI
    )
    assert scheduled_tick(nine, at - timedelta(minutes=1), timedelta(minutes=6)) is None
    # Interval ticks count from one anchor, so two processes started apart have the same ticks.
    first, second = every(seconds=3), every(seconds=3)
    now = datetime(2026, 11, 27, 1, 0, 7, 500000, tzinfo=UTC)
    assert scheduled_tick(first, now, timedelta(seconds=60)) == scheduled_tick(
        second, now + timedelta(seconds=1), timedelta(seconds=60)
    )
    assert (scheduled_tick(first, now, timedelta(seconds=60)) - ANCHOR).total_seconds() % 3 == 0


def test_the_registry_has_the_reminder_and_expiry_jobs(database) -> None:
    jobs = {job.name: job for job in all_jobs()}
    assert {"match_changes", "deadline_reminders", "expire_items", "full_reconcile"} <= set(jobs)
    reminder = jobs["deadline_reminders"].trigger
    assert isinstance(reminder, CronTrigger) and str(reminder.timezone) == "Asia/Shanghai"
    assert jobs["deadline_reminders"].trigger.get_next_fire_time(
        None, datetime(2026, 11, 27, 9, 30, tzinfo=SHANGHAI)
    ) == datetime(2026, 11, 28, 9, 0, tzinfo=SHANGHAI)
    hourly = jobs["expire_items"].trigger.get_next_fire_time(
        None, datetime(2026, 11, 27, 9, 30, tzinfo=SHANGHAI)
    )
    assert hourly == datetime(2026, 11, 27, 10, 0, tzinfo=SHANGHAI)
    for job in build_scheduler(database, blocking=True).get_jobs():
        assert job.max_instances == 1 and job.coalesce is True and job.misfire_grace_time


# --- operators' commands -----------------------------------------------------------------------


def test_jobs_run_takes_the_lease_and_says_when_it_is_busy(app, database) -> None:
    runner = app.test_cli_runner()
    done = runner.invoke(cli, ["jobs", "run", "expire_items"])
    assert done.exit_code == 0, done.output
    assert "expire_items: succeeded" in done.output
    assert operations.holder_of(database, lease_name("expire_items")) is None

    assert operations.acquire(database, lease_name("expire_items"), "sched-host:99:abc", ttl=60)
    busy = runner.invoke(cli, ["jobs", "run", "expire_items"])
    assert busy.exit_code == 1
    assert "expire_items is busy" in busy.output and "sched-host:99:abc" in busy.output

    listed = runner.invoke(cli, ["jobs", "list"])
    assert listed.exit_code == 0, listed.output
    line = next(x for x in listed.output.splitlines() if x.startswith("expire_items"))
    assert "last: succeeded" in line and "running now: sched-host:99:abc" in line
    assert any(x.startswith("deadline_reminders") for x in listed.output.splitlines())

    unknown = runner.invoke(cli, ["jobs", "run", "no_such_job"])
    assert unknown.exit_code != 0 and "no job named" in unknown.output


# --- real `kuaixiang scheduler` processes ------------------------------------------------------


def scheduler_env(settings: Settings, folder: Path, **extra: str) -> dict[str, str]:
    """The environment of a `kuaixiang scheduler` process on the test's database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KX_")}
    env.update(
        KX_INSTANCE_DIR=str(folder),
        KX_DATABASE_URL=settings.database_url,
        KX_DATA_KEY=base64.urlsafe_b64encode(settings.data_key).decode(),
        KX_SCHEDULER="off",
        KX_LOG_LEVEL="INFO",
        PYTHONPATH=str(PROJECT),
        **extra,
    )
    if settings.redis_url:
        env.update(KX_REDIS_URL=settings.redis_url, KX_REDIS_PREFIX=settings.redis_prefix)
    return env


def start_scheduler(env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("w") as output:
        return subprocess.Popen(
            [KUAIXIANG, "scheduler", "--jobs-from", "tests.scheduler_probe:jobs"],
            env=env,
            cwd=PROJECT,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def probe_lines(path: Path, what: str) -> list[tuple[int, str, float]]:
    """The probe log's lines of one kind: (pid, tick, wall time)."""
    if not path.exists():
        return []
    found = []
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[0] == what:
            found.append((int(parts[1]), parts[2], float(parts[3])))
    return found


def wait_for(condition: Callable[[], bool], processes: list[subprocess.Popen], logs: list[Path]):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if condition():
            return
        if any(p.poll() is not None for p in processes):
            break
        time.sleep(0.2)
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
    shown = "\n".join(f"--- {log.name}\n{log.read_text()[-3000:]}" for log in logs)
    pytest.fail(f"the scheduler did not get there:\n{shown}")


def test_two_schedulers_run_each_tick_once_and_never_overlap(settings, database, tmp_path) -> None:
    probe_log = tmp_path / "probe.log"
    env = scheduler_env(settings, tmp_path, KX_TEST_PROBE_LOG=str(probe_log))
    logs = [tmp_path / "scheduler-1.log", tmp_path / "scheduler-2.log"]
    processes = [start_scheduler(env, log) for log in logs]
    wait_for(lambda: len(probe_lines(probe_log, "end")) >= 8, processes, logs)
    for process in processes:
        process.send_signal(signal.SIGTERM)
    codes = [process.wait(timeout=60) for process in processes]
    assert codes == [0, 0], [log.read_text()[-2000:] for log in logs]

    starts, ends = probe_lines(probe_log, "start"), probe_lines(probe_log, "end")
    assert len(starts) == len(ends)  # every run that started finished, SIGTERM or not
    ticks = [tick for _, tick, _ in starts]
    assert len(ticks) == len(set(ticks)), "a tick's work ran twice"
    spans = sorted(
        (start, end)
        for (_, tick, start) in starts
        for (_, tick_end, end) in ends
        if tick == tick_end
    )
    for (_, first_end), (second_start, _) in zip(spans, spans[1:], strict=False):
        assert second_start >= first_end, "two runs of the job overlapped"
    with database.session() as session:
        runs = session.scalars(select(JobRun).where(JobRun.job == "probe")).all()
    succeeded = [r for r in runs if r.status == JobStatus.SUCCEEDED]
    skipped = [r for r in runs if r.status == JobStatus.SKIPPED]
    assert len(succeeded) == len(starts)
    assert skipped, "the second scheduler never competed for a tick"
    assert {r.pid for r in runs} == {p.pid for p in processes}  # both were live and firing
    assert operations.holder_of(database, lease_name("probe")) is None


def test_sigterm_lets_the_running_job_finish_then_exits_0(settings, database, tmp_path) -> None:
    probe_log, log = tmp_path / "probe.log", tmp_path / "scheduler.log"
    env = scheduler_env(
        settings, tmp_path, KX_TEST_PROBE_LOG=str(probe_log), KX_TEST_PROBE_SECONDS="2"
    )
    process = start_scheduler(env, log)
    wait_for(lambda: bool(probe_lines(probe_log, "start")), [process], [log])
    signalled = time.monotonic()
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0, log.read_text()
    assert time.monotonic() - signalled < 10
    output = log.read_text()
    assert "scheduler stopping (SIGTERM)" in output and "scheduler stopped (SIGTERM)" in output
    assert len(probe_lines(probe_log, "end")) == len(probe_lines(probe_log, "start")) >= 1
    with database.session() as session:
        lease = session.get(Lease, lease_name("probe"))
        assert lease is not None and lease.holder is None and lease.expires_at is None
        runs = session.scalars(select(JobRun).where(JobRun.job == "probe")).all()
    assert runs and all(r.status == JobStatus.SUCCEEDED and r.finished_at for r in runs)
