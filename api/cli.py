"""The `kuaixiang` command: a Flask CLI group over create_app with the operator commands."""

from __future__ import annotations

import os
import sys

import click
from flask.cli import FlaskGroup, routes_command, shell_command

from api import create_app
from api.commands.checks import check_dependencies
from api.commands.db import db_group
from api.commands.demo import seed_demo_command
from api.commands.matching import jobs_group, match_command
from api.commands.outbox import outbox_group
from api.commands.profiles import import_profiles_command
from api.commands.rules import rules_group
from api.commands.scheduler import scheduler_command
from api.commands.serve import serve_command
from api.commands.staff import staff_group
from api.commands.wechat import wx_emulator_command, wx_group, wx_login_code_command
from api.config import ConfigError, Settings, data_key_path, new_data_key
from services.errors import DomainError


def _create_app():
    return create_app()


class KuaixiangGroup(FlaskGroup):
    """Flask's CLI group, listing our commands without building the app (so --help always works)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Return the registered commands; we add none through app.cli."""
        return sorted(click.Group.list_commands(self, ctx))


@click.group(
    cls=KuaixiangGroup,
    create_app=_create_app,
    add_default_commands=False,
    add_version_option=False,
    load_dotenv=False,  # `-e FILE` loads one explicitly (python-dotenv); nothing implicit
    set_debug_flag=False,
)
@click.version_option(
    package_name="kuaixiang", prog_name="kuaixiang", message="%(prog)s %(version)s"
)
def cli() -> None:
    """政策快享 kuaixiang: serve, migrate, seed and operate the service."""


cli.add_command(shell_command)
cli.add_command(routes_command)
for command in (
    db_group,
    seed_demo_command,
    rules_group,
    staff_group,
    wx_emulator_command,
    wx_login_code_command,
    wx_group,
    match_command,
    jobs_group,
    scheduler_command,
    serve_command,
    import_profiles_command,
    outbox_group,
):
    cli.add_command(command)


def main() -> None:
    """Run the CLI; a configuration error or refused input ends it with one line naming the
    variable or the fields at fault."""
    try:
        cli.main(prog_name="kuaixiang")
    except ConfigError as exc:
        click.secho(f"kuaixiang: configuration error: {exc}", err=True, fg="red")
        sys.exit(2)
    except DomainError as exc:
        click.secho(f"kuaixiang: {one_line(exc)}", err=True, fg="red")
        sys.exit(2 if exc.status in (400, 409, 422) else 1)


def one_line(error: DomainError) -> str:
    """Return a service's error as one line: its message, then each field and what is wrong."""
    fields = "；".join(
        f"{field}: {'、'.join(map(str, problems if isinstance(problems, list) else [problems]))}"
        for field, problems in error.errors.items()
    )
    return f"{error.message}（{fields}）" if fields else error.message


@cli.command("gen-key", with_appcontext=False)
def gen_key_command() -> None:
    """Print a new random KX_DATA_KEY."""
    click.echo(new_data_key())


@cli.command("run", with_appcontext=False)
@click.option("--no-demo", is_flag=True, help="Do not load demo data into an empty database.")
def run_command(no_demo: bool) -> None:
    """Serve the API with the embedded defaults: migrate, seed demo data, emulator, scheduler."""
    from api.serve import serve_embedded

    settings = _settings_with_dev_key()
    check_dependencies(settings)
    serve_embedded(settings, load_demo=not no_demo)


def _settings_with_dev_key() -> Settings:
    """Read settings; with no KX_DATA_KEY, write a development key into the instance folder."""
    try:
        return Settings.from_env()
    except ConfigError as exc:
        if exc.variable != "KX_DATA_KEY" or "not set" not in str(exc):
            raise
    probe = Settings.from_env({**os.environ, "KX_DATA_KEY": new_data_key()})
    path = data_key_path(probe.instance_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(new_data_key() + "\n")
    path.chmod(0o600)
    click.secho(
        f"生成了开发用数据密钥 {path} (development only; set KX_DATA_KEY in production)",
        fg="yellow",
    )
    return Settings.from_env()
