"""Housekeeping: forget what operators no longer need."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from models import AskQuestion, JobRun, ResidentSession
from models.clock import utcnow
from models.db import cursor_result


def purge_job_runs(*, session: Session, keep_days: int = 90) -> dict[str, int]:
    """Delete job-run records older than `keep_days`; return how many went."""
    cutoff = utcnow() - timedelta(days=keep_days)
    result = cursor_result(session.execute(delete(JobRun).where(JobRun.started_at < cutoff)))
    session.commit()
    return {"job_runs_deleted": result.rowcount or 0}


PURGE_BATCH = 5_000


def purge_resident_sessions(*, session: Session, grace_days: int = 1) -> dict[str, int]:
    """Delete residents' refresh sessions that expired more than `grace_days` ago.

    Rotated and revoked sessions stay until they expire: refreshing with a rotated token must
    still be recognised as reuse (services/residents/_auth.py). Deleted in batches, each its own
    transaction, so a city's worth never holds a long lock.
    """
    cutoff = utcnow() - timedelta(days=grace_days)
    deleted = _in_batches(session, ResidentSession, ResidentSession.expires_at < cutoff)
    return {"resident_sessions_deleted": deleted}


ASK_KEEP_DAYS = 180


def purge_ask_questions(*, session: Session, keep_days: int = ASK_KEEP_DAYS) -> dict[str, int]:
    """Delete residents' questions to 智能咨询 older than `keep_days` (half a year: long enough
    for staff to work the unanswered and disliked ones, not a record of what people asked).

    In batches, each its own transaction; `answered IN (true, false)` lets both databases walk
    the (answered, created_at) index instead of the table.
    """
    cutoff = utcnow() - timedelta(days=keep_days)
    old = (AskQuestion.answered.in_([True, False]), AskQuestion.created_at < cutoff)
    return {"ask_questions_deleted": _in_batches(session, AskQuestion, *old)}


def _in_batches(session: Session, model: Any, *where: Any) -> int:
    """Delete the rows of `model` that match, PURGE_BATCH at a time, each batch its own
    transaction (a city's worth never holds a long lock); return how many went."""
    deleted = 0
    while True:
        ids = session.scalars(select(model.id).where(*where).limit(PURGE_BATCH)).all()
        if not ids:
            return deleted
        session.execute(delete(model).where(model.id.in_(ids)))
        session.commit()
        deleted += len(ids)
