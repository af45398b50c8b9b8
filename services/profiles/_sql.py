"""Updating many subjects at once, in the caller's transaction, as fast as each backend allows.

Rows carry plain driver values (facts as JSON text, times as naive UTC text), as
insert_subject_rows does, so SQLAlchemy's per-row bind processing is skipped.
The plain path is an executemany of UPDATE by id: on SQLite about 100,000 rows/s; pymysql sends
it as one statement per row, a round trip each (3,600 rows/s measured). So on MariaDB the fast
path loads the rows into a temporary table (typed like `subjects`' own columns) with one
multi-row INSERT and applies them with one UPDATE … JOIN. KX_FAST_PATHS=0 takes the plain path
everywhere; tests/services/profiles/test_sql.py checks both give the same subjects.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from models import Subject
from models.base import table_of
from models.db import fast_paths_of

PROFILE_COLUMNS = ("name", "phone_enc", "district_code", "facts", "facts_hash")
_SUBJECTS = table_of(Subject)
_TEMPORARY = "kx_profile_updates"


def _by_id(*columns: str) -> Any:
    return (
        update(_SUBJECTS)
        .where(_SUBJECTS.c.id == bindparam("b_id"))
        .values({name: bindparam(name) for name in columns})
    )


UPDATE_PROFILE = _by_id(*PROFILE_COLUMNS, "profile_seq", "updated_at")
SET_SEQ = _by_id("profile_seq", "updated_at")
# An enterprise's legal representative: not a profile fact, so profile_seq stays as it is.
UPDATE_REPRESENTATIVE = _by_id("representative_name", "representative_hash", "updated_at")


def update_subjects(session: Session, statement: Any, rows: list[dict[str, Any]]) -> None:
    """Run one of the statements above for rows keyed by "b_id", with plain driver values."""
    if not rows:
        return
    connection = session.connection()
    if fast_paths_of(session) and connection.dialect.name in ("mysql", "mariadb"):
        columns = [name for name in rows[0] if name != "b_id"]
        _update_joined(connection, columns, rows)
        return
    compiled = statement.compile(dialect=connection.dialect)
    order = compiled.positiontup
    parameters = rows if order is None else [tuple(row[key] for key in order) for row in rows]
    connection.exec_driver_sql(compiled.string, parameters)


def _update_joined(connection: Connection, columns: list[str], rows: list[dict[str, Any]]) -> None:
    """Load the rows into a temporary table, then update subjects from it in one statement.

    CREATE and DROP TEMPORARY TABLE do not end the transaction on MariaDB.
    """
    dialect = connection.dialect
    definition = ", ".join(
        f"`{name}` {_SUBJECTS.c[name].type.compile(dialect=dialect)}" for name in columns
    )
    run = connection.exec_driver_sql
    run(f"DROP TEMPORARY TABLE IF EXISTS {_TEMPORARY}")
    run(f"CREATE TEMPORARY TABLE {_TEMPORARY} (b_id BIGINT PRIMARY KEY, {definition})")
    try:
        names = ", ".join(["b_id", *(f"`{name}`" for name in columns)])
        values = ", ".join(f"%({name})s" for name in ["b_id", *columns])
        # pymysql turns an INSERT … VALUES executemany into multi-row statements of ~1 MB
        run(f"INSERT INTO {_TEMPORARY} ({names}) VALUES ({values})", rows)
        assignments = ", ".join(f"s.`{name}` = u.`{name}`" for name in columns)
        run(f"UPDATE subjects s JOIN {_TEMPORARY} u ON s.id = u.b_id SET {assignments}")
    finally:
        run(f"DROP TEMPORARY TABLE IF EXISTS {_TEMPORARY}")
