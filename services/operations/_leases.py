"""Named leases in the database: one holder at a time, expiring so a crashed holder cannot block."""

from __future__ import annotations

import contextvars
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError

from models import Database, Lease
from models.clock import utcnow
from models.db import cursor_result

log = logging.getLogger(__name__)


def holder_name() -> str:
    """Return a name unique to this process and call: host, pid and a random tag."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def acquire(
    database: Database,
    name: str,
    holder: str,
    ttl: float,
    *,
    not_since: datetime | None = None,
) -> bool:
    """Take the lease if it is free, expired or already ours; return whether we hold it.

    With `not_since`, also refuse when anyone took the lease at or after that moment (a scheduled
    job passes its tick: a second process firing for the same tick finds it already taken, even
    when the first has finished and released it).
    """
    now = utcnow()
    expires = now + timedelta(seconds=ttl)
    free = or_(Lease.expires_at.is_(None), Lease.expires_at < now, Lease.holder == holder)
    if not_since is not None:
        free = and_(free, or_(Lease.acquired_at.is_(None), Lease.acquired_at < not_since))
    with database.session() as session:
        taken = cursor_result(
            session.execute(
                update(Lease)
                .where(Lease.name == name, free)
                .values(holder=holder, expires_at=expires, acquired_at=now)
            )
        ).rowcount
        if taken:
            session.commit()
            return True
        session.rollback()
        try:
            session.add(Lease(name=name, holder=holder, expires_at=expires, acquired_at=now))
            session.commit()
            return True
        except IntegrityError:  # it exists and someone else holds it
            session.rollback()
            return False


def renew(database: Database, name: str, holder: str, ttl: float) -> bool:
    """Extend our lease; False when it was lost (expired and taken by another)."""
    with database.session() as session:
        renewed = cursor_result(
            session.execute(
                update(Lease)
                .where(Lease.name == name, Lease.holder == holder)
                .values(expires_at=utcnow() + timedelta(seconds=ttl))
            )
        ).rowcount
        session.commit()
        return bool(renewed)


def release(database: Database, name: str, holder: str) -> None:
    """Give the lease up if we hold it."""
    with database.session() as session:
        session.execute(
            update(Lease)
            .where(Lease.name == name, Lease.holder == holder)
            .values(holder=None, expires_at=None)
        )
        session.commit()


@contextmanager
def held(
    database: Database, name: str, *, ttl: float = 300, wait: float = 0
) -> Iterator[str | None]:
    """Hold the lease for the block; yields our holder name, or None if it could not be taken."""
    holder = holder_name()
    deadline = time.monotonic() + wait
    while not acquire(database, name, holder, ttl):
        if time.monotonic() >= deadline:
            yield None
            return
        time.sleep(0.05)
    try:
        yield holder
    finally:
        release(database, name, holder)


def holder_of(database: Database, name: str) -> str | None:
    """Return who holds the lease now (None when it is free or expired)."""
    with database.session() as session:
        row = session.execute(
            select(Lease.holder, Lease.expires_at).where(Lease.name == name)
        ).first()
    if row is None or row.holder is None or row.expires_at is None or row.expires_at < utcnow():
        return None
    return row.holder


@dataclass
class Heartbeat:
    """What keeping a lease alive found: `lost` once a renewal found it taken by another."""

    name: str
    holder: str
    lost: bool = False
    failures: int = 0


@contextmanager
def kept_alive(
    database: Database, name: str, holder: str, *, ttl: float, every: float | None = None
) -> Iterator[Heartbeat]:
    """Renew a held lease from a background thread every ttl/3 while the block runs.

    A renewal that fails on a database error is logged and retried at the next beat; one that
    finds the lease gone (it expired and another process took it) is logged as an error and ends
    the heartbeat: the work goes on, but it is no longer exclusive and the caller should say so.
    """
    beat = Heartbeat(name, holder)
    stop = threading.Event()
    interval = every if every is not None else ttl / 3

    def renew_until_stopped() -> None:
        while not stop.wait(interval):
            try:
                still_ours = renew(database, name, holder, ttl)
            except Exception:  # noqa: BLE001 - a database hiccup: retry at the next beat
                beat.failures += 1
                log.exception("lease %s: renewal failed, retrying in %.0f s", name, interval)
                continue
            if not still_ours:
                beat.lost = True
                log.error(
                    "LEASE LOST: %s is no longer held by %s (it expired and another process "
                    "took it); the running work is no longer exclusive",
                    name,
                    holder,
                )
                return

    context = contextvars.copy_context()  # the heartbeat logs with the job's rid
    thread = threading.Thread(
        target=context.run, args=(renew_until_stopped,), name=f"lease-{name}", daemon=True
    )
    thread.start()
    try:
        yield beat
    finally:
        stop.set()
        thread.join()
