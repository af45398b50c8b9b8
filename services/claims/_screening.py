"""Resident text that staff read (a claim's answers, a withdrawal's reason) goes through WeChat's
content security check (msgSecCheck v2) before anything is written.

`risky` refuses the request with a 422 naming the field; `review` lets it through (staff read it
anyway). When WeChat cannot check — it has not seen the user in two hours (61010), it is down,
the openid is unknown to it — the text is let through and a warning logged: a resident must not
lose a subsidy claim because a checker is away, and the text reaches only staff. Digits-only
answers (a phone number, an amount) are not sent: they carry no content to check and are
personal data WeChat has no need of.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Protocol

from sqlalchemy.orm import Session

from models import WeChatUser
from services.errors import InvalidInput

log = logging.getLogger(__name__)
SCENE = 1  # msgSecCheck's 资料 scene: text a user fills in about themselves
RISKY = "risky"
REFUSED = "内容可能含有违规信息，请修改后再提交"


class ContentChecker(Protocol):
    """What screening needs of notify.wechat.WeChatGateway."""

    def msg_sec_check(self, *, openid: str, content: str, scene: int = 2) -> dict[str, Any]: ...


def screen_texts(
    *, session: Session, checker: ContentChecker, wechat_user_id: int, texts: Mapping[str, Any]
) -> None:
    """Check each text (by field name) with msgSecCheck; raise InvalidInput naming the risky
    fields. Nothing is written either way."""
    from notify.wechat import WeChatError

    checked = {
        field: content
        for field, text in texts.items()
        if (content := str(text or "").strip())
        and not content.replace(" ", "").replace("-", "").replace("+", "").isdigit()
    }
    if not checked:  # nothing to check: no read (on SQLite a transaction takes the write lock)
        return
    user = session.get(WeChatUser, wechat_user_id)
    if user is None:
        return
    openid = user.openid
    session.commit()  # hold no transaction (nor SQLite's write lock) while WeChat answers
    risky: dict[str, list[str]] = {}
    for field, content in checked.items():
        try:
            verdict = checker.msg_sec_check(openid=openid, content=content, scene=SCENE)
        except WeChatError as exc:
            log.warning(
                "msg_sec_check could not check %s (errcode=%s): let through", field, exc.errcode
            )
            continue
        if verdict.get("suggest") == RISKY:
            risky[field] = ["含有不宜提交的内容，请修改"]
        elif verdict.get("suggest") != "pass":
            log.info(
                "msg_sec_check %s: %s (label %s), let through for staff",
                field,
                verdict.get("suggest"),
                verdict.get("label"),
            )
    if risky:
        raise InvalidInput(REFUSED, errors=risky)


def form_texts(form: Mapping[str, Any] | None, prefix: str = "form") -> dict[str, Any]:
    """A claim form's answers keyed by field path (form.备注 …)."""
    return {f"{prefix}.{name}": value for name, value in (form or {}).items()}
