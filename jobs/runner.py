"""Run one job and record it: start, end, outcome, counts, error.

`run_guarded` is what the scheduler and `kuaixiang jobs run` call: it first takes the job's
database lease (`job:<name>`), so however many schedulers run, one process at a time does a job's
work, and a tick already run by another process is not run again (docs/jobs.md). `run_job` runs
without the lease (tests, and work that guards itself).
"""

from __future__ import annotations

import logging
import os
import socket
import traceback
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime

from models import Database, JobRun, JobStatus
from models.clock import utcnow
from models.context import request_id
from services import operations

log = logging.getLogger(__name__)

JobFunction = Callable[[Database], dict[str, int]]
LEASE_PREFIX = "job:"
DEFAULT_LEASE_SECONDS = 300.0
# What a job's work returns when an inner lease (e.g. `matching`) was busy: the run is skipped.
SKIPPED_BUSY = {"skipped_busy": 1}
# The scheduled tick the running work was fired for (None for a manual run), for work that logs it.
current_tick: ContextVar[datetime | None] = ContextVar("current_tick", default=None)


def lease_name(job: str) -> str:
    """Return the name of the lease a job's runs take."""
    return f"{LEASE_PREFIX}{job}"


@dataclass(frozen=True)
class Outcome:
    """What one guarded run did: its status, counts, record (if one was written) and who held
    the lease when it was skipped."""

    job: str
    status: str
    counts: dict[str, int] = field(default_factory=dict)
    run: JobRun | None = None
    held_by: str | None = None
    error: str | None = None
    # Why it was skipped: "busy" (another process holds the job's lease), "already_run" (another
    # process took this tick) or "inner_busy" (a lease the work itself needs was held).
    reason: str | None = None

    @property
    def skipped(self) -> bool:
        """Tell whether the work did not run (lease busy, tick already run, inner lease busy)."""
        return self.status == JobStatus.SKIPPED


def run_job(
    database: Database, name: str, work: JobFunction, *, trigger: str, record_idle: bool = True
) -> JobRun | None:
    """Run `work` without a lease, record the run, and never raise (the record says what failed).

    A frequent job (record_idle=False) leaves a record only when it did something or failed.
    """
    return _execute(database, name, work, trigger=trigger, record_idle=record_idle).run


def run_guarded(
    database: Database,
    name: str,
    work: JobFunction,
    *,
    trigger: str,
    record_idle: bool = True,
    ttl: float = DEFAULT_LEASE_SECONDS,
    tick: datetime | None = None,
) -> Outcome:
    """Run `work` under the lease `job:<name>`, renewed every ttl/3; never raise.

    Skipped (status skipped; recorded only for jobs with record_idle) when another process holds
    the lease, or, given the scheduled `tick`, when another process already took it for that
    tick or later. A failure to reach the database is logged and returned as failed.
    """
    lease, holder = lease_name(name), operations.holder_name()
    try:
        taken = operations.acquire(database, lease, holder, ttl, not_since=tick)
        held_by = None if taken else operations.holder_of(database, lease)
    except Exception:  # noqa: BLE001 - the database is unreachable: say so, try at the next tick
        log.exception("job %s: could not take its lease %s", name, lease)
        return Outcome(name, JobStatus.FAILED, error=traceback.format_exc(limit=5))
    if not taken:
        reason = "already_run" if tick is not None and held_by is None else "busy"
        level = logging.INFO if record_idle else logging.DEBUG  # frequent jobs: no chatter
        if reason == "busy":
            log.log(level, "job %s skipped: %s holds its lease", name, held_by or "another process")
        else:
            log.log(level, "job %s skipped: another process already ran it for this tick", name)
        counts, run = {f"skipped_{reason}": 1}, None
        if record_idle:
            try:
                run = _record(database, name, trigger, JobStatus.SKIPPED, counts, None, utcnow())
            except Exception:  # noqa: BLE001 - a skipped run's record is only informative
                log.exception("job %s: could not record the skipped run", name)
        return Outcome(name, JobStatus.SKIPPED, counts, run, held_by, reason=reason)
    tick_token = current_tick.set(tick)
    try:
        with operations.kept_alive(database, lease, holder, ttl=ttl) as beat:
            outcome = _execute(
                database, name, work, trigger=trigger, record_idle=record_idle, beat=beat
            )
    finally:
        current_tick.reset(tick_token)
        try:
            operations.release(database, lease, holder)
        except Exception:  # noqa: BLE001 - it expires on its own after ttl
            log.exception("job %s: could not release its lease; it expires in %.0f s", name, ttl)
    return outcome


def _execute(
    database: Database,
    name: str,
    work: JobFunction,
    *,
    trigger: str,
    record_idle: bool,
    beat: operations.Heartbeat | None = None,
) -> Outcome:
    """Run the work and record it. A job that always records writes a `running` row first, so
    operators see it while it runs (and a crash leaves it visible); a frequent one writes only
    when it did something."""
    started = utcnow()
    run_id = _start(database, name, trigger, started) if record_idle else None
    tag = str(run_id) if run_id is not None else started.strftime("%H%M%S%f")
    token = request_id.set(f"job-{name}-{tag}")
    status, counts, error = JobStatus.SUCCEEDED, {}, None
    try:
        counts = dict(work(database) or {})
        if counts == SKIPPED_BUSY:
            status = JobStatus.SKIPPED
            level = logging.INFO if record_idle else logging.DEBUG
            log.log(level, "job %s skipped: a lease its work needs is busy", name)
        elif counts or record_idle:
            log.info("job %s finished: %s", name, counts)
    except Exception:  # noqa: BLE001 - a failed job is recorded and logged, the scheduler goes on
        status, error = JobStatus.FAILED, traceback.format_exc(limit=20)
        log.exception("job %s failed", name)
    finally:
        if beat is not None and beat.lost:
            counts["lease_lost"] = 1
            log.error("job %s ran partly without its lease (see LEASE LOST above)", name)
        request_id.reset(token)
    reason = "inner_busy" if status == JobStatus.SKIPPED else None
    if run_id is None and not (record_idle or error or (counts and reason is None)):
        return Outcome(name, status, counts, None, error=error, reason=reason)
    try:
        run = _record(database, name, trigger, status, counts, error, started, run_id=run_id)
    except Exception:  # noqa: BLE001 - the work is done; losing its record must not stop us
        log.exception("job %s: could not record its run", name)
        run = None
    return Outcome(name, status, counts, run, error=error, reason=reason)


def _start(database: Database, name: str, trigger: str, started: datetime) -> int | None:
    try:
        with database.session() as session:
            run = JobRun(
                job=name,
                trigger=trigger,
                host=socket.gethostname(),
                pid=os.getpid(),
                status=JobStatus.RUNNING,
                counts={},
                started_at=started,
            )
            session.add(run)
            session.commit()
            return run.id
    except Exception:  # noqa: BLE001 - run anyway; the end of the run tries to record again
        log.exception("job %s: could not record its start", name)
        return None


def _record(
    database: Database,
    name: str,
    trigger: str,
    status: str,
    counts: dict[str, int],
    error: str | None,
    started: datetime,
    *,
    run_id: int | None = None,
) -> JobRun:
    finished = utcnow()
    with database.session() as session:
        run = session.get(JobRun, run_id) if run_id is not None else None
        if run is not None:  # the row written at the start (gone only if purged meanwhile)
            run.status, run.counts, run.error, run.finished_at = status, counts, error, finished
            session.commit()
            return run
        run = JobRun(
            job=name,
            trigger=trigger,
            host=socket.gethostname(),
            pid=os.getpid(),
            status=status,
            counts=counts,
            error=error,
            started_at=started,
            finished_at=finished,
        )
        session.add(run)
        session.commit()
        return run
