"""What /metrics reports from the database: the figures every process shares (the outbox, the
deliveries and WeChat's errors on them, the jobs, the matcher's lag, the imports, 智能咨询's last
day), read at scrape
time so that any web worker answers the same. Per-process figures (requests, latency) are the
API's own (api/metrics.py)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import (
    AskQuestion,
    ChangeEvent,
    ImportBatch,
    JobRun,
    JobStatus,
    MessageDelivery,
    MessageStatus,
    OutboxMessage,
)
from models.clock import utcnow

DUE = (MessageStatus.PENDING, MessageStatus.UNCERTAIN)
DAY = timedelta(days=1)
OUTCOMES = ("inserted", "updated", "unchanged", "rejected")  # an imported row's fate


def shared_figures(session: Session, now: datetime | None = None) -> dict[str, Any]:
    """Return the database's operational figures (see the module)."""
    now = now or utcnow()
    deliveries = dict(
        session.execute(
            select(MessageDelivery.status, func.count()).group_by(MessageDelivery.status)
        ).all()
    )
    outbox = dict(
        session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        ).all()
    )
    due_count, oldest_due = session.execute(
        select(func.count(), func.min(MessageDelivery.next_attempt_at)).where(
            MessageDelivery.status.in_(DUE), MessageDelivery.next_attempt_at <= now
        )
    ).one()
    errors = session.execute(
        select(MessageDelivery.status, MessageDelivery.last_errcode, func.count())
        .where(MessageDelivery.last_errcode.is_not(None), MessageDelivery.last_errcode != 0)
        .group_by(MessageDelivery.status, MessageDelivery.last_errcode)
    ).all()
    last_success = dict(
        session.execute(
            select(JobRun.job, func.max(JobRun.finished_at))
            .where(JobRun.status == JobStatus.SUCCEEDED)
            .group_by(JobRun.job)
        ).all()
    )
    failures = dict(
        session.execute(
            select(JobRun.job, func.count())
            .where(JobRun.status == JobStatus.FAILED, JobRun.started_at >= now - DAY)
            .group_by(JobRun.job)
        ).all()
    )
    running = dict(
        session.execute(
            select(JobRun.job, func.count())
            .where(JobRun.status == JobStatus.RUNNING)
            .group_by(JobRun.job)
        ).all()
    )
    pending_changes, oldest_change = session.execute(
        select(func.count(), func.min(ChangeEvent.created_at)).where(
            ChangeEvent.processed_at.is_(None)
        )
    ).one()
    imports = session.execute(
        select(
            func.coalesce(func.sum(ImportBatch.inserted), 0),
            func.coalesce(func.sum(ImportBatch.updated), 0),
            func.coalesce(func.sum(ImportBatch.unchanged), 0),
            func.coalesce(func.sum(ImportBatch.rejected), 0),
            func.count(),
        )
    ).one()
    # 智能咨询 over the last day: answered, declined (no item answers), and answers disliked
    asked = dict(
        session.execute(
            select(AskQuestion.answered, func.count())
            .where(AskQuestion.answered.in_([True, False]), AskQuestion.created_at >= now - DAY)
            .group_by(AskQuestion.answered)
        ).all()
    )
    disliked = session.scalar(
        select(func.count()).where(
            AskQuestion.answered.is_(True),
            AskQuestion.created_at >= now - DAY,
            AskQuestion.feedback == "useless",
        )
    )
    return {
        "ask_24h": {
            "answered": int(asked.get(True, 0)),
            "declined": int(asked.get(False, 0)),
            "useless": int(disliked or 0),
        },
        "deliveries": {str(k): int(v) for k, v in deliveries.items()},
        "outbox": {str(k): int(v) for k, v in outbox.items()},
        "due": int(due_count),
        "oldest_due_seconds": _age(now, oldest_due),
        "errors": [(str(status), int(code or 0), int(n)) for status, code, n in errors],
        "job_last_success": {job: at.timestamp() for job, at in last_success.items() if at},
        "job_failures_24h": {job: int(n) for job, n in failures.items()},
        "job_running": {job: int(n) for job, n in running.items()},
        "pending_changes": int(pending_changes),
        "matcher_lag_seconds": _age(now, oldest_change),
        "import_rows": dict(
            zip(
                ("inserted", "updated", "unchanged", "rejected"), map(int, imports[:4]), strict=True
            )
        ),
        "import_batches": int(imports[4]),
    }


def _age(now: datetime, then: datetime | None) -> float:
    return 0.0 if then is None else max(0.0, (now - then).total_seconds())
