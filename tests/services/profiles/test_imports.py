"""Profile intake: formats, checks, all or nothing, batch ids, change events, on both backends."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from models import AuditEntry, ChangeEvent, ImportBatch, Subject
from models.db import vault_of
from rules import BUILTIN
from services.audit import SYSTEM
from services.errors import InvalidInput
from services.profiles import ID_NUMBER_CONTEXT, import_profiles, read_json_rows, upsert_profile
from services.profiles._formats import read_csv, read_jsonl
from services.profiles._subjects import PHONE_CONTEXT, facts_hash
from tests.factories import jsonl, profile_records

ZHANG = "371502199001011234"  # a valid 身份证号
LI = "371502198503150029"


def run(session: Session, rows: Any, *, batch_id: str = "b1", kind: str = "person", **kw) -> dict:
    """Import rows (RawRows, or records to send as JSON Lines)."""
    if isinstance(rows, list):
        rows = read_jsonl(io.BytesIO(jsonl(rows)))
    return import_profiles(
        session=session, actor=SYSTEM, kind=kind, batch_id=batch_id, rows=rows, source="jsonl", **kw
    )


def counts(session: Session) -> tuple[int, int, int]:
    """Return the rows in subjects, change_events and import_batches."""
    return tuple(
        session.scalar(select(func.count()).select_from(model))
        for model in (Subject, ChangeEvent, ImportBatch)
    )  # type: ignore[return-value]


def subject_state(session: Session) -> list[tuple]:
    """Return what an import may change, subject by subject."""
    query = select(Subject.id, Subject.facts_hash, Subject.name, Subject.profile_seq)
    return sorted(session.execute(query.add_columns(Subject.updated_at)).all())


def person(identifier: str = ZHANG, **facts: Any) -> dict[str, Any]:
    """Return one person row with a few facts."""
    base = {"birth_date": "1990-01-01", "gender": "male", "residence_district": "371502"}
    return {"id_number": identifier, "name": "张三", "phone": "13812345678", "facts": base | facts}


def test_a_jsonl_batch_inserts_normalised_encrypted_profiles_with_an_event_each(
    session: Session,
) -> None:
    records = profile_records("person", 30)
    report = run(session, records)
    assert (report["status"], report["inserted"], report["rejected"]) == ("applied", 30, 0)
    assert report["change_event"] == "subject"
    events = session.scalars(select(ChangeEvent).order_by(ChangeEvent.id)).all()
    assert len(events) == 30 and {e.scope for e in events} == {"subject"}
    assert {e.reason for e in events} == {"import:b1"}
    seq_by_subject = {e.subject_id: e.id for e in events}
    vault = vault_of(session)
    for subject in session.scalars(select(Subject)):
        assert subject.profile_seq == seq_by_subject[subject.id]
        number = vault.decrypt(subject.id_number_enc, context=ID_NUMBER_CONTEXT)
        record = next(r for r in records if r["id_number"] == number)
        assert subject.facts_hash == facts_hash(subject.facts)
        assert subject.district_code == record["facts"].get("residence_district")
        if "phone" in record:
            assert vault.decrypt(subject.phone_enc, context=PHONE_CONTEXT) == record["phone"]
    dump = " ".join(str(row) for row in session.execute(text("SELECT * FROM subjects")))
    assert not any(r["id_number"] in dump for r in records)
    batch = session.scalar(select(ImportBatch))
    assert batch.status == "applied" and batch.inserted == 30 and batch.actor_id is None


def test_facts_are_stored_as_the_catalog_expects(session: Session) -> None:
    given = person(assistance_tags=["tekun", "dibao", "dibao"], household_income_fen=1200000)
    run(session, [given])
    stored = session.scalar(select(Subject)).facts
    assert stored["assistance_tags"] == ["dibao", "tekun"]  # catalog order, once each
    assert stored["birth_date"] == "1990-01-01" and stored["household_income_fen"] == 1200000


def test_csv_and_jsonl_of_the_same_profiles_store_the_same_facts(session: Session) -> None:
    records = profile_records("person", 25, seed=2)
    run(session, records, batch_id="as-jsonl")
    hashes = dict(session.execute(select(Subject.identity_hash, Subject.facts_hash)).all())
    again = run(
        session, read_csv(io.BytesIO(_csv(records)), facts=BUILTIN.of("person")), batch_id="as-csv"
    )
    assert (again["unchanged"], again["updated"], again["rejected"]) == (25, 0, 0), again
    assert dict(session.execute(select(Subject.identity_hash, Subject.facts_hash)).all()) == hashes


def test_csv_cells_follow_the_documented_conventions(session: Session) -> None:
    data = (
        "\ufeffid_number,name,phone,assistance_tags,veteran,birth_date,household_size,owns_home_in_city\n"
        f"{ZHANG},张三,13812345678,dibao|tekun,true,1990-01-01,3,\n"
        f'{LI},"李四",,[],false,1985-03-15,,false\n'
    ).encode()
    report = run(session, read_csv(io.BytesIO(data), facts=BUILTIN.of("person")))
    assert report["inserted"] == 2, report
    facts = {s.name: s.facts for s in session.scalars(select(Subject))}
    assert facts["张三"] == {
        "assistance_tags": ["dibao", "tekun"],
        "veteran": True,
        "birth_date": "1990-01-01",
        "household_size": 3,
    }
    assert facts["李四"] == {
        "assistance_tags": [],
        "veteran": False,
        "birth_date": "1985-03-15",
        "owns_home_in_city": False,
    }


def test_bad_rows_are_reported_by_line_and_the_batch_changes_nothing(session: Session) -> None:
    run(session, [person(LI)], batch_id="before")
    before, state = counts(session), subject_state(session)
    rows = [
        person(),
        person("371502199001011235"),  # wrong check digit
        {**person(LI), "facts": {"birth_date": "1990-13-01", "age": 30, "shoe_size": 42}},
        {"id_number": ZHANG[:-1] + "3", "name": "", "phone": "123", "facts": {}, "extra": 1},
    ]
    lines = jsonl(rows[:2]) + b"\n{not json\n" + jsonl(rows[2:])
    report = run(session, read_jsonl(io.BytesIO(lines)), batch_id="bad")
    assert report["status"] == "rejected" and report["rejected"] == 4 and report["inserted"] == 0
    by_line = {row["line"]: row for row in report["rejected_rows"]}
    assert sorted(by_line) == [2, 4, 5, 6]  # line 3 is blank and skipped
    assert by_line[2]["errors"] == {"id_number": ["身份证号校验位不正确"]}
    assert by_line[2]["identifier"] == "3****************5"
    assert "不是有效的 JSON" in by_line[4]["errors"]["line"][0]
    assert set(by_line[5]["errors"]) == {"facts.birth_date", "facts.age", "facts.shoe_size"}
    assert "由出生日期推算" in by_line[5]["errors"]["facts.age"][0]
    assert by_line[5]["errors"]["facts.shoe_size"][0].startswith("未知的指标「shoe_size」")
    assert set(by_line[6]["errors"]) == {"id_number", "name", "phone", "extra"}
    subjects, events, batches = counts(session)
    assert (subjects, events, batches) == (before[0], before[1], before[2] + 1)
    assert subject_state(session) == state
    stored = session.scalar(select(ImportBatch).where(ImportBatch.batch_id == "bad"))
    assert stored.status == "rejected" and stored.rejected == 4


def test_text_that_cannot_be_stored_and_impossible_dates_reject_their_rows(
    session: Session,
) -> None:
    """A file has not passed the API's input guard: its rows are checked the same way, and the
    report (stored, then sent as JSON) never carries the bad text."""
    import json

    rows = [
        person(),
        {**person(LI), "name": "李\ud800"},
        {**person(LI), "facts": {**person()["facts"], "gender": "\udc00"}},
        {**person(LI), "name": "李\x00四"},
        {**person(LI), "facts": {**person()["facts"], "birth_date": "0001-01-01"}},
    ]
    lines = b"".join(json.dumps(row).encode() + b"\n" for row in rows)  # escapes, as sent
    report = run(session, read_jsonl(io.BytesIO(lines)), batch_id="unstorable")
    assert report["status"] == "rejected" and report["rejected"] == 4
    by_line = {row["line"]: row["errors"] for row in report["rejected_rows"]}
    unstorable = {"line": ["该行含有无法保存的特殊字符，请删除后重试"]}
    assert by_line[2] == by_line[3] == by_line[4] == unstorable
    range_error = "「出生日期」：「0001-01-01」超出范围：日期应在 1900-01-01 至 2199-12-31 之间"
    assert by_line[5] == {"facts.birth_date": [range_error]}
    # the report can be sent as is
    json.dumps(report["rejected_rows"], ensure_ascii=False).encode("utf-8")
    cells = "id_number,name,birth_date\n" + f"{ZHANG},张\x00三,1990-01-01\n"
    from_csv = run(
        session, read_csv(io.BytesIO(cells.encode()), facts=BUILTIN.of("person")), batch_id="nul"
    )
    assert from_csv["rejected_rows"][0]["errors"] == unstorable


def test_a_rejected_batch_id_may_be_retried_with_corrected_data(session: Session) -> None:
    bad = run(session, [person(), person("371502199001011235")], batch_id="retry")
    assert bad["status"] == "rejected"
    again = run(session, [person()], batch_id="retry")
    assert again["status"] == "applied" and again["inserted"] == 1 and not again["replayed"]
    assert session.scalar(select(func.count()).select_from(ImportBatch)) == 1


def test_skip_invalid_applies_the_valid_rows_and_reports_the_rest(session: Session) -> None:
    rows = [person(), person("371502199001011235"), person(LI, gender="unknown")]
    report = run(session, rows, skip_invalid=True)
    assert (report["status"], report["inserted"], report["rejected"]) == ("applied", 1, 2)
    assert [row["line"] for row in report["rejected_rows"]] == [2, 3]
    assert "不是「性别」的可选值" in report["rejected_rows"][1]["errors"]["facts.gender"][0]
    assert counts(session) == (1, 1, 1)


def test_skip_invalid_with_no_valid_row_is_rejected(session: Session) -> None:
    report = run(session, [person("371502199001011235")], skip_invalid=True)
    assert report["status"] == "rejected" and counts(session) == (0, 0, 1)


def test_the_same_batch_id_twice_changes_nothing(session: Session) -> None:
    first = run(session, [person()], batch_id="once")
    before, state = counts(session), subject_state(session)
    second = run(session, [person(gender="female"), person(LI)], batch_id="once")
    assert second["replayed"] and second["inserted"] == first["inserted"] == 1
    assert counts(session) == before and subject_state(session) == state
    actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-2:] == ["profiles.import", "profiles.import.replay"]


def test_an_unchanged_subject_causes_no_update_and_no_event(session: Session) -> None:
    run(session, [person(), person(LI)], batch_id="one")
    state = subject_state(session)
    report = run(session, [person(), person(LI, gender="female")], batch_id="two")
    assert (report["unchanged"], report["updated"], report["change_event"]) == (1, 1, "subject")
    events = session.scalars(select(ChangeEvent).where(ChangeEvent.reason == "import:two")).all()
    assert len(events) == 1
    after = {row[0]: row for row in subject_state(session)}
    unchanged = next(row for row in state if row[0] != events[0].subject_id)
    assert after[unchanged[0]] == unchanged
    assert after[events[0].subject_id][3] == events[0].id
    phone_only = run(session, [{**person(), "phone": "13900001111"}], batch_id="three")
    assert phone_only["updated"] == 1


def test_replace_drops_facts_not_given_and_merge_keeps_them(session: Session) -> None:
    run(session, [person(veteran=True, household_size=3)], batch_id="full")
    merged = {"id_number": ZHANG, "facts": {"veteran": None, "household_size": 4}}
    report = run(session, [merged], batch_id="merge", mode="merge")
    assert report["updated"] == 1, report
    subject = session.scalar(select(Subject))
    session.refresh(subject)
    assert subject.facts == {
        "birth_date": "1990-01-01",
        "gender": "male",
        "residence_district": "371502",
        "household_size": 4,
    }
    assert subject.name == "张三" and subject.phone_enc is not None  # kept: not given
    run(session, [{**person(), "phone": None, "facts": {"gender": "male"}}], batch_id="replace")
    session.refresh(subject)
    assert subject.facts == {"gender": "male"} and subject.phone_enc is None
    assert subject.district_code is None


def test_merge_needs_a_name_for_a_new_subject_and_replace_needs_facts(session: Session) -> None:
    report = run(session, [{"id_number": LI, "facts": {"veteran": True}}], mode="merge")
    assert report["rejected_rows"][0]["errors"] == {"name": ["新主体必须提供名称"]}
    replace = run(session, [{"id_number": LI, "name": "李四"}], batch_id="b2")
    assert "facts" in replace["rejected_rows"][0]["errors"]


def test_a_subject_twice_in_one_batch_is_rejected(session: Session) -> None:
    report = run(session, [person(), person(ZHANG.lower())])
    assert report["rejected_rows"][0]["line"] == 2
    assert "与第1行是同一主体" in report["rejected_rows"][0]["errors"]["id_number"][0]


def test_more_than_two_thousand_changes_write_one_full_event(session: Session) -> None:
    records = profile_records("person", 2_001, seed=5)
    report = run(session, records, batch_id="big")
    assert (report["inserted"], report["change_event"]) == (2_001, "full")
    event = session.scalar(select(ChangeEvent))
    assert counts(session)[1] == 1 and event.scope == "full" and event.subject_id is None
    assert event.reason == "import:big"
    seqs = session.execute(select(Subject.profile_seq).distinct()).scalars().all()
    assert seqs == [event.id]
    records[0]["facts"]["veteran"] = not records[0]["facts"].get("veteran", False)
    small = run(session, records[:2_000], batch_id="small")
    assert (small["updated"], small["unchanged"], small["change_event"]) == (1, 1_999, "subject")


def test_enterprises_are_keyed_by_uscc_in_clear_and_by_registered_district(
    session: Session,
) -> None:
    records = profile_records("enterprise", 5)
    report = run(session, records, kind="enterprise")
    assert report["inserted"] == 5
    for subject in session.scalars(select(Subject)):
        record = next(r for r in records if r["uscc"] == subject.uscc)
        assert subject.district_code == record["facts"]["registered_district"]
    wrong = run(session, [person()], kind="enterprise", batch_id="b2")
    errors = wrong["rejected_rows"][0]["errors"]
    assert errors["id_number"] == ["未知的字段「id_number」"]
    assert errors["uscc"] == ["缺少统一社会信用代码"] and "facts.birth_date" in errors


def test_file_problems_reject_the_whole_batch(session: Session) -> None:
    header = b"id_number,name,age,colour\n" + ZHANG.encode() + b",x,3,red\n"
    report = run(
        session, read_csv(io.BytesIO(header), facts=BUILTIN.of("person")), skip_invalid=True
    )
    assert report["status"] == "rejected" and report["file_error"]["line"] == 1
    assert "未知的列「colour」" in report["file_error"]["message"]
    assert "「age」" in report["file_error"]["message"]
    empty = run(session, read_jsonl(io.BytesIO(b"\n\n")), batch_id="empty")
    assert empty["status"] == "rejected" and empty["file_error"]["message"] == "批次中没有任何档案"
    latin = jsonl([person()]) + "\n".join(["{}"]).encode("utf-16")
    bad = run(session, read_jsonl(io.BytesIO(latin)), batch_id="b3", skip_invalid=True)
    assert bad["rejected_rows"][0]["errors"]["line"] == ["该行不是有效的 UTF-8 文本"]


def test_json_rows_that_are_not_objects_are_rejected_by_position(session: Session) -> None:
    report = run(session, read_json_rows([person(), "nope"]), skip_invalid=True)
    assert report["rejected_rows"] == [
        {"line": 2, "identifier": "", "errors": {"line": ["每一行应为一个 JSON 对象"]}}
    ]


def test_bad_arguments_are_refused_before_anything_is_read(session: Session) -> None:
    with pytest.raises(InvalidInput) as caught:
        run(session, [person()], batch_id="x" * 58, kind="robot", mode="patch")
    assert set(caught.value.errors) == {"batch_id", "kind", "mode"}


def test_upsert_inserts_updates_and_leaves_an_unchanged_profile_alone(session: Session) -> None:
    record = {"name": "张三", "phone": "13812345678", "facts": {"gender": "male"}}
    kw = {"session": session, "actor": SYSTEM, "kind": "person", "identifier": ZHANG}
    inserted = upsert_profile(record=record, **kw)
    assert inserted["outcome"] == "inserted" and inserted["identifier"] == "3****************4"
    assert inserted["name"] == "张*" and inserted["phone"] == "138****5678"
    assert inserted["profile_seq"] == session.scalar(select(ChangeEvent.id))
    assert upsert_profile(record=record, **kw)["outcome"] == "unchanged"
    updated = upsert_profile(record={"facts": {"veteran": True}}, mode="merge", **kw)
    assert updated["outcome"] == "updated"
    assert updated["facts"] == {"gender": "male", "veteran": True}
    assert counts(session)[1] == 2
    with pytest.raises(InvalidInput) as caught:
        upsert_profile(record={**record, "facts": {"gender": "x"}}, **kw)
    assert list(caught.value.errors) == ["facts.gender"]


def _csv(records: list[dict[str, Any]]) -> bytes:
    """Return person records as CSV, one column per stored fact, as docs/profile-import.md says."""
    names = [fact.name for fact in BUILTIN.stored("person")]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id_number", "name", "phone", *names])
    for record in records:
        cells = [record["id_number"], record["name"], record.get("phone", "")]
        for name in names:
            value = record["facts"].get(name)
            if isinstance(value, bool):
                value = str(value).lower()
            elif isinstance(value, list):
                value = "|".join(value) or "[]"
            cells.append("" if value is None else value)
        writer.writerow(cells)
    return out.getvalue().encode()
