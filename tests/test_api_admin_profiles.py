"""The profile import API and CLI: uploads, JSON rows, reports, upserts, roles, masking, audit."""

from __future__ import annotations

import io
from pathlib import Path

from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.cli import cli
from models import AuditEntry, ChangeEvent, ImportBatch, Subject
from tests import factories
from tests.factories import jsonl, profile_records

IMPORTS = "/api/v1/admin/profiles/imports"
ZHANG = "371502199001011234"
BAD = "371502199001011235"  # wrong check digit
FIRM = "91371500MA3C4L7X1P"


def platform(session: Session) -> dict[str, str]:
    """Return the data platform's API key header."""
    _, key = factories.staff(session, "platform", "data_platform", machine=True)
    return {"X-API-Key": key}


def upload(client: FlaskClient, headers: dict, data: bytes, name: str = "batch.jsonl", **form):
    """POST a file upload with form fields."""
    fields = {"kind": "person", "batch_id": "b1", **form, "file": (io.BytesIO(data), name)}
    return client.post(IMPORTS, data=fields, headers=headers, content_type="multipart/form-data")


def person(identifier: str = ZHANG, **facts) -> dict:  # type: ignore[no-untyped-def]
    """Return one person row."""
    facts = {"gender": "male", "residence_district": "371502", **facts}
    return {"id_number": identifier, "name": "张三", "phone": "13812345678", "facts": facts}


def test_the_data_platform_uploads_a_jsonl_file(client: FlaskClient, session: Session) -> None:
    records = profile_records("person", 20)
    response = upload(client, platform(session), jsonl(records))
    assert response.status_code == 200, response.json
    body = response.json
    assert (body["status"], body["inserted"], body["source"], body["replayed"]) == (
        "applied",
        20,
        "jsonl",
        False,
    )
    assert session.scalar(select(func.count(Subject.id))) == 20
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "profiles.import"))
    assert entry.actor_name == "platform同志" and entry.object_id == "b1"
    assert entry.after["inserted"] == 20 and entry.after["kind"] == "person"
    assert not any(
        r["id_number"] in str(entry.after) or r["name"] in str(entry.after) for r in records
    )
    again = upload(client, platform_key(session), jsonl(records[:1]))
    assert again.status_code == 200 and again.json["replayed"] and again.json["inserted"] == 20


def platform_key(session: Session) -> dict[str, str]:
    """Return a second machine client's key (the first one's key is shown once)."""
    _, key = factories.staff(session, "platform2", "data_platform", machine=True)
    return {"X-API-Key": key}


def test_a_csv_upload_is_read_by_its_extension(client: FlaskClient, session: Session) -> None:
    data = f"id_number,name,gender,assistance_tags\n{ZHANG},张三,male,dibao|tekun\n".encode()
    response = upload(client, platform(session), data, name="persons.CSV")
    assert response.status_code == 200, response.json
    assert session.scalar(select(Subject.facts))["assistance_tags"] == ["dibao", "tekun"]
    unknown = upload(client, platform_key(session), data, name="persons.xlsx", batch_id="b2")
    assert unknown.status_code == 422 and "file" in unknown.json["errors"]


def test_a_rejected_batch_answers_422_with_the_report_and_masked_ids(
    client: FlaskClient, session: Session
) -> None:
    headers = platform(session)
    response = upload(client, headers, jsonl([person(), person(BAD, gender="x")]))
    assert response.status_code == 422
    body = response.json
    assert body["code"] == 422 and body["message"] == "1 行未通过校验，本批次未做任何更改"
    assert body["errors"]["2"]["id_number"] == ["身份证号校验位不正确"]
    assert body["report"]["rejected_rows"][0]["identifier"] == "3****************5"
    assert BAD not in response.get_data(as_text=True)
    assert session.scalar(select(func.count(Subject.id))) == 0
    stored = client.get(f"{IMPORTS}/b1", headers=headers)
    assert stored.status_code == 200 and stored.json["status"] == "rejected"
    assert stored.json["rejected_rows"] == body["report"]["rejected_rows"]
    fixed = upload(client, headers, jsonl([person()]))
    assert fixed.status_code == 200 and fixed.json["inserted"] == 1


def test_json_rows_with_skip_invalid(client: FlaskClient, session: Session) -> None:
    body = {
        "kind": "person",
        "batch_id": "rows-1",
        "skip_invalid": True,
        "rows": [person(), person(BAD), "not an object"],
    }
    response = client.post(IMPORTS, json=body, headers=platform(session))
    assert response.status_code == 200, response.json
    assert (response.json["inserted"], response.json["rejected"], response.json["source"]) == (
        1,
        2,
        "api",
    )
    assert [row["line"] for row in response.json["rejected_rows"]] == [2, 3]


def test_bad_parameters_get_field_errors(client: FlaskClient, session: Session) -> None:
    headers = platform(session)
    response = client.post(
        IMPORTS, json={"kind": "robot", "rows": [None], "mode": 1, "extra": 2}, headers=headers
    )
    assert response.status_code == 422
    assert response.json["errors"] == {  # said in Chinese, field by field
        "kind": ["应为以下之一：person、enterprise"],
        "batch_id": ["必填"],
        "rows": {"0": ["不能为空"]},
        "mode": ["应为文字"],
        "extra": ["不认识的字段"],
    }
    no_file = client.post(
        IMPORTS,
        data={"kind": "person", "batch_id": "b"},
        headers=headers,
        content_type="multipart/form-data",
    )
    assert no_file.status_code == 422 and no_file.json["errors"] == {"file": ["缺少文件"]}
    assert client.get(f"{IMPORTS}/nope", headers=headers).status_code == 404


def test_only_the_data_platform_and_admins_may_import(
    client: FlaskClient, session: Session
) -> None:
    data = jsonl([person()])
    assert upload(client, {}, data).status_code == 401
    assert client.get(f"{IMPORTS}/b1").status_code == 401
    factories.staff(session, "wang", "publisher:MZ")
    publisher = factories.login(client, "wang")
    assert upload(client, publisher, data).status_code == 403
    assert client.get(f"{IMPORTS}/b1", headers=publisher).status_code == 403
    put = client.put(f"/api/v1/admin/profiles/persons/{ZHANG}", json={}, headers=publisher)
    assert put.status_code == 403
    factories.staff(session, "admin", "admin")
    assert upload(client, factories.login(client, "admin"), data).status_code == 200


def test_put_a_person_returns_the_stored_profile_masked(
    client: FlaskClient, session: Session
) -> None:
    headers = platform(session)
    url = f"/api/v1/admin/profiles/persons/{ZHANG}"
    body = {"name": "欧阳娜娜", "phone": "13812345678", "facts": {"birth_date": "1990-01-01"}}
    response = client.put(url, json=body, headers=headers)
    assert response.status_code == 200, response.json
    profile = response.json
    assert profile["identifier"] == "3****************4" and profile["name"] == "欧阳**"
    assert profile["phone"] == "138****5678" and profile["outcome"] == "inserted"
    assert profile["facts"] == {"birth_date": "1990-01-01"}
    assert ZHANG not in response.get_data(as_text=True)
    assert profile["profile_seq"] == session.scalar(select(ChangeEvent.id))
    merge = client.put(url, json={"facts": {"veteran": True}, "mode": "merge"}, headers=headers)
    assert merge.json["outcome"] == "updated" and merge.json["name"] == "欧阳**"
    same = client.put(url, json={"facts": {"veteran": True}, "mode": "merge"}, headers=headers)
    assert same.json["outcome"] == "unchanged"
    bad = client.put(url, json={**body, "facts": {"age": 3}}, headers=headers)
    assert bad.status_code == 422 and "facts.age" in bad.json["errors"]
    wrong = client.put(f"/api/v1/admin/profiles/persons/{BAD}", json=body, headers=headers)
    assert wrong.status_code == 422 and wrong.json["errors"] == {
        "id_number": ["身份证号校验位不正确"]
    }
    session.rollback()  # end the test's read snapshot, to see what the requests wrote since
    audited = session.scalars(select(AuditEntry).where(AuditEntry.action == "profiles.upsert"))
    assert [entry.after["outcome"] for entry in audited] == ["inserted", "updated", "unchanged"]


def test_put_an_enterprise(client: FlaskClient, session: Session) -> None:
    body = {"name": "聊城某某科技有限公司", "facts": {"registered_district": "371502"}}
    url = f"/api/v1/admin/profiles/enterprises/{FIRM}"
    response = client.put(url, json=body, headers=platform(session))
    assert response.status_code == 200, response.json
    assert response.json["identifier"] == FIRM and response.json["name"] == body["name"]
    assert response.json["district_code"] == "371502"


def test_put_an_enterprise_with_its_legal_representative(
    client: FlaskClient, session: Session
) -> None:
    body = {
        "name": "聊城某某科技有限公司",
        "legal_representative_name": "王五",
        "legal_representative_id_number": ZHANG,
        "facts": {"registered_district": "371502"},
    }
    url = f"/api/v1/admin/profiles/enterprises/{FIRM}"
    auth = platform(session)
    response = client.put(url, json=body, headers=auth)
    assert response.status_code == 200, response.json
    assert response.json["legal_representative_name"] == "王*"
    assert ZHANG not in response.get_data(as_text=True)
    bad = client.put(url, json={**body, "legal_representative_id_number": BAD}, headers=auth)
    assert bad.status_code == 422
    assert bad.json["errors"] == {"legal_representative_id_number": ["身份证号校验位不正确"]}


def test_the_cli_imports_a_file_and_fails_on_rejected_rows(
    runner: FlaskCliRunner, database, tmp_path: Path
) -> None:
    good = tmp_path / "persons.jsonl"
    good.write_bytes(jsonl(profile_records("person", 10)))
    done = runner.invoke(
        cli, ["import-profiles", str(good), "--kind", "person", "--batch-id", "c1"]
    )
    assert done.exit_code == 0, done.output
    assert "inserted: 10" in done.output.splitlines()
    again = runner.invoke(
        cli, ["import-profiles", str(good), "--kind", "person", "--batch-id", "c1"]
    )
    assert again.exit_code == 0 and "applied before" in again.output
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(jsonl([person(), person(BAD)]))
    args = ["import-profiles", str(bad), "--kind", "person", "--batch-id", "c2"]
    refused = runner.invoke(cli, args)
    assert refused.exit_code == 1 and "status: rejected" in refused.output
    assert "line 2 3****************5: id_number: 身份证号校验位不正确" in refused.output
    skipped = runner.invoke(cli, [*args, "--skip-invalid", "--mode", "merge"])
    assert skipped.exit_code == 1 and "inserted: 1" in skipped.output
    with database.session() as session:
        statuses = session.execute(select(ImportBatch.batch_id, ImportBatch.status)).all()
        assert sorted(statuses) == [("c1", "applied"), ("c2", "applied")]
    wrong = runner.invoke(cli, ["import-profiles", str(good).replace(".jsonl", ".txt")])
    assert wrong.exit_code == 2


def test_uploads_past_the_size_limit_get_413_in_the_error_shape(
    app, client: FlaskClient, session: Session
) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 2_000
    response = upload(client, platform(session), jsonl([person()] * 20))
    assert response.status_code == 413 and response.json["message"] == "上传内容过大"


def test_form_fields_are_read_as_their_types(client: FlaskClient, session: Session) -> None:
    data = jsonl([person(), person(BAD)])
    response = upload(client, platform(session), data, skip_invalid="true", mode="merge")
    assert response.status_code == 200, response.json
    assert (response.json["skip_invalid"], response.json["mode"]) == (True, "merge")
    assert response.json["inserted"] == 1 and response.json["rejected"] == 1


def test_a_data_manager_uploads_and_lists_the_batches(
    client: FlaskClient, session: Session
) -> None:
    """数据管理员 upload files in the console; the batch list shows every batch, newest first."""
    factories.staff(session, "datamgr", "catalog")
    manager = factories.login(client, "datamgr")
    good = upload(client, manager, jsonl(profile_records("person", 3)), batch_id="by-hand-1")
    assert good.status_code == 200, good.json
    bad = f"id_number,name,gender\n{BAD},张三,male\n".encode()
    refused = upload(client, manager, bad, name="b.csv", batch_id="by-hand-2")
    assert refused.status_code == 422
    listed = client.get(f"{IMPORTS}", headers=manager)
    assert listed.status_code == 200
    assert [(b["batch_id"], b["status"]) for b in listed.json] == [
        ("by-hand-2", "rejected"),
        ("by-hand-1", "applied"),
    ]
    assert listed.json[0]["rejected_rows"] == []  # the full report is one call away
    report = client.get(f"{IMPORTS}/by-hand-2", headers=manager).json
    assert report["rejected_rows"][0]["line"] == 2
    only = client.get(IMPORTS, query_string={"status": "applied"}, headers=manager).json
    assert [b["batch_id"] for b in only] == ["by-hand-1"]
    factories.staff(session, "pub", "publisher:MZ")
    assert client.get(IMPORTS, headers=factories.login(client, "pub")).status_code == 403
