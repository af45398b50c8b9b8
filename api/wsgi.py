"""The WSGI application for gunicorn: `gunicorn -c python:api.gunicorn_conf api.wsgi:app`, which
`kuaixiang serve` runs (docs/operations.md). Settings come from the KX_* environment; a bad one
stops the start with one line naming the variable, exit code 2."""

import sys

from api import create_app
from api.commands.checks import check_dependencies, require_templates
from api.config import ConfigError, Settings

try:
    _settings = Settings.from_env()
    check_dependencies(_settings)
    app = create_app(_settings)
    if _settings.real_wechat:  # a template that would fail every push stops the start
        require_templates(app)
except ConfigError as exc:
    sys.stderr.write(f"kuaixiang: configuration error: {exc}\n")
    sys.exit(2)
