"""The dispatcher against the WeChat emulator over HTTP: what residents receive, and what not."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, time, timedelta

import pytest
from flask import Flask

from api.config import Settings
from models import DeliveryAttempt, MessageStatus
from models.clock import SHANGHAI, frozen, utcnow
from notify import messages
from notify.dispatcher import Dispatcher, make_dispatcher
from notify.emulator import EmulatorServer
from tests import push_factories as pf

SEND = "/cgi-bin/message/subscribe/send"


def dispatcher(app: Flask, settings: Settings, **changes: object) -> Dispatcher:
    """A dispatcher like the scheduler's.

    Retries wait a minute or more, so a retry never comes due inside the run that scheduled it
    (on a slow machine a sub-second backoff did, and the first run sent the push itself); tests
    reach a retry by freezing the clock past next_attempt_at.
    """
    options = {"backoff_base": 60.0, "backoff_cap": 600.0, "concurrency": 4} | changes
    return make_dispatcher(
        app.extensions["kx.db"],
        app.extensions["kx.wechat"],
        settings.dispatch(**options),
        rate=1000,
        redis=app.extensions["kx.redis"],
        redis_prefix=settings.redis_prefix,
    )


def sends(wx: EmulatorServer) -> list[dict]:
    return [r for r in wx.requests(SEND)]


@pytest.fixture
def alice(session, wx: EmulatorServer) -> tuple[int, int]:
    """A resident bound to openid o-alice, known to WeChat (she opened the mini-program)."""
    wx.mint_login_code("o-alice")
    return pf.resident(session, "o-alice", appid=wx.appid, name="李娜")


def test_a_new_match_reaches_every_bound_user_once(app, settings, session, wx, alice) -> None:
    subject_id, alice_id = alice
    wx.mint_login_code("o-agent")
    agent_id = pf.bind(session, subject_id, "o-agent", appid=wx.appid)
    for user_id, openid in ((alice_id, "o-alice"), (agent_id, "o-agent")):
        pf.give_quota(session, user_id, 1)
        wx.grant(openid, pf.NEW)
    pf.new_match(session, subject_id, "城乡居民基本养老保险补贴", 48000)

    first = dispatcher(app, settings).run()
    again = dispatcher(app, settings).run()

    got = wx.messages()
    assert sorted(m["touser"] for m in got) == ["o-agent", "o-alice"]
    assert got[0]["data"]["thing1"]["value"] == "城乡居民基本养老保险补贴"
    assert got[0]["data"]["thing2"]["value"] == "预计480元"
    assert got[0]["page"] == "pages/index/index?from=push"
    assert got[0]["miniprogram_state"] == "formal" and got[0]["lang"] == "zh_CN"
    assert first["sent"] == 2 and "sent" not in again
    rows = pf.deliveries(session)
    assert {r.status for r in rows} == {MessageStatus.SENT}
    assert {r.wx_msgid for r in rows} == {str(m["msgid"]) for m in got}
    assert pf.quota_left(session, alice_id) == 0 and wx.quota("o-alice", pf.NEW) == 0
    attempts = session.query(DeliveryAttempt).all()
    assert [(a.outcome, a.errcode, a.attempt_no) for a in attempts] == [("sent", None, 1)] * 2


def test_new_matches_waiting_for_one_user_go_as_one_push(app, settings, session, wx, alice):
    subject_id, alice_id = alice
    pf.give_quota(session, alice_id, 5)
    wx.grant("o-alice", pf.NEW, 5)
    for name, fen in (("稳岗返还", 150000), ("一次性创业补贴", 500000), ("职业技能提升补贴", 0)):
        pf.new_match(session, subject_id, name, fen)

    counts = dispatcher(app, settings).run()

    (pushed,) = wx.messages()
    assert pushed["data"]["thing1"]["value"] == "稳岗返还等3项政策"
    assert pushed["data"]["thing2"]["value"] == "预计6,500元"
    assert pushed["data"]["thing3"]["value"] == "您有3项新政策可享，点击查看"
    assert counts["sent"] == 3 and counts["pushes"] == 1
    rows = pf.deliveries(session)
    leader = rows[0]
    assert [r.sent_with_id for r in rows] == [None, leader.id, leader.id]
    assert pf.quota_left(session, alice_id) == 4 and wx.quota("o-alice", pf.NEW) == 4


def test_no_send_without_quota_the_message_waits(app, settings, session, wx, alice) -> None:
    subject_id, _ = alice
    pf.new_match(session, subject_id)

    counts = dispatcher(app, settings).run()

    assert sends(wx) == [] and counts["waiting_for_quota"] == 1
    assert [r.status for r in pf.deliveries(session)] == [MessageStatus.WAITING]


def test_43101_sets_the_count_to_zero_and_the_message_waits(app, settings, session, wx, alice):
    subject_id, alice_id = alice
    pf.give_quota(session, alice_id, 2)  # we believe two, WeChat has none (the user cancelled)
    pf.new_match(session, subject_id)

    dispatcher(app, settings).run()

    assert [r["errcode"] for r in sends(wx)] == [43101]
    (row,) = pf.deliveries(session)
    assert (row.status, row.last_errcode, row.attempts) == (MessageStatus.WAITING, 43101, 1)
    assert pf.quota_left(session, alice_id) == 0


@pytest.mark.parametrize(
    ("errcode", "setup"),
    [
        (40003, lambda wx: None),  # WeChat does not know this openid
        (40037, lambda wx: wx.configure(templates=[])),  # the account holds no such template
        (41030, lambda wx: wx.configure(valid_pages=["pages/other/other"])),
        (47003, lambda wx: wx.inject(SEND, errcode=47003, errmsg="argument invalid! data.thing1")),
    ],
)
def test_final_errors_fail_at_once_and_give_the_quota_back(
    app, settings, session, wx, errcode, setup
) -> None:
    subject_id, user_id = pf.resident(session, "o-stranger", appid=wx.appid)
    pf.give_quota(session, user_id, 1)
    if errcode != 40003:  # for 40003 the user never reached WeChat through the mini-program
        wx.grant("o-stranger", pf.NEW)
    setup(wx)
    pf.new_match(session, subject_id)

    counts = dispatcher(app, settings).run()

    assert [r["errcode"] for r in sends(wx)] == [errcode]
    (row,) = pf.deliveries(session)
    assert (row.status, row.last_errcode, row.attempts) == (MessageStatus.FAILED, errcode, 1)
    assert counts["failed"] == 1 and pf.quota_left(session, user_id) == 1


@pytest.mark.parametrize(
    "fault",
    [
        {"errcode": -1},
        {"errcode": 45009},
        {"errcode": 45011},
        {"status": 502},
    ],
    ids=["-1", "45009", "45011", "http-502"],
)
def test_passing_troubles_are_retried_with_backoff_then_sent(
    app, settings, session, wx, alice, fault
) -> None:
    subject_id, alice_id = alice
    pf.give_quota(session, alice_id, 1)
    wx.grant("o-alice", pf.NEW)
    wx.inject(SEND, times=1, **fault)
    pf.new_match(session, subject_id)
    slow = settings

    first = dispatcher(app, slow).run()
    (row,) = pf.deliveries(session)
    assert first["retry_later"] == 1 and row.status == MessageStatus.PENDING
    assert row.next_attempt_at > utcnow() and row.quota_held
    assert pf.quota_left(session, alice_id) == 0  # still held for the retry, not spent twice

    with frozen(row.next_attempt_at + timedelta(seconds=1)):
        second = dispatcher(app, slow).run()

    assert second["sent"] == 1 and len(wx.messages()) == 1
    (row,) = pf.deliveries(session)
    assert (row.status, row.attempts, row.quota_held) == (MessageStatus.SENT, 2, False)
    assert pf.quota_left(session, alice_id) == 0


def test_a_timeout_after_the_request_left_is_not_retried_blindly(app, settings, session, wx, alice):
    """WeChat may have delivered a push whose answer never came: it waits for the sent event;
    with none in the window, it is sent again (docs/notify.md, ambiguous sends)."""
    subject_id, alice_id = alice
    pf.give_quota(session, alice_id, 1)
    wx.grant("o-alice", pf.NEW)
    wx.inject(SEND, times=1, hang=True, hang_seconds=3)  # WeChat never acted on it
    pf.new_match(session, subject_id)
    slow = settings  # the app's gateway reads for 2 s

    first = dispatcher(app, slow).run()
    (row,) = pf.deliveries(session)
    assert first["uncertain"] == 1 and row.status == MessageStatus.UNCERTAIN
    assert row.quota_held and row.next_attempt_at > utcnow() + timedelta(minutes=9)
    assert "sent" not in dispatcher(app, slow).run()  # not within the window

    with frozen(row.next_attempt_at + timedelta(seconds=1)):
        second = dispatcher(app, slow).run()
    assert second["uncertain_resent"] == 1 and second["sent"] == 1
    assert len(wx.messages()) == 1
    (row,) = pf.deliveries(session)
    assert (row.status, row.attempts, row.quota_held) == (MessageStatus.SENT, 2, False)
    assert pf.quota_left(session, alice_id) == 0


def test_a_push_that_keeps_failing_ends_failed_for_an_operator(app, settings, session, wx, alice):
    subject_id, alice_id = alice
    pf.give_quota(session, alice_id, 1)
    wx.grant("o-alice", pf.NEW)
    wx.inject(SEND, errcode=-1)
    pf.new_match(session, subject_id)

    moment = utcnow()
    for _ in range(3):
        with frozen(moment):
            dispatcher(app, settings, max_attempts=3).run()
        moment += timedelta(hours=1)

    (row,) = pf.deliveries(session)
    assert (row.status, row.attempts, row.last_errcode) == (MessageStatus.FAILED, 3, -1)
    assert len(sends(wx)) == 3 and pf.quota_left(session, alice_id) == 1


def test_an_invalid_token_is_refreshed_once_and_the_push_goes(app, settings, session, wx, alice):
    subject_id, alice_id = alice
    pf.give_quota(session, alice_id, 1)
    wx.grant("o-alice", pf.NEW)
    pf.new_match(session, subject_id)
    app.extensions["kx.wechat"].access_token()
    wx.invalidate_tokens()

    assert dispatcher(app, settings).run()["sent"] == 1
    assert [r["errcode"] for r in sends(wx)] == [40001, 0]


NIGHTS = {"quiet_start": time(22, 0), "quiet_end": time(8, 0)}


def at_shanghai(hour: int, minute: int = 0) -> datetime:
    day = datetime.now(SHANGHAI).date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


def test_quiet_hours_hold_non_urgent_pushes_until_morning(app, settings, session, wx, alice):
    subject_id, alice_id = alice
    claim_template = messages.DEFAULT_TEMPLATE_IDS[messages.CLAIM_STATUS]
    for template_id in (pf.NEW, claim_template):
        pf.give_quota(session, alice_id, 1, template_id)
        wx.grant("o-alice", template_id)
    night = at_shanghai(23, 30)
    with frozen(night):
        pf.new_match(session, subject_id, "高龄津贴")
        pf.new_match(
            session, subject_id, "补正材料", topic="claim_status", urgent=True, status="returned"
        )
        counts = dispatcher(app, settings, **NIGHTS).run()

    (urgent,) = wx.messages()
    assert urgent["data"]["phrase3"]["value"] == "需补正"
    assert counts["held_quiet_hours"] == 1
    held = pf.deliveries(session, topic="new_matches")[0]
    morning = at_shanghai(8) + timedelta(days=1)
    assert held.status == MessageStatus.PENDING
    assert morning <= held.next_attempt_at <= morning + timedelta(minutes=15)
    with frozen(at_shanghai(7, 59) + timedelta(days=1)):
        assert "sent" not in dispatcher(app, settings, **NIGHTS).run()
    with frozen(morning + timedelta(minutes=16)):
        assert dispatcher(app, settings, **NIGHTS).run()["sent"] == 1


def test_an_expired_message_is_not_sent(app, settings, session, wx, alice) -> None:
    subject_id, alice_id = alice
    pf.give_quota(session, alice_id, 1)
    wx.grant("o-alice", pf.NEW)
    pf.new_match(session, subject_id, expires_at=utcnow() + timedelta(days=1))
    with frozen(utcnow() + timedelta(days=2)):
        counts = dispatcher(app, settings).run()
    assert counts["expired"] == 1 and sends(wx) == []
    assert pf.quota_left(session, alice_id) == 1


def test_two_dispatchers_at_once_send_each_message_once(app, settings, session, wx) -> None:
    for n in range(60):
        openid = f"o-many-{n}"
        wx.mint_login_code(openid)
        wx.grant(openid, pf.NEW)
        subject_id, user_id = pf.resident(session, openid, appid=wx.appid)
        pf.give_quota(session, user_id, 1)
        pf.new_match(session, subject_id, f"事项{n}")
    wx.inject(SEND, latency_ms=20)
    first, second = dispatcher(app, settings), dispatcher(app, settings)
    results: list[dict] = []
    threads = [
        threading.Thread(target=lambda d=d: results.append(d.run())) for d in (first, second)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    got = sorted(m["touser"] for m in wx.messages())
    assert got == sorted(f"o-many-{n}" for n in range(60))  # each once, none missing
    assert sum(r.get("sent", 0) for r in results) == 60
    assert all(r.get("sent", 0) > 0 for r in results), results  # both did work


def test_the_dispatch_job_sends_through_jobs_run(app, settings, session, wx, alice) -> None:
    from api.cli import cli

    subject_id, alice_id = alice
    pf.give_quota(session, alice_id, 1)
    wx.grant("o-alice", pf.NEW)
    pf.new_match(session, subject_id)

    done = app.test_cli_runner().invoke(cli, ["jobs", "run", "dispatch"])

    assert done.exit_code == 0, done.output
    assert "dispatch: succeeded" in done.output and len(wx.messages()) == 1
    listed = app.test_cli_runner().invoke(cli, ["jobs", "list"])
    assert any(line.startswith("dispatch ") for line in listed.output.splitlines())


def failed_push(app, settings, session, wx, alice) -> None:  # type: ignore[no-untyped-def]
    """A push to Alice that WeChat refuses once (errcode 47003): one failed delivery."""
    subject_id, alice_id = alice
    pf.give_quota(session, alice_id, 1)
    wx.grant("o-alice", pf.NEW)
    wx.inject(SEND, errcode=47003, errmsg="argument invalid! data.thing1.value invalid", times=1)
    pf.new_match(session, subject_id)
    dispatcher(app, settings).run()


def test_operators_list_failed_pushes_and_send_them_again(app, settings, session, wx, alice):
    from api.cli import cli

    failed_push(app, settings, session, wx, alice)
    runner = app.test_cli_runner()

    listed = runner.invoke(cli, ["outbox", "failed"])
    (row,) = pf.deliveries(session)
    assert f"{row.id}\tnew_matches" in listed.output and "47003" in listed.output
    assert "o-alice" not in listed.output  # openids are masked
    retried = runner.invoke(cli, ["outbox", "retry", str(row.id)])
    assert "deliveries queued again: 1" in retried.output
    assert dispatcher(app, settings).run()["sent"] == 1
    status = runner.invoke(cli, ["outbox", "status"])
    assert "deliveries: sent 1" in status.output
    from models import AuditEntry

    (entry,) = session.query(AuditEntry).filter_by(action="delivery.retry").all()
    assert entry.after == {"delivery_ids": [row.id]} and entry.actor_name == "kuaixiang CLI"


def test_operators_see_and_retry_failed_pushes_over_http(app, settings, session, wx, alice, client):  # type: ignore[no-untyped-def]
    from tests import factories

    failed_push(app, settings, session, wx, alice)
    factories.staff(session, "ops", "admin")
    admin = factories.login(client, "ops")
    status = client.get("/api/v1/admin/pushes/status", headers=admin).json
    assert status["deliveries"] == {"failed": 1}
    failed = client.get("/api/v1/admin/pushes/failed", headers=admin).json
    assert [(f["errcode"], f["topic"]) for f in failed] == [(47003, "new_matches")]
    assert "o-alice" not in json.dumps(failed)  # openids masked
    retried = client.post(
        "/api/v1/admin/pushes/retry", json={"ids": [failed[0]["id"]]}, headers=admin
    )
    assert retried.status_code == 200 and retried.json == {"retried": 1}
    assert dispatcher(app, settings).run()["sent"] == 1
    after = client.get("/api/v1/admin/pushes/status", headers=admin).json
    assert after["deliveries"] == {"sent": 1}
    factories.staff(session, "pub", "publisher:MZ")
    assert (
        client.get(
            "/api/v1/admin/pushes/status", headers=factories.login(client, "pub")
        ).status_code
        == 403
    )


def test_an_admin_retries_a_failed_push_in_the_console(
    app, settings, session, wx, alice, page, live_server
):  # type: ignore[no-untyped-def]
    """消息推送 in the console (tests/test_console_browser.py has the other pages)."""
    from api.console import built
    from tests import factories
    from tests.test_console_browser import log_in

    if not built():
        pytest.skip("the console is not built (make test builds it; Node.js 20 is needed)")
    failed_push(app, settings, session, wx, alice)
    factories.staff(session, "ops", "admin")
    log_in(page, live_server, "ops")
    page.get_by_role("menuitem", name="消息推送").click()
    failed = page.locator("[data-test=failed]")
    failed.get_by_text("47003", exact=False).wait_for()
    assert "o-alice" not in failed.inner_text()
    page.click("[data-test=retry-all]")
    page.get_by_text("已重新排队 1 条").wait_for()
    assert dispatcher(app, settings).run()["sent"] == 1
