"""A claim's 联系电话 is personal data: sealed at rest, masked to the resident and the reviewer,
read in full only by the claim's reviewer through an audited call, erased with the account."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.cli import cli
from models import AuditEntry, Claim, ClaimMaterial, WeChatUser, vault_of
from services import claims
from services.claims._contact import CONTEXT
from services.residents._auth import PHONE_CONTEXT
from tests import factories
from tests.claim_factories import DEPARTMENT, claim_world, submit, upload_all

ADMIN = "/api/v1/admin/claims"
PHONE = "13800001234"


def _row(session: Session, claim_id: int) -> Claim:
    session.rollback()
    claim = session.get(Claim, claim_id)
    assert claim is not None
    session.refresh(claim)
    return claim


def _claim_with(client: FlaskClient, world, form: dict | None, **more):  # type: ignore[no-untyped-def]
    """Submit a claim for the first subject with these answers (and other body fields)."""
    head = world.headers()
    body = {
        "item_id": world.item_id,
        "subject_id": world.subjects[0],
        "material_ids": upload_all(client, head),
        **({"form": form} if form is not None else {}),
        **more,
    }
    return submit(client, head, body, "contact-0001")


def test_the_phone_is_sealed_masked_to_everyone_and_read_in_full_only_by_its_reviewer(
    app: Flask, client: FlaskClient, session: Session, database
) -> None:
    world = claim_world(app, session, database, residents=1)
    made = _claim_with(client, world, {"phone": "138 0000 1234", "note": "白天都方便"})
    assert made.status_code == 201, made.json
    claim_id = made.json["id"]

    # the resident reads it back masked, the note as written
    assert made.json["form"]["answers"] == {"phone": "138****1234", "note": "白天都方便"}
    mine = client.get(f"/api/v1/claims/{claim_id}", headers=world.headers()).json
    assert mine["form"]["answers"]["phone"] == "138****1234"

    # at rest: no digit run of the number anywhere in the row; the sealed value opens to it
    row = _row(session, claim_id)
    assert PHONE not in repr(row.form) and "00001234" not in repr(row.form)
    assert row.contact_phone_enc is not None
    assert vault_of(session).decrypt(row.contact_phone_enc, context=CONTEXT) == PHONE

    # the reviewer sees it masked on the claim, and in full only by asking (audited)
    factories.staff(session, "reviewer-contact", f"reviewer:{DEPARTMENT}")
    staff = factories.login(client, "reviewer-contact")
    shown = client.get(f"{ADMIN}/{claim_id}", headers=staff).json
    assert shown["form"]["answers"]["phone"] == "138****1234"
    read = client.get(f"{ADMIN}/{claim_id}/contact", headers=staff)
    assert read.status_code == 200 and read.json == {"claim_id": claim_id, "phone": PHONE}
    assert read.headers["Cache-Control"] == "no-store"
    session.rollback()
    audits = session.scalars(
        select(AuditEntry).where(
            AuditEntry.action == "claim.contact_read", AuditEntry.object_id == str(claim_id)
        )
    ).all()
    assert len(audits) == 1 and PHONE not in repr(audits[0].after)

    # another department's reviewer does not learn the claim exists; a resident is not staff
    factories.staff(session, "reviewer-other", "reviewer:LC-MZ")
    other = factories.login(client, "reviewer-other")
    assert client.get(f"{ADMIN}/{claim_id}/contact", headers=other).status_code == 404
    assert client.get(f"{ADMIN}/{claim_id}/contact", headers=world.headers()).status_code == 401


def test_a_phone_that_cannot_be_called_back_is_refused_by_field_and_nothing_is_written(
    app: Flask, client: FlaskClient, session: Session, database
) -> None:
    world = claim_world(app, session, database, residents=1)
    refused = _claim_with(client, world, {"phone": "8888888"})
    assert refused.status_code == 422
    assert refused.json["errors"] == {"form.phone": ["手机号码应为11位数字"]}
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Claim)) == 0
    attached = (
        select(func.count()).select_from(ClaimMaterial).where(ClaimMaterial.claim_id.is_not(None))
    )
    assert session.scalar(attached) == 0


def test_a_fixed_line_with_its_area_code_is_a_contact_phone_too(
    app: Flask, client: FlaskClient, session: Session, database
) -> None:
    world = claim_world(app, session, database, residents=1)
    made = _claim_with(client, world, {"phone": "0635-8888888"})
    assert made.status_code == 201, made.json
    assert made.json["form"]["answers"] == {"phone": "063****8888"}
    row = _row(session, made.json["id"])
    assert vault_of(session).decrypt(row.contact_phone_enc, context=CONTEXT) == "06358888888"


def test_the_account_phone_is_sealed_too_and_deleting_the_account_erases_it(
    app: Flask, client: FlaskClient, session: Session, database
) -> None:
    world = claim_world(app, session, database, residents=1)
    user = session.get(WeChatUser, world.users[0].id)
    assert user is not None
    user.phone_enc = vault_of(session).encrypt("13912345678", context=PHONE_CONTEXT)
    session.commit()
    head = world.headers()
    made = _claim_with(client, world, None, use_account_phone=True)
    assert made.status_code == 201, made.json
    assert made.json["form"]["answers"] == {"phone": "139****5678"}
    claim_id = made.json["id"]
    row = _row(session, claim_id)
    assert vault_of(session).decrypt(row.contact_phone_enc, context=CONTEXT) == "13912345678"

    assert client.delete("/api/v1/me", headers=head).status_code == 204
    row = _row(session, claim_id)
    assert row.contact_phone_enc is None  # gone with the account; the claim itself stays
    factories.staff(session, "reviewer-gone", f"reviewer:{DEPARTMENT}")
    staff = factories.login(client, "reviewer-gone")
    gone = client.get(f"{ADMIN}/{claim_id}/contact", headers=staff)
    assert gone.status_code == 404 and gone.json["message"] == "申请人未留联系电话"


def test_phones_kept_in_clear_before_are_sealed_by_the_upgrade_that_adds_the_column(
    app: Flask, client: FlaskClient, session: Session, database
) -> None:
    world = claim_world(app, session, database, residents=1)
    made = _claim_with(client, world, {"联系电话": PHONE, "note": "请上午联系"})
    claim_id = made.json["id"]
    row = _row(session, claim_id)
    # as a claim made before the rule: the number in the answers, nothing sealed
    row.form = {**row.form, "answers": {"联系电话": PHONE, "note": "请上午联系"}}
    row.contact_phone_enc = None
    session.commit()

    runner = app.test_cli_runner()
    # at head already: nothing is scanned again (a deploy's upgrade does not read every claim)
    again = runner.invoke(cli, ["db", "upgrade"])
    assert again.exit_code == 0 and "sealed" not in again.output
    # the upgrade that adds the sealed column seals what was in clear
    session.close()
    assert runner.invoke(cli, ["db", "downgrade", "4f7694935c78"]).exit_code == 0
    result = runner.invoke(cli, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "sealed the 联系电话 of 1 claims" in result.output
    row = _row(session, claim_id)
    assert row.form["answers"] == {"联系电话": "138****1234", "note": "请上午联系"}
    assert vault_of(session).decrypt(row.contact_phone_enc, context=CONTEXT) == PHONE

    assert claims.seal_clear_phones(session) == 0  # done once


def test_a_resubmission_keeps_the_phone_unless_it_gives_another(
    app: Flask, client: FlaskClient, session: Session, database
) -> None:
    world = claim_world(app, session, database, residents=1)
    made = _claim_with(client, world, {"phone": PHONE, "note": "白天都方便"})
    claim_id = made.json["id"]
    factories.staff(session, "reviewer-again", f"reviewer:{DEPARTMENT}")
    staff = factories.login(client, "reviewer-again")
    path = f"/api/v1/claims/{claim_id}/resubmit"

    def returned() -> None:
        answer = client.post(f"{ADMIN}/{claim_id}/return", json={"reason": "请补充"}, headers=staff)
        assert answer.status_code == 200, answer.json

    # the form again without the phone (given through WeChat, not typed): the phone stays
    returned()
    kept = client.post(path, json={"form": {"note": "已补充"}}, headers=world.headers())
    assert kept.status_code == 200, kept.json
    assert kept.json["form"]["answers"] == {"note": "已补充", "phone": "138****1234"}
    assert client.get(f"{ADMIN}/{claim_id}/contact", headers=staff).json["phone"] == PHONE

    # another number: sealed in its place
    returned()
    changed = client.post(path, json={"form": {"phone": "13912345678"}}, headers=world.headers())
    assert changed.status_code == 200, changed.json
    assert changed.json["form"]["answers"] == {"phone": "139****5678"}
    assert client.get(f"{ADMIN}/{claim_id}/contact", headers=staff).json["phone"] == "13912345678"
