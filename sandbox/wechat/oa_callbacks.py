"""The 服务号 follower side: how a verified 服务号 in 安全模式 tells its server what a follower did, and what
happens to the answer.

Each follower action (text, location, CLICK, subscribe) is one POST to the 服务号's URL::

    POST url?signature=S1&timestamp=T&nonce=N&openid=OPENID&encrypt_type=aes&msg_signature=S2
    <xml><ToUserName><![CDATA[gh_…]]></ToUserName><Encrypt><![CDATA[…]]></Encrypt></xml>

S1 = sha1(sorted([token, T, N])) (the plain-mode signature, still sent), S2 = sha1(sorted([token, T, N, Encrypt])),
Encrypt = the AES payload of the message XML with the **app id** as receive id. The server has ``timeout``
(WeChat: 5 s) to answer HTTP 200: "success" or an empty body (nothing for the follower), or an encrypted
passive reply. No answer in time, another status or a connection error: the same request again, up to
``retries`` more times, then WeChat tells the follower "该公众号暂时无法提供服务，请稍后再试". So does a
passive reply WeChat cannot use (signature, receive id, XML, addressee, msgtype).

Unlike the kf callbacks (background queue), a follower action awaits all this: when it returns, whatever the
answer delivered is in the follower's ``messages()``.
"""

from __future__ import annotations

import hashlib
import html
import itertools
import logging
import re
import secrets
import time
from typing import Any
from urllib.parse import parse_qs
from xml.etree.ElementTree import ParseError

import aiohttp
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from sandbox.wechat.callbacks import CallbackPoster
from sandbox.wechat.crypto import CryptoError, MsgCrypt, random_nonce
from sandbox.wechat.models import CallbackRecord, ReceivedMessage
from sandbox.wechat.state import ResidentState, WeChatState

log = logging.getLogger(__name__)

UNAVAILABLE = "该公众号暂时无法提供服务，请稍后再试"  # what WeChat shows the follower when the server failed
_RETRY_PAUSE = 0.05  # seconds before retry n is n * this (WeChat's own pacing is not modelled)
_PASSIVE_TYPES = {"text", "image", "voice", "video", "music", "news", "transfer_customer_service"}
_LINK = re.compile(r"""<a\s+href\s*=\s*(["'])(.*?)\1\s*>(.*?)</a>""", re.DOTALL | re.IGNORECASE)
_BIZMSGMENU = "weixin://bizmsgmenu?"
_msg_ids = itertools.count(24_000_000_000_000_000 + secrets.randbelow(10**15))  # 64-bit, unique per process


def cdata(value: str) -> str:
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def plain_signature(token: str, timestamp: str, nonce: str) -> str:
    """The 服务号's ``signature`` (URL check and every callback): sha1 of sorted [token, timestamp, nonce]."""
    return hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()


class PassiveError(ValueError):
    """A passive reply WeChat would not show (the follower gets UNAVAILABLE instead)."""


def parse_links(content: str) -> tuple[str, list[tuple[str, str, str]]]:
    """A passive text as the follower sees it: each ``<a href=…>label</a>`` shown as its label; items:
    ``("click", msgmenuid, msgmenucontent)`` for a ``weixin://bizmsgmenu`` link, ``("view", url, label)`` else."""
    items: list[tuple[str, str, str]] = []

    def shown(match: re.Match[str]) -> str:
        href, label = html.unescape(match.group(2)), html.unescape(match.group(3))
        if href.startswith(_BIZMSGMENU):
            query = parse_qs(href[len(_BIZMSGMENU) :], keep_blank_values=True)
            menu_content = query.get("msgmenucontent", [label])[0]
            items.append(("click", query.get("msgmenuid", [""])[0], menu_content))
        else:
            items.append(("view", href, label))
        return label

    return _LINK.sub(shown, content), items


def _fields(xml: str | bytes) -> dict[str, str]:
    """Top-level tag → text of an ``<xml>`` document (DTDs and entities refused)."""
    try:
        root = fromstring(xml, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise PassiveError(f"not XML: {exc}") from None
    if root.tag != "xml":
        raise PassiveError(f"root element <{root.tag}>, not <xml>")
    return {child.tag: child.text or "" for child in root}


class OfficialCallbacks(CallbackPoster):
    def __init__(
        self,
        state: WeChatState,
        crypto: MsgCrypt,  # receive id: the 服务号's app id
        url: str | None,
        *,
        original_id: str,
        timeout: float,
        retries: int,
    ) -> None:
        super().__init__(state, crypto, url, timeout=timeout, retries=retries)
        self.original_id = original_id

    def start(self) -> None:
        self._session = aiohttp.ClientSession()

    async def stop(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    # -- what the follower does --------------------------------------------------------------------------
    def _head(self, resident: ResidentState, msgtype: str) -> str:
        return (
            f"<ToUserName>{cdata(self.original_id)}</ToUserName><FromUserName>{cdata(resident.openid)}</FromUserName>"
            f"<CreateTime>{int(self.state.now())}</CreateTime><MsgType>{cdata(msgtype)}</MsgType>"
        )

    async def text(self, resident: ResidentState, content: str, bizmsgmenuid: str | None = None) -> str:
        msgid = str(next(_msg_ids))
        menu = "" if bizmsgmenuid is None else f"<bizmsgmenuid>{html.escape(bizmsgmenuid, quote=False)}</bizmsgmenuid>"
        body = f"<Content>{cdata(content)}</Content><MsgId>{msgid}</MsgId>{menu}"
        await self._act(resident, f"<xml>{self._head(resident, 'text')}{body}</xml>")
        return msgid

    async def location(self, resident: ResidentState, latitude: float, longitude: float, label: str = "") -> str:
        msgid = str(next(_msg_ids))
        body = (
            f"<Location_X>{latitude:.6f}</Location_X><Location_Y>{longitude:.6f}</Location_Y><Scale>15</Scale>"
            f"<Label>{cdata(label)}</Label><MsgId>{msgid}</MsgId>"
        )
        await self._act(resident, f"<xml>{self._head(resident, 'location')}{body}</xml>")
        return msgid

    async def event(self, resident: ResidentState, event: str, key: str = "") -> None:
        """No MsgId: WeChat's events are deduplicated by FromUserName + CreateTime."""
        body = f"<Event>{cdata(event)}</Event><EventKey>{cdata(key)}</EventKey>"
        await self._act(resident, f"<xml>{self._head(resident, 'event')}{body}</xml>")

    async def _act(self, resident: ResidentState, plaintext: str) -> None:
        self.state.follower_acts(resident)  # the window opens whether or not the server is reachable
        if self.url is None:
            self.state.counts["oa_callbacks_skipped"] += 1
            return
        record = self._seal(resident, plaintext)
        self.last_callback = record
        self.state.counts["oa_callbacks"] += 1
        answer = await self._deliver(record)
        if answer is None:
            self.state.counts["oa_callback_failures"] += 1
            await self.state.deliver(resident, ReceivedMessage("text", UNAVAILABLE, channel="oa_error"))
            return
        try:
            message = self._passive(resident, answer)
        except PassiveError as exc:
            log.info("wechat sandbox: unusable passive reply: %s", exc)
            self.state.counts["passive_errors"] += 1
            message = ReceivedMessage("text", UNAVAILABLE, channel="oa_error", raw={"error": str(exc)})
        if message is not None:
            await self.state.deliver(resident, message)

    # -- the request and its answer ----------------------------------------------------------------------
    def _seal(self, resident: ResidentState, plaintext: str) -> CallbackRecord:
        """The query timestamp is wall-clock time, like the kf callbacks' (a server's replay check uses its own)."""
        encrypted = self.crypto.encrypt(plaintext)
        timestamp, nonce = str(int(time.time())), random_nonce()
        query = {
            "signature": plain_signature(self.crypto.token, timestamp, nonce),
            "timestamp": timestamp,
            "nonce": nonce,
            "openid": resident.openid,
            "encrypt_type": "aes",
            "msg_signature": self.crypto.sign(timestamp, nonce, encrypted),
        }
        body = f"<xml><ToUserName>{cdata(self.original_id)}</ToUserName><Encrypt>{cdata(encrypted)}</Encrypt></xml>"
        return CallbackRecord(query, body.encode())

    async def _deliver(self, record: CallbackRecord) -> str | None:
        """The body of the first HTTP 200 within the timeout, or None when every attempt failed."""
        return await self._attempts(record, "oa_callback_retries")

    def _passive(self, resident: ResidentState, answer: str) -> ReceivedMessage | None:
        """None for "success" / empty; the message for a good encrypted reply; PassiveError for anything else."""
        if answer.strip() in ("", "success"):
            return None
        envelope = _fields(answer.strip())
        encrypted, signature = envelope.get("Encrypt", "").strip(), envelope.get("MsgSignature", "").strip()
        timestamp, nonce = envelope.get("TimeStamp", "").strip(), envelope.get("Nonce", "").strip()
        if not (encrypted and signature and timestamp and nonce):
            raise PassiveError("not an encrypted reply (Encrypt, MsgSignature, TimeStamp, Nonce)")
        try:
            plain = self.crypto.decrypt_signed(signature, timestamp, nonce, encrypted)
        except CryptoError as exc:
            raise PassiveError(f"cannot open: {exc}") from None
        fields = _fields(plain)
        if fields.get("ToUserName", "").strip() != resident.openid:
            raise PassiveError(f"ToUserName {fields.get('ToUserName')!r} is not the follower {resident.openid!r}")
        if fields.get("FromUserName", "").strip() != self.original_id:
            raise PassiveError(f"FromUserName {fields.get('FromUserName')!r} is not {self.original_id!r}")
        if not fields.get("CreateTime", "").strip().isdigit():
            raise PassiveError("CreateTime is not a number")
        msgtype = fields.get("MsgType", "").strip()
        if msgtype not in _PASSIVE_TYPES:
            raise PassiveError(f"unknown MsgType {msgtype!r}")
        self.state.counts["passive_replies"] += 1
        raw: dict[str, Any] = dict(fields)
        if msgtype != "text":
            return ReceivedMessage(msgtype, channel="oa_passive", raw=raw)
        if not fields.get("Content"):
            raise PassiveError("empty Content")
        text, items = parse_links(fields["Content"])
        return ReceivedMessage("text", text, items, channel="oa_passive", raw=raw)

    # -- test controls -----------------------------------------------------------------------------------
    async def verify_url(self) -> bool:
        """The 服务号's URL check: GET with signature (no Encrypt in it), timestamp, nonce and a plain echostr,
        even in 安全模式; the server must answer echostr, exactly."""
        if self.url is None or self._session is None:
            raise RuntimeError("no 服务号 callback URL set or sandbox not running")
        echo = str(secrets.randbelow(10**19)).rjust(19, "1")
        timestamp, nonce = str(int(time.time())), random_nonce()
        query = {
            "signature": plain_signature(self.crypto.token, timestamp, nonce),
            "timestamp": timestamp,
            "nonce": nonce,
            "echostr": echo,
        }
        return await self._echoes(query, echo)
