"""An enterprise's legal representative in profile imports: checked, stored as a name and a keyed
hash (never the number), a change updates the row without a change event (no re-match)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from models import ChangeEvent, Subject
from models.db import vault_of
from rules import BUILTIN
from services.audit import SYSTEM
from services.errors import InvalidInput
from services.profiles import ID_NUMBER_CONTEXT, import_profiles, upsert_profile
from services.profiles._formats import read_csv, read_jsonl
from tests.factories import jsonl
from tests.resident_identities import id_number, uscc

FIRM = uscc("MA3C4L7X1")
OTHER = uscc("MA3C4L7X2")
WANG = id_number("19700202", 31)
ZHAO = id_number("19750505", 40)
FACTS = {"registered_district": "371502", "employees": 12}


def firm(code: str = FIRM, name: str | None = "王五", number: str | None = WANG) -> dict:
    """Return one enterprise row, with its legal representative unless name and number are None."""
    row: dict[str, Any] = {"uscc": code, "name": "聊城市某某科技有限公司", "facts": dict(FACTS)}
    if name is not None or number is not None:
        row |= {"legal_representative_name": name, "legal_representative_id_number": number}
    return row


def run(session: Session, rows: Any, *, batch_id: str, **kw: Any) -> dict:
    """Import enterprise rows (RawRows, or records sent as JSON Lines)."""
    if isinstance(rows, list):
        rows = read_jsonl(io.BytesIO(jsonl(rows)))
    return import_profiles(
        session=session,
        actor=SYSTEM,
        kind="enterprise",
        batch_id=batch_id,
        rows=rows,
        source="jsonl",
        **kw,
    )


def stored(session: Session, code: str = FIRM) -> Subject:
    session.expire_all()
    return session.scalars(select(Subject).where(Subject.uscc == code)).one()


def events(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(ChangeEvent))


def lookup(session: Session, number: str) -> bytes:
    return vault_of(session).lookup_hash(number, context=ID_NUMBER_CONTEXT)


def test_jsonl_stores_the_name_and_the_keyed_hash_never_the_number(session: Session) -> None:
    report = run(session, [firm(), firm(OTHER, None, None)], batch_id="b1")
    assert (report["status"], report["inserted"]) == ("applied", 2)
    subject = stored(session)
    assert subject.representative_name == "王五"
    assert subject.representative_hash == lookup(session, WANG)
    assert stored(session, OTHER).representative_hash is None
    dump = " ".join(str(row) for row in session.execute(text("SELECT * FROM subjects")))
    assert WANG not in dump and WANG[6:14] not in dump


def test_csv_rows_carry_the_representative_and_null_clears_it_in_merge(
    session: Session,
) -> None:
    header = "uscc,name,legal_representative_name,legal_representative_id_number,employees\n"
    data = f"{header}{FIRM},聊城市某某科技有限公司, 王五 ,{WANG.lower()},12\n{OTHER},某公司,,,3\n"
    report = run(
        session, read_csv(io.BytesIO(data.encode()), facts=BUILTIN.of("enterprise")), batch_id="c1"
    )
    assert (report["status"], report["inserted"]) == ("applied", 2), report
    assert stored(session).representative_name == "王五"
    assert stored(session).representative_hash == lookup(session, WANG)
    assert stored(session, OTHER).representative_name is None
    clear = (
        f"uscc,name,legal_representative_name,legal_representative_id_number\n{FIRM},,null,null\n"
    )
    rows = read_csv(io.BytesIO(clear.encode()), facts=BUILTIN.of("enterprise"))
    assert run(session, rows, batch_id="c2", mode="merge")["updated"] == 1
    assert stored(session).representative_hash is None
    assert stored(session).facts == {"employees": 12}


def test_person_files_may_not_name_a_representative(session: Session) -> None:
    data = f"id_number,name,legal_representative_name\n{WANG},王五,王五\n".encode()
    report = import_profiles(
        session=session,
        actor=SYSTEM,
        kind="person",
        batch_id="p1",
        rows=read_csv(io.BytesIO(data), facts=BUILTIN.of("person")),
        source="csv",
    )
    assert "未知的列「legal_representative_name」" in report["file_error"]["message"]


def test_a_bad_representative_rejects_the_row_with_its_line_and_reason(session: Session) -> None:
    rows = [
        firm(),
        firm(OTHER, number=WANG[:-1] + ("0" if WANG[-1] != "0" else "1")),
        firm(uscc("MA3C4L7X3"), name=" ", number=WANG),
        firm(uscc("MA3C4L7X4"), name="赵六", number=None),
        firm(uscc("MA3C4L7X5"), name="赵六", number="12345"),
    ]
    report = run(session, rows, batch_id="bad")
    assert report["status"] == "rejected" and report["rejected"] == 4
    by_line = {row["line"]: row["errors"] for row in report["rejected_rows"]}
    assert by_line == {
        2: {"legal_representative_id_number": ["身份证号校验位不正确"]},
        3: {"legal_representative_name": ["法定代表人姓名不能为空，且不超过100个字"]},
        4: {"legal_representative_id_number": ["法定代表人的姓名和身份证号应同时给出"]},
        5: {"legal_representative_id_number": ["身份证号应为18位"]},
    }
    assert session.scalar(select(func.count()).select_from(Subject)) == 0


def test_reimporting_the_same_representative_is_a_no_op(session: Session) -> None:
    run(session, [firm()], batch_id="one")
    before = stored(session)
    state = (before.updated_at, before.profile_seq, events(session))
    again = run(session, [firm(name=" 王五")], batch_id="two")
    assert (again["unchanged"], again["updated"], again["change_event"]) == (1, 0, None)
    after = stored(session)
    assert (after.updated_at, after.profile_seq, events(session)) == state


def test_a_changed_representative_updates_the_row_without_a_re_match(session: Session) -> None:
    run(session, [firm()], batch_id="one")
    seq, count = stored(session).profile_seq, events(session)
    changed = run(session, [firm(name="赵六", number=ZHAO)], batch_id="two")
    assert (changed["updated"], changed["unchanged"], changed["change_event"]) == (1, 0, None)
    subject = stored(session)
    assert subject.representative_name == "赵六"
    assert subject.representative_hash == lookup(session, ZHAO)
    assert (subject.profile_seq, events(session)) == (seq, count)
    # replace mode: a row without a representative is a whole record without one
    cleared = run(session, [firm(name=None, number=None)], batch_id="three")
    assert cleared["updated"] == 1 and stored(session).representative_hash is None
    # merge mode: not given keeps it; facts and representative together are one change
    run(session, [firm()], batch_id="four")
    merged = {"uscc": FIRM, "facts": {"employees": 13}}
    report = run(session, [merged], batch_id="five", mode="merge")
    assert (report["updated"], report["change_event"]) == (1, "subject")
    assert stored(session).representative_name == "王五" and events(session) == count + 1
    both = run(session, [firm(name="赵六", number=ZHAO) | {"facts": FACTS}], batch_id="six")
    assert (both["updated"], both["change_event"]) == (1, "subject")
    assert stored(session).representative_hash == lookup(session, ZHAO)
    assert stored(session).facts == FACTS and events(session) == count + 2


def test_upsert_answers_the_representative_masked(session: Session) -> None:
    kw = {"session": session, "actor": SYSTEM, "kind": "enterprise", "identifier": FIRM}
    record = {key: value for key, value in firm().items() if key != "uscc"}
    inserted = upsert_profile(record=record, **kw)
    assert inserted["outcome"] == "inserted" and inserted["legal_representative_name"] == "王*"
    assert upsert_profile(record=record, **kw)["outcome"] == "unchanged"
    seq = stored(session).profile_seq
    changed = upsert_profile(
        record={"legal_representative_name": "欧阳娜娜", "legal_representative_id_number": ZHAO},
        mode="merge",
        **kw,
    )
    assert changed["outcome"] == "updated" and changed["legal_representative_name"] == "欧阳**"
    assert changed["profile_seq"] == seq
    with pytest.raises(InvalidInput) as caught:
        upsert_profile(record={**record, "legal_representative_id_number": "1"}, **kw)
    assert list(caught.value.errors) == ["legal_representative_id_number"]
