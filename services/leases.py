"""Named leases in the database: one holder at a time, expiring so a crashed holder cannot block."""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError

from models import Database, Lease
from models.clock import utcnow


def holder_name() -> str:
    """Return a name unique to this process and call: host, pid and a random tag."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def acquire(database: Database, name: str, holder: str, ttl: float) -> bool:
    """Take the lease if it is free, expired or already ours; return whether we hold it."""
    now = utcnow()
    expires = now + timedelta(seconds=ttl)
    with database.session() as session:
        taken = session.execute(
            update(Lease)
            .where(
                Lease.name == name,
                or_(Lease.expires_at.is_(None), Lease.expires_at < now, Lease.holder == holder),
            )
            .values(holder=holder, expires_at=expires, acquired_at=now)
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
        renewed = session.execute(
            update(Lease)
            .where(Lease.name == name, Lease.holder == holder)
            .values(expires_at=utcnow() + timedelta(seconds=ttl))
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
