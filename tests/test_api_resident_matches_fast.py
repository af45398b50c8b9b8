"""GET /me/matches without marshmallow on the hot path: the answer still conforms to MatchSchema,
X-Pagination is flask-smorest's, odd page arguments get its 422, and a reason kept per process is
the reason the rules give."""

from __future__ import annotations

import json
from datetime import date

import pytest
from flask_smorest import Blueprint
from sqlalchemy import select, text

from api.resident.matches import MatchSchema, pagination_metadata
from models import Database, Subject, SubjectMatches
from models.clock import frozen
from services.matching import ENDED, compiled_versions, unpack
from services.residents import _matches_read as my_policies_read
from services.residents import _reasons as match_reasons
from tests import resident_world
from tests.resident_factories import demo_world, headers
from tests.resident_world import NOW

URL = "/api/v1/me/matches"


@pytest.fixture
def world(session, database):  # type: ignore[no-untyped-def]
    """The hand-made world, with the clock at NOW."""
    with frozen(NOW):
        yield resident_world.build(session, database)


def test_the_answer_conforms_to_the_documented_schema(client, app, world) -> None:
    answer = client.get(URL, headers=headers(app, world.user))
    assert answer.status_code == 200
    assert len(answer.json) == 4
    assert MatchSchema(many=True).validate(answer.json) == {}
    for card in answer.json:
        assert set(card) == set(MatchSchema().fields)  # no private key leaks, none is missing
    # written as app.json writes every other answer: compact, Chinese as UTF-8, a final newline
    assert answer.data == app.json.response(answer.json).get_data()
    assert "张" in answer.get_data(as_text=True)


@pytest.mark.parametrize("count", [0, 1, 9, 10, 11, 25, 100, 101])
@pytest.mark.parametrize(("page", "size"), [(1, 10), (2, 10), (3, 5), (1, 1), (7, 100), (30, 3)])
def test_pagination_metadata_is_flask_smorests(count: int, page: int, size: int) -> None:
    ours = pagination_metadata(page, size, count)
    theirs = Blueprint._make_pagination_metadata(page, size, count)
    assert json.dumps(ours) == json.dumps(theirs)


def test_page_arguments_read_both_ways(client, app, world) -> None:
    auth = headers(app, world.user)
    fast = client.get(URL, query_string={"page": "2", "page_size": "3"}, headers=auth)
    assert fast.status_code == 200 and len(fast.json) == 1
    meta = json.loads(fast.headers["X-Pagination"])
    assert meta == {
        "total": 4,
        "total_pages": 2,
        "first_page": 1,
        "last_page": 2,
        "page": 2,
        "previous_page": 1,
    }
    # not plain numbers: flask-smorest's parser decides, as before
    spaced = client.get(URL, query_string={"page_size": " 3"}, headers=auth)
    assert spaced.status_code == 200 and len(spaced.json) == 3
    for bad in ({"page": "0"}, {"page_size": "101"}, {"page": "abc"}, {"page_size": "-1"}):
        refused = client.get(URL, query_string=bad, headers=auth)
        assert refused.status_code == 422, bad
        assert refused.json["code"] == 422 and refused.json["errors"]
    assert client.get(URL, query_string={"page_size": "100"}, headers=auth).status_code == 200


def test_a_reason_kept_per_process_is_the_rules_reason(session, database) -> None:
    demo_world(session, database, persons=150, enterprises=20)
    today = date(2026, 11, 27)
    rows = session.execute(
        select(Subject.id, Subject.kind, Subject.facts, SubjectMatches.entries).join(
            SubjectMatches, SubjectMatches.subject_id == Subject.id
        )
    ).all()
    entries = [
        (kind, facts or {}, int(e["version_id"]))
        for _, kind, facts, blob in rows
        for e in unpack(blob)
        if not int(e["flags"]) & ENDED
    ]
    assert len(entries) > 100
    compiled = compiled_versions(session, {version: kind for kind, _, version in entries})
    known: dict = {}
    for _ in range(2):  # the first pass explains and keeps, the second reads what was kept
        for _kind, facts, version in entries:
            rules = compiled[version]
            expected = rules.evaluate(facts, today, explain=True).summary
            assert match_reasons.reason(rules, version, facts, today, known) == expected
    kept = [key for key in known if isinstance(key, tuple)]
    assert 0 < len(kept) < len(entries)  # residents share reasons


def test_a_connection_the_server_dropped_is_read_again(client, app, world, database) -> None:
    if database.dialect != "mysql":
        pytest.skip("SQLite has no server to drop connections")
    auth = headers(app, world.user)
    assert client.get(URL, headers=auth).status_code == 200
    # the read's own pool (autocommit connections, models.db.Database.reads) and the main one
    reads = [record.dbapi_connection for record in database.reads.pool._pool.queue]  # type: ignore[attr-defined]
    assert reads and database.reads is not database.engine
    pooled = reads + [record.dbapi_connection for record in database.engine.pool._pool.queue]  # type: ignore[attr-defined]
    killer = Database(database.url)
    try:
        with killer.engine.connect() as connection:
            for dbapi_connection in pooled:
                connection.execute(text(f"KILL CONNECTION {int(dbapi_connection.thread_id())}"))
    finally:
        killer.dispose()
    answer = client.get(URL, headers=auth)
    assert answer.status_code == 200 and len(answer.json) == 4


def test_on_mariadb_the_read_is_prepared_once_and_prepared_again_when_forgotten(
    client, app, world, database
) -> None:
    if database.dialect != "mysql":
        pytest.skip("SQLite caches its own statements; PREPARE is MariaDB's")
    auth = headers(app, world.user)
    first = client.get(URL, headers=auth)
    assert first.status_code == 200
    (record,) = database.reads.pool._pool.queue  # type: ignore[attr-defined]
    assert record.info.get(my_policies_read.PREPARED) is True  # the connection holds the statement
    with record.dbapi_connection.cursor() as cursor:  # as if the server had reset the connection
        cursor.execute(f"DEALLOCATE PREPARE {my_policies_read.PREPARED}")
    again = client.get(URL, headers=auth)
    assert again.status_code == 200 and again.json == first.json
    with record.dbapi_connection.cursor() as cursor:  # it was prepared anew on that connection
        cursor.execute("SHOW SESSION STATUS LIKE 'Com_prepare_sql'")
        assert int(cursor.fetchone()[1]) == 2
