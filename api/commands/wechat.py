"""`kuaixiang wx-emulator`: the WeChat API emulator on its own (no database, no data key)."""

from __future__ import annotations

import click


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
