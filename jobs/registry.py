"""Every scheduled job: its name, its trigger, and the service function it calls."""

from __future__ import annotations

from dataclasses import dataclass

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger

from jobs.runner import JobFunction
from models.clock import SHANGHAI
from services import housekeeping


@dataclass(frozen=True)
class Job:
    """A named piece of work and when it runs."""

    name: str
    work: JobFunction
    trigger: BaseTrigger
    description: str


def all_jobs() -> list[Job]:
    """Return the jobs the scheduler runs."""
    return [
        Job(
            name="housekeeping",
            work=lambda session: housekeeping.purge_job_runs(session=session),
            trigger=CronTrigger(hour=3, minute=30, timezone=SHANGHAI),
            description="删除 90 天前的任务运行记录",
        ),
    ]
