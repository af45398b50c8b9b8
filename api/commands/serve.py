"""`kuaixiang serve`: the web role, gunicorn with the service's layout (api/gunicorn_conf.py)."""

from __future__ import annotations

import os
import sys

import click


@click.command(
    "serve",
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
)
@click.argument("gunicorn_args", nargs=-1, type=click.UNPROCESSED)
def serve_command(gunicorn_args: tuple[str, ...]) -> None:
    """Serve the API under gunicorn (the web role; run several hosts of it behind a proxy).

    Any further arguments go to gunicorn (`kuaixiang serve --workers 8 --bind 0.0.0.0:5000`).
    Runs no scheduled jobs: those are `kuaixiang scheduler`'s (docs/operations.md).
    """
    os.environ["KX_SCHEDULER"] = "off"
    arguments = [sys.executable, "-m", "gunicorn", "-c", "python:api.gunicorn_conf"]
    arguments += [*gunicorn_args, "api.wsgi:app"]
    sys.stdout.flush()
    os.execv(sys.executable, arguments)  # gunicorn takes the process over: signals go to it
