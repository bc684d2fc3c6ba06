"""Plain data of the WeChat sandbox: what residents received, API errors and their messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# errmsg as WeChat spells it (the real one appends ", hint: [...]" / " rid: ..." which clients must not parse).
ERRMSG: dict[int, str] = {
    -1: "system error",
    0: "ok",
    40001: "invalid credential, access_token is invalid or not latest",
    40003: "invalid external_userid",
    40008: "invalid message type",
    40013: "invalid corpid",
    40058: "invalid parameter",
    40125: "invalid appsecret",
    41001: "access_token missing",
    42001: "access_token expired",
    44004: "empty content",
    45002: "content size out of limit",
    45009: "api freq out of limit",
    45015: "response out of time limit",
    45047: "out of response count limit",
    47001: "data format error",
    40016: "invalid button size",
    40037: "invalid template_id",
    95000: "invalid open_kfid",
    95007: "invalid msg token",
    95017: "invalid welcome_code",
}


class ApiError(Exception):
    """An errcode answer (HTTP 200, like WeChat: transport success, API failure)."""

    def __init__(self, errcode: int, errmsg: str | None = None) -> None:
        self.errcode = errcode
        self.errmsg = errmsg or ERRMSG.get(errcode, "sandbox error")
        super().__init__(f"{errcode} {self.errmsg}")

    def as_json(self) -> dict[str, Any]:
        return {"errcode": self.errcode, "errmsg": self.errmsg}


@dataclass(frozen=True)
class ReceivedMessage:
    """One message the bot sent to a resident. ``text``: the text content, or a msgmenu's head;
    ``items``: msgmenu entries as ``(kind, click id / url / "", content)`` (for a passive reply: its
    ``weixin://bizmsgmenu`` links as "click" and other links as "view"); ``channel``: "kf" (微信客服),
    "oa_custom" (服务号 客服消息), "oa_template" (模板消息), "oa_passive" (passive reply to a follower's
    callback) or "oa_error" (WeChat's own "该公众号暂时无法提供服务" when the server failed);
    ``raw``: the request body as sent (for a passive reply: its decrypted XML fields)."""

    msgtype: str
    text: str = ""
    items: list[tuple[str, str, str]] = field(default_factory=list)
    tail: str = ""
    msgid: str = ""
    channel: str = "kf"
    raw: dict[str, Any] = field(default_factory=dict)

    def as_text(self, with_ids: bool = True) -> str:
        """Roughly what the resident sees: head, menu items as WeChat shows them (one tappable line each, the
        sender's own words; `with_ids` adds click ids in brackets and links in angle brackets), tail."""
        lines = [self.text] if self.text else []
        for kind, ref, content in self.items:
            suffix = {"click": f"  [{ref}]", "view": f"  <{ref}>"}.get(kind, "") if with_ids else ""
            lines.append(f"{content}{suffix}")
        if self.tail:
            lines.append(self.tail)
        if not lines:
            lines.append(f"[{self.msgtype}]")
        return "\n".join(lines)

    @classmethod
    def from_kf(cls, body: dict[str, Any], msgid: str, channel: str = "kf") -> ReceivedMessage:
        msgtype = str(body.get("msgtype", ""))
        content = body.get(msgtype) if isinstance(body.get(msgtype), dict) else {}
        if msgtype == "text":
            return cls(msgtype, str(content.get("content", "")), msgid=msgid, channel=channel, raw=body)
        if msgtype == "msgmenu":
            items = [_menu_item(item) for item in content.get("list", [])]
            head, tail = str(content.get("head_content", "")), str(content.get("tail_content", ""))
            return cls(msgtype, head, items, tail, msgid=msgid, channel=channel, raw=body)
        return cls(msgtype, msgid=msgid, channel=channel, raw=body)


def _menu_item(item: dict[str, Any]) -> tuple[str, str, str]:
    kind = str(item.get("type", ""))
    spec = item.get(kind) or {}
    ref = {"click": spec.get("id", ""), "view": spec.get("url", "")}.get(kind, "")
    return kind, str(ref), str(spec.get("content", ""))


@dataclass(frozen=True)
class CallbackRecord:
    """One callback as POSTed (``query``: msg_signature, timestamp, nonce; ``body``: the XML), for replays."""

    query: dict[str, str]
    body: bytes
