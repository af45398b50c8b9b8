"""`kuaixiang match …` and `kuaixiang jobs …`: re-match on demand, list and run jobs."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from api.commands.checks import require_migrated
from models import ChangeEvent, ChangeKind
from services import matching


@click.command("match")
@click.option(
    "--changes",
    "mode",
    flag_value="changes",
    default=True,
    help="Consume pending profile and item changes (default).",
)
@click.option("--full", "mode", flag_value="full", help="Re-match every live item and subject.")
@click.option("--item", "item_id", type=int, help="Re-match one item against every subject.")
@click.option(
    "--wait",
    default=600.0,
    show_default=True,
    help="Seconds to wait for another matcher to finish first.",
)
@with_appcontext
def match_command(mode: str, item_id: int | None, wait: float) -> None:
    """Bring stored matches up to date (safe while another matcher runs: it waits its turn)."""
    require_migrated()
    database = current_app.extensions["kx.db"]
    if item_id is not None or mode == "full":
        with database.session() as session:
            kind = ChangeKind.ITEM if item_id is not None else ChangeKind.FULL
            session.add(ChangeEvent(kind=kind, item_id=item_id, reason="cli"))
            session.commit()
    counts = matching.process_changes(database, wait=wait)
    if counts.get("skipped_busy"):
        click.echo("another matcher held the lease for the whole wait; try again", err=True)
        sys.exit(1)
    for name, value in sorted(counts.items()):
        click.echo(f"{name}: {value}")


@click.group("jobs", cls=AppGroup)
def jobs_group() -> None:
    """List the scheduled jobs and run one now."""


@jobs_group.command("list")
def jobs_list() -> None:
    """Show every job, when it runs, and its last run."""
    from sqlalchemy import select

    from jobs.registry import all_jobs
    from models import JobRun

    with current_app.extensions["kx.db"].session() as session:
        for job in all_jobs():
            last = session.scalar(
                select(JobRun)
                .where(JobRun.job == job.name)
                .order_by(JobRun.started_at.desc())
                .limit(1)
            )
            shown = (
                "never"
                if last is None
                else f"{last.status} at {last.started_at:%Y-%m-%d %H:%M:%S} UTC"
            )
            click.echo(f"{job.name:16} {str(job.trigger):48} last: {shown}  {job.description}")


@jobs_group.command("run")
@click.argument("name")
def jobs_run(name: str) -> None:
    """Run one job now, recorded like a scheduled run."""
    from jobs.registry import job_named
    from jobs.runner import run_job

    try:
        job = job_named(name)
    except KeyError:
        raise click.ClickException(f"no job named {name}") from None
    run = run_job(current_app.extensions["kx.db"], job.name, job.work, trigger="manual")
    assert run is not None
    click.echo(f"{run.job}: {run.status} {run.counts}")
    if run.status != "succeeded":
        click.echo(run.error or "", err=True)
        sys.exit(1)
