"""Liveness and readiness probes."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import abort

from api.blueprint import Blueprint
from api.extensions import db, redis_store

blp = Blueprint("health", __name__, description="Probes for load balancers and operators")


class HealthSchema(ma.Schema):
    """The probe's answer."""

    status = ma.fields.String(metadata={"example": "ok"})
    checks = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.String(),
        metadata={"example": {"database": "ok", "redis": "not configured"}},
    )


@blp.route("/healthz")
class Health(MethodView):
    """The process is alive."""

    @blp.response(200, HealthSchema)
    def get(self):
        """Tell that the process answers."""
        return {"status": "ok", "checks": {}}


@blp.route("/readyz")
class Ready(MethodView):
    """The process can serve: its database and Redis answer."""

    @blp.response(200, HealthSchema)
    @blp.alt_response(503, description="A dependency did not answer; `errors` names it")
    def get(self):
        """Check the database and, when configured, Redis."""
        checks: dict[str, str] = {}
        failed: dict[str, str] = {}
        try:
            db.database.ping()
            checks["database"] = "ok"
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready", reported below
            failed["database"] = _short(exc)
        if redis_store.client is None:
            checks["redis"] = "not configured"
        else:
            try:
                redis_store.client.ping()
                checks["redis"] = "ok"
            except Exception as exc:  # noqa: BLE001 - as above
                failed["redis"] = _short(exc)
        if failed:
            abort(503, message="依赖服务不可用：" + "、".join(failed), errors=failed)
        return {"status": "ok", "checks": checks}


def _short(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:200]
