"""Consent (个人信息保护法 第十四条、第二十九条): the 隐私保护指引, and a separate consent before
the 身份证号 or a bank card is collected, each recorded with the version of the text agreed to.

The texts live here, versioned: changing a text means a new version, and a resident who agreed to
an older one is asked again (their earlier consent no longer counts for collection). A consent can
be withdrawn (撤回同意); what was collected under it stays as long as the purpose needs it (the
binding, a grant's payout), and nothing new is collected without a fresh consent.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models import ResidentConsent
from models.clock import utcnow
from services.audit import Actor, record
from services.errors import InvalidInput

PRIVACY_VERSION = "2026-12-01"

PRIVACY_GUIDE: dict[str, Any] = {
    "title": "政策快享隐私保护指引",
    "version": PRIVACY_VERSION,
    "operator": "聊城市政策快享服务运营单位",
    "sections": [
        {
            "heading": "我们收集哪些信息、为了什么",
            "paragraphs": [
                "微信身份标识（openid）：用于登录，区分您和其他用户。",
                "手机号（您点「使用微信手机号」授权后）：用于办理过程中工作人员联系您。",
                "身份证号（您单独同意后）：用于核验身份、找到您的档案，判断您能享受哪些政策。",
                "银行卡号（您单独同意后）：仅用于把补贴发放到您指定的账户。",
                "照片和文件（您选择上传时）：作为申请或补充信息的证明材料。",
            ],
        },
        {
            "heading": "我们如何保存和保护",
            "paragraphs": [
                "身份证号、手机号、银行卡号加密保存，页面和消息中只显示部分号码。",
                "工作人员的每次查看和操作都记录在审计日志中。",
                "数据保存在境内服务器，不向第三方出售或提供，法律法规另有规定的除外。",
            ],
        },
        {
            "heading": "您的权利",
            "paragraphs": [
                "您可以在「我的」中查看已绑定的身份、解除绑定、撤回对身份证号和银行卡的同意。",
                "您可以注销账号：账号、手机号、绑定关系和登录记录会被删除；"
                "依法需要保存的申请和发放记录会保留，但不再与您的微信关联。",
                "如有疑问，可拨打 12345 政务服务便民热线。",
            ],
        },
    ],
}

# purpose -> (the text shown before collecting, its version)
CONSENT_TEXTS: dict[str, dict[str, str]] = {
    "privacy": {
        "title": "隐私保护指引",
        "version": PRIVACY_VERSION,
        "text": "我已阅读并同意《政策快享隐私保护指引》。",
    },
    "id_number": {
        "title": "身份证号收集使用说明",
        "version": "2026-12-01",
        "text": (
            "为核验您的身份并找到您的档案，我们需要收集您的姓名和身份证号。"
            "身份证号属于敏感个人信息，加密保存，仅用于身份核验、政策匹配和办理，"
            "不会用于其他用途。您可以随时在「我的」中撤回同意或注销账号。"
        ),
    },
    "bank_card": {
        "title": "银行卡号收集使用说明",
        "version": "2026-12-01",
        "text": (
            "为将补贴发放到您的账户，我们需要收集您的银行卡号。"
            "银行卡号属于敏感个人信息，加密保存，仅提供给承担发放的部门和银行用于打款，"
            "发放完成后不再用于其他用途。"
        ),
    },
}
PURPOSES = tuple(CONSENT_TEXTS)


def consent_texts() -> dict[str, Any]:
    """Return the privacy guide and every consent text with its version (public)."""
    return {
        "guide": PRIVACY_GUIDE,
        "consents": [{"purpose": purpose, **text} for purpose, text in CONSENT_TEXTS.items()],
    }


def _checked_purpose(purpose: str) -> str:
    if purpose not in CONSENT_TEXTS:
        message = f"purpose 应为 {'、'.join(PURPOSES)} 之一"
        raise InvalidInput(message, errors={"purpose": [message]})
    return purpose


def grant_consent(
    *, session: Session, actor: Actor, wechat_user_id: int, purpose: str, version: str
) -> dict[str, Any]:
    """Record the resident's consent to the current text of `purpose`; commit.

    A version other than the current one is refused: the resident read an older text.
    Agreeing again to the same version answers the consent already recorded.
    """
    current = CONSENT_TEXTS[_checked_purpose(purpose)]["version"]
    if version != current:
        message = f"说明已更新（当前版本 {current}），请重新阅读后再同意"
        raise InvalidInput(message, errors={"version": [message]})
    row = session.scalars(
        select(ResidentConsent).where(
            ResidentConsent.wechat_user_id == wechat_user_id,
            ResidentConsent.purpose == purpose,
            ResidentConsent.version == version,
        )
    ).one_or_none()
    if row is None:
        row = ResidentConsent(wechat_user_id=wechat_user_id, purpose=purpose, version=version)
        session.add(row)
    elif row.withdrawn_at is None:
        return _described(row)
    row.granted_at = utcnow()
    row.withdrawn_at = None
    session.flush()
    record(session, actor, "consent.grant", row, after={"purpose": purpose, "version": version})
    session.commit()
    return _described(row)


def withdraw_consent(*, session: Session, actor: Actor, wechat_user_id: int, purpose: str) -> None:
    """Withdraw every standing consent of the resident to `purpose`; commit."""
    _checked_purpose(purpose)
    rows = session.scalars(
        select(ResidentConsent).where(
            ResidentConsent.wechat_user_id == wechat_user_id,
            ResidentConsent.purpose == purpose,
            ResidentConsent.withdrawn_at.is_(None),
        )
    ).all()
    now = utcnow()
    for row in rows:
        row.withdrawn_at = now
        record(session, actor, "consent.withdraw", row, after={"purpose": purpose})
    session.commit()


def list_consents(*, session: Session, wechat_user_id: int) -> list[dict[str, Any]]:
    """Return, per purpose, the resident's latest consent and whether it covers the current
    text (`current`); purposes never agreed to are listed with `granted_at` None."""
    rows = session.scalars(
        select(ResidentConsent)
        .where(ResidentConsent.wechat_user_id == wechat_user_id)
        .order_by(ResidentConsent.id)
    ).all()
    latest = {row.purpose: row for row in rows}
    answer = []
    for purpose, text in CONSENT_TEXTS.items():
        row = latest.get(purpose)
        if row is None:
            answer.append(
                {
                    "purpose": purpose,
                    "version": None,
                    "current_version": text["version"],
                    "granted_at": None,
                    "withdrawn_at": None,
                    "current": False,
                }
            )
        else:
            answer.append(_described(row))
    return answer


def require_consent(session: Session, wechat_user_id: int, purpose: str, field: str) -> None:
    """Raise naming `field` unless the resident consents to the current text of `purpose`."""
    current = CONSENT_TEXTS[purpose]["version"]
    found = session.scalar(
        select(ResidentConsent.id).where(
            ResidentConsent.wechat_user_id == wechat_user_id,
            ResidentConsent.purpose == purpose,
            ResidentConsent.version == current,
            ResidentConsent.withdrawn_at.is_(None),
        )
    )
    if found is None:
        title = CONSENT_TEXTS[purpose]["title"]
        message = f"请先阅读并同意《{title}》"
        raise InvalidInput(message, errors={field: [message]})


def forget_consents(session: Session, wechat_user_id: int) -> None:
    """Withdraw the consents of an account being deleted (the rows stay as the record)."""
    session.execute(
        update(ResidentConsent)
        .where(
            ResidentConsent.wechat_user_id == wechat_user_id,
            ResidentConsent.withdrawn_at.is_(None),
        )
        .values(withdrawn_at=utcnow())
    )


def _described(row: ResidentConsent) -> dict[str, Any]:
    current = CONSENT_TEXTS[row.purpose]["version"]
    return {
        "purpose": row.purpose,
        "version": row.version,
        "current_version": current,
        "granted_at": row.granted_at,
        "withdrawn_at": row.withdrawn_at,
        "current": row.version == current and row.withdrawn_at is None,
    }
