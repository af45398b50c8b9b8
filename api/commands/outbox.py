"""`kuaixiang outbox …`: where pushes stand, the failed ones, sending again, dispatching now."""

from __future__ import annotations

import signal
import sys
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup

from api.commands.checks import require_migrated
from api.commands.staff import CLI_ACTOR
from api.extensions import dispatcher_for
from models.clock import to_local
from services import operations


@click.group("outbox", cls=AppGroup)
def outbox_group() -> None:
    """Operate the push outbox: status, failed deliveries, retry, dispatch."""


@outbox_group.command("status")
def outbox_status() -> None:
    """Count outbox messages and deliveries by status."""
    require_migrated()
    with current_app.extensions["kx.db"].session() as session:
        counts = operations.status_counts(session=session)
    for table, by_status in counts.items():
        shown = ", ".join(f"{k} {v}" for k, v in sorted(by_status.items())) or "none"
        click.echo(f"{table}: {shown}")


@outbox_group.command("failed")
@click.option("--limit", default=50, show_default=True, help="How many to list, newest first.")
def outbox_failed(limit: int) -> None:
    """List deliveries that failed for good, with WeChat's last answer."""
    require_migrated()
    with current_app.extensions["kx.db"].session() as session:
        rows = operations.failed(session=session, limit=limit)
    if not rows:
        click.echo("no failed deliveries")
    for row in rows:
        when = to_local(row["created_at"]).strftime("%Y-%m-%d %H:%M")
        click.echo(
            f"{row['id']}\t{row['topic']}\t{row['openid']}\t{when}\tattempts {row['attempts']}"
            f"\terrcode {row['errcode']}\t{row['error'] or ''}"
        )


@outbox_group.command("retry")
@click.argument("ids", nargs=-1, type=int)
@click.option("--all", "every", is_flag=True, help="Retry every failed delivery.")
def outbox_retry(ids: tuple[int, ...], every: bool) -> None:
    """Send failed deliveries again (by id, or --all); recorded in the audit log."""
    require_migrated()
    if not ids and not every:
        raise click.UsageError("give delivery ids or --all")
    with current_app.extensions["kx.db"].session() as session:
        count = operations.retry(session=session, actor=CLI_ACTOR, ids=None if every else ids)
    click.echo(f"deliveries queued again: {count}")


@outbox_group.command("dispatch")
@click.option("--loop", is_flag=True, help="Keep dispatching until SIGTERM or Ctrl-C.")
@click.option("--interval", default=1.0, show_default=True, help="Seconds between passes.")
@click.option("--lease-seconds", type=float, help="Seconds a claim is ours before others take it.")
@click.option("--concurrency", type=int, help="Pushes in flight at once (KX_SEND_CONCURRENCY).")
def outbox_dispatch(
    loop: bool, interval: float, lease_seconds: float | None, concurrency: int | None
) -> None:
    """Send what is due now (once, or in a loop); prints what was done."""
    require_migrated()
    changes: dict[str, Any] = {}
    if lease_seconds is not None:
        changes["lease_seconds"] = lease_seconds
    if concurrency is not None:
        changes["concurrency"] = concurrency
    dispatcher = dispatcher_for(**changes)
    signal.signal(signal.SIGTERM, lambda *_: dispatcher.stop())
    try:
        while True:
            counts = dispatcher.run()
            if counts or not loop:
                click.echo(" ".join(f"{k}={v}" for k, v in sorted(counts.items())) or "nothing due")
                sys.stdout.flush()
            if not loop or dispatcher.stopping.is_set():
                break
            dispatcher.stopping.wait(interval)
    except KeyboardInterrupt:
        dispatcher.stop()
    finally:
        dispatcher.close()
