"""Housekeeping: forget what operators no longer need."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from models import JobRun
from models.clock import utcnow


def purge_job_runs(*, session: Session, keep_days: int = 90) -> dict[str, int]:
    """Delete job-run records older than `keep_days`; return how many went."""
    cutoff = utcnow() - timedelta(days=keep_days)
    result = session.execute(delete(JobRun).where(JobRun.started_at < cutoff))
    session.commit()
    return {"job_runs_deleted": result.rowcount or 0}
