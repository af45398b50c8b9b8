"""A few weeks of use, played in a second: demo residents claim, reviewers decide, payouts go.

A newcomer opening the console after `make run` should find every page with something in it:
claims in each state with their materials (a photo and a PDF), 免申即享 grants confirmed and
paid, residents who agreed to hear from us, pushes on their way, a 驾驶舱 snapshot. Nothing here
writes rows itself: residents upload, submit and confirm through services.claims, staff review
and pay through the same calls the admin API makes (so each step is audited and notified), and
the matcher and the dashboard are the jobs' own functions.

The residents are population subjects (never the showcase identities: those stay fresh for the
newcomer to bind and claim), each bound to a fictional WeChat user `demo-resident-N`.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import (
    Database,
    Department,
    Grant,
    GrantStatus,
    Policy,
    PolicyItem,
    PolicyItemVersion,
    ResidentConsent,
    StaffUser,
    Subject,
    SubjectBinding,
    WeChatUser,
    vault_of,
)
from rules.catalog import FactType
from services import (
    claims,
    dashboard,
    matching,
    profiles,
    residents,
    subscriptions,
    supplements,
)
from services import staff as staff_service
from services.audit import Actor
from services.demo._showcase import load_showcase
from services.errors import InvalidInput
from services.storage import Storage

OPENID = "demo-resident-{}"
# (item code, what happens to each claim in turn): the 民政局 item's claims are the demo
# reviewer's (the demo city has few poor residents over 80 besides the showcase's 王秀英: two),
# the others the admin's
PLAYS = (
    ("LC-MZ-2025-01-03", ("submitted", "returned")),
    ("LC-CL-2025-01-02", ("submitted", "reviewing", "approved")),
    ("LC-RS-2025-03-01", ("submitted", "submitted", "rejected", "paid")),
)
RETURN_REASON = "身份证照片不清晰，请重新拍摄上传"
REJECT_REASON = "经核查，申请期间已在单位参加职工养老保险，不属于灵活就业"
RATINGS: dict[str, tuple[int, str]] = {  # 好差评 the demo residents give: score, comment
    "paid": (5, "全程在手机上办，没跑一趟"),
    "rejected": (3, "没通过，但原因说得清楚"),
}
# what the demo resident declares, by the type of the fact missing
DECLARED: dict[FactType, Callable[[Any], Any]] = {
    FactType.BOOLEAN: lambda fact: True,
    FactType.ENUM: lambda fact: fact.values[0],
    FactType.INTEGER: lambda fact: int(fact.minimum or 1),
}
CARD = "6222021234567890128"  # a fictional bank card number (its Luhn check digit holds)


def play_activity(
    *, database: Database, storage: Storage, template_ids: Mapping[str, str]
) -> dict[str, int]:
    """Match the demo, then claim, review, pay and confirm through the services; return counts.

    Needs the demo staff (create_demo_staff): their decisions are theirs in the audit log."""
    matching.process_changes(database)
    counts = {"claims": 0, "ratings": 0, "grants_confirmed": 0, "grants_paid": 0}
    with database.session() as session:
        admin = _actor(session, "demo-admin")
        if admin is None:
            raise InvalidInput("请先创建演示工作人员", errors={"staff": ["demo-admin 不存在"]})
        reviewer = _actor(session, "demo-reviewer") or admin
        users = iter(range(1, 1000))
        for code, fates in PLAYS:
            item = session.scalar(select(PolicyItem).where(PolicyItem.code == code))
            if item is None or item.current_version_id is None:
                continue
            acting = reviewer if _department_code(session, item) == "LC-MZ" else admin
            for subject_id, fate in zip(_eligible(session, item), fates, strict=False):
                user = _resident(session, next(users), subject_id, template_ids)
                claim_id = _claim(session, storage, user, item, subject_id)
                _decide(session, acting, claim_id, fate)
                counts["claims"] += 1
                if fate in RATINGS:
                    score, comment = RATINGS[fate]
                    claims.rate_claim(
                        session=session,
                        wechat_user_id=user,
                        claim_id=claim_id,
                        score=score,
                        comment=comment,
                    )
                    counts["ratings"] += 1
        for index, grant in enumerate(_grants(session, 4)):
            user = _resident(session, next(users), grant.subject_id, template_ids)
            claims.confirm_grant(
                session=session, wechat_user_id=user, grant_id=grant.id, bank_card=CARD
            )
            counts["grants_confirmed"] += 1
            if index < 2:
                claims.pay_grant(
                    session=session,
                    actor=admin,
                    grant_id=grant.id,
                    payment_ref=f"GL-DEMO-{grant.id:06d}",
                )
                counts["grants_paid"] += 1
        counts["supplements"] = _supplement(session, storage, next(users), template_ids)
        dashboard.build_snapshot(session)
    return counts


def _actor(session: Session, username: str) -> Actor | None:
    staff = session.scalar(select(StaffUser).where(StaffUser.username == username))
    return None if staff is None else staff_service.actor_of(staff)


def _department_code(session: Session, item: PolicyItem) -> str | None:
    return session.scalar(
        select(Department.code)
        .join(Policy, Policy.department_id == Department.id)
        .where(Policy.id == item.policy_id)
    )


def _supplement(
    session: Session, storage: Storage, number: int, template_ids: Mapping[str, str]
) -> int:
    """One resident of a 民政局 item undecided for want of a yes/no, a choice or a count declares
    it with a photo (补充信息), for `demo-reviewer` to decide; return how many (0 or 1)."""
    items = session.scalars(
        select(PolicyItem)
        .join(Policy, Policy.id == PolicyItem.policy_id)
        .join(Department, Department.id == Policy.department_id)
        .where(Department.code == "LC-MZ", PolicyItem.subject_type == "person")
        .order_by(PolicyItem.id)
    )
    for item in items:
        for subject_id in _eligible(session, item, word="unknown")[:20]:
            subject = session.get(Subject, subject_id)
            assert subject is not None
            declarable = supplements.declarable_facts(session, subject, item.id)
            fact = next((f for f in declarable.values() if f.type in DECLARED), None)
            if fact is None:
                continue
            user = _resident(session, number, subject_id, template_ids)
            photo = claims.upload_material(
                session=session,
                storage=storage,
                wechat_user_id=user,
                name="证明材料",
                filename="照片.png",
                data=photo_png(),
            )
            supplements.declare_fact(
                session=session,
                actor=Actor(kind="resident", id=user, name=f"wechat_user:{user}"),
                wechat_user_id=user,
                subject_id=subject_id,
                item_id=item.id,
                fact=fact.name,
                value=DECLARED[fact.type](fact),
                material_ids=[photo.id],
                note="档案里没有这项，附上证件照片",
            )
            return 1
    return 0


def _eligible(session: Session, item: PolicyItem, word: str = "eligible") -> list[int]:
    """The item's subjects of this verdict today, in id order: none bound to anyone yet, none
    of the showcase."""
    version = item.current_version_id
    if version is None:
        return []
    rules = matching.compiled_versions(session, {version: item.subject_type})[version]
    bound = set(session.scalars(select(SubjectBinding.subject_id))) | _showcase(session)
    today = matching.today_local()
    return [
        subject.id
        for subject in session.scalars(
            select(Subject).where(Subject.kind == item.subject_type).order_by(Subject.id)
        )
        if subject.id not in bound and rules.verdict(subject.facts or {}, today).word == word
    ]


def _showcase(session: Session) -> set[int]:
    vault = vault_of(session)
    hashes = [
        profiles.identity_hash(
            vault, kind=kind, identifier=entry["id_number" if kind == "person" else "uscc"]
        )
        for kind, entries in load_showcase().items()
        for entry in entries
    ]
    return set(session.scalars(select(Subject.id).where(Subject.identity_hash.in_(hashes))))


def _resident(
    session: Session, number: int, subject_id: int, template_ids: Mapping[str, str]
) -> int:
    """A WeChat user bound to the subject, who agreed to the privacy guide and the collection
    of the 身份证号 and a bank card, and to every subscribe message once."""
    user = WeChatUser(appid="wx0000000000000000", openid=OPENID.format(number))
    session.add(user)
    session.flush()
    for purpose, text in residents.CONSENT_TEXTS.items():
        session.add(
            ResidentConsent(wechat_user_id=user.id, purpose=purpose, version=text["version"])
        )
    session.add(
        SubjectBinding(
            wechat_user_id=user.id, subject_id=subject_id, relation="self", verified_by="demo"
        )
    )
    session.commit()
    subscriptions.record_client_results(
        session=session,
        wechat_user_id=user.id,
        results={template: "accept" for template in template_ids.values()},
        template_ids=template_ids,
        long_term_templates=(),
    )
    return user.id


def _claim(session: Session, storage: Storage, user: int, item: PolicyItem, subject: int) -> int:
    """Upload each required material (a photo, or a PDF where photos are not taken), submit."""
    version = session.get(PolicyItemVersion, item.current_version_id)
    materials = version.materials if version is not None else []
    ids = []
    for material in materials:
        if not material["required"]:
            continue
        photo = "png" in material["types"]
        data, filename = (photo_png(), "照片.png") if photo else (letter_pdf(), "证明.pdf")
        uploaded = claims.upload_material(
            session=session,
            storage=storage,
            wechat_user_id=user,
            name=material["name"],
            filename=filename,
            data=data,
        )
        ids.append(uploaded.id)
    view, _ = claims.submit_claim(
        session=session,
        wechat_user_id=user,
        idempotency_key=f"demo-claim-{user}",
        item_id=item.id,
        subject_id=subject,
        material_ids=ids,
    )
    return view.claim.id


MOVES: dict[str, tuple[tuple[Callable[..., Any], dict[str, Any]], ...]] = {
    "submitted": (),
    "reviewing": ((claims.review_claim, {}),),
    "returned": ((claims.review_claim, {}), (claims.return_claim, {"reason": RETURN_REASON})),
    "rejected": ((claims.review_claim, {}), (claims.reject_claim, {"reason": REJECT_REASON})),
    "approved": ((claims.review_claim, {}), (claims.approve_claim, {})),
    "paid": (
        (claims.review_claim, {}),
        (claims.approve_claim, {}),
        (claims.pay_claim, {"payment_ref": "GL-DEMO-{claim_id:06d}"}),
    ),
}


def _decide(session: Session, actor: Actor, claim_id: int, fate: str) -> None:
    for call, arguments in MOVES[fate]:
        filled = {
            key: value.format(claim_id=claim_id) if isinstance(value, str) else value
            for key, value in arguments.items()
        }
        call(session=session, actor=actor, claim_id=claim_id, **filled)


def _grants(session: Session, count: int) -> list[Grant]:
    """Grants waiting for their resident to confirm, of subjects nobody has bound yet."""
    bound = [*session.scalars(select(SubjectBinding.subject_id)), *_showcase(session)]
    return list(
        session.scalars(
            select(Grant)
            .where(
                Grant.status == GrantStatus.GRANTED,
                Grant.amount_fen.is_not(None),
                Grant.subject_id.not_in(bound),
            )
            .order_by(Grant.id)
            .limit(count)
        )
    )


@cache
def photo_png(width: int = 480, height: int = 300) -> bytes:
    """A picture of a card: a blue band, grey lines of 'text', a red seal (no text: no fonts)."""
    rows = []
    for y in range(height):
        row = bytearray(b"\x00")  # filter: none
        for x in range(width):
            colour = (250, 250, 246)
            if y < 56:
                colour = (41, 98, 178)
            elif 90 <= y < 250 and (y - 90) % 32 < 10 and 40 <= x < 300 - (y % 3) * 40:
                colour = (190, 190, 190)
            elif (x - 380) ** 2 + (y - 180) ** 2 <= 55**2 and (x - 380) ** 2 + (
                y - 180
            ) ** 2 >= 47**2:
                colour = (204, 40, 40)
            row += bytes(colour)
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 6))
        + chunk(b"IEND", b"")
    )


def letter_pdf() -> bytes:
    """A one-page PDF letter (ASCII only: the standard fonts hold no Chinese)."""
    text = b"BT /F1 18 Tf 72 720 Td (Demo material - sample certificate) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    table = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        table,
    )
    return bytes(out)
