"""The in-process APScheduler: each job at most one instance, missed runs coalesced."""

from __future__ import annotations

import logging

from apscheduler.schedulers.background import BackgroundScheduler

from jobs.registry import all_jobs
from jobs.runner import run_job
from models import Database
from models.clock import SHANGHAI

log = logging.getLogger(__name__)


def build_scheduler(database: Database) -> BackgroundScheduler:
    """Return a scheduler (not started) with every registered job."""
    scheduler = BackgroundScheduler(timezone=SHANGHAI)
    for job in all_jobs():
        scheduler.add_job(
            run_job,
            trigger=job.trigger,
            args=(database, job.name, job.work),
            kwargs={"trigger": "schedule", "record_idle": job.record_idle},
            id=job.name,
            name=job.description,
            replace_existing=True,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=300,
        )
    return scheduler
