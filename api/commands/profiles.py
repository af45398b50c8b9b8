"""`kuaixiang import-profiles FILE`: import a batch of profiles from the data platform's file."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from api.commands.checks import require_migrated
from api.commands.progress import CountingReader, Reporter
from services.audit import Actor

CLI_ACTOR = Actor(kind="system", id=None, name="kuaixiang CLI")
SHOWN_REJECTED = 20


@click.command("import-profiles")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--kind", required=True, type=click.Choice(["person", "enterprise"]))
@click.option(
    "--batch-id", required=True, help="The batch's id; a retry of an applied id is a no-op."
)
@click.option(
    "--mode", default="replace", show_default=True, type=click.Choice(["replace", "merge"])
)
@click.option("--skip-invalid", is_flag=True, help="Apply the valid rows and report the rest.")
def import_profiles_command(
    file: Path, kind: str, batch_id: str, mode: str, skip_invalid: bool
) -> None:
    """Import profiles from FILE (.jsonl or .csv); exit 1 when any row is rejected."""
    from api.extensions import db
    from services import facts
    from services.profiles import format_of, import_profiles, read_rows

    require_migrated()
    try:
        fmt = format_of(file.name)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    progress = Reporter()
    with file.open("rb") as raw:
        stream = CountingReader(raw, file.stat().st_size, progress, f"导入 {file.name}")
        report = import_profiles(
            session=db.session,
            actor=CLI_ACTOR,
            kind=kind,
            batch_id=batch_id,
            rows=read_rows(stream, facts=facts.current(db.session).of(kind), fmt=fmt),
            source=fmt,
            mode=mode,
            skip_invalid=skip_invalid,
        )
    progress.finish()
    _print(report)
    if report["status"] != "applied" or report["rejected"]:
        raise SystemExit(1)


def _print(report: dict) -> None:
    """Print the counts, then the first rejected rows with their reasons."""
    if report["replayed"]:
        click.echo(f"batch {report['batch_id']} was applied before; its stored report:")
    click.echo(f"status: {report['status']}")
    for name in ("total_rows", "inserted", "updated", "unchanged", "rejected"):
        click.echo(f"{name}: {report[name]}")
    click.echo(f"change_event: {report['change_event'] or '-'}")
    if report["file_error"]:
        error = report["file_error"]
        click.secho(f"file error (line {error['line']}): {error['message']}", fg="red")
    for row in report["rejected_rows"][:SHOWN_REJECTED]:
        reasons = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in row["errors"].items())
        click.secho(f"line {row['line']} {row['identifier']}: {reasons}", fg="red")
    hidden = report["rejected"] - min(len(report["rejected_rows"]), SHOWN_REJECTED)
    if hidden > 0:
        click.echo(f"… and {hidden} more rejected rows (GET /api/v1/admin/profiles/imports/…)")
