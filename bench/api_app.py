"""The service as wsgi.py builds it, plus resident endpoints that do part of /me/matches' work
(bench only).

`GET /bench/noop` passes through `resident_required` (token, user read, per-resident limit) and
answers at once: the floor every resident endpoint stands on. `GET /bench/select1` adds one
trivial round trip to the database (`SELECT 1` on a pooled connection of the reads engine, as
/me/matches reads), `GET /bench/read` the read of /me/matches itself
(residents._matches_read.bound_subjects) and nothing after it. So bench.api can say how much of
/me/matches is the stack, the round trip, the read and the rest of the view. `GET /bench/pid`
answers the worker's process id (bench.load spreads its connections evenly over the workers
with it).
"""

from __future__ import annotations

import os

from flask_smorest import Blueprint

from api.extensions import db
from api.resident_auth import current_resident, resident_required
from services.residents._matches_read import bound_subjects
from wsgi import app

_docs = Blueprint("bench_noop", __name__)


@resident_required(_docs)
def noop():
    """Answer the caller's id and nothing else."""
    return {"user": current_resident().user_id}


app.add_url_rule("/bench/noop", view_func=noop)


@resident_required(_docs)
def select1():
    """Read `SELECT 1` on a connection of the reads engine and answer the caller's id."""
    connection = (db.session.info.get("reads") or db.session.get_bind()).raw_connection()  # type: ignore[union-attr]  # TODO: get_bind() may be a Connection (no raw_connection)
    try:
        cursor = connection.cursor()
        cursor.execute("SELECT 1")
        cursor.fetchall()
        cursor.close()
    finally:
        connection.close()
    return {"user": current_resident().user_id}


app.add_url_rule("/bench/select1", view_func=select1)


@resident_required(_docs)
def read():
    """Read what /me/matches reads (subjects, match rows, claims, grants); answer the count."""
    subjects, acts = bound_subjects(db.session, current_resident().user_id)
    return {"subjects": len(subjects), "acts": len(acts)}


app.add_url_rule("/bench/read", view_func=read)


def pid():
    """Answer the serving process's id: bench.load spreads its connections over the workers."""
    return str(os.getpid())


app.add_url_rule("/bench/pid", view_func=pid)
