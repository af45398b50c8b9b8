"""Every scheduled job: its name, its trigger, and the service function it calls."""

from __future__ import annotations

from dataclasses import dataclass

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from jobs.runner import JobFunction
from models import ChangeEvent, ChangeKind, Database
from models.clock import SHANGHAI
from services import housekeeping, leases, matching, snapshot


@dataclass(frozen=True)
class Job:
    """A named piece of work and when it runs."""

    name: str
    work: JobFunction
    trigger: BaseTrigger
    description: str
    record_idle: bool = True


def _housekeeping(database: Database) -> dict[str, int]:
    with database.session() as session:
        return housekeeping.purge_job_runs(session=session)


def _full_reconcile(database: Database) -> dict[str, int]:
    with database.session() as session:
        session.add(ChangeEvent(kind=ChangeKind.FULL, reason="nightly"))
        session.commit()
    return matching.process_changes(database, wait=600)


def _compact_profiles(database: Database) -> dict[str, int]:
    counts: dict[str, int] = {}
    with leases.held(database, "compact_profiles", ttl=1800) as holder:
        if holder is None:
            return {"skipped_busy": 1}
        for kind in ("person", "enterprise"):
            with database.session() as session:
                built = snapshot.build_chunks(session, kind, only_stale=True)
            if built:
                counts[f"{kind}_chunks_built"] = built
    return counts


def all_jobs() -> list[Job]:
    """Return the jobs the scheduler runs."""
    return [
        Job(
            "match_changes",
            lambda database: matching.process_changes(database),
            IntervalTrigger(seconds=3),
            "处理画像和事项的变更，重新匹配",
            record_idle=False,
        ),
        Job(
            "compact_profiles",
            _compact_profiles,
            IntervalTrigger(minutes=10),
            "重建过期的画像列存块，让全量匹配不必逐行读取画像",
            record_idle=False,
        ),
        Job(
            "full_reconcile",
            _full_reconcile,
            CronTrigger(hour=2, minute=0, timezone=SHANGHAI),
            "全量对账：所有事项对所有主体重新匹配",
        ),
        Job(
            "housekeeping",
            _housekeeping,
            CronTrigger(hour=3, minute=30, timezone=SHANGHAI),
            "删除 90 天前的任务运行记录",
        ),
    ]


def job_named(name: str) -> Job:
    """Return the registered job with this name, or raise KeyError."""
    for job in all_jobs():
        if job.name == name:
            return job
    raise KeyError(name)
