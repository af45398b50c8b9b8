"""APScheduler wiring: every registered job at most one instance, missed runs coalesced, and each
run guarded by the job's database lease, so any number of schedulers run each tick once.

`kuaixiang scheduler` runs `run_until_stopped` (a BlockingScheduler in the foreground, stopped
cleanly by SIGTERM or SIGINT); `kuaixiang run` starts `build_scheduler(...)` in the background.
"""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from types import FrameType
from typing import Any

from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_MAX_INSTANCES,
    EVENT_JOB_MISSED,
    JobExecutionEvent,
    JobSubmissionEvent,
)
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger

from jobs.registry import Job, all_jobs
from jobs.runner import Outcome, run_guarded
from models import Database
from models.clock import SHANGHAI, to_local, utcnow

log = logging.getLogger(__name__)
# How far back a run looks for the tick it was fired for, beyond the misfire grace time.
TICK_SLACK = timedelta(seconds=60)


def scheduled_tick(trigger: BaseTrigger, now: datetime, lookback: timedelta) -> datetime | None:
    """Return the trigger's latest fire time at or before `now`, looking back at most `lookback`
    (None when it had none in that window)."""
    latest = None
    fire = trigger.get_next_fire_time(None, now - lookback)
    while fire is not None and fire <= now:
        latest = fire
        fire = trigger.get_next_fire_time(fire, now)
    return latest


def run_scheduled(database: Database, job: Job) -> Outcome:
    """Run one scheduled tick of a job under its lease (what the scheduler calls)."""
    lookback = timedelta(seconds=job.misfire_grace_time) + TICK_SLACK
    tick = scheduled_tick(job.trigger, utcnow(), lookback)
    return run_guarded(
        database,
        job.name,
        job.work,
        trigger="schedule",
        record_idle=job.record_idle,
        ttl=job.lease_ttl,
        tick=tick,
    )


def build_scheduler(
    database: Database,
    *,
    jobs: Sequence[Job] | None = None,
    blocking: bool = False,
    dispatcher: Callable[[], Any] | None = None,
) -> BaseScheduler:
    """Return a scheduler (not started) with every registered job (or the given ones).

    `dispatcher` makes the push dispatcher for the dispatch job (see jobs.registry.all_jobs).
    """
    scheduler_class = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = scheduler_class(timezone=SHANGHAI)
    for job in all_jobs(dispatcher) if jobs is None else jobs:
        scheduler.add_job(
            run_scheduled,
            trigger=job.trigger,
            args=(database, job),
            id=job.name,
            name=job.description,
            replace_existing=True,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=job.misfire_grace_time,
        )
    scheduler.add_listener(_log_event, EVENT_JOB_ERROR | EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES)
    # "Running job … (scheduled at …)" every 3 s says nothing run_guarded does not say better;
    # "Adding job tentatively" and "Added job" once per job bury `kuaixiang run`'s first lines.
    logging.getLogger("apscheduler.executors").setLevel(logging.WARNING)
    logging.getLogger("apscheduler.scheduler").setLevel(logging.WARNING)
    return scheduler


def _log_event(event: JobExecutionEvent | JobSubmissionEvent) -> None:
    if event.code == EVENT_JOB_MISSED:
        log.warning(
            "job %s missed its run at %s (more than its grace time late: the scheduler was busy "
            "or paused); the next tick runs it",
            event.job_id,
            to_local(event.scheduled_run_time),
        )
    elif event.code == EVENT_JOB_MAX_INSTANCES:
        log.warning("job %s is still running; this tick is left out", event.job_id)
    elif event.code == EVENT_JOB_ERROR:
        exception = event.exception
        log.error(
            "job %s raised outside its guard",
            event.job_id,
            exc_info=(type(exception), exception, exception.__traceback__),
        )


class _Stop(BaseException):
    """Raised in the main thread by the first SIGTERM or SIGINT to leave the scheduler's loop."""


def run_until_stopped(
    database: Database,
    *,
    jobs: Sequence[Job] | None = None,
    dispatcher: Callable[[], Any] | None = None,
) -> str:
    """Run every job in this process until SIGTERM or SIGINT; return the signal's name.

    The first signal leaves the scheduler's loop; the scheduler then shuts down waiting for the
    running jobs, which finish and release their leases. A second signal while waiting is logged
    and otherwise ignored.
    """
    scheduler = build_scheduler(database, jobs=jobs, blocking=True, dispatcher=dispatcher)
    received: list[str] = []

    def on_signal(signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if received:
            log.warning("%s: still waiting for the running jobs to finish", name)
            return
        received.append(name)
        raise _Stop

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        try:
            names = ", ".join(job.id for job in scheduler.get_jobs())
            log.info("scheduler started with %s", names)
            scheduler.start()  # blocks until the signal
        except _Stop:
            pass
        reason = received[0] if received else "shut down"
        log.info("scheduler stopping (%s): waiting for running jobs", reason)
        if scheduler.running:
            scheduler.shutdown(wait=True)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    log.info("scheduler stopped (%s)", reason)
    return reason
