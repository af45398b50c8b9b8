"""The service as wsgi.py builds it, plus one resident endpoint that does nothing (bench only).

`GET /bench/noop` passes through `resident_required` (token, user read, per-resident limit) and
answers at once: the floor every resident endpoint stands on, so bench.api can say how much of
/me/matches is its own work. `GET /bench/pid` answers the worker's process id (bench.load
spreads its connections evenly over the workers with it).
"""

from __future__ import annotations

import os

from flask_smorest import Blueprint

from api.resident_auth import current_resident, resident_required
from wsgi import app

_docs = Blueprint("bench_noop", __name__)


@resident_required(_docs)
def noop():  # type: ignore[no-untyped-def]
    """Answer the caller's id and nothing else."""
    return {"user": current_resident().user_id}


app.add_url_rule("/bench/noop", view_func=noop)


def pid():  # type: ignore[no-untyped-def]
    """Answer the serving process's id: bench.load spreads its connections over the workers."""
    return str(os.getpid())


app.add_url_rule("/bench/pid", view_func=pid)
