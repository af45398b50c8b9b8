"""Staff and data-platform endpoints under /api/v1/admin."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask_smorest import Api

if TYPE_CHECKING:
    from api.blueprint import Blueprint


def register(api: Api) -> None:
    """Register every admin blueprint."""
    from api.admin import (
        ask,
        audit,
        auth,
        claims,
        dashboard,
        departments,
        dry_run,
        facts,
        grants,
        items,
        policies,
        profiles,
        pushes,
        supplements,
    )

    blueprints: tuple[Blueprint, ...] = (
        auth.blp,
        departments.blp,
        policies.blp,
        items.blp,
        dry_run.blp,
        profiles.blp,
        facts.blp,
        audit.blp,
        dashboard.blp,
        pushes.blp,
    )
    blueprints += (claims.blp, supplements.blp, grants.blp, ask.blp)
    for blueprint in blueprints:
        api.register_blueprint(blueprint, url_prefix=f"/api/v1/admin{blueprint.url_prefix or ''}")
