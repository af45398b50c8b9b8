"""`kuaixiang match …` and `kuaixiang jobs …`: re-match on demand, list and run jobs.

`kuaixiang scheduler` (the process that runs every job on schedule) is in scheduler.py.
"""

from __future__ import annotations

import signal
import sys
import threading

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from api.commands.checks import require_migrated
from api.commands.progress import Reporter
from models import ChangeEvent, ChangeScope, Database
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
@click.option(
    "--loop",
    is_flag=True,
    help="The matcher role: consume changes every --interval seconds until SIGTERM or Ctrl-C.",
)
@click.option("--interval", default=3.0, show_default=True, help="Seconds between passes (--loop).")
@with_appcontext
def match_command(mode: str, item_id: int | None, wait: float, loop: bool, interval: float) -> None:
    """Bring stored matches up to date (safe while another matcher runs: it waits its turn)."""
    require_migrated()
    database = current_app.extensions["kx.db"]
    if loop:
        _match_until_stopped(database, interval)
        return
    if item_id is not None or mode == "full":
        with database.session() as session:
            scope = ChangeScope.ITEM if item_id is not None else ChangeScope.FULL
            session.add(ChangeEvent(scope=scope, item_id=item_id, reason="cli"))
            session.commit()
    progress = Reporter()
    counts = matching.process_changes(database, wait=wait, progress=progress)
    progress.finish()
    if counts.get("skipped_busy"):
        click.echo("another matcher held the lease for the whole wait; try again", err=True)
        sys.exit(1)
    for name, value in sorted(counts.items()):
        click.echo(f"{name}: {value}")


def _match_until_stopped(database: Database, interval: float) -> None:
    """Consume changes until SIGTERM or SIGINT; a pass in progress finishes first. One matcher
    works at a time (the matching lease): a second one waits its turn, a standby."""
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    click.echo("matcher started")
    while not stop.is_set():
        counts = matching.process_changes(database, wait=min(interval, 30.0))
        if counts and not counts.get("skipped_busy"):
            click.echo(" ".join(f"{k}={v}" for k, v in sorted(counts.items())))
            sys.stdout.flush()
        stop.wait(interval)
    click.echo("matcher stopped")


@click.group("jobs", cls=AppGroup)
def jobs_group() -> None:
    """List the scheduled jobs and run one now."""


@jobs_group.command("list")
def jobs_list() -> None:
    """Show every job, when it runs, its last run, and who runs it now."""
    from sqlalchemy import select

    from jobs.registry import all_jobs
    from jobs.runner import lease_name
    from models import JobRun, JobStatus
    from services import operations

    database = current_app.extensions["kx.db"]
    for job in all_jobs(_dispatcher()):
        with database.session() as session:
            last = session.scalar(  # a skipped run says only that another process had it
                select(JobRun)
                .where(JobRun.job == job.name, JobRun.status != JobStatus.SKIPPED)
                .order_by(JobRun.started_at.desc())
                .limit(1)
            )
        shown = (
            "never" if last is None else f"{last.status} at {last.started_at:%Y-%m-%d %H:%M:%S} UTC"
        )
        holder = operations.holder_of(database, lease_name(job.name))
        running = f"  running now: {holder}" if holder else ""
        click.echo(f"{job.name:18} {str(job.trigger):48} last: {shown}{running}  {job.description}")


@jobs_group.command("run")
@click.argument("name")
def jobs_run(name: str) -> None:
    """Run one job now under its lease, recorded like a scheduled run (exit 1 when it is busy)."""
    from jobs.registry import job_named
    from jobs.runner import lease_name, run_guarded

    try:
        job = job_named(name, _dispatcher())
    except KeyError:
        raise click.ClickException(f"no job named {name}") from None
    outcome = run_guarded(
        current_app.extensions["kx.db"],
        job.name,
        job.work,
        trigger="manual",
        ttl=job.lease_ttl,
    )
    if outcome.skipped:
        if outcome.reason == "busy":
            click.echo(
                f"{job.name} is busy: another process is running it "
                f"({outcome.held_by or 'someone'} holds the lease {lease_name(job.name)}); "
                "try again when it has finished",
                err=True,
            )
        else:
            click.echo(
                f"{job.name} did not run: a lease its work needs is held by another process "
                "(e.g. a matcher); try again shortly",
                err=True,
            )
        sys.exit(1)
    click.echo(f"{job.name}: {outcome.status} {outcome.counts}")
    if outcome.status != "succeeded":
        click.echo(outcome.error or "", err=True)
        sys.exit(1)


def _dispatcher():
    """Return a maker of the app's push dispatcher, for the dispatch job."""
    from api.extensions import dispatcher_for

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    return lambda: dispatcher_for(app)
