"""The app's file storage (uploaded claim materials): disk under the instance folder by default."""

from __future__ import annotations

from flask import current_app

from services.storage import Storage, disk_storage


def storage() -> Storage:
    """Return the current app's Storage, made on first use (tests may set their own first)."""
    found = current_app.extensions.get("kx.storage")
    if found is None:
        found = current_app.extensions["kx.storage"] = disk_storage(current_app.instance_path)
    return found
