"""Entry point for gunicorn in a checkout: `gunicorn wsgi:app`. Installed, the same app is
`api.wsgi:app` (what `kuaixiang serve` runs)."""

from api.wsgi import app

__all__ = ["app"]
