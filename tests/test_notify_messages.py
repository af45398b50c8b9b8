"""Message building, deep links, quiet hours, backoff and the token bucket: pure, no storage."""

from __future__ import annotations

import json
import random
import time
from datetime import UTC, datetime
from datetime import time as clock
from pathlib import Path

import pytest
import redis
from hypothesis import given
from hypothesis import strategies as st

from notify import messages, pages
from notify.emulator.validation import data_problem
from notify.messages import Content
from notify.rate import TokenBucket
from notify.timing import backoff, parse_hours, quiet_until
from tests import backends

APP_JSON = Path(__file__).resolve().parent.parent / "miniprogram_stub" / "app.json"
NOW = datetime(2026, 11, 27, 1, 5, tzinfo=UTC)  # 09:05 in Shanghai
IDS = messages.DEFAULT_TEMPLATE_IDS


def content(topic: str = messages.NEW_MATCHES, *items: tuple[str, int | None], **data) -> Content:
    listed = [
        {"item_id": n, "version_id": 1, "name": name, "amount_fen": fen}
        for n, (name, fen) in enumerate(items)
    ]
    total = sum(fen or 0 for _, fen in items)
    return Content(
        topic=topic,
        title="您有新的政策可享",
        body="",
        data={"items": listed, "count": len(items), "total_fen": total} | data,
        page=pages.home(),
    )


def test_every_deep_link_page_is_a_page_of_the_mini_program() -> None:
    declared = set(json.loads(APP_JSON.read_text(encoding="utf-8"))["pages"])
    assert pages.DEEP_LINK_PAGES <= declared
    for link in (pages.home(), pages.item(7), pages.claim(9), pages.grants(), pages.messages()):
        assert pages.path_of(link) in declared


def test_one_new_match_names_the_item_and_the_amount() -> None:
    built = messages.build(
        [content("new_matches", ("城乡居民养老保险补贴", 48000))], template_ids=IDS, now=NOW
    )
    assert built.template_id == IDS["new_matches"]
    assert {k: v["value"] for k, v in built.data.items()} == {
        "thing1": "城乡居民养老保险补贴",
        "thing2": "预计480元",
        "thing3": "点击查看，一键办理",
        "time4": "2026年11月27日 09:05",
    }
    assert data_problem(built.data) is None


def test_a_bundle_counts_items_and_sums_amounts_and_cuts_long_names() -> None:
    bundle = [
        content("new_matches", ("聊城市高校毕业生到基层就业创业一次性补贴", 300000)),
        content("new_matches", ("稳岗返还", 150050), ("技能补贴", None)),
    ]
    built = messages.build(bundle, template_ids=IDS, now=NOW)
    thing1 = built.data["thing1"]["value"]
    assert len(thing1) == 20 and thing1.endswith("等3项政策") and "…" in thing1
    assert built.data["thing2"]["value"] == "预计4,500.50元"
    assert data_problem(built.data) is None


def test_unknown_amount_and_empty_names_still_give_valid_values() -> None:
    built = messages.build([content("grant_made", ("   ", None))], template_ids=IDS, now=NOW)
    values = {k: v["value"] for k, v in built.data.items()}
    assert values["thing2"] == "金额以审核结果为准" and values["phrase3"] == "已办理"
    assert all(values.values()) and data_problem(built.data) is None


def test_claim_status_payout_and_deadline_messages() -> None:
    claim = Content(
        "claim_status",
        "申请进度",
        "",
        {
            "claim_no": "KX20261127-0001",
            "item_name": "一次性创业补贴",
            "status": "returned",
            "reason": "请补充营业执照副本扫描件，并上传近三个月社保缴费证明",
        },
        pages.claim(3),
    )
    built = messages.build([claim], template_ids=IDS, now=NOW)
    assert built.data["phrase3"]["value"] == "需补正"
    assert built.data["character_string1"]["value"] == "KX20261127-0001"
    assert len(built.data["thing4"]["value"]) == 20
    payout = Content(
        "payout_done",
        "到账",
        "",
        {"item_name": "高龄津贴", "amount_fen": 120000, "paid_at": "2026-11-26T08:00:00+00:00"},
    )
    assert messages.build([payout], template_ids=IDS, now=NOW).data["amount2"]["value"] == (
        "¥1200.00"
    )
    deadline = content("deadline_near", ("就业见习补贴", 90000), deadline="2026-11-30")
    built = messages.build([deadline], template_ids=IDS, now=NOW)
    assert built.data["date2"]["value"] == "2026年11月30日"
    for message in (claim, payout, deadline):
        assert data_problem(messages.build([message], template_ids=IDS, now=NOW).data) is None


def test_configured_template_ids_win_and_bundles_are_checked() -> None:
    built = messages.build(
        [content("new_matches", ("x", 1))], template_ids={"new_matches": "real-id"}, now=NOW
    )
    assert built.template_id == "real-id"
    claim = Content("claim_status", "t", "", {"status": "paid"})
    with pytest.raises(ValueError):
        messages.build([claim, claim], template_ids=IDS, now=NOW)
    with pytest.raises(ValueError):
        messages.build([claim, content()], template_ids=IDS, now=NOW)
    with pytest.raises(KeyError):
        messages.template_for("unknown_kind", IDS)


@given(st.text(min_size=0, max_size=80))
def test_fitted_values_always_pass_wechat_rules(text: str) -> None:
    data = {
        "thing1": {"value": messages.thing(text)},
        "phrase2": {"value": messages.phrase(text)},
        "character_string3": {"value": messages.character_string(text)},
    }
    assert data_problem(data) is None


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 27, hour, minute, tzinfo=UTC)  # UTC; Shanghai is +8


def test_quiet_hours_wrap_midnight_in_shanghai() -> None:
    start, end = parse_hours("22:00-08:00")
    assert quiet_until(at(13, 59), start, end) is None  # 21:59 Shanghai
    assert quiet_until(at(14, 0), start, end) == datetime(2026, 11, 28, 0, 0, tzinfo=UTC)
    assert quiet_until(at(23, 30), start, end) == datetime(2026, 11, 28, 0, 0, tzinfo=UTC)
    assert quiet_until(at(0, 0), start, end) is None  # 08:00 Shanghai
    assert quiet_until(at(5), clock(12), clock(14)) == at(6)  # a daytime window
    assert quiet_until(at(5), clock(0), clock(0)) is None  # empty: never quiet
    with pytest.raises(ValueError):
        parse_hours("22-8")


def test_backoff_grows_is_jittered_and_capped() -> None:
    rng = random.Random(1)
    waits = [backoff(n, base=5, cap=60, rng=rng) for n in range(1, 8)]
    assert 2.5 <= waits[0] <= 5 and 5 <= waits[1] <= 10 and 10 <= waits[2] <= 20
    assert all(30 <= w <= 60 for w in waits[4:])
    assert len({round(backoff(3, base=5, cap=60), 6) for _ in range(20)}) > 1


@pytest.mark.parametrize("shared", [False, True], ids=["in-process", "redis"])
def test_the_token_bucket_holds_the_rate(shared: bool) -> None:
    client = None
    if shared:
        reason = backends.server_unavailable_reason()
        if reason:
            pytest.skip(f"Redis variant skipped: {reason}")
        client = redis.Redis.from_url(backends.REDIS_URL)
    key = f"kxtest:bucket:{time.time_ns()}"
    bucket = TokenBucket(100, 10, redis=client, key=key)
    waits = [bucket.reserve() for _ in range(30)]
    assert waits[:10] == [0.0] * 10  # the burst
    assert 0.18 <= waits[-1] <= 0.22  # 20 more at 100/s: the last waits ~0.2 s
    other = TokenBucket(100, 10, redis=client, key=key)
    assert (other.reserve() > 0.15) is shared  # one bucket for every process, when in Redis
    if client is not None:
        client.delete(key)
