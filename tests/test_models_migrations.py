"""Migrations build the schema the models describe, on SQLite and on MariaDB."""

from __future__ import annotations

import sqlite3
import uuid

import pytest
from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import make_url

from models import Base, Claim, ClaimEvent, migrate
from models.clock import workday_deadline
from models.db import make_engine
from tests import backends
from tests.claim_factories import claim_world, ready_claim


def test_models_and_migrations_do_not_drift(database) -> None:
    assert migrate.drift(database.engine) == []


def test_database_is_at_the_newest_revision(database) -> None:
    assert migrate.current_revision(database.engine) == migrate.head_revision()


def test_every_model_table_exists_after_upgrade(database) -> None:
    tables = set(inspect(database.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_drift_is_detected_when_a_column_is_missing(database) -> None:
    with database.engine.begin() as connection:
        connection.execute(text("ALTER TABLE audit_log DROP COLUMN ip"))
    try:
        differences = migrate.drift(database.engine)
        assert any("ip" in str(difference) for difference in differences)
    finally:  # the MariaDB database is shared by the whole run: put the column back
        with database.engine.begin() as connection:
            connection.execute(text("ALTER TABLE audit_log ADD COLUMN ip VARCHAR(45) NULL"))
    assert migrate.drift(database.engine) == []


def test_upgrade_downgrade_upgrade_on_an_empty_sqlite_file(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    migrate.upgrade(url)
    migrate.downgrade(url, "base")
    engine = make_engine(url)
    assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    migrate.upgrade(url)
    assert migrate.drift(engine) == []
    engine.dispose()


def test_upgrade_downgrade_upgrade_on_an_empty_mariadb_database() -> None:
    reason = backends.server_unavailable_reason()
    if reason:
        pytest.skip(f"MariaDB variant skipped: {reason}")
    name = f"kxmig_{uuid.uuid4().hex[:8]}"
    server = make_engine(backends.MYSQL_URL)
    with server.begin() as connection:
        connection.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
    url = make_url(backends.MYSQL_URL).set(database=name).render_as_string(hide_password=False)
    try:
        migrate.upgrade(url)
        migrate.downgrade(url, "base")
        migrate.upgrade(url)
        engine = make_engine(url)
        assert migrate.drift(engine) == []
        engine.dispose()
    finally:
        with server.begin() as connection:
            connection.execute(text(f"DROP DATABASE `{name}`"))
        server.dispose()


def test_claims_already_submitted_get_their_due_at_and_keep_their_history(
    app, client, session, database
) -> None:
    world = claim_world(app, session, database, residents=1)
    claim = ready_claim(client, world)
    session.close()
    migrate.downgrade(database.url, "31101688e01b")  # before claims.due_at
    columns = {column["name"] for column in inspect(database.engine).get_columns("claims")}
    migrate.upgrade(database.url)

    submitted, promised, due = session.execute(
        select(Claim.submitted_at, Claim.promised_days, Claim.due_at).where(Claim.id == claim["id"])
    ).one()
    events = session.scalar(select(func.count()).where(ClaimEvent.claim_id == claim["id"]))
    assert "due_at" not in columns
    assert promised == 20 and due == workday_deadline(submitted, 20)  # the item's promise
    assert events == 1  # rebuilding the table on SQLite cascaded no delete


def test_a_sqlite_upgrade_leaving_rows_that_refer_to_nothing_is_rolled_back(tmp_path) -> None:
    path = tmp_path / "broken.db"
    url = f"sqlite:///{path}"
    migrate.upgrade(url, "31101688e01b")
    raw = sqlite3.connect(path)  # foreign keys off: the row below refers to no claim
    with raw:
        raw.execute(
            "INSERT INTO claim_events (claim_id, to_status, actor_kind, created_at) "
            "VALUES (999, 'submitted', 'resident', '2026-11-27 00:00:00')"
        )
    raw.close()

    with pytest.raises(RuntimeError, match="refer to rows that are gone"):
        migrate.upgrade(url)

    engine = make_engine(url)
    assert migrate.current_revision(engine) == "31101688e01b"
    assert "due_at" not in {column["name"] for column in inspect(engine).get_columns("claims")}
    engine.dispose()


def test_columns_renamed_from_kind_keep_their_values(database) -> None:
    """5e1a0c7d2b94 renames the `kind` columns that were not a subject's kind; rows keep theirs."""
    migrate.downgrade(database.url, "bf8b3745a008")
    try:
        with database.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO change_events (kind, reason, created_at, attempts) "
                    "VALUES ('full', 'old', '2026-12-01 00:00:00', 0)"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO staff_users (username, display_name, kind, is_active, "
                    "token_version, created_at, updated_at) VALUES ('old-robot', '机器', "
                    "'machine', 1, 0, '2026-12-01 00:00:00', '2026-12-01 00:00:00')"
                )
            )
    finally:
        migrate.upgrade(database.url)
    with database.engine.connect() as connection:
        scope = connection.execute(text("SELECT scope FROM change_events WHERE reason = 'old'"))
        account = connection.execute(
            text("SELECT account_type FROM staff_users WHERE username = 'old-robot'")
        )
        assert scope.scalar_one() == "full" and account.scalar_one() == "machine"


def test_match_rows_written_before_the_format_byte_get_it_and_read_the_same(
    database, session
) -> None:
    """6b2f0a1c9d3e puts the format byte in front of rows written without one (format 0)."""
    import numpy as np

    from services.matching._store import ENTRY, pack, unpack

    entries = np.zeros(3, ENTRY)
    entries["item_id"], entries["verdict"] = [7, 9, 300], [1, 2, 1]
    entries["amount_fen"] = [0, -1, 255 * 2**40]  # bytes of every value, NUL and 0xFF among them
    migrate.downgrade(database.url, "5e1a0c7d2b94")
    try:
        with database.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO subjects (kind, identity_hash, name, facts, facts_hash, source, "
                    "profile_seq, created_at, updated_at) VALUES ('person', :h, '旧', '{}', '', "
                    "'test', 0, '2026-12-01 00:00:00', '2026-12-01 00:00:00')"
                ),
                {"h": b"\x01" * 32},
            )
            subject_id = connection.execute(text("SELECT max(id) FROM subjects")).scalar_one()
            connection.execute(
                text(
                    "INSERT INTO subject_matches (subject_id, kind, entries, digest, profile_seq, "
                    "checked_at, updated_at) VALUES (:s, 'person', :e, 0, 0, "
                    "'2026-12-01 00:00:00', '2026-12-01 00:00:00')"
                ),
                {"s": subject_id, "e": entries.tobytes()},  # format 0: no byte
            )
            assert unpack(entries.tobytes()).tobytes() == entries.tobytes()  # read as format 0
    finally:
        migrate.upgrade(database.url)
    with database.engine.connect() as connection:
        stored = connection.execute(
            text("SELECT entries FROM subject_matches WHERE subject_id = :s"), {"s": subject_id}
        ).scalar_one()
    assert bytes(stored) == pack(entries) and unpack(bytes(stored)).tolist() == entries.tolist()
