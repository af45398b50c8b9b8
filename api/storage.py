"""The app's file storage (uploaded claim materials): disk under the instance folder by default."""

from __future__ import annotations

import io

from flask import Response, current_app, send_file

from models import ClaimMaterial
from services.claims import TYPE_NAMES, material_filename
from services.storage import Storage, disk_storage


def storage() -> Storage:
    """Return the current app's Storage, made on first use (tests may set their own first)."""
    found = current_app.extensions.get("kx.storage")
    if found is None:
        found = current_app.extensions["kx.storage"] = disk_storage(current_app.instance_path)
    return found


def material_download(material: ClaimMaterial, data: bytes) -> Response:
    """Answer a material's bytes as a download: its type and file name (its extension the
    type's, also for materials kept before names were made to match), never cached, never
    sniffed by the browser as another type."""
    response = send_file(
        io.BytesIO(data),
        mimetype=material.content_type,
        as_attachment=True,
        download_name=material_filename(material.filename, material.content_type),
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def material_download_doc(description: str) -> dict:
    """Return the OpenAPI `responses` entry of a material download."""
    return {
        200: {
            "description": description,
            "content": {t: {"schema": {"type": "string", "format": "binary"}} for t in TYPE_NAMES},
        }
    }
