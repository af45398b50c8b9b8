"""Run one job and record it: start, end, outcome, counts, error."""

from __future__ import annotations

import logging
import os
import socket
import traceback
from collections.abc import Callable

from sqlalchemy.orm import Session

from models import Database, JobRun, JobStatus
from models.clock import utcnow
from models.context import request_id

log = logging.getLogger(__name__)

JobFunction = Callable[[Session], dict[str, int]]


def run_job(database: Database, name: str, work: JobFunction, *, trigger: str) -> JobRun:
    """Run `work` with its own session, record the run, and never raise (the record says)."""
    with database.session() as session:
        run = JobRun(job=name, trigger=trigger, host=socket.gethostname(), pid=os.getpid())
        session.add(run)
        session.commit()
        run_id = run.id
    token = request_id.set(f"job-{name}-{run_id}")
    status, counts, error = JobStatus.SUCCEEDED, {}, None
    try:
        with database.session() as session:
            counts = work(session) or {}
        log.info("job %s finished: %s", name, counts)
    except Exception:  # noqa: BLE001 - a failed job is recorded and logged, the scheduler goes on
        status, error = JobStatus.FAILED, traceback.format_exc(limit=20)
        log.exception("job %s failed", name)
    finally:
        request_id.reset(token)
    with database.session() as session:
        run = session.get(JobRun, run_id)
        assert run is not None
        run.status, run.counts, run.error, run.finished_at = status, counts, error, utcnow()
        session.commit()
        return run
