"""`kuaixiang seed-demo`: demo departments, policies, items and a synthetic population."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from api.commands.checks import require_migrated
from api.commands.progress import Reporter
from services.demo import DemoAccount


@click.command("seed-demo")
@with_appcontext
@click.option("--persons", default=2000, show_default=True, type=click.IntRange(min=0))
@click.option("--enterprises", default=300, show_default=True, type=click.IntRange(min=0))
@click.option("--seed", default=20261127, show_default=True, help="Same seed, same people.")
@click.option(
    "--showcase/--no-showcase",
    default=True,
    show_default=True,
    help="Also the fictional identities the README offers to bind (王秀英 …).",
)
@click.option(
    "--staff", "with_staff", is_flag=True, help="Also demo staff accounts, when there are none."
)
def seed_demo_command(
    persons: int, enterprises: int, seed: int, showcase: bool, with_staff: bool
) -> None:
    """Load demo departments, policies and synthetic subjects; skip what is already there."""
    from api.extensions import db
    from services.demo import create_demo_staff, seed_demo

    require_migrated()
    progress = Reporter()
    counts = seed_demo(
        session=db.session,
        persons=persons,
        enterprises=enterprises,
        seed=seed,
        showcase=showcase,
        progress=progress,
    )
    progress.finish()
    for name, count in counts.items():
        click.echo(f"{name}: {count}")
    if with_staff:
        show_demo_staff(create_demo_staff(session=db.session))


def show_demo_staff(accounts: list[DemoAccount]) -> None:
    """Print the demo staff accounts and their passwords (they are shown this once)."""
    if not accounts:
        return
    click.secho("演示工作人员账号（密码只显示这一次，README「Try it」说明用法）：", fg="yellow")
    for account in accounts:
        click.echo(f"  {account.username:<16} 密码 {account.password}   {account.duty}")
    click.echo("  忘记密码：.venv/bin/kuaixiang staff password --username demo-admin")
