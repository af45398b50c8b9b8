"""Run one job and record it: start, end, outcome, counts, error."""

from __future__ import annotations

import logging
import os
import socket
import traceback
from collections.abc import Callable

from models import Database, JobRun, JobStatus
from models.clock import utcnow
from models.context import request_id

log = logging.getLogger(__name__)

JobFunction = Callable[[Database], dict[str, int]]


def run_job(
    database: Database, name: str, work: JobFunction, *, trigger: str, record_idle: bool = True
) -> JobRun | None:
    """Run `work`, record the run, and never raise (the record says what went wrong).

    A frequent job (record_idle=False) leaves a record only when it did something or failed.
    """
    started = utcnow()
    token = request_id.set(f"job-{name}-{started.strftime('%H%M%S%f')}")
    status, counts, error = JobStatus.SUCCEEDED, {}, None
    try:
        counts = work(database) or {}
        if counts or record_idle:
            log.info("job %s finished: %s", name, counts)
    except Exception:  # noqa: BLE001 - a failed job is recorded and logged, the scheduler goes on
        status, error = JobStatus.FAILED, traceback.format_exc(limit=20)
        log.exception("job %s failed", name)
    finally:
        request_id.reset(token)
    if not (counts or record_idle or error):
        return None
    with database.session() as session:
        run = JobRun(
            job=name,
            trigger=trigger,
            host=socket.gethostname(),
            pid=os.getpid(),
            status=status,
            counts=counts,
            error=error,
            started_at=started,
            finished_at=utcnow(),
        )
        session.add(run)
        session.commit()
        return run
