"""The XML WeChat sends and expects: small flat documents under <xml>.

Parsing goes through defusedxml with DTDs forbidden outright: WeChat never sends a DOCTYPE, and refusing it
refuses entity expansion (billion laughs) and external entities (XXE) before they can matter. In plain mode a
服务号 body is not covered by the signature at all, so the parser must be safe against anyone's input.

(This module is channels.wechat.xml; absolute imports keep it from shadowing the standard library's `xml`.)
"""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from channels.wechat.errors import BadXml

MAX_BODY = 64 * 1024  # WeChat's callbacks are a few KiB; anything larger is not from WeChat

# Characters XML 1.0 cannot carry at all, even in CDATA: WeChat would reject the whole reply for one of them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _root(body: bytes) -> Element:
    if len(body) > MAX_BODY:
        raise BadXml(f"the body is larger than {MAX_BODY} bytes")
    try:
        root = fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise BadXml(f"not well-formed or unsafe XML: {type(exc).__name__}") from exc
    if root.tag != "xml":
        raise BadXml("the root element is not <xml>")
    return root


def _flat(root: Element) -> dict[str, str]:
    """Top-level child tag → its text. Nested elements (a few event types have them) are left out; a repeated
    tag is refused, since which of the two to believe would be a guess."""
    fields: dict[str, str] = {}
    for child in root:
        if len(child):
            continue
        if child.tag in fields:
            raise BadXml(f"the tag {child.tag} appears twice")
        fields[child.tag] = child.text or ""
    return fields


def parse_envelope(body: bytes) -> dict[str, str]:
    """The outer document of an encrypted callback (ToUserName, Encrypt, AgentID…); Encrypt must be there."""
    fields = {tag: text.strip() for tag, text in _flat(_root(body)).items()}
    if not fields.get("Encrypt"):
        raise BadXml("the envelope has no Encrypt")
    return fields


def parse_message(xml: bytes) -> dict[str, str]:
    """A message or event (decrypted, or a plain-mode body): tag → text, text kept exactly as sent."""
    return _flat(_root(xml))


def cdata(text: str) -> str:
    """`text` as CDATA. "]]>" would end the section early: it is split across two sections instead."""
    return "<![CDATA[" + _NOT_XML.sub("", text).replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _number(value: str | int) -> str:
    text = str(value)
    if not (text.isascii() and text.isdigit()):
        raise ValueError(f"not a timestamp: {text!r}")
    return text


def reply_envelope(encrypt: str, signature: str, timestamp: str, nonce: str) -> str:
    """The encrypted passive reply: the Encrypt from WeChatCrypto.encrypt with its msg_signature."""
    return (
        f"<xml><Encrypt>{cdata(encrypt)}</Encrypt><MsgSignature>{cdata(signature)}</MsgSignature>"
        f"<TimeStamp>{_number(timestamp)}</TimeStamp><Nonce>{cdata(nonce)}</Nonce></xml>"
    )


def text_reply(to_user: str, from_user: str, create_time: int, content: str) -> str:
    """A 服务号 passive text reply (sent as is in plain mode, or encrypted into `reply_envelope`)."""
    return (
        f"<xml><ToUserName>{cdata(to_user)}</ToUserName><FromUserName>{cdata(from_user)}</FromUserName>"
        f"<CreateTime>{_number(create_time)}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content>{cdata(content)}</Content></xml>"
    )
