"""免申即享 over HTTP: residents confirm (with a bank card when money is paid) or decline their
grants; reviewers of the item's department register the payout."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import AuditEntry, Grant, OutboxMessage, PolicyItem, WeChatUser
from tests import factories
from tests.resident_factories import bind, demo_world, headers, wechat_user

API = "/api/v1/me/grants"
ADMIN = "/api/v1/admin/grants"
CARD = "6222 0202 0000 0000 006"  # passes the Luhn check


@dataclass
class GrantWorld:
    """Two grants of one resident's subjects (one with money, one without) and a stranger."""

    money: int  # 高龄津贴, 100 元 (民政局)
    no_money: int  # 医保参保资助, no amount (医保局)
    others: list[int]  # grants of subjects bound to nobody here
    user: WeChatUser
    stranger: WeChatUser


def _grant_of(session: Session, code: str, skip: int = 0) -> Grant:
    return session.scalars(
        select(Grant)
        .join(PolicyItem, PolicyItem.id == Grant.item_id)
        .where(PolicyItem.code == code)
    ).all()[skip]


def grant_world(session: Session, database) -> GrantWorld:  # type: ignore[no-untyped-def]
    """Seed the demo (its matching makes the grants) and bind a resident to two of them."""
    demo_world(session, database)
    money = _grant_of(session, "LC-MZ-2025-01-01")
    no_money = _grant_of(session, "LC-YB-2025-01-01")
    other = _grant_of(session, "LC-MZ-2025-01-01", skip=1)
    user, stranger = (
        wechat_user(session, "openid-grants", consents=("bank_card",)),
        wechat_user(session, "openid-else"),
    )
    for subject in {money.subject_id, no_money.subject_id}:
        bind(session, user, subject)
    return GrantWorld(money.id, no_money.id, [other.id], user, stranger)


def test_my_grants_are_those_of_my_subjects(
    app: Flask, client: FlaskClient, session: Session, database
) -> None:
    world = grant_world(session, database)

    mine = client.get(API, headers=headers(app, world.user))
    theirs = client.get(API, headers=headers(app, world.stranger))
    granted = client.get(f"{API}?status=granted", headers=headers(app, world.user))
    paid = client.get(f"{API}?status=paid", headers=headers(app, world.user))

    assert mine.status_code == 200
    by_id = {g["id"]: g for g in mine.json}
    assert world.money in by_id and world.no_money in by_id and world.others[0] not in by_id
    money = by_id[world.money]
    assert money["item_name"] == "高龄津贴" and money["amount_fen"] == 10_000
    assert money["needs_account"] is True and money["payout_account"] is None
    assert by_id[world.no_money]["needs_account"] is False
    assert theirs.json == [] and paid.json == [] and len(granted.json) == len(mine.json)


def test_confirming_a_paid_grant_needs_a_valid_card_kept_encrypted(
    app: Flask, client: FlaskClient, session: Session, database
) -> None:
    world = grant_world(session, database)
    head = headers(app, world.user)
    path = f"{API}/{world.money}/confirm"

    no_card = client.post(path, json={}, headers=head)
    bad_check = client.post(path, json={"bank_card": "6222 0202 0000 0000 007"}, headers=head)
    letters = client.post(path, json={"bank_card": "6222-abcd-0000-0000"}, headers=head)
    confirmed = client.post(path, json={"bank_card": CARD}, headers=head)
    changed = client.post(path, json={"bank_card": "4111 1111 1111 1111"}, headers=head)
    without = client.post(f"{API}/{world.no_money}/confirm", headers=head)

    assert no_card.status_code == bad_check.status_code == letters.status_code == 422
    assert (
        "bank_card" in no_card.json["errors"]
        and bad_check.json["message"] == "银行卡号有误，请核对"
    )
    assert confirmed.status_code == 200 and confirmed.json["status"] == "confirmed"
    assert confirmed.json["payout_account"] == "***************0006"
    assert changed.status_code == 200 and changed.json["payout_account"].endswith("1111")
    assert without.status_code == 200 and without.json["payout_account"] is None
    # withdrawing the consent to bank cards: no card is taken any more, the one kept stays
    assert client.delete("/api/v1/me/consents/bank_card", headers=head).status_code == 204
    refused = client.post(path, json={"bank_card": CARD}, headers=head)
    assert refused.status_code == 422
    assert refused.json["errors"] == {"bank_card": ["请先阅读并同意《银行卡号收集使用说明》"]}
    session.rollback()
    stored = session.get(Grant, world.money)
    assert stored is not None and stored.confirmed_by_id == world.user.id
    assert b"4111" not in stored.payout_account_enc and b"1111" not in stored.payout_account_enc  # type: ignore[operator]


def test_a_grant_is_declined_until_it_is_paid(
    app: Flask, client: FlaskClient, session: Session, database
) -> None:
    world = grant_world(session, database)
    head = headers(app, world.user)

    declined = client.post(f"{API}/{world.money}/decline", headers=head)
    twice = client.post(f"{API}/{world.money}/decline", headers=head)
    confirm_after = client.post(
        f"{API}/{world.money}/confirm", json={"bank_card": CARD}, headers=head
    )

    assert declined.status_code == 200 and declined.json["status"] == "declined"
    assert twice.status_code == 200
    assert confirm_after.status_code == 409


def test_another_residents_grant_is_not_found(
    app: Flask, client: FlaskClient, session: Session, database
) -> None:
    world = grant_world(session, database)
    stranger = headers(app, world.stranger)

    for action in ("confirm", "decline"):
        response = client.post(f"{API}/{world.money}/{action}", json={}, headers=stranger)
        assert response.status_code == 404 and response.json["message"] == "待遇不存在"
    session.rollback()
    assert session.get(Grant, world.money).status == "granted"  # type: ignore[union-attr]


def test_a_reviewer_pays_a_confirmed_grant_and_the_resident_is_told(
    app: Flask, client: FlaskClient, session: Session, database
) -> None:
    world = grant_world(session, database)
    factories.staff(session, "reviewer-mz", "reviewer:LC-MZ")
    factories.staff(session, "reviewer-rs", "reviewer:LC-RS")
    factories.staff(session, "publisher-mz", "publisher:LC-MZ")
    staff = factories.login(client, "reviewer-mz")
    other = factories.login(client, "reviewer-rs")
    publisher = factories.login(client, "publisher-mz")
    pay = f"{ADMIN}/{world.money}/pay"

    unconfirmed = client.post(pay, json={"payment_ref": "GL-1"}, headers=staff)
    client.post(
        f"{API}/{world.money}/confirm", json={"bank_card": CARD}, headers=headers(app, world.user)
    )
    wrong_amount = client.post(pay, json={"payment_ref": "GL-1", "paid_fen": 1}, headers=staff)
    elsewhere = client.post(pay, json={"payment_ref": "GL-1"}, headers=other)
    not_a_reviewer = client.post(pay, json={"payment_ref": "GL-1"}, headers=publisher)
    paid = client.post(pay, json={"payment_ref": "GL-20261127-1"}, headers=staff)
    again = client.post(pay, json={"payment_ref": "GL-2"}, headers=staff)

    assert unconfirmed.status_code == 409 and wrong_amount.status_code == 422
    assert elsewhere.status_code == 404 and not_a_reviewer.status_code == 403
    assert paid.status_code == 200 and paid.json["status"] == "paid"
    assert paid.json["payment_ref"] == "GL-20261127-1" and paid.json["payout_account"].endswith(
        "0006"
    )
    assert again.status_code == 409

    session.rollback()
    message = session.scalar(
        select(OutboxMessage).where(OutboxMessage.dedupe_key == f"grant:{world.money}:paid")
    )
    assert message is not None and message.topic == "payout_done"
    assert message.data["item_name"] == "高龄津贴" and message.data["amount_fen"] == 10_000
    assert message.data["paid_at"] and message.page == "pages/grants/grants?from=push"
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "grant.pay"))
    assert entry is not None and (entry.before["status"], entry.after["status"]) == (
        "confirmed",
        "paid",
    )
    assert "payout_account_enc" not in entry.after
    declined = client.post(f"{API}/{world.money}/decline", headers=headers(app, world.user))
    assert declined.status_code == 409

    listed = client.get(f"{ADMIN}?status=paid", headers=staff)
    hidden = client.get(ADMIN, headers=other)
    assert [g["id"] for g in listed.json] == [world.money]
    assert listed.json[0]["subject_name"].count("*") >= 1
    assert world.money not in [g["id"] for g in hidden.json]
    assert client.get(ADMIN, headers=publisher).status_code == 403


def test_a_grant_without_an_amount_is_paid_with_one_and_caps_hold(
    app: Flask, client: FlaskClient, session: Session, database
) -> None:
    world = grant_world(session, database)
    factories.staff(session, "admin-1", "admin")
    staff = factories.login(client, "admin-1")
    client.post(f"{API}/{world.no_money}/confirm", headers=headers(app, world.user))
    client.post(
        f"{API}/{world.money}/confirm", json={"bank_card": CARD}, headers=headers(app, world.user)
    )
    other = session.get(Grant, world.others[0])
    other.status = "confirmed"  # type: ignore[union-attr]
    item = session.get(PolicyItem, other.item_id)  # type: ignore[union-attr]
    item.max_grants = 1  # type: ignore[union-attr]
    session.commit()

    no_amount = client.post(
        f"{ADMIN}/{world.no_money}/pay", json={"payment_ref": "YB-1"}, headers=staff
    )
    with_amount = client.post(
        f"{ADMIN}/{world.no_money}/pay",
        json={"payment_ref": "YB-1", "paid_fen": 38_000},
        headers=staff,
    )
    first = client.post(f"{ADMIN}/{world.money}/pay", json={"payment_ref": "GL-1"}, headers=staff)
    over = client.post(
        f"{ADMIN}/{world.others[0]}/pay", json={"payment_ref": "GL-2"}, headers=staff
    )

    assert no_amount.status_code == 422 and "paid_fen" in no_amount.json["errors"]
    assert with_amount.status_code == 200 and with_amount.json["amount_fen"] == 38_000
    assert first.status_code == 200
    assert over.status_code == 409 and "名额已满" in over.json["message"]
