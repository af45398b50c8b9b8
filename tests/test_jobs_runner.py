"""Jobs are recorded: start, end, outcome, counts and the error when they fail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from jobs.registry import all_jobs, job_named
from jobs.runner import run_job
from jobs.scheduler import build_scheduler
from models import AskQuestion, JobRun, JobStatus
from models.clock import frozen
from services import operations


def test_a_successful_run_is_recorded_with_its_counts(database) -> None:
    run = run_job(database, "count", lambda database: {"things": 3}, trigger="manual")
    assert run.status == JobStatus.SUCCEEDED
    assert run.counts == {"things": 3}
    assert run.finished_at is not None and run.finished_at >= run.started_at


def test_a_failing_run_is_recorded_and_does_not_raise(database) -> None:
    def broken(database):  # type: ignore[no-untyped-def]
        raise RuntimeError("数据平台无响应")

    run = run_job(database, "broken", broken, trigger="manual")
    assert run.status == JobStatus.FAILED
    assert "数据平台无响应" in (run.error or "")
    with database.session() as session:
        stored = session.get(JobRun, run.id)
        assert stored is not None and stored.status == JobStatus.FAILED


def test_housekeeping_deletes_only_old_runs(database) -> None:
    long_ago = datetime(2026, 1, 1, tzinfo=UTC)
    with frozen(long_ago):
        run_job(database, "old", lambda database: {}, trigger="manual")
    run_job(database, "new", lambda database: {}, trigger="manual")
    with database.session() as session:
        assert operations.purge_job_runs(session=session, keep_days=90) == {"job_runs_deleted": 1}
        names = session.scalars(select(JobRun.job)).all()
    assert names == ["new"]


def test_housekeeping_forgets_questions_older_than_half_a_year(database) -> None:
    with frozen(datetime(2026, 1, 1, tzinfo=UTC)), database.session() as session:
        session.add_all(
            [
                AskQuestion(question="老人钱怎么领", intent="general", answered=a)
                for a in (True, False)
            ]
        )
        session.commit()
    with database.session() as session:
        session.add(AskQuestion(question="残疾补贴要带什么", intent="materials", answered=False))
        session.commit()
    result = run_job(database, "housekeeping", job_named("housekeeping").work, trigger="manual")
    assert result.status == JobStatus.SUCCEEDED and result.counts["ask_questions_deleted"] == 2
    with database.session() as session:
        assert session.scalars(select(AskQuestion.question)).all() == ["残疾补贴要带什么"]


def test_scheduler_has_every_job_once_and_never_overlaps(database) -> None:
    scheduler = build_scheduler(database)
    jobs = scheduler.get_jobs()
    assert sorted(job.id for job in jobs) == sorted(job.name for job in all_jobs())
    for job in jobs:
        assert job.max_instances == 1 and job.coalesce is True


def test_times_are_stored_in_utc_and_come_back_aware(database) -> None:
    moment = datetime(2026, 11, 27, 9, 0, tzinfo=UTC) + timedelta(microseconds=123)
    with frozen(moment):
        run = run_job(database, "tz", lambda database: {}, trigger="manual")
    with database.session() as session:
        stored = session.get(JobRun, run.id)
        assert stored is not None and stored.started_at == moment
        assert session.scalar(select(func.count()).select_from(JobRun)) == 1


def test_a_frequent_job_records_only_runs_that_did_something(database) -> None:
    assert (
        run_job(database, "idle", lambda database: {}, trigger="schedule", record_idle=False)
        is None
    )
    busy = run_job(
        database, "busy", lambda database: {"events": 2}, trigger="schedule", record_idle=False
    )
    assert busy is not None and busy.counts == {"events": 2}
