"""A claim's 联系电话 is personal data like every phone we hold (docs/claims.md, Personal data).

The resident's answers are kept in the claim's form as staff and the resident read them; the
phone among them (`phone`, or `联系电话` from callers that name it in words) is checked, sealed
into `claims.contact_phone_enc` and left in the answers masked (138****5678). A reviewer who has
to call reads the number through an audited endpoint (`contact_phone`). A submission's
idempotency fingerprint is a keyed hash, so it gives no phone away either.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Claim, vault_of
from rules.identifiers import check_contact_phone, mask_phone
from services import audit
from services.audit import Actor
from services.claims._review import visible_claim
from services.errors import InvalidInput, NotFound

PHONE_KEYS = ("phone", "联系电话")
CONTEXT = "claim.contact_phone"
FINGERPRINT_CONTEXT = "claim.fingerprint"


def seal_answers(
    session: Session, claim: Claim, answers: dict[str, str], *, keep_phone: bool = False
) -> dict[str, str]:
    """Return the answers to keep, the phone masked; seal the phone into the claim. Answers
    without a phone clear the sealed one, unless `keep_phone` (a resubmission that does not
    send the phone again keeps the one given). A number that is neither a mobile nor a fixed
    line with its area code is refused with its field named (form.phone)."""
    kept = dict(answers)
    if keep_phone and not any((kept.get(key) or "").strip() for key in PHONE_KEYS):
        before = (claim.form or {}).get("answers") or {}
        kept.update({key: before[key] for key in PHONE_KEYS if before.get(key)})
        return kept
    sealed = None
    for key in PHONE_KEYS:
        text = (kept.get(key) or "").strip()
        if not text:
            kept.pop(key, None)
            continue
        try:
            number = check_contact_phone(text)
        except ValueError as error:
            raise InvalidInput(
                f"联系电话有误：{error}", errors={f"form.{key}": [str(error)]}
            ) from None
        sealed = vault_of(session).encrypt(number, context=CONTEXT)
        kept[key] = mask_phone(number)
    claim.contact_phone_enc = sealed
    return kept


def fingerprint(session: Session, document: dict[str, Any]) -> str:
    """A keyed digest of a submission (its item, subject, answers and materials): equal for a
    retry, and no dictionary of phone numbers can reverse it."""
    text = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return vault_of(session).lookup_hash(text, context=FINGERPRINT_CONTEXT).hex()


def contact_phone(*, session: Session, actor: Actor, claim_id: int) -> dict[str, Any]:
    """Return a claim's 联系电话 in clear for its reviewer (audited: who read whose number)."""
    claim = visible_claim(session, actor, claim_id)
    if claim.contact_phone_enc is None:
        raise NotFound("申请人未留联系电话")
    number = vault_of(session).decrypt(claim.contact_phone_enc, context=CONTEXT)
    audit.record(session, actor, "claim.contact_read", claim, after={"claim_no": claim.claim_no})
    session.commit()
    return {"claim_id": claim.id, "phone": number}


def seal_clear_phones(session: Session, batch: int = 500) -> int:
    """Seal the 联系电话 that claims made before this rule still hold in clear; return how many.
    Run by `kuaixiang db upgrade`; a claim already sealed (its phone masked) is left alone."""
    done, after = 0, 0
    while True:
        rows = list(
            session.scalars(
                select(Claim)
                .where(Claim.id > after, Claim.contact_phone_enc.is_(None))
                .order_by(Claim.id)
                .limit(batch)
            )
        )
        if not rows:
            break
        for claim in rows:
            answers = (claim.form or {}).get("answers") or {}
            clear = [k for k in PHONE_KEYS if "*" not in str(answers.get(k) or "*")]
            if not clear:
                continue
            try:
                kept = seal_answers(session, claim, answers)
            except InvalidInput:  # never a mobile number: masked as typed, not sealed
                kept = {**answers, **{k: mask_phone(str(answers[k])) for k in clear}}
            claim.form = {**claim.form, "answers": kept}
            done += 1
        after = rows[-1].id
        session.commit()
    return done
