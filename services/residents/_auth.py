"""Resident login with WeChat, refresh tokens (rotated, reuse detected), logout, phone number.

The access token itself is signed by the API layer (api.resident_auth); here live the WeChat
exchange, the WeChatUser row and the refresh sessions. A refresh token is 32 random bytes; only
its keyed hash is stored. Using one rotates it; presenting one that was already rotated means it
was copied, so every session of that user is revoked.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import ResidentSession, WeChatUser, vault_of
from models.clock import utcnow
from notify.wechat_errors import WeChatError, WeChatUnavailable
from rules.identifiers import check_phone, mask_phone
from services.errors import (
    DomainError,
    Forbidden,
    InvalidInput,
    TooManyRequests,
    Unauthorized,
    Unavailable,
)
from services.residents._access import bound_subject_ids
from services.residents._bindings import list_bindings

log = logging.getLogger(__name__)

SESSION_KEY_CONTEXT = "wechat_user.session_key"
PHONE_CONTEXT = "wechat_user.phone"
REFRESH_CONTEXT = "resident.refresh_token"
REFRESH_TOKEN_SECONDS = 30 * 24 * 3600
RELOGIN = "请重新登录"
INVALID_CODES = frozenset({40029, 40163})  # invalid code; code already used


class Gateway(Protocol):
    """The part of notify.wechat.WeChatGateway these use cases need."""

    appid: str

    def code_to_session(self, js_code: str) -> dict[str, str | None]:
        """Exchange a wx.login code."""
        ...

    def get_phone_number(self, code: str, openid: str | None = None) -> dict[str, str]:
        """Exchange a getPhoneNumber code."""
        ...


class WeChatFailed(DomainError):
    """WeChat answered with an error we cannot help with (configuration, unknown errcode)."""

    status = 502


class WeChatBusy(TooManyRequests):
    """WeChat's per-user minute quota (45011): try again in a minute."""

    retry_after = 60


class WeChatDown(Unavailable):
    """WeChat is busy (-1), timed out or unreachable: try again shortly."""

    retry_after = 10


@dataclass(frozen=True)
class LoginResult:
    """A logged-in user and the refresh token to hand back (shown once, stored hashed)."""

    user: WeChatUser
    refresh_token: str
    refresh_expires_in: int
    session_id: int | None = None  # the refresh session: an access token names it (logout ends it)


def login_with_code(*, session: Session, gateway: Gateway, code: str) -> LoginResult:
    """Exchange a wx.login code, upsert the WeChat user, and open a refresh session."""
    try:
        answer = gateway.code_to_session(code)
    except WeChatError as exc:
        raise _login_error(exc) from None
    vault = vault_of(session)
    user, created = _upsert_user(session, gateway.appid, str(answer["openid"]))
    if user.status != "active":
        raise Forbidden("账号已停用，暂时无法登录")
    user.session_key_enc = vault.encrypt(str(answer["session_key"]), context=SESSION_KEY_CONTEXT)
    if answer.get("unionid"):
        user.unionid = str(answer["unionid"])
    user.last_login_at = utcnow()
    token, opened = _open_session(session, user.id)
    session.commit()
    log.info("resident login user=%s new=%s", user.id, created)
    return LoginResult(user, token, REFRESH_TOKEN_SECONDS, opened)


def refresh(*, session: Session, refresh_token: str) -> LoginResult:
    """Rotate a refresh token: the old one is revoked and points at its replacement.

    A token that was already rotated is being replayed — by a thief or by the user after a
    thief — so every session of that user is revoked and both must log in again.
    """
    now = utcnow()
    current = session.scalar(
        select(ResidentSession)
        .where(ResidentSession.token_hash == _token_hash(session, refresh_token))
        .with_for_update()
    )
    if current is None:
        raise Unauthorized("登录凭证无效，请重新登录")
    if current.revoked_at is not None:
        if current.replaced_by_id is not None:
            _revoke_all(session, current.wechat_user_id, now)
            session.commit()
            log.warning(
                "refresh token replayed user=%s: every session revoked", current.wechat_user_id
            )
        raise Unauthorized("登录已失效，请重新登录")
    if current.expires_at <= now:
        raise Unauthorized("登录已过期，请重新登录")
    user = session.get(WeChatUser, current.wechat_user_id)
    if user is None or user.status != "active":
        raise Unauthorized(RELOGIN)
    token = secrets.token_urlsafe(32)
    replacement = ResidentSession(
        wechat_user_id=user.id,
        token_hash=_token_hash(session, token),
        expires_at=now + timedelta(seconds=REFRESH_TOKEN_SECONDS),
    )
    session.add(replacement)
    session.flush()
    current.revoked_at = now
    current.last_used_at = now
    current.replaced_by_id = replacement.id
    session.commit()
    return LoginResult(user, token, REFRESH_TOKEN_SECONDS, replacement.id)


def logout(*, session: Session, refresh_token: str) -> None:
    """Revoke this refresh token; an unknown or already revoked token is not an error."""
    current = session.scalar(
        select(ResidentSession).where(
            ResidentSession.token_hash == _token_hash(session, refresh_token),
            ResidentSession.revoked_at.is_(None),
        )
    )
    if current is not None:
        current.revoked_at = utcnow()
        session.commit()


def save_phone(
    *, session: Session, gateway: Gateway, wechat_user_id: int, openid: str, code: str
) -> str:
    """Exchange a getPhoneNumber code for the number; store it encrypted; return it masked."""
    session.commit()  # hold no transaction while WeChat answers
    try:
        info = gateway.get_phone_number(code, openid)
    except WeChatError as exc:
        raise _phone_error(exc) from None
    phone = _phone_of(info)
    user = session.get(WeChatUser, wechat_user_id)
    if user is None:
        raise Unauthorized(RELOGIN)
    vault = vault_of(session)
    user.phone_enc = vault.encrypt(phone, context=PHONE_CONTEXT)
    user.phone_hash = vault.lookup_hash(phone, context=PHONE_CONTEXT)
    session.commit()
    return mask_phone(phone)


def phone_masked(session: Session, user: WeChatUser) -> str | None:
    """Return the user's phone number masked (138****5678), or None when not given."""
    if user.phone_enc is None:
        return None
    return mask_phone(vault_of(session).decrypt(user.phone_enc, context=PHONE_CONTEXT))


def describe_user(session: Session, user: WeChatUser) -> dict[str, Any]:
    """Return the short user summary a login answers with."""
    return {
        "id": user.id,
        "phone_masked": phone_masked(session, user),
        "subject_count": _subject_count(session, user.id),
    }


def describe_me(*, session: Session, wechat_user_id: int) -> dict[str, Any]:
    """Return the user with their phone masked and their bound subjects masked."""
    user = session.get(WeChatUser, wechat_user_id)
    if user is None:
        raise Unauthorized(RELOGIN)
    return {
        "id": user.id,
        "phone_masked": phone_masked(session, user),
        "created_at": user.created_at,
        "last_login_at": user.last_login_at,
        "subjects": list_bindings(session=session, wechat_user_id=user.id),
    }


def _upsert_user(session: Session, appid: str, openid: str) -> tuple[WeChatUser, bool]:
    user = _user_of(session, appid, openid)
    if user is not None:
        return user, False
    user = WeChatUser(appid=appid, openid=openid)
    try:
        with session.begin_nested():
            session.add(user)
    except IntegrityError:  # the same person's first login, twice at once
        user = _user_of(session, appid, openid)
        if user is None:
            raise
        return user, False
    return user, True


def _user_of(session: Session, appid: str, openid: str) -> WeChatUser | None:
    return session.scalar(
        select(WeChatUser).where(WeChatUser.appid == appid, WeChatUser.openid == openid)
    )


def _open_session(session: Session, wechat_user_id: int) -> tuple[str, int]:
    token = secrets.token_urlsafe(32)
    row = ResidentSession(
        wechat_user_id=wechat_user_id,
        token_hash=_token_hash(session, token),
        expires_at=utcnow() + timedelta(seconds=REFRESH_TOKEN_SECONDS),
    )
    session.add(row)
    session.flush()
    return token, row.id


def _token_hash(session: Session, token: str) -> bytes:
    return vault_of(session).lookup_hash(token.strip(), context=REFRESH_CONTEXT)


def _revoke_all(session: Session, wechat_user_id: int, now: Any) -> None:
    session.execute(
        update(ResidentSession)
        .where(
            ResidentSession.wechat_user_id == wechat_user_id,
            ResidentSession.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )


def _subject_count(session: Session, wechat_user_id: int) -> int:
    return len(bound_subject_ids(session, wechat_user_id))


def _phone_of(info: dict[str, str]) -> str:
    """Return a mainland number as 11 digits, any other as +<country code><number>."""
    country = info.get("country_code") or "86"
    pure = info.get("pure_phone_number") or ""
    if country == "86":
        try:
            return check_phone(pure)
        except ValueError:
            raise WeChatFailed("微信返回的手机号码格式有误，请稍后再试") from None
    if not pure.isdigit() or not country.isdigit():
        raise WeChatFailed("微信返回的手机号码格式有误，请稍后再试")
    return f"+{country}{pure}"


def _login_error(exc: WeChatError) -> DomainError:
    if exc.errcode in INVALID_CODES:
        return Unauthorized(RELOGIN)
    if exc.errcode == 40226:
        return Forbidden("账号存在风险，暂时无法登录")
    return _common_error(exc, "微信登录服务异常，请稍后再试")


def _phone_error(exc: WeChatError) -> DomainError:
    if exc.errcode in INVALID_CODES:
        message = "手机号授权已失效，请重新点击授权"
        return InvalidInput(message, errors={"code": [message]})
    return _common_error(exc, "获取手机号失败，请稍后再试")


def _common_error(exc: WeChatError, failed: str) -> DomainError:
    if exc.errcode == 45011:
        return WeChatBusy("操作过于频繁，请一分钟后再试")
    if exc.errcode == -1 or (isinstance(exc, WeChatUnavailable) and exc.retryable):
        return WeChatDown("微信服务繁忙，请稍后重试")
    return WeChatFailed(failed)


def account_phone(session: Session, wechat_user_id: int) -> str | None:
    """Return the phone number the resident gave through getPhoneNumber, in clear (for a form
    staff read: a claim's 联系电话), or None."""
    user = session.get(WeChatUser, wechat_user_id)
    if user is None or user.phone_enc is None:
        return None
    return vault_of(session).decrypt(user.phone_enc, context=PHONE_CONTEXT)
