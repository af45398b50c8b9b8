"""`kuaixiang run`: the embedded default in one process, for development and demos."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import click
from werkzeug.serving import WSGIRequestHandler, run_simple

from api import create_app
from api.commands.checks import require_templates
from api.config import Settings
from api.console import built as console_built
from models import migrate
from services.claims import warn_about_calendar

log = logging.getLogger(__name__)
LOOPBACK = ("127.0.0.1", "localhost", "::1")


class QuietRequestHandler(WSGIRequestHandler):
    """Leave access logging to api.requests, whose lines carry the request id."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Write nothing: the app already logged this request."""


def serve_embedded(settings: Settings, *, load_demo: bool) -> None:
    """Migrate, seed demo data into an empty database, start emulator and scheduler, serve."""
    settings.instance_dir.mkdir(parents=True, exist_ok=True)
    migrate.upgrade(settings.database_url)
    app = create_app(settings)
    warn_about_calendar()  # once per start, in the log's format: claims' promised days
    database = app.extensions["kx.db"]
    if load_demo:
        _seed_if_empty(app, settings, database)
    emulator = _start_emulator(settings)
    if emulator is not None:  # the account's templates; its message push goes to this app
        emulator.configure(
            templates=_account_templates(settings),
            callback_url=f"http://{settings.host}:{settings.port}/api/v1/wechat/callback",
            push_token=settings.wechat_token,
            push_aes_key=settings.wechat_aes_key,
        )
    require_templates(app)  # a template that would fail every push stops the start, one line each
    scheduler = None
    if settings.scheduler == "inprocess":  # guarded like `kuaixiang scheduler`: see jobs.runner
        from api.extensions import dispatcher_for
        from jobs.scheduler import build_scheduler

        scheduler = build_scheduler(database, dispatcher=lambda: dispatcher_for(app))
        scheduler.start()
    base = f"http://{settings.host}:{settings.port}"
    click.secho(f"政策快享 serving {base}  (API docs {base}/docs, Ctrl-C to stop)", fg="green")
    if console_built():
        click.secho(f"工作台（staff console） {base}/console/", fg="green")
    else:
        click.echo("工作台未构建（需要 Node.js 20：make run 会自动构建）；接口照常可用")
    try:
        run_simple(
            settings.host,
            settings.port,
            app,
            threaded=True,
            use_reloader=False,
            request_handler=QuietRequestHandler,
        )
    finally:
        if scheduler is not None:  # running jobs finish and release their leases
            scheduler.shutdown(wait=True)
        if emulator is not None:
            emulator.stop()
        database.dispose()


def _seed_if_empty(app, settings: Settings, database) -> None:
    from api.commands.demo import show_demo_staff
    from api.storage import storage
    from services.demo import create_demo_staff, is_empty, play_activity, seed_demo

    with database.session() as session:
        if not is_empty(session):
            return
        counts = seed_demo(session=session, showcase=True)
        accounts = create_demo_staff(session=session)
    click.echo("loaded demo data: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    with app.app_context():
        played = play_activity(
            database=database, storage=storage(), template_ids=settings.wechat_templates
        )
    click.echo("demo activity: " + ", ".join(f"{k} {v}" for k, v in played.items()))
    show_demo_staff(accounts)


def _account_templates(settings: Settings) -> list[dict]:
    """The built-in emulator's account holds the templates the configuration names (so a
    templates file can be tried on this machine), with the development ones beside them."""
    from notify.emulator.state import development_templates
    from notify.templates import template_entry

    held = development_templates()
    for topic, template_id in settings.wechat_templates.items():
        held[template_id] = template_entry(
            topic,
            template_id,
            settings.wechat_template_keys.get(topic),
            long_term=template_id in settings.wechat_long_term_templates,
        )
    return list(held.values())


def _start_emulator(settings: Settings):
    """Start the WeChat emulator when it is on and the API base points at this machine."""
    parts = urlsplit(settings.wechat_api_base)
    if not settings.wechat_emulator or parts.hostname not in LOOPBACK:
        return None
    from notify.emulator import EmulatorServer

    emulator = EmulatorServer(
        host=parts.hostname,
        port=parts.port or 80,
        appid=settings.wechat_appid,
        secret=settings.wechat_secret,
    )
    emulator.start()
    click.echo(f"WeChat emulator at {emulator.url} (appid {settings.wechat_appid})")
    return emulator
