"""`kuaixiang db …`: apply, inspect and write schema migrations (Alembic)."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.engine import make_url

from api.commands.checks import check_dependencies
from api.extensions import db, settings_of
from models import migrate
from services import claims

# the migration that gave claims a sealed 联系电话 (services/claims/_contact.py)
SEALED_CONTACT_PHONES = "1ab0b5073902"


@click.group("db", cls=AppGroup)
def db_group() -> None:
    """Apply, inspect and write schema migrations (Alembic)."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Bring the database up to REVISION (default: the newest)."""
    settings = settings_of(current_app)
    check_dependencies(settings)
    engine = current_app.extensions["kx.db"].engine
    before = migrate.current_revision(engine)
    migrate.upgrade(settings.database_url, revision)
    click.echo(f"database at revision {revision}: {_shown(settings.database_url)}")
    after = migrate.current_revision(engine)
    # data the schema alone cannot move, once, when its migration is applied (they need the data
    # key, which migrations do not hold): claims' 联系电话 kept in clear before they were sealed
    if migrate.applied_between(before, after, SEALED_CONTACT_PHONES):
        sealed = claims.seal_clear_phones(db.session)
        click.echo(f"sealed the 联系电话 of {sealed} claims")


@db_group.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Take the database down to REVISION ('base' empties it)."""
    settings = settings_of(current_app)
    migrate.downgrade(settings.database_url, revision)
    click.echo(f"database at revision {revision}")


@db_group.command("current")
def db_current() -> None:
    """Show the database's revision and the newest one."""
    database = current_app.extensions["kx.db"]
    current = migrate.current_revision(database.engine)
    click.echo(f"current: {current or '(empty database)'}\nhead:    {migrate.head_revision()}")


@db_group.command("check")
def db_check() -> None:
    """Fail when the models and the migrated database differ."""
    differences = migrate.drift(current_app.extensions["kx.db"].engine)
    for difference in differences:
        click.echo(f"drift: {difference}")
    if differences:
        sys.exit(1)
    click.echo("models and migrations agree")


@db_group.command("revision")
@click.option("-m", "--message", required=True, help="What the migration does.")
def db_revision(message: str) -> None:
    """Autogenerate a migration from the models (review it before committing)."""
    migrate.revision(settings_of(current_app).database_url, message)


def _shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)
