"""`kuaixiang wx-emulator` (the WeChat API emulator on its own, no database, no data key),
`kuaixiang wx-login-code` (a login code from it, to act as a resident) and `kuaixiang wx
check-templates` (the configured subscribe templates against the account's)."""

from __future__ import annotations

from urllib.parse import urlsplit

import click
from flask.cli import with_appcontext

from services.residents import CONSENT_TEXTS


@click.group("wx")
def wx_group() -> None:
    """WeChat: check the account's configuration."""


@wx_group.command("check-templates")
@with_appcontext
def check_templates_command() -> None:
    """Compare each message's template id and keyword keys with the account's templates
    (wxaapi/newtmpl/gettemplate); print one line per mismatch and exit 1 when there is one."""
    from flask import current_app

    from api.commands.checks import template_mismatches
    from notify.wechat import WeChatError

    try:
        lines = template_mismatches(current_app)
    except WeChatError as exc:
        raise click.ClickException(f"WeChat did not answer gettemplate: {exc}") from None
    for line in lines:
        click.echo(line, err=True)
    if lines:
        raise SystemExit(1)
    click.echo("订阅消息模板与账号一致")


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


@click.command("wx-login-code")
@click.option("--openid", default="o-demo-resident", show_default=True, help="Whose phone.")
@click.option(
    "--wechat-api-base",
    envvar="KX_WECHAT_API_BASE",
    default="http://127.0.0.1:5001",
    show_default=True,
    help="Where the emulator runs (KX_WECHAT_API_BASE).",
)
@click.option("--host", envvar="KX_HOST", default="127.0.0.1", hidden=True)
@click.option("--port", envvar="KX_PORT", default=5000, hidden=True)
def wx_login_code_command(openid: str, wechat_api_base: str, host: str, port: int) -> None:
    """Print a wx.login code from the running emulator, as a phone would get it, and how to
    log in with it (development only: with the real WeChat, codes come from phones)."""
    import requests

    if urlsplit(wechat_api_base).hostname not in ("127.0.0.1", "localhost", "::1"):
        raise click.ClickException(
            f"KX_WECHAT_API_BASE is {wechat_api_base}: login codes come from the emulator only"
        )
    try:
        answer = requests.post(
            f"{wechat_api_base.rstrip('/')}/_emulator/login-code",
            json={"openid": openid},
            timeout=5,
        )
        answer.raise_for_status()
    except requests.RequestException as exc:
        raise click.ClickException(
            f"the WeChat emulator does not answer at {wechat_api_base} "
            f"(is `make run` or `kuaixiang wx-emulator` running?): {type(exc).__name__}"
        ) from None
    code = answer.json()["code"]
    base = f"http://{host}:{port}"
    click.echo(f"wx.login code for {openid} (single use, 5 minutes): {code}")
    click.echo("log in with it (the answer's access_token goes in `Authorization: Bearer …`):")
    click.echo(
        f"  curl -s {base}/api/v1/auth/wechat -H 'Content-Type: application/json' "
        f'-d \'{{"code": "{code}"}}\''
    )
    click.echo("then agree to the 身份证号 collection text before binding (the phone asks first):")
    click.echo(
        f"  curl -s {base}/api/v1/me/consents -H 'Authorization: Bearer …' "
        f"-H 'Content-Type: application/json' "
        f'-d \'{{"purpose": "id_number", "version": "{CONSENT_TEXTS["id_number"]["version"]}"}}\''
    )
