"""Writing many rows at once in the caller's transaction: the matcher's match rows and grants,
the outbox's messages (notify.outbox), benchmarks' worlds.

The fast path: LOAD DATA LOCAL INFILE on MariaDB (pymysql builds every INSERT in Python, about
42,000 rows/s; LOAD DATA hands the server a tab-separated file it parses itself, an order of
magnitude faster for city-sized writes; foreign keys are not checked row by row), and on SQLite
one executemany of a statement compiled here, datetimes converted once per value. The plain path
(KX_FAST_PATHS=0): SQLAlchemy's insert with every column's type processing, foreign keys checked.
Both write the same rows (tests/test_models_bulk.py).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Table
from sqlalchemy.dialects.mysql import insert as mysql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from models.db import fast_paths_of

_ESCAPES = ((b"\\", b"\\\\"), (b"\t", b"\\t"), (b"\n", b"\\n"), (b"\r", b"\\r"), (b"\x00", b"\\0"))


def write_rows(
    session: Session,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    mode: str = "insert",
) -> None:
    """Write rows: mode "insert", "ignore" (skip duplicates) or "replace" (upsert by key).

    `columns` names each row's values in order; it must name every column the table needs
    (not null, no default), so that a column left out fails here, not as a wrong row.
    """
    if not rows:
        return
    _check_columns(table, columns)
    connection = session.connection()
    if not fast_paths_of(session):
        _insert_plain(connection, table, columns, rows, mode)
        return
    if connection.dialect.name in ("mysql", "mariadb"):
        _load_data(connection, table, columns, rows, mode)
        return
    statement = sqlite_insert(table)
    if mode == "ignore":
        statement = statement.on_conflict_do_nothing()
    elif mode == "replace":
        statement = statement.prefix_with("OR REPLACE")
    compiled = statement.compile(dialect=connection.dialect, column_keys=list(columns))
    names = list(compiled.positiontup or columns)
    order = [list(columns).index(name) for name in names]
    times = [i for i in order if hasattr(rows[0][i], "tzinfo")]  # convert each moment once
    seen: dict[Any, Any] = {}
    if times:
        copied: list[list[Any]] = [list(row) for row in rows]
        for row in copied:
            for i in times:
                value = row[i]
                if value not in seen:
                    seen[value] = _plain(value)
                row[i] = seen[value]
        rows = copied
    connection.exec_driver_sql(compiled.string, [tuple(row[i] for i in order) for row in rows])


_CHECKED: set[tuple[str, tuple[str, ...]]] = set()


def _check_columns(table: Table, columns: Sequence[str]) -> None:
    """Raise ValueError when `columns` misses a column the table needs, or names one it lacks."""
    key = (table.name, tuple(columns))
    if key in _CHECKED:
        return
    unknown = set(columns) - set(table.columns.keys())
    needed = {
        column.name
        for column in table.columns
        if not column.nullable
        and column.default is None
        and column.server_default is None
        and not (column.primary_key and column.autoincrement in (True, "auto"))
    }
    missing = needed - set(columns)
    if unknown or missing:
        problem = f"unknown columns {sorted(unknown)}, missing {sorted(missing)}"
        raise ValueError(f"{table.name}: {problem}")
    _CHECKED.add(key)


def _insert_plain(connection, table: Table, columns: Sequence[str], rows, mode: str) -> None:
    """SQLAlchemy's own insert, each value through its column's type, foreign keys checked."""
    mysql = connection.dialect.name in ("mysql", "mariadb")
    statement: Any = (mysql_insert if mysql else sqlite_insert)(table)
    if mode == "ignore":
        statement = statement.prefix_with("IGNORE") if mysql else statement.on_conflict_do_nothing()
    elif mode == "replace":
        if mysql:
            updates = {name: statement.inserted[name] for name in columns}
            statement = statement.on_duplicate_key_update(updates)
        else:
            statement = statement.prefix_with("OR REPLACE")
    elif mode != "insert":
        raise ValueError(f"unknown mode {mode!r}")
    # Rows carry JSON columns as text, the form LOAD DATA takes; the JSON type wants values.
    json_columns = [i for i, name in enumerate(columns) if isinstance(table.c[name].type, JSON)]
    params = []
    for row in rows:
        values = dict(zip(columns, row, strict=True))
        for i in json_columns:
            if isinstance(row[i], str):
                values[columns[i]] = json.loads(row[i])
        params.append(values)
    connection.execute(statement, params)


def _load_data(connection, table: Table, columns: Sequence[str], rows, mode: str) -> None:
    handle, path = tempfile.mkstemp(prefix="kx-bulk-", suffix=".tsv")
    try:
        with os.fdopen(handle, "wb") as out:
            for start in range(0, len(rows), 50_000):
                chunk = rows[start : start + 50_000]
                encoded = [_encode_column([row[i] for row in chunk]) for i in range(len(columns))]
                out.write(b"\n".join(b"\t".join(fields) for fields in zip(*encoded, strict=True)))
                out.write(b"\n")
        verb = {"insert": "", "ignore": "IGNORE", "replace": "REPLACE"}[mode]
        names = ", ".join(f"`{name}`" for name in columns)
        # The rows reference subjects and items this process just read; checking every foreign
        # key row by row would double the load time, so the load skips it (this session only).
        connection.exec_driver_sql("SET SESSION foreign_key_checks = 0")
        connection.exec_driver_sql(
            f"LOAD DATA LOCAL INFILE '{path}' {verb} INTO TABLE `{table.name}` "
            f"CHARACTER SET utf8mb4 FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' "
            f"LINES TERMINATED BY '\\n' ({names})"
        )
    finally:
        connection.exec_driver_sql("SET SESSION foreign_key_checks = 1")
        os.unlink(path)


def _encode_column(values: list[Any]) -> list[bytes]:
    """Encode one column for LOAD DATA, choosing the fast way by what the column holds."""
    kinds = {type(v) for v in values}
    if kinds <= {int}:
        return [b"%d" % v for v in values]
    if kinds <= {int, type(None)}:
        return [b"\\N" if v is None else b"%d" % v for v in values]
    if kinds <= {bool}:
        return [b"1" if v else b"0" for v in values]
    seen: dict[Any, bytes] = {}
    out = []
    for value in values:
        cacheable = isinstance(value, str | datetime)
        encoded = seen.get(value) if cacheable else None
        if encoded is None:
            encoded = _field(value)
            if cacheable and len(seen) < 10_000:
                seen[value] = encoded
        out.append(encoded)
    return out


def _escape(data: bytes) -> bytes:
    for raw, escaped in _ESCAPES:
        if raw in data:
            data = data.replace(raw, escaped)
    return data


def _field(value: Any) -> bytes:
    if value is None:
        return b"\\N"
    if isinstance(value, bytes | bytearray | memoryview):
        return _escape(bytes(value))
    if isinstance(value, bool):
        return b"1" if value else b"0"
    return _escape(str(_plain(value)).encode())


def _plain(value: Any) -> Any:
    """Naive UTC text for datetimes (what UTCDateTime stores); everything else as it is."""
    if hasattr(value, "tzinfo") and hasattr(value, "hour") and value.tzinfo is not None:
        from datetime import UTC

        return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
    return value
