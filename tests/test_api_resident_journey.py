"""A resident's whole journey through the API and the WeChat emulator, and who may see what.

login → bind → my policies → why → calculator → claim → a reviewer approves → paid, with the
messages each step causes reaching the phone; then a matrix: user A gets 404 on every one of
user B's objects.
"""

from __future__ import annotations

from sqlalchemy import select

from api.extensions import dispatcher_for
from models import Grant, OutboxMessage, Subject
from notify import messages as kinds
from notify.emulator import EmulatorServer
from rules.identifiers import mask_id_number
from services.profiles import ID_NUMBER_CONTEXT
from tests import claim_factories as cf
from tests import factories
from tests import push_factories as pf
from tests.resident_factories import bind, demo_world, headers, wechat_user

CLAIM_TEMPLATE = kinds.DEFAULT_TEMPLATE_IDS[kinds.CLAIM_STATUS]
PAYOUT_TEMPLATE = kinds.DEFAULT_TEMPLATE_IDS[kinds.PAYOUT_DONE]


def eligible_person_with_id(session, item: int) -> tuple[Subject, str]:  # type: ignore[no-untyped-def]
    """A demo person eligible for the item today, with the 身份证号 the data platform sent."""
    vault = session.info["vault"]
    for subject_id in cf.eligible_now(session, item, 5):
        subject = session.get(Subject, subject_id)
        if subject.id_number_enc:
            return subject, vault.decrypt(subject.id_number_enc, context=ID_NUMBER_CONTEXT)
    raise AssertionError("no eligible demo person with an id number")


def test_login_bind_match_explain_calculate_claim_approve_pay(
    app, client, session, database, wx: EmulatorServer
) -> None:
    demo_world(session, database)
    item_id = cf.item_id(session)
    subject, id_number = eligible_person_with_id(session, item_id)
    name = subject.name

    # log in with the code wx.login gives on the phone
    login = client.post("/api/v1/auth/wechat", json={"code": wx.mint_login_code("o-journey")})
    assert login.status_code == 200, login.json
    me = {"Authorization": f"Bearer {login.json['access_token']}"}
    assert "session_key" not in login.text

    # the 身份证号 is typed only after agreeing to its collection text (a separate consent)
    refused = client.post(
        "/api/v1/me/subjects",
        headers=me,
        json={"kind": "person", "name": name, "id_number": id_number},
    )
    assert refused.status_code == 422
    assert refused.json["errors"] == {"id_number": ["请先阅读并同意《身份证号收集使用说明》"]}
    texts = client.get("/api/v1/privacy").json
    version = next(c["version"] for c in texts["consents"] if c["purpose"] == "id_number")
    agreed = client.post(
        "/api/v1/me/consents", headers=me, json={"purpose": "id_number", "version": version}
    )
    assert agreed.status_code == 200 and agreed.json["current"], agreed.json

    # bind myself: name + 身份证号, checked against the imported profile
    bound = client.post(
        "/api/v1/me/subjects",
        headers=me,
        json={"kind": "person", "name": name, "id_number": id_number},
    )
    assert bound.status_code in (200, 201), bound.json
    assert id_number not in bound.text and bound.json["identifier"] == mask_id_number(id_number)

    # my policies list the item, eligible, with an amount and a reason
    matches = client.get("/api/v1/me/matches", headers=me)
    assert matches.status_code == 200
    card = next(c for c in matches.json if c["item"]["id"] == item_id)
    assert card["verdict"] == "eligible" and card["amount_fen"] == 1_000_000
    assert card["reason"]

    # the item's page explains why, for my subject only
    detail = client.get(f"/api/v1/items/{item_id}", headers=me)
    assert detail.status_code == 200
    (mine,) = detail.json["mine"]
    assert mine["subject_id"] == subject.id and mine["verdict"] == "eligible"

    # the calculator agrees (the same evaluator), and says what a change would do
    calc = client.post("/api/v1/calculator", headers=me, json={"subject_id": subject.id})
    assert calc.status_code == 200, calc.json
    result = next(r for r in calc.json["items"] if r["item"]["id"] == item_id)
    assert result["verdict"] == "eligible" and result["amount"]["fen"] == 1_000_000
    assert result["amount"]["trace"]  # how the amount was worked out

    # three taps on "subscribe" (each popup allows one more message per template); WeChat
    # counts them too
    for template_id in (CLAIM_TEMPLATE, PAYOUT_TEMPLATE):
        wx.grant("o-journey", template_id, 3)
    results = {CLAIM_TEMPLATE: "accept", PAYOUT_TEMPLATE: "accept"}
    for _ in range(3):
        subscribed = client.post("/api/v1/me/subscriptions", headers=me, json={"results": results})
        assert subscribed.status_code == 200, subscribed.json

    # one tap: materials, then the claim (a double tap makes one claim)
    material_ids = cf.upload_all(client, me)
    body = {"item_id": item_id, "subject_id": subject.id, "material_ids": material_ids}
    claim = cf.submit(client, me, body, key="journey-tap-1")
    again = cf.submit(client, me, body, key="journey-tap-1")
    assert claim.status_code == 201 and again.status_code == 200
    assert again.json["id"] == claim.json["id"]
    claim_id = claim.json["id"]

    # the department reviews, approves and pays
    factories.staff(session, "shenhe", f"reviewer:{cf.DEPARTMENT}")
    staff = factories.login(client, "shenhe")
    for step, payload in (
        ("review", {}),
        ("approve", {}),
        ("pay", {"paid_fen": 1_000_000, "payment_ref": "PAY-2026-0001"}),
    ):
        answer = client.post(f"/api/v1/admin/claims/{claim_id}/{step}", headers=staff, json=payload)
        assert answer.status_code == 200, (step, answer.json)

    followed = client.get(f"/api/v1/claims/{claim_id}", headers=me)
    assert followed.json["status"] == "paid"
    steps = [e["to_status"] for e in followed.json["timeline"]]
    assert steps == ["submitted", "reviewing", "approved", "paid"]

    # each step wrote a message: in the inbox, and pushed to the phone
    inbox = client.get("/api/v1/me/messages", headers=me, query_string={"page_size": 50})
    got = [m["kind"] for m in inbox.json]
    assert got.count("claim_status") == 3 and got.count("payout_done") == 1
    counts = dispatcher_for(app).run()
    pushed = [m for m in wx.messages() if m["touser"] == "o-journey"]
    assert counts["sent"] == 4 and len(pushed) == 4, counts
    assert {m["page"] for m in pushed} == {f"pages/claim/claim?id={claim_id}&from=push"}
    paid = next(m for m in pushed if m["template_id"] == PAYOUT_TEMPLATE)
    assert paid["data"]["amount2"]["value"] == "¥10000.00"  # one currency symbol, as WeChat wants

    summary = client.get("/api/v1/me/summary", headers=me)
    assert summary.json["received_fen"] >= 1_000_000


def test_user_a_gets_404_on_every_one_of_user_bs_objects(app, client, session, database) -> None:
    demo_world(session, database)
    item_id = cf.item_id(session)
    mine, theirs = cf.eligible_now(session, item_id, 2)
    granted = session.scalars(select(Grant).order_by(Grant.id)).all()
    their_grant = granted[0]
    a, b = wechat_user(session, "o-user-a"), wechat_user(session, "o-user-b")
    bind(session, a, mine)
    bind(session, b, theirs)
    bind(session, b, their_grant.subject_id)
    head_a, head_b = headers(app, a), headers(app, b)
    their_message = pf.new_match(session, theirs, "残疾人两项补贴")
    claim = cf.submit(
        client,
        head_b,
        {"item_id": item_id, "subject_id": theirs, "material_ids": cf.upload_all(client, head_b)},
        key="their-claim-0001",
    ).json
    their_material = cf.upload(client, head_b, "营业执照", cf.PDF, "b.pdf").json["id"]

    attempts = [
        ("get", f"/api/v1/claims/{claim['id']}", None),
        ("get", f"/api/v1/claims/{claim['id']}/materials/{claim['materials'][0]['id']}", None),
        ("post", f"/api/v1/claims/{claim['id']}/withdraw", {}),
        ("post", f"/api/v1/claims/{claim['id']}/resubmit", {"material_ids": []}),
        ("post", f"/api/v1/me/grants/{their_grant.id}/confirm", {}),
        ("post", f"/api/v1/me/grants/{their_grant.id}/decline", {}),
        ("post", f"/api/v1/me/messages/{their_message}/read", None),
        ("delete", f"/api/v1/me/subjects/{theirs}", None),
        ("post", "/api/v1/calculator", {"subject_id": theirs}),
    ]
    for method, path, body in attempts:
        answer = getattr(client, method)(path, headers=head_a, json=body)
        assert answer.status_code == 404, (method, path, answer.status_code, answer.json)
    claim_for_them = cf.submit(
        client,
        head_a,
        {"item_id": item_id, "subject_id": theirs, "material_ids": cf.upload_all(client, head_a)},
        key="claim-for-them-01",
    )
    assert claim_for_them.status_code == 404
    using_their_file = cf.submit(
        client,
        head_a,
        {"item_id": item_id, "subject_id": mine, "material_ids": [their_material]},
        key="their-file-000001",
    )
    assert using_their_file.status_code in (404, 422)  # their file is not mine to use

    # lists hold only mine
    assert all(
        c["subject"]["id"] != theirs for c in client.get("/api/v1/me/matches", headers=head_a).json
    )
    assert client.get("/api/v1/claims", headers=head_a).json == []
    assert all(
        g["id"] != their_grant.id for g in client.get("/api/v1/me/grants", headers=head_a).json
    )
    inbox = client.get("/api/v1/me/messages", headers=head_a).json
    assert all(m["id"] != their_message for m in inbox)
    detail = client.get(f"/api/v1/items/{item_id}", headers=head_a).json
    assert {s["subject_id"] for s in detail["mine"]} == {mine}
    # and B still sees theirs: nothing above changed them
    assert client.get(f"/api/v1/claims/{claim['id']}", headers=head_b).json["status"] == "submitted"
    assert session.get(OutboxMessage, their_message).read_at is None
