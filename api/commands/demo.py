"""`kuaixiang seed-demo`: demo departments, policies, items and a synthetic population."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from api.commands.checks import require_migrated


@click.command("seed-demo")
@with_appcontext
@click.option("--persons", default=2000, show_default=True, type=click.IntRange(min=0))
@click.option("--enterprises", default=300, show_default=True, type=click.IntRange(min=0))
@click.option("--seed", default=20261127, show_default=True, help="Same seed, same people.")
def seed_demo_command(persons: int, enterprises: int, seed: int) -> None:
    """Load demo departments, policies and synthetic subjects; skip what is already there."""
    from api.extensions import db
    from services.demo.seed import seed_demo

    require_migrated()
    counts = seed_demo(session=db.session, persons=persons, enterprises=enterprises, seed=seed)
    for name, count in counts.items():
        click.echo(f"{name}: {count}")
