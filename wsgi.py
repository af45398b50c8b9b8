"""Entry point for gunicorn: `gunicorn wsgi:app`."""

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
