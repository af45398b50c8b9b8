"""Every scheduled job: its name, its trigger, and the service function it calls."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from jobs.runner import DEFAULT_LEASE_SECONDS, JobFunction
from models import ChangeEvent, ChangeScope, Database
from models.clock import SHANGHAI, local_now, utcnow
from services import claims, dashboard, matching, operations, profiles, publishing, subscriptions

# Interval triggers count from one fixed moment, so every scheduler process has the same ticks
# (a tick run by one process is not run again by another: jobs.runner.run_guarded).
ANCHOR = datetime(2026, 1, 1, tzinfo=SHANGHAI)
MISFIRE_GRACE_SECONDS = 300
DISPATCH_RUN_SECONDS = 50  # a dispatch run ends by then; the next tick goes on


@dataclass(frozen=True)
class Job:
    """A named piece of work and when it runs.

    `lease_ttl`: seconds the job's lease lasts without renewal (it is renewed every third of it
    while the work runs; a crashed holder blocks the job at most this long).
    """

    name: str
    work: JobFunction
    trigger: BaseTrigger
    description: str
    record_idle: bool = True
    lease_ttl: float = DEFAULT_LEASE_SECONDS
    misfire_grace_time: int = MISFIRE_GRACE_SECONDS


def every(**interval: float) -> IntervalTrigger:
    """Return an interval trigger whose ticks are the same in every process."""
    return IntervalTrigger(**interval, start_date=ANCHOR, timezone=SHANGHAI)


def _housekeeping(database: Database) -> dict[str, int]:
    with database.session() as session:
        counts = operations.purge_job_runs(session=session)
    with database.session() as session:
        counts |= operations.purge_resident_sessions(session=session)
    with database.session() as session:
        return counts | operations.purge_ask_questions(session=session)


def _claim_due_dates(database: Database) -> dict[str, int]:
    with database.session() as session:
        return claims.refresh_due_dates(session=session)


def _full_reconcile(database: Database) -> dict[str, int]:
    with database.session() as session:
        session.add(ChangeEvent(scope=ChangeScope.FULL, reason="nightly"))
        session.commit()
    counts = matching.process_changes(database, wait=600)
    if counts.get("skipped_busy"):  # the full event stays pending: match_changes will take it
        return {"full_event_queued": 1}
    return counts


def _compact_profiles(database: Database) -> dict[str, int]:
    counts: dict[str, int] = {}
    with operations.held(database, "compact_profiles", ttl=1800) as holder:
        if holder is None:
            return {"skipped_busy": 1}
        for kind in ("person", "enterprise"):
            with database.session() as session:
                built = profiles.build_chunks(session, kind, only_stale=True)
            if built:
                counts[f"{kind}_chunks_built"] = built
    return counts


def _deadline_reminders(database: Database) -> dict[str, int]:
    return subscriptions.remind_deadlines(database, now=utcnow())


def _expire_items(database: Database) -> dict[str, int]:
    """Expire policies past their end date (with their items), then items past their window."""
    with database.session() as session:
        policies = publishing.expire_policies(session=session, today=local_now().date())
    with database.session() as session:
        items = publishing.expire_items(session=session, now=utcnow())
    counts = {
        "policies_expired": policies["policies_expired"],
        "items_expired_with_policy": policies["items_expired"],
        "items_expired": items["items_expired"],
    }
    return {name: value for name, value in counts.items() if value}


def _dashboard(database: Database) -> dict[str, int]:
    with database.session() as session:
        snapshot = dashboard.build_snapshot(session)
        return {"subjects": snapshot.subjects}


def _dispatch(make: Callable[[], Any]) -> JobFunction:
    """Return the dispatch job's work: one long-lived dispatcher, made on the first run."""
    made: list[Any] = []

    def work(_database: Database) -> dict[str, int]:
        if not made:
            made.append(make())
        return made[0].run(max_seconds=DISPATCH_RUN_SECONDS)

    return work


def all_jobs(dispatcher: Callable[[], Any] | None = None) -> list[Job]:
    """Return the jobs the scheduler runs.

    `dispatcher` makes the notify.dispatcher.Dispatcher that sends pushes (it needs the app's
    gateway and settings); without it there is no dispatch job.
    """
    dispatch = (
        [
            Job(
                "dispatch",
                _dispatch(dispatcher),
                every(seconds=2),
                "把待发的订阅消息发给微信：配额、静默时段、重试",
                record_idle=False,
                lease_ttl=120,
            )
        ]
        if dispatcher is not None
        else []
    )
    return [
        Job(
            "match_changes",
            lambda database: matching.process_changes(database),
            every(seconds=3),
            "处理画像和事项的变更，重新匹配",
            record_idle=False,
            lease_ttl=120,
        ),
        *dispatch,
        Job(
            "dashboard",
            _dashboard,
            every(minutes=10),
            "驾驶舱：统计各区县、各事项、各部门的匹配与预期红利",
            record_idle=False,
        ),
        Job(
            "compact_profiles",
            _compact_profiles,
            every(minutes=10),
            "重建过期的画像列存块，让全量匹配不必逐行读取画像",
            record_idle=False,
        ),
        Job(
            "deadline_reminders",
            _deadline_reminders,
            CronTrigger(hour=9, minute=0, timezone=SHANGHAI),
            "申请截止提醒：可享未申请、3 天内截止的事项",
        ),
        Job(
            "expire_items",
            _expire_items,
            CronTrigger(minute=0, timezone=SHANGHAI),
            "下架申请期已过的事项和到期的政策",
        ),
        Job(
            "full_reconcile",
            _full_reconcile,
            CronTrigger(hour=2, minute=0, timezone=SHANGHAI),
            "全量对账：所有事项对所有主体重新匹配",
        ),
        Job(
            "claim_due_dates",
            _claim_due_dates,
            CronTrigger(hour=0, minute=30, timezone=SHANGHAI),
            "按最新的节假日安排重算待审申请的承诺办结期限",
        ),
        Job(
            "housekeeping",
            _housekeeping,
            CronTrigger(hour=3, minute=30, timezone=SHANGHAI),
            "删除 90 天前的任务运行记录、已过期的小程序登录会话和半年前的智能咨询提问",
        ),
    ]


def job_named(name: str, dispatcher: Callable[[], Any] | None = None) -> Job:
    """Return the registered job with this name, or raise KeyError."""
    for job in all_jobs(dispatcher):
        if job.name == name:
            return job
    raise KeyError(name)
