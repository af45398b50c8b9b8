"""The `kuaixiang` command: a Flask CLI group over create_app with the operator commands."""

from __future__ import annotations

import os
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click
from flask import current_app
from flask.cli import FlaskGroup, routes_command, shell_command
from sqlalchemy.engine import make_url

from api import create_app
from api.config import ConfigError, Settings, data_key_path, new_data_key
from api.extensions import settings_of
from models import migrate

if TYPE_CHECKING:
    from rules.cases import ItemReport


def _create_app():  # type: ignore[no-untyped-def]
    return create_app()


@click.group(
    cls=FlaskGroup,
    create_app=_create_app,
    add_default_commands=False,
    load_dotenv=False,
    set_debug_flag=False,
)
def cli() -> None:
    """政策快享 kuaixiang: serve, migrate, seed and operate the service."""


cli.add_command(shell_command)
cli.add_command(routes_command)


def main() -> None:
    """Run the CLI; a configuration error ends it with one line naming the variable."""
    try:
        cli.main(prog_name="kuaixiang")
    except ConfigError as exc:
        click.secho(f"kuaixiang: configuration error: {exc}", err=True, fg="red")
        sys.exit(2)


def check_dependencies(settings: Settings) -> None:
    """Connect to the database (and Redis, when configured) or raise ConfigError."""
    from models.db import make_engine

    engine = make_engine(settings.database_url)
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - reported as one line naming the variable
        shown = make_url(settings.database_url).render_as_string(hide_password=True)
        raise ConfigError("KX_DATABASE_URL", f"cannot connect to {shown}: {_reason(exc)}") from None
    finally:
        engine.dispose()
    if settings.redis_url:
        import redis

        try:
            redis.Redis.from_url(settings.redis_url, socket_connect_timeout=3).ping()
        except Exception as exc:  # noqa: BLE001 - as above
            raise ConfigError(
                "KX_REDIS_URL", f"cannot connect to {settings.redis_url}: {_reason(exc)}"
            ) from None


def require_migrated() -> None:
    """Stop with one line when the database is not at the newest migration."""
    settings = settings_of(current_app)
    check_dependencies(settings)
    current = migrate.current_revision(current_app.extensions["kx.db"].engine)
    if current != migrate.head_revision():
        raise ConfigError(
            "KX_DATABASE_URL",
            f"database is at revision {current or '(none)'}, not the newest; "
            "run `kuaixiang db upgrade` first",
        )


def _reason(exc: Exception) -> str:
    inner = getattr(exc, "orig", None) or exc
    return (str(inner).splitlines() or [type(inner).__name__])[0][:200]


@cli.command("gen-key", with_appcontext=False)
def gen_key_command() -> None:
    """Print a new random KX_DATA_KEY."""
    click.echo(new_data_key())


@cli.group("db")
def db_group() -> None:
    """Apply, inspect and write schema migrations (Alembic)."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Bring the database up to REVISION (default: the newest)."""
    settings = settings_of(current_app)
    check_dependencies(settings)
    migrate.upgrade(settings.database_url, revision)
    click.echo(f"database at revision {revision}: {_shown(settings.database_url)}")


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


@cli.command("seed-demo")
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


@cli.group("rules")
def rules_group() -> None:
    """Check items' rules, amounts and params against their cases."""


@rules_group.command("test", with_appcontext=False)
@click.argument("path", required=False, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Date for cases without as_of (default: today in Asia/Shanghai).",
)
@click.option("-v", "--verbose", is_flag=True, help="Also print each failure's explanation.")
def rules_test_command(path: Path | None, as_of: datetime | None, verbose: bool) -> None:
    """Run the cases of the demo items, or of the policy YAML files under PATH (no database)."""
    from models.clock import local_now
    from rules.cases import run_item
    from services.demo.content import ContentError, read_items

    try:
        items = read_items(path)
    except ContentError as exc:
        raise click.ClickException(str(exc)) from None
    default_as_of = as_of.date() if as_of else local_now().date()
    passed = failed = invalid = 0
    for item in items:
        report = run_item(item, default_as_of=default_as_of)
        _echo_failures(f"{item.get('code', '?')} {item.get('name', '')}".strip(), report, verbose)
        invalid += bool(report.errors)
        failed += len(report.failed)
        passed += len(report.results) - len(report.failed)
    if invalid:
        click.echo(f"items: {invalid} invalid")
    click.echo(f"cases: {passed} passed, {failed} failed")
    if failed or invalid:
        sys.exit(1)


def _echo_failures(where: str, report: ItemReport, verbose: bool) -> None:
    """Print one line per validation error and per failing case, with the evaluator's summary."""
    import yaml

    for error in report.errors:
        click.echo(f"{where}: 规则无效 invalid {error.path}: {error.message}")
    for result in report.failed:
        click.echo(
            f"{where}「{result.name}」: {result.message} ({result.message_en})"
            f" — 评估说明：{result.summary or '（无）'}"
        )
        if verbose:
            click.echo(yaml.safe_dump(result.to_dict(), allow_unicode=True, sort_keys=False))


@cli.command("run", with_appcontext=False)
@click.option("--no-demo", is_flag=True, help="Do not load demo data into an empty database.")
def run_command(no_demo: bool) -> None:
    """Serve the API with the embedded defaults: migrate, seed demo data, emulator, scheduler."""
    from api.serve import serve_embedded

    settings = _settings_with_dev_key()
    check_dependencies(settings)
    serve_embedded(settings, load_demo=not no_demo)


@click.command("wx-emulator")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5001, show_default=True, help="Port to listen on (0: any free).")
@click.option(
    "--appid", envvar="KX_WECHAT_APPID", default="wx0000000000000000", help="AppID it serves."
)
@click.option(
    "--secret", envvar="KX_WECHAT_SECRET", default="emulator-secret", help="AppSecret it accepts."
)
def wx_emulator_command(host: str, port: int, appid: str, secret: str) -> None:
    """Run the WeChat API emulator in the foreground until Ctrl-C (no database needed)."""
    from notify.emulator import EmulatorServer

    server = EmulatorServer(host=host, port=port, appid=appid, secret=secret)
    click.echo(f"WeChat emulator for {appid} on {server.url} (controls under /_emulator/)")
    try:
        server.serve_forever()  # returns on Ctrl-C
    except KeyboardInterrupt:
        pass
    click.echo("WeChat emulator stopped")


cli.add_command(wx_emulator_command)


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


def _shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)
