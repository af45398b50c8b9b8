"""`kuaixiang staff …`: bootstrap and manage staff users and the data platform's key."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from api.commands.checks import require_migrated
from api.extensions import db
from services import staff as staff_service
from services.audit import Actor

CLI_ACTOR = Actor(kind="system", id=None, name="kuaixiang CLI")


@click.group("staff", cls=AppGroup)
def staff_group() -> None:
    """Create staff users and machine clients."""


@staff_group.command("create")
@click.option("--username", required=True)
@click.option("--display-name", required=True, help="Name shown in the audit log, e.g. 张科长.")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    help="admin, publisher, reviewer or data_platform; publisher/reviewer as ROLE:DEPARTMENT_CODE.",
)
@click.option("--machine", is_flag=True, help="A machine client: prints an API key, no password.")
@click.option("--password", envvar="KX_NEW_STAFF_PASSWORD", help="Asked for when not given.")
def staff_create(
    username: str, display_name: str, roles: tuple[str, ...], machine: bool, password: str | None
) -> None:
    """Create a staff user, e.g. the first admin: --role admin."""
    require_migrated()
    if not machine and password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    parsed = [
        (role.split(":", 1)[0], role.split(":", 1)[1] if ":" in role else None) for role in roles
    ]
    staff, key = staff_service.create_staff(
        session=db.session,
        actor=CLI_ACTOR,
        username=username,
        display_name=display_name,
        roles=parsed,
        password=password,
        machine=machine,
    )
    click.echo(f"created staff {staff.username} (id {staff.id})")
    if key:
        click.echo(f"API key (shown once, keep it secret): {key}")


@staff_group.command("password")
@click.option("--username", required=True)
@click.option("--password", envvar="KX_NEW_STAFF_PASSWORD", help="Asked for when not given.")
def staff_password(username: str, password: str | None) -> None:
    """Set a staff member's password (a lost demo one too); their tokens stop working."""
    require_migrated()
    if password is None:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    staff_service.set_password(
        session=db.session, actor=CLI_ACTOR, username=username, password=password
    )
    click.echo(f"password of {username} set; tokens issued before no longer work")
