"""OpenAPI 3 at /openapi.json and Swagger UI at /docs, its assets served from our own package.

flask-smorest loads Swagger UI from a CDN by default; government intranets (and our machines)
cannot reach one, so the assets come from the swagger-ui-bundle wheel instead.
"""

from __future__ import annotations

from flask import Blueprint, Flask, send_from_directory
from swagger_ui_bundle import swagger_ui_path

ASSETS_URL = "/docs/assets/"

OPENAPI_CONFIG = {
    "API_TITLE": "政策快享 kuaixiang API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/",
    "OPENAPI_JSON_PATH": "openapi.json",
    "OPENAPI_SWAGGER_UI_PATH": "docs",
    "OPENAPI_SWAGGER_UI_URL": ASSETS_URL,
    "API_SPEC_OPTIONS": {
        "info": {
            "description": (
                "政策快享: residents' mini-program API under /api/v1, staff and data-platform API "
                "under /api/v1/admin. Every error has the shape "
                '{"code", "status", "message", "errors"}.'
            )
        }
    },
}


def register_assets(app: Flask) -> None:
    """Serve Swagger UI's scripts and styles under /docs/assets/."""
    assets = Blueprint("docs_assets", __name__)

    @assets.route(f"{ASSETS_URL}<path:filename>")
    def swagger_asset(filename: str):
        return send_from_directory(swagger_ui_path, filename, max_age=86400)

    app.register_blueprint(assets)
