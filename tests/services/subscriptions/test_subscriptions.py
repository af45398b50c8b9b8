"""Subscription quotas: one tap reported twice counts once, sends take and give back, on/off."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from models import (
    Database,
    MessageDelivery,
    MessageStatus,
    SubscriptionQuota,
    WeChatUser,
)
from notify import outbox
from notify.outbox import Message
from services.errors import InvalidInput
from services.subscriptions import _quotas as subscriptions

APPID = "wx0000000000000000"
ONCE = "tmpl-once-policy-match"
OTHER = "tmpl-once-claim-status"
LONG = "tmpl-long-term-payout"
T0 = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


def new_user(database: Database, openid: str = "o-alice") -> int:
    with database.session() as session:
        user = WeChatUser(appid=APPID, openid=openid)
        session.add(user)
        session.commit()
        return user.id


def report(
    database: Database,
    user: int,
    results: dict[str, str],
    source: str,
    now: datetime = T0,
) -> dict[str, int]:
    with database.session() as session:
        applied = subscriptions.record_results(
            session,
            wechat_user_id=user,
            results=results,
            source=source,  # type: ignore[arg-type]
            long_term_templates={LONG},
            now=now,
        )
        session.commit()
        return applied


def left(database: Database, user: int, template_id: str = ONCE) -> int:
    with database.session() as session:
        return subscriptions.remaining(
            session, wechat_user_id=user, template_id=template_id, long_term=template_id == LONG
        )


def call(database: Database, function, user: int, template_id: str = ONCE):  # type: ignore[no-untyped-def]
    """Run take, give_back or refused in its own transaction."""
    with database.session() as session:
        result = function(
            session, wechat_user_id=user, template_id=template_id, long_term=template_id == LONG
        )
        session.commit()
        return result


def opt_out(database: Database, user: int, template_id: str, now: datetime) -> None:
    with database.session() as session:
        subscriptions.opt_out(session, wechat_user_id=user, template_id=template_id, now=now)
        session.commit()


def quota_row(database: Database, user: int, template_id: str = ONCE) -> SubscriptionQuota:
    with database.session() as session:
        return session.scalars(
            select(SubscriptionQuota).where(
                SubscriptionQuota.wechat_user_id == user,
                SubscriptionQuota.template_id == template_id,
            )
        ).one()


# --- pairing -----------------------------------------------------------------------------------


@pytest.mark.parametrize("first, second", [("client", "event"), ("event", "client")])
def test_one_tap_reported_by_both_counts_once(database: Database, first: str, second: str) -> None:
    user = new_user(database)
    assert report(database, user, {ONCE: "accept"}, first) == {ONCE: 1}
    assert report(database, user, {ONCE: "accept"}, second, T0 + timedelta(seconds=3)) == {ONCE: 1}
    row = quota_row(database, user)
    assert (row.remaining, row.client_unpaired, row.event_unpaired) == (1, 0, 0)
    assert row.unpaired_since is None


@pytest.mark.parametrize(
    "order",
    [
        ("client", "client", "event", "event"),
        ("client", "event", "event", "client"),
        ("event", "client", "client", "event"),
    ],
)
def test_two_taps_reported_by_both_count_twice(database: Database, order: tuple[str, ...]) -> None:
    user = new_user(database)
    for n, source in enumerate(order):
        report(database, user, {ONCE: "accept"}, source, T0 + timedelta(seconds=n))
    assert left(database, user) == 2
    row = quota_row(database, user)
    assert (row.client_unpaired, row.event_unpaired) == (0, 0)


def test_taps_only_the_client_reported_each_count(database: Database) -> None:
    user = new_user(database)
    report(database, user, {ONCE: "accept"}, "client")
    assert left(database, user) == 1
    report(database, user, {ONCE: "acceptWithAlert"}, "client", T0 + timedelta(minutes=1))
    assert left(database, user) == 2
    assert quota_row(database, user).client_unpaired == 2


def test_an_unpaired_report_older_than_ten_minutes_is_forgotten(database: Database) -> None:
    user = new_user(database)
    report(database, user, {ONCE: "accept"}, "client")
    # nine minutes later the event still pairs with it …
    report(database, user, {ONCE: "accept"}, "event", T0 + timedelta(minutes=9))
    assert left(database, user) == 1
    # … but a client report whose event never came does not swallow a later tap's event
    report(database, user, {ONCE: "accept"}, "client", T0 + timedelta(minutes=20))
    report(database, user, {ONCE: "accept"}, "event", T0 + timedelta(minutes=31))
    assert left(database, user) == 3


def test_the_pairing_window_starts_at_the_first_unpaired_report_not_an_old_pair(
    database: Database,
) -> None:
    user = new_user(database)
    report(database, user, {ONCE: "accept"}, "client", T0)
    report(database, user, {ONCE: "accept"}, "event", T0 + timedelta(minutes=1))  # paired
    report(database, user, {ONCE: "accept"}, "client", T0 + timedelta(minutes=9))
    assert quota_row(database, user).unpaired_since == T0 + timedelta(minutes=9)
    report(database, user, {ONCE: "accept"}, "event", T0 + timedelta(minutes=15))  # pairs
    assert left(database, user) == 2


def test_reject_and_filter_keep_one_time_sends_ban_is_recorded(database: Database) -> None:
    user = new_user(database)
    report(database, user, {ONCE: "accept"}, "event")
    applied = report(
        database,
        user,
        {ONCE: "reject", OTHER: "filter", "errMsg": "requestSubscribeMessage:ok"},
        "client",
    )
    assert applied == {ONCE: 1, OTHER: 0}  # every template of the popup, errMsg left out
    assert left(database, user) == 1 and left(database, user, OTHER) == 0
    report(database, user, {ONCE: "ban"}, "event")
    row = quota_row(database, user)
    assert (row.status, row.remaining) == ("ban", 1)
    report(database, user, {ONCE: "accept"}, "event", T0 + timedelta(minutes=30))
    assert quota_row(database, user).status == "accept"


def test_bad_input_is_refused_before_anything_is_applied(database: Database) -> None:
    user = new_user(database)
    with pytest.raises(InvalidInput):
        report(database, user, {ONCE: "accept", "x" * 65: "accept"}, "client")
    assert left(database, user) == 0
    with pytest.raises(ValueError):
        report(database, user, {ONCE: "accept"}, "client", datetime(2026, 11, 27, 8, 0))
    with pytest.raises(ValueError):
        report(database, user, {ONCE: "accept"}, "server")


# --- sends ---------------------------------------------------------------------------------------


def test_take_give_back_and_refused(database: Database) -> None:
    user = new_user(database)
    assert call(database, subscriptions.take, user) is False  # no row at all
    report(database, user, {ONCE: "accept"}, "client")
    report(database, user, {ONCE: "accept"}, "client", T0 + timedelta(minutes=1))
    assert call(database, subscriptions.take, user) is True
    assert call(database, subscriptions.take, user) is True
    assert call(database, subscriptions.take, user) is False
    assert left(database, user) == 0
    call(database, subscriptions.give_back, user)
    assert left(database, user) == 1
    call(database, subscriptions.refused, user)
    assert left(database, user) == 0
    assert call(database, subscriptions.take, user) is False


def test_long_term_templates_are_on_or_off(database: Database) -> None:
    user = new_user(database)
    assert report(database, user, {LONG: "accept"}, "client") == {LONG: 1}
    assert report(database, user, {LONG: "accept"}, "event") == {LONG: 1}  # not counted up
    for _ in range(3):
        assert call(database, subscriptions.take, user, LONG) is True
    call(database, subscriptions.give_back, user, LONG)
    assert left(database, user, LONG) == 1
    assert report(database, user, {LONG: "reject"}, "event") == {LONG: 0}
    assert call(database, subscriptions.take, user, LONG) is False
    report(database, user, {LONG: "accept"}, "event")
    assert call(database, subscriptions.take, user, LONG) is True
    call(database, subscriptions.refused, user, LONG)
    assert quota_row(database, user, LONG).status == "reject"
    assert call(database, subscriptions.take, user, LONG) is False
    assert quota_row(database, user, LONG).subscription_type == "long_term"


def test_opt_out_stops_sends_and_a_late_twin_does_not_undo_it(database: Database) -> None:
    user = new_user(database)
    report(database, user, {ONCE: "accept"}, "event")
    report(database, user, {ONCE: "accept"}, "client", T0 + timedelta(minutes=1))  # its twin
    report(database, user, {ONCE: "accept"}, "client", T0 + timedelta(minutes=2))  # a new tap
    assert left(database, user) == 2
    opt_out(database, user, ONCE, T0 + timedelta(minutes=3))
    row = quota_row(database, user)
    assert (row.status, row.remaining) == ("reject", 0)
    # the popup event of the last tap arrives after the refusal: it pairs, it does not count
    report(database, user, {ONCE: "accept"}, "event", T0 + timedelta(minutes=4))
    assert left(database, user) == 0


def test_opt_out_of_a_template_never_seen_records_the_refusal(database: Database) -> None:
    user = new_user(database)
    opt_out(database, user, OTHER, T0)
    row = quota_row(database, user, OTHER)
    assert (row.status, row.remaining) == ("reject", 0)


# --- waiting deliveries --------------------------------------------------------------------------


def test_gaining_quota_wakes_the_users_deliveries_waiting_for_that_template(
    database: Database,
) -> None:
    alice, bob = new_user(database, "o-alice"), new_user(database, "o-bob")
    with database.session() as session:
        message = outbox.add(session, Message("new_matches", "m1", "新的政策", "", None), now=T0)
        other_message = outbox.add(
            session, Message("claim_status", "m2", "申领进度", "", None), now=T0
        )
        session.flush()

        def delivery(message_id: int, user: int, template_id: str, **extra) -> MessageDelivery:  # type: ignore[no-untyped-def]
            row = MessageDelivery(
                message_id=message_id,
                wechat_user_id=user,
                template_id=template_id,
                status=MessageStatus.WAITING,
                next_attempt_at=T0 + timedelta(days=30),
                **extra,
            )
            session.add(row)
            return row

        waiting = delivery(message.id, alice, ONCE)
        other_template = delivery(other_message.id, alice, OTHER)
        other_user = delivery(message.id, bob, ONCE)
        long_waiting = delivery(other_message.id, bob, LONG, expires_at=T0 + timedelta(days=1))
        session.commit()
        ids = [waiting.id, other_template.id, other_user.id, long_waiting.id]

    def states() -> list[tuple[str, datetime]]:
        with database.session() as session:
            rows = {row.id: row for row in session.scalars(select(MessageDelivery))}
            return [(rows[i].status, rows[i].next_attempt_at) for i in ids]

    later = T0 + timedelta(days=30)
    report(database, alice, {ONCE: "reject", OTHER: "filter"}, "client")
    assert [status for status, _ in states()] == ["waiting"] * 4
    now = T0 + timedelta(minutes=5)
    report(database, alice, {ONCE: "accept"}, "client", now)
    assert states() == [
        ("pending", now),
        ("waiting", later),
        ("waiting", later),
        ("waiting", later),
    ]
    # a long-term accept wakes too, unless the delivery has expired meanwhile
    report(database, bob, {LONG: "accept"}, "event", T0 + timedelta(days=2))
    assert states()[3] == ("waiting", later)
    report(database, bob, {ONCE: "accept"}, "event", now)
    assert states()[2] == ("pending", now)


# --- concurrency ---------------------------------------------------------------------------------


def run_threads(count: int, work) -> list:  # type: ignore[no-untyped-def]
    barrier = threading.Barrier(count)
    results: list = [None] * count
    errors: list[BaseException] = []

    def run(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[n] = work(n)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results


def test_concurrent_takes_never_overdraw(database: Database) -> None:
    user = new_user(database)
    for minute in range(3):
        report(database, user, {ONCE: "accept"}, "event", T0 + timedelta(minutes=minute))
    assert left(database, user) == 3

    def take(_n: int) -> bool:
        with database.sessionmaker() as session:
            taken = subscriptions.take(
                session, wechat_user_id=user, template_id=ONCE, long_term=False
            )
            session.commit()
            return taken

    results = run_threads(10, take)
    assert sorted(results) == [False] * 7 + [True] * 3
    assert left(database, user) == 0


def test_concurrent_reports_of_the_same_taps_count_each_tap_once(database: Database) -> None:
    user = new_user(database)  # no quota row yet: the threads race to create it, too
    taps = 4

    def tap_report(n: int) -> dict[str, int]:
        source = "client" if n % 2 == 0 else "event"
        with database.sessionmaker() as session:
            applied = subscriptions.record_results(
                session,
                wechat_user_id=user,
                results={ONCE: "accept"},
                source=source,  # type: ignore[arg-type]
                long_term_templates=(),
                now=T0,
            )
            session.commit()
            return applied

    run_threads(2 * taps, tap_report)
    row = quota_row(database, user)
    assert (row.remaining, row.client_unpaired, row.event_unpaired) == (taps, 0, 0)
