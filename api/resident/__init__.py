"""Resident (mini-program) endpoints under /api/v1: login, identities, policies, claims, inbox."""

from __future__ import annotations

from flask_smorest import Api


def register(api: Api) -> None:
    """Register every resident blueprint."""
    from api.resident import (
        ask,
        calculator,
        catalog,
        claims,
        facts,
        grants,
        inbox,
        login,
        matches,
        me,
        privacy,
        supplements,
    )

    for module in (
        login,
        me,
        privacy,
        supplements,
        matches,
        catalog,
        facts,
        calculator,
        claims,
        grants,
        inbox,
        ask,
    ):
        blueprint = module.blp
        api.register_blueprint(blueprint, url_prefix=f"/api/v1{blueprint.url_prefix or ''}")
