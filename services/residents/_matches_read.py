"""The one read behind 我的政策: a resident's bound subjects with their packed match rows, claims
and grants, in one statement on one round trip (docs/my-policies.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Engine, SQLColumnExpression, bindparam, func, literal_column, select
from sqlalchemy.orm import Session

from models import Claim, Grant, Subject, SubjectBinding, SubjectMatches
from models.db import fast_paths_of
from services.matching import unpack


@dataclass
class BoundSubject:
    """One subject the resident may act for, with its stored matches."""

    id: int
    kind: str
    name: str
    facts: dict
    profile_seq: int
    entries: Any  # services.matching._store ENTRY array


@dataclass(frozen=True)
class Act:
    """A claim or grant of a subject for an item, as a match card shows it."""

    kind: str  # claim or grant
    id: int
    subject_id: int
    item_id: int
    status: str
    claim_no: str | None


# The statement's SQL and its compiled form, per dialect: built and compiled once (building a
# select() costs about as much as running it).
_COMPILED: dict[str, tuple[str, Any]] = {}


def _compiled(engine: Engine) -> tuple[str, Any]:
    """Return the SQL and compiled form of the statement reading the resident's bound
    subjects: per binding, one JSON array [binding id, subject id, kind, name, facts, profile
    seq, claims, grants] and the packed match row.

    The claims and grants come as JSON arrays, so that one round trip reads all (MariaDB caps
    an aggregate at group_concat_max_len, 1 MB by default: some 20,000 claims); the rest is
    packed into the same array because the driver parses every column's description in Python
    on every read, which cost more than the JSON parsing (bench.api, docs/my-policies.md).
    """
    held = _COMPILED.get(engine.dialect.name)
    if held is None:
        sqlite = engine.dialect.name == "sqlite"
        agg = func.json_group_array if sqlite else func.json_arrayagg
        claims: SQLColumnExpression[Any] = (
            select(agg(func.json_array(Claim.id, Claim.item_id, Claim.status, Claim.claim_no)))
            .where(Claim.subject_id == Subject.id)
            .scalar_subquery()
        )
        grants: SQLColumnExpression[Any] = (
            select(agg(func.json_array(Grant.id, Grant.item_id, Grant.status)))
            .where(Grant.subject_id == Subject.id)
            .scalar_subquery()
        )
        facts: SQLColumnExpression[Any] = Subject.facts
        if sqlite:  # JSON is text there (and loses its JSON type through a subquery): json()
            facts, claims, grants = func.json(facts), func.json(claims), func.json(grants)
        statement = (
            select(
                func.json_array(
                    SubjectBinding.id,
                    Subject.id,
                    Subject.kind,
                    Subject.name,
                    facts,
                    Subject.profile_seq,
                    claims,
                    grants,
                ),
                SubjectMatches.entries,
            )
            .select_from(SubjectBinding)
            .join(Subject, Subject.id == SubjectBinding.subject_id)
            .outerjoin(SubjectMatches, SubjectMatches.subject_id == Subject.id)
            .where(
                SubjectBinding.wechat_user_id == bindparam("user_id"),
                # a constant in the text, not a parameter: the prepared form has one, the user
                SubjectBinding.status == literal_column("'active'"),
            )
            # no ORDER BY: a filesort costs the server more than sorting a few rows here
        )
        compiled = statement.compile(dialect=engine.dialect)
        assert set(compiled.params) == {"user_id"}, compiled.params  # what PREPARE leaves open
        held = _COMPILED[engine.dialect.name] = (str(compiled), compiled)
    return held


PREPARED = "kx_my_matches"  # the statement's name on each MariaDB connection
UNKNOWN_STATEMENT = 1243  # ER_UNKNOWN_STMT_HANDLER: the connection does not hold it (any more)


def _read(engine: Engine, wechat_user_id: int) -> list[tuple[list, bytes | None]]:
    """Run the statement on a pooled DB-API connection: its compiled SQL and parameters are
    built once, and the rows need no type processing but the JSON (parsed here, by orjson:
    several times faster than the json module on this path).

    `engine` is the database's engine for reads (models.db.Database.reads): on MariaDB its
    connections are in autocommit, so the one statement is its own transaction and the
    connection goes back to the pool without a ROLLBACK. On SQLite the connection is in
    autocommit mode outside SQLAlchemy's transactions, so the read takes no lock beyond the
    statement.
    """
    for attempt in range(2):
        connection = engine.raw_connection()
        try:
            cursor = connection.cursor()
            _execute(engine, connection, cursor, wechat_user_id)
            rows = [(orjson.loads(subject), entries) for subject, entries in cursor.fetchall()]
            cursor.close()
        except engine.dialect.loaded_dbapi.Error as exc:
            if attempt or not engine.dialect.is_disconnect(exc, connection.dbapi_connection, None):
                connection.close()
                raise
            # The server dropped the connection (a restart since it was last used, within
            # models.db's idle ping): drop it and every pooled one, and read again (a read).
            connection.invalidate(exc)
            connection.close()
            engine.dispose()
            continue
        connection.close()
        rows.sort(key=lambda row: row[0][0])  # binding order
        return rows
    raise AssertionError("unreachable")  # pragma: no cover


def _execute(engine: Engine, connection: Any, cursor: Any, wechat_user_id: int) -> None:
    """Execute the statement for one resident.

    On MariaDB it is prepared once per connection (PREPARE ... FROM, then EXECUTE ... USING a
    value: MariaDB's text protocol, which pymysql speaks) and executed by name: the server
    then neither parses it nor rewrites its subqueries again, a third of its time on this read
    (docs/my-policies.md). Elsewhere (SQLite caches its own statements) it runs as compiled.
    """
    sql, compiled = _compiled(engine)
    if not getattr(engine.dialect, "is_mariadb", False):
        params: Any = compiled.construct_params({"user_id": wechat_user_id})
        if compiled.positional:
            params = tuple(params[name] for name in compiled.positiontup)
        cursor.execute(sql, params)
        return
    for attempt in range(2):
        if not connection.info.get(PREPARED):  # the one parameter, the user, as PREPARE's ?
            cursor.execute(f"PREPARE {PREPARED} FROM %s", (sql % {"user_id": "?"},))
            connection.info[PREPARED] = True
        try:
            cursor.execute(f"EXECUTE {PREPARED} USING %s", (wechat_user_id,))
            return
        except engine.dialect.loaded_dbapi.Error as exc:
            if attempt or not exc.args or exc.args[0] != UNKNOWN_STATEMENT:
                raise
            connection.info[PREPARED] = False  # gone (a server-side reset): prepare it again


def _read_plain(session: Session, wechat_user_id: int) -> list[tuple[list, bytes | None]]:
    """The same rows as _read, by three plain queries in the session (KX_FAST_PATHS=0)."""
    bound = session.execute(
        select(
            SubjectBinding.id,
            Subject.id,
            Subject.kind,
            Subject.name,
            Subject.facts,
            Subject.profile_seq,
            SubjectMatches.entries,
        )
        .join(Subject, Subject.id == SubjectBinding.subject_id)
        .outerjoin(SubjectMatches, SubjectMatches.subject_id == Subject.id)
        .where(SubjectBinding.wechat_user_id == wechat_user_id, SubjectBinding.status == "active")
        .order_by(SubjectBinding.id)
    ).all()
    ids = [row[1] for row in bound]
    claims: dict[int, list] = {subject_id: [] for subject_id in ids}
    for subject_id, *claim in session.execute(
        select(Claim.subject_id, Claim.id, Claim.item_id, Claim.status, Claim.claim_no).where(
            Claim.subject_id.in_(ids)
        )
    ):
        claims[subject_id].append(claim)
    grants: dict[int, list] = {subject_id: [] for subject_id in ids}
    for subject_id, *grant in session.execute(
        select(Grant.subject_id, Grant.id, Grant.item_id, Grant.status).where(
            Grant.subject_id.in_(ids)
        )
    ):
        grants[subject_id].append(grant)
    return [
        (
            [binding, subject_id, kind, name, facts, seq, claims[subject_id], grants[subject_id]],
            entries,
        )
        for binding, subject_id, kind, name, facts, seq, entries in bound
    ]


def bound_subjects(
    session: Session, wechat_user_id: int
) -> tuple[dict[int, BoundSubject], dict[tuple[str, int, int], Act]]:
    """Return the resident's active subjects with their match rows, in binding order, and the
    latest claim and grant per subject and item.

    The fast path (_read) is one statement on a connection of its own, returned at once,
    prepared on MariaDB; with KX_FAST_PATHS=0 the same rows come from three plain queries.
    """
    if fast_paths_of(session):
        rows = _read(session.info.get("reads") or session.get_bind(), wechat_user_id)  # type: ignore[arg-type]  # TODO: get_bind() may be a Connection (no raw_connection)
    else:
        rows = _read_plain(session, wechat_user_id)
    subjects: dict[int, BoundSubject] = {}
    latest: dict[tuple[str, int, int], Act] = {}
    for (_binding, subject_id, kind, name, facts, seq, claims, grants), entries in rows:
        subjects[subject_id] = BoundSubject(
            subject_id, kind, name, facts or {}, seq, unpack(entries)
        )
        # a later claim of the same item (after a rejection) replaces the earlier
        for claim_id, item_id, status, claim_no in sorted(claims or ()):
            latest[("claim", subject_id, item_id)] = Act(
                "claim", claim_id, subject_id, item_id, status, claim_no
            )
        for grant_id, item_id, status in sorted(grants or ()):
            latest[("grant", subject_id, item_id)] = Act(
                "grant", grant_id, subject_id, item_id, status, None
            )
    return subjects, latest
