"""`kuaixiang scheduler`: run every scheduled job in this process until SIGTERM or SIGINT."""

from __future__ import annotations

import importlib

import click
from flask import current_app
from flask.cli import with_appcontext

from api.commands.checks import require_migrated


@click.command("scheduler")
@click.option(
    "--jobs-from",
    "jobs_from",
    hidden=True,
    help="module:function returning the jobs to run instead of the registry's (tests).",
)
@click.option(
    "--skip",
    multiple=True,
    metavar="JOB",
    help="A job this scheduler leaves out (its own role runs it: dispatch, match_changes).",
)
@with_appcontext
def scheduler_command(jobs_from: str | None, skip: tuple[str, ...]) -> None:
    """Run the scheduled jobs in the foreground (one such process in production).

    Each run takes its job's lease, so a second scheduler (or `kuaixiang run` with its in-process
    scheduler) runs nothing twice. SIGTERM or Ctrl-C stops it after the running jobs finish.
    """
    from api.commands.checks import require_templates
    from jobs.scheduler import run_until_stopped
    from services.claims import warn_about_calendar

    require_migrated()
    require_templates(current_app)  # the dispatcher would fail every push of a wrong template
    warn_about_calendar()  # once per start: claims' promised days (docs/claims.md)
    from api.extensions import dispatcher_for
    from jobs.registry import all_jobs

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if jobs_from:
        module, _, function = jobs_from.partition(":")
        jobs = getattr(importlib.import_module(module), function)()
    else:
        jobs = all_jobs(lambda: dispatcher_for(app))
    unknown = set(skip) - {job.name for job in jobs}
    if unknown:
        raise click.BadParameter(f"no such job: {', '.join(sorted(unknown))}", param_hint="--skip")
    jobs = [job for job in jobs if job.name not in skip]
    stopped_by = run_until_stopped(
        app.extensions["kx.db"], jobs=jobs, dispatcher=lambda: dispatcher_for(app)
    )
    click.echo(f"scheduler stopped ({stopped_by})")
