"""WeChat's message push (消息推送) to us: URL verification and encrypted subscribe-message events.

Configured in the mini-program's admin console (开发管理 → 消息推送): URL
`https://<host>/api/v1/wechat/callback`, Token = KX_WECHAT_TOKEN, EncodingAESKey =
KX_WECHAT_AES_KEY, mode 安全模式 (secure), format JSON or XML. WeChat, not a person, calls it: no
staff authentication, and no app rate limit (WeChat retries in bursts); each request proves itself
by its signatures instead.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import struct
from xml.parsers.expat import ExpatError

import marshmallow as ma
import xmltodict
from flask import Response, request
from flask.views import MethodView
from flask_smorest import abort
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException

from api.admin.fields import Schema, String, length
from api.blueprint import Blueprint
from api.extensions import db, limiter, settings_of
from models.clock import utcnow
from services.subscriptions import MalformedPush, handle_push, parse_push

log = logging.getLogger(__name__)

MAX_BODY = 64 * 1024  # a subscribe event is well under 4 KiB, even with five templates

blp = Blueprint(
    "wechat_callback",
    __name__,
    url_prefix="/api/v1/wechat",
    description=(
        "微信消息推送回调（由微信服务器调用，非工作人员接口）。"
        "GET 校验服务器地址；POST 接收安全模式（encrypt_type=aes）加密的订阅消息事件："
        "subscribe_msg_popup_event 更新订阅次数，"
        "subscribe_msg_change_event 记录拒收，"
        "subscribe_msg_sent_event 记录送达结果。"
        "签名用 KX_WECHAT_TOKEN 校验，消息用 KX_WECHAT_AES_KEY 解密；"
        "同一事件重复推送只处理一次。"
    ),
)
limiter.exempt(blp)

PLAIN_TEXT = {"type": "string"}


class SignedQuery(Schema):
    """The signature WeChat puts on every call: sha1 of the sorted token, timestamp and nonce."""

    class Meta:
        unknown = ma.EXCLUDE  # WeChat may add parameters (openid …)

    signature = String(required=True, validate=length(maximum=64))
    timestamp = String(required=True, validate=length(maximum=32))
    nonce = String(required=True, validate=length(maximum=64))


class VerifyQuery(SignedQuery):
    """The URL check WeChat makes when the push URL is saved."""

    echostr = String(required=True, validate=length(maximum=512))


class PushQuery(SignedQuery):
    """A push in secure mode also carries encrypt_type=aes and the message's own signature."""

    encrypt_type = ma.fields.String(metadata={"example": "aes"})
    msg_signature = ma.fields.String(validate=ma.validate.Length(max=64))


@blp.route("/callback")
class Callback(MethodView):
    """The message-push URL."""

    @blp.arguments(VerifyQuery, location="query")
    @blp.response(
        200,
        PLAIN_TEXT,
        content_type="text/plain",
        description="签名正确：原样返回 echostr（text/plain）",
    )
    @blp.alt_response(403, description="签名错误")
    def get(self, query: dict):
        """Verify the push URL: answer echostr when the signature matches the Token."""
        token = settings_of().wechat_token
        expected = _sha1(token, query["timestamp"], query["nonce"])
        if not _same(expected, query["signature"]):
            log.warning("wechat callback: URL verification with a bad signature")
            abort(403, message="签名校验失败")
        return Response(query["echostr"], status=200, mimetype="text/plain")

    @blp.arguments(PushQuery, location="query")
    @blp.doc(
        requestBody={
            "required": True,
            "description": (
                '安全模式的加密消息：JSON `{"ToUserName", "Encrypt"}` 或 XML '
                "`<xml><ToUserName/><Encrypt/></xml>`；解密后的事件同样可为 JSON 或 XML"
            ),
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "ToUserName": {"type": "string"},
                            "Encrypt": {"type": "string"},
                        },
                        "required": ["Encrypt"],
                    }
                },
                "text/xml": {"schema": {"type": "string"}},
            },
        }
    )
    @blp.response(
        200,
        PLAIN_TEXT,
        content_type="text/plain",
        description="已接收（含重复推送）：返回 success",
    )
    @blp.alt_response(400, description="非安全模式、消息格式有误或无法解密")
    @blp.alt_response(403, description="签名错误或 AppID 不符")
    @blp.alt_response(413, description="消息过大")
    def post(self, query: dict):
        """Receive one encrypted event; record it once, apply it, answer `success`."""
        settings = settings_of()
        if query.get("encrypt_type", "").lower() != "aes":
            abort(400, message="仅接受安全模式（encrypt_type=aes）的加密消息")
        token = settings.wechat_token
        timestamp, nonce = query["timestamp"], query["nonce"]
        if not _same(_sha1(token, timestamp, nonce), query["signature"]):
            abort(403, message="签名校验失败")
        encrypt = _encrypted_field()
        msg_signature = query.get("msg_signature") or ""
        if not _same(_sha1(token, timestamp, nonce, encrypt), msg_signature):
            abort(403, message="消息签名校验失败")
        crypto = WeChatCrypto(token, settings.wechat_aes_key, settings.wechat_appid)
        try:
            plaintext = crypto.decrypt_message(
                {"Encrypt": encrypt}, msg_signature.lower(), timestamp, nonce
            )
        except InvalidSignatureException:
            abort(403, message="消息签名校验失败")
        except InvalidAppIdException:
            log.warning("wechat callback: a push for another AppID")
            abort(403, message="消息不属于本小程序")
        except (ValueError, TypeError, IndexError, KeyError, struct.error):
            abort(400, message="消息无法解密")
        try:
            event = parse_push(plaintext)
        except MalformedPush:
            abort(400, message="解密后的消息格式有误")
        summary = handle_push(
            db.session,
            event=event,
            appid=settings.wechat_appid,
            long_term_templates=settings.wechat_long_term_templates,
            now=utcnow(),
        )
        db.session.commit()
        log.info(
            "wechat push %s items=%d duplicate=%s known_user=%s applied=%d",
            summary["event"][:64] or "(none)",
            summary["items"],
            summary["duplicate"],
            summary["known_user"],
            summary["applied"],
        )
        return Response("success", status=200, mimetype="text/plain")


def _sha1(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def _same(expected: str, given: str) -> bool:
    """Compare a signature in constant time (bytes: compare_digest refuses non-ASCII text)."""
    return hmac.compare_digest(expected.encode(), given.strip().lower().encode())


def _encrypted_field() -> str:
    """Return the body's Encrypt field, from JSON or XML; abort 400/413 otherwise."""
    if (request.content_length or 0) > MAX_BODY:
        abort(413, message="消息过大")
    raw = request.get_data(cache=False)
    if len(raw) > MAX_BODY:
        abort(413, message="消息过大")
    try:
        text = raw.decode("utf-8").strip()
        if text.startswith("{"):
            body = json.loads(text)
        elif text.startswith("<"):
            body = xmltodict.parse(text, disable_entities=True).get("xml")
        else:
            body = None
    except (ValueError, ExpatError):
        body = None
    encrypt = body.get("Encrypt") if isinstance(body, dict) else None
    if not isinstance(encrypt, str) or not encrypt.strip():
        abort(400, message="消息体缺少 Encrypt")
    assert isinstance(encrypt, str)  # abort() raised otherwise (flask_smorest is untyped)
    return encrypt.strip()
