"""The XML parser refuses what WeChat never sends, and the replies we write parse back to what we meant."""

from __future__ import annotations

import pytest

from channels.wechat.crypto import WeChatCrypto
from channels.wechat.errors import BadXml
from channels.wechat.xml import parse_envelope, parse_message, reply_envelope, text_reply

ENVELOPE = (
    b"<xml><ToUserName><![CDATA[ww1234]]></ToUserName><Encrypt><![CDATA[abc+/=]]></Encrypt>"
    b"<AgentID><![CDATA[218]]></AgentID></xml>"
)

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<xml><Encrypt>&lol3;</Encrypt></xml>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<xml><Encrypt>&xxe;</Encrypt></xml>"""

PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY % remote SYSTEM "http://127.0.0.1:1/evil.dtd">%remote;]>
<xml><Encrypt>x</Encrypt></xml>"""


def test_envelope_fields() -> None:
    assert parse_envelope(ENVELOPE) == {"ToUserName": "ww1234", "Encrypt": "abc+/=", "AgentID": "218"}


@pytest.mark.parametrize(
    "body",
    [
        BILLION_LAUGHS,
        XXE,
        PARAMETER_ENTITY,
        b"",
        b"<xml><Encrypt>x</Encrypt>",
        b"not xml",
        b"<root><Encrypt>x</Encrypt></root>",
        b"<xml><ToUserName>a</ToUserName></xml>",
        b"<xml><Encrypt></Encrypt></xml>",
        b"<xml><Encrypt>a</Encrypt><Encrypt>b</Encrypt></xml>",
        b"<xml><Encrypt>" + b"A" * (64 * 1024) + b"</Encrypt></xml>",
    ],
    ids=["billion-laughs", "xxe", "parameter-entity", "empty", "unclosed", "text", "root", "no-encrypt",
         "empty-encrypt", "duplicate", "too-large"],
)  # fmt: skip
def test_bad_envelopes_are_refused(body: bytes) -> None:
    with pytest.raises(BadXml):
        parse_envelope(body)


def test_message_bodies_are_refused_the_same_way() -> None:
    for body in (BILLION_LAUGHS, XXE):
        with pytest.raises(BadXml):
            parse_message(body)


def test_message_text_is_kept_as_sent() -> None:
    body = (
        "<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[oUser]]></FromUserName>"
        "<CreateTime>1348831860</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        "<Content><![CDATA[  两个空格 & <b> ]]></Content><MsgId>1234567890123456</MsgId>"
        "<ScanCodeInfo><ScanType>qrcode</ScanType></ScanCodeInfo></xml>"
    ).encode()
    assert parse_message(body) == {
        "ToUserName": "gh_1", "FromUserName": "oUser", "CreateTime": "1348831860", "MsgType": "text",
        "Content": "  两个空格 & <b> ", "MsgId": "1234567890123456",
    }  # fmt: skip


@pytest.mark.parametrize("content", ["你好", "a]]>b", "]]>", "]]]]>", "<![CDATA[x]]>", "tab\tnew\nline", ""])
def test_text_reply_parses_back(content: str) -> None:
    reply = text_reply("oUser", "gh_1", 1700000000, content)
    assert parse_message(reply.encode()) == {
        "ToUserName": "oUser", "FromUserName": "gh_1", "CreateTime": "1700000000", "MsgType": "text",
        "Content": content,
    }  # fmt: skip


def test_characters_xml_cannot_carry_are_dropped() -> None:
    reply = text_reply("oUser", "gh_1", 1, "a\x00b\x1bc")
    assert parse_message(reply.encode())["Content"] == "abc"


def test_a_timestamp_must_be_digits() -> None:
    with pytest.raises(ValueError):
        reply_envelope("e", "s", "1<x/>", "n")


def test_encrypted_reply_round_trip() -> None:
    wechat = WeChatCrypto("token", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")
    plain = text_reply("oUser", "gh_1", 1700000000, "回复 ]]> done")
    encrypted, signature = wechat.encrypt(plain.encode(), "nonce]]>", "1700000000")
    envelope = reply_envelope(encrypted, signature, "1700000000", "nonce]]>")
    fields = parse_message(envelope.encode())
    assert fields == {"Encrypt": encrypted, "MsgSignature": signature, "TimeStamp": "1700000000", "Nonce": "nonce]]>"}
    wechat.check(fields["MsgSignature"], fields["TimeStamp"], fields["Nonce"], fields["Encrypt"], now=1700000000)
    assert parse_message(wechat.decrypt(fields["Encrypt"]))["Content"] == "回复 ]]> done"
