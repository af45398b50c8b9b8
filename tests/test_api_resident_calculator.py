"""政策计算器: typed-in facts anonymously, "what if" for my subject, facts checked per field."""

from __future__ import annotations

import pytest

from models.clock import frozen
from tests import resident_world
from tests.resident_factories import headers
from tests.resident_world import NOW

URL = "/api/v1/calculator"


@pytest.fixture
def world(session, database):  # type: ignore[no-untyped-def]
    """The hand-made world, with the clock at NOW for the whole test."""
    with frozen(NOW):
        yield resident_world.build(session, database)


def _by_code(answer) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    assert answer.status_code == 200, answer.json
    return {row["item"]["code"]: row for row in answer.json["items"]}


def test_anonymous_facts_give_every_live_item_with_amounts_and_a_total(client, world) -> None:
    answer = client.post(
        URL, json={"subject_type": "person", "facts": {"hukou_district": "371502", "age": 82}}
    )
    rows = _by_code(answer)
    assert list(rows) == ["A", "B"]  # person items only: eligible first
    aged = rows["A"]
    assert aged["verdict"] == "eligible"
    assert aged["summary"] == "符合：户籍东昌府区、年龄 82 周岁"
    assert aged["amount"] == {
        "fen": 10000,
        "period": "monthly",
        "annual_fen": 120000,
        "trace": ["定额 100 元", "按月发放，未来 12 个月预计 1,200 元"],
        "missing": [],
    }
    assert aged["policy"]["title"] == "聊城市高龄津贴发放管理办法"
    assert rows["B"]["verdict"] == "unknown"
    assert rows["B"]["missing"] == [{"fact": "veteran", "label": "退役军人"}]
    body = answer.json
    assert (body["total_fen"], body["possible_fen"]) == (120000, 50000)
    assert (body["eligible_count"], body["unknown_count"]) == (1, 1)
    assert body["as_of"] == "2026-11-27" and body["subject_id"] is None


def test_one_failing_condition_is_named_as_a_near_miss(client, world) -> None:
    rows = _by_code(
        client.post(
            URL, json={"subject_type": "person", "facts": {"hukou_district": "371502", "age": 79}}
        )
    )
    assert rows["A"]["verdict"] == "ineligible"
    assert rows["A"]["near_miss"] == "年满80周岁"
    assert rows["A"]["amount"] is None
    rows = _by_code(
        client.post(
            URL, json={"subject_type": "person", "facts": {"hukou_district": "370102", "age": 60}}
        )
    )
    assert rows["A"]["near_miss"] is None  # two conditions fail


def test_what_if_on_my_enterprise_changes_a_verdict(client, app, world) -> None:
    auth = headers(app, world.user)
    plain = _by_code(client.post(URL, json={"subject_id": world.enterprise}, headers=auth))
    assert plain["D"]["verdict"] == "ineligible"
    assert plain["D"]["near_miss"] == "从业人数 ≥ 100 人"
    assert plain["C"]["amount"]["fen"] == 300000
    what_if = client.post(
        URL,
        json={
            "subject_id": world.enterprise,
            "overrides": {"employees": 120, "new_graduate_hires": 5},
        },
        headers=auth,
    )
    rows = _by_code(what_if)
    assert (rows["D"]["verdict"], rows["D"]["baseline_verdict"]) == ("eligible", "ineligible")
    assert rows["C"]["amount"]["fen"] == 750000
    assert rows["C"]["amount"]["trace"] == ["1,500 元 × 5 人 = 7,500 元"]
    assert what_if.json["total_fen"] == 1000000 + 750000
    assert what_if.json["subject_id"] == world.enterprise
    # null removes a stored fact: "what if my 注册地 were not known"
    unknown = _by_code(
        client.post(
            URL,
            json={"subject_id": world.enterprise, "overrides": {"registered_district": None}},
            headers=auth,
        )
    )
    assert unknown["C"]["verdict"] == "unknown"
    assert unknown["C"]["baseline_verdict"] == "eligible"


def test_only_my_own_subjects_and_only_logged_in(client, app, world) -> None:
    body = {"subject_id": world.other_person, "overrides": {"veteran": True}}
    refused = client.post(URL, json=body, headers=headers(app, world.user))
    assert refused.status_code == 404
    assert refused.json["message"] == "未找到该办事主体"
    assert client.post(URL, json=body).status_code == 401
    theirs = client.post(URL, json=body, headers=headers(app, world.other_user))
    assert _by_code(theirs)["B"]["verdict"] == "eligible"


def test_bad_facts_are_refused_field_by_field(client, world) -> None:
    answer = client.post(
        URL,
        json={
            "subject_type": "enterprise",
            "facts": {"employees": "很多", "rd_ratio": 150, "planet": "火星", "founded_on": "昨天"},
        },
    )
    assert answer.status_code == 422
    errors = answer.json["errors"]
    assert set(errors) == {
        "facts.employees",
        "facts.rd_ratio",
        "facts.planet",
        "facts.founded_on",
    }
    assert errors["facts.planet"][0].startswith("未知的指标「planet」")
    assert "不能大于 100" in errors["facts.rd_ratio"][0]
    person_fact = client.post(URL, json={"subject_type": "enterprise", "facts": {"age": 30}})
    [message] = person_fact.json["errors"]["facts.age"]
    assert message.startswith("未知的指标「age」")
    nothing = client.post(URL, json={"facts": {}})
    assert nothing.status_code == 422
    assert "subject_type" in nothing.json["errors"]["json"]
    both = client.post(URL, json={"subject_type": "person", "subject_id": world.person})
    assert both.status_code == 422
    wrong_kind = client.post(URL, json={"subject_type": "robot", "facts": {}})
    assert wrong_kind.status_code == 422
    assert "subject_type" in wrong_kind.json["errors"]["json"]


def test_an_item_that_cannot_be_evaluated_on_the_day_says_why(client, session) -> None:
    """As of a day outside an item's application window, or before its standards, the item is
    not counted and the answer says why, instead of leaving it out silently."""
    from services.demo import seed_demo

    seed_demo(session=session, persons=0, enterprises=0)
    facts = {"hukou_district": "371502", "age": 85}
    now = client.post(URL, json={"subject_type": "person", "facts": facts}).json
    assert _by_code_of(now)["LC-MZ-2025-01-01"]["verdict"] == "eligible"
    back_then = client.post(
        URL, json={"subject_type": "person", "facts": facts, "as_of": "2000-01-01"}
    ).json
    assert "LC-MZ-2025-01-01" not in _by_code_of(back_then)  # standards start 2025-04-01
    reasons = {entry["item"]["code"]: entry["reason"] for entry in back_then["not_evaluated"]}
    assert "2000-01-01" in reasons["LC-MZ-2025-01-01"]
    assert {entry["item"]["code"] for entry in now["not_evaluated"]}.isdisjoint(_by_code_of(now))
    assert len(back_then["items"]) + len(back_then["not_evaluated"]) == len(now["items"]) + len(
        now["not_evaluated"]
    )


def _by_code_of(body: dict) -> dict:
    return {entry["item"]["code"]: entry for entry in body["items"]}
