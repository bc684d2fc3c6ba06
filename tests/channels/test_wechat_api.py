"""WeChatApi against a small aiohttp server playing WeChat: the token refresh and retry, and the classification."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from channels.wechat.api import WeChatApi, gettoken
from channels.wechat.errors import WeChatError
from channels.wechat.tokens import AccessTokens
from storage.db import Database


@dataclass
class FakeWeChat:
    """Issues tok-1, tok-2, …; `expired` tokens are answered with 42001, `refused` ones with 40014."""

    issued: int = 0
    expired: set[str] = field(default_factory=set)
    refuse_all_tokens: bool = False
    sends: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)  # (path, token, body)
    raw: list[bytes] = field(default_factory=list)

    async def gettoken(self, request: web.Request) -> web.Response:
        if request.query.get("corpsecret") != "secret":
            return web.json_response({"errcode": 40001, "errmsg": "invalid credential"})
        self.issued += 1
        return web.json_response(
            {"errcode": 0, "errmsg": "ok", "access_token": f"tok-{self.issued}", "expires_in": 7200}
        )

    async def api(self, request: web.Request) -> web.Response:
        token = request.query.get("access_token", "")
        raw = await request.read()
        body = json.loads(raw)
        self.raw.append(raw)
        self.sends.append((request.path, token, body))
        if self.refuse_all_tokens:
            return web.json_response({"errcode": 40014, "errmsg": "invalid access_token"})
        if token in self.expired:
            return web.json_response({"errcode": 42001, "errmsg": "access_token expired"})
        if request.path == "/cgi-bin/message/custom/send":  # touser picks the answer: an errcode, or an HTTP status
            wanted = body["touser"]
            if wanted.startswith("http"):
                return web.Response(status=int(wanted[4:]), text="bad gateway")
            return web.json_response({"errcode": int(wanted), "errmsg": f"error {wanted}"})
        if request.path == "/cgi-bin/kf/send_msg":
            return web.json_response({"errcode": 0, "errmsg": "ok", "msgid": body.get("msgid", "server-id")})
        if request.path == "/cgi-bin/kf/sync_msg":
            return web.json_response({"errcode": 0, "errmsg": "ok", "next_cursor": "c2", "has_more": 0, "msg_list": []})
        return web.json_response({"errcode": 0, "errmsg": "ok"})


@dataclass
class Setup:
    wechat: FakeWeChat
    api: WeChatApi
    tokens: AccessTokens
    http: httpx.AsyncClient
    base: str


@pytest.fixture
async def setup(tmp_path: Path) -> AsyncIterator[Setup]:
    wechat = FakeWeChat()
    app = web.Application()
    app.router.add_get("/cgi-bin/gettoken", wechat.gettoken)
    app.router.add_post("/cgi-bin/{tail:.*}", wechat.api)
    db = await Database.open(f"sqlite:///{tmp_path / 't.db'}")
    async with TestServer(app) as server, httpx.AsyncClient(timeout=5) as http:
        base = str(server.make_url("")).rstrip("/")

        async def fetch() -> tuple[str, int]:
            return await gettoken(http, base, "corp", "secret")

        tokens = AccessTokens(db, "corp", fetch, lambda: datetime.now(UTC))
        yield Setup(wechat, WeChatApi(base, "corp", "secret", tokens, http), tokens, http, base)
    await db.close()


async def test_an_expired_token_is_refreshed_and_the_call_retried_once(setup: Setup) -> None:
    assert await setup.tokens.get() == "tok-1"
    setup.wechat.expired.add("tok-1")
    msgid = await setup.api.kf_send("wmUser", "wkKf", {"msgtype": "text", "text": {"content": "你好"}}, "our-id_1")
    assert msgid == "our-id_1"
    assert [(path, token) for path, token, _ in setup.wechat.sends] == [
        ("/cgi-bin/kf/send_msg", "tok-1"),
        ("/cgi-bin/kf/send_msg", "tok-2"),
    ]
    assert setup.wechat.sends[-1][2] == {
        "msgtype": "text", "text": {"content": "你好"}, "touser": "wmUser", "open_kfid": "wkKf", "msgid": "our-id_1"
    }  # fmt: skip
    assert "你好".encode() in setup.wechat.raw[-1]  # UTF-8, not \u escapes
    assert setup.wechat.issued == 2
    await setup.api.menu_create({"button": []})  # the new token is kept
    assert setup.wechat.sends[-1][1] == "tok-2" and setup.wechat.issued == 2


async def test_a_token_refused_after_the_refresh_is_an_error_of_kind_token(setup: Setup) -> None:
    setup.wechat.refuse_all_tokens = True
    with pytest.raises(WeChatError) as caught:
        await setup.api.custom_send("0", {"msgtype": "text", "text": {"content": "x"}})
    assert (caught.value.errcode, caught.value.kind) == (40014, "token")
    assert len(setup.wechat.sends) == 2  # one retry, no more
    assert setup.wechat.issued == 2


@pytest.mark.parametrize(
    ("answer", "errcode", "kind"),
    [
        ("-1", -1, "retry"),
        ("45009", 45009, "retry"),
        ("45011", 45011, "retry"),
        ("45015", 45015, "window_closed"),
        ("95001", 95001, "window_closed"),
        ("95018", 95018, "window_closed"),
        ("45047", 45047, "quota"),
        ("40003", 40003, "refused"),
        ("44004", 44004, "refused"),
        ("45002", 45002, "refused"),
        ("12345", 12345, "refused"),
        ("http502", None, "retry"),
        ("http404", None, "refused"),
    ],
)
async def test_errors_are_classified(setup: Setup, answer: str, errcode: int | None, kind: str) -> None:
    with pytest.raises(WeChatError) as caught:
        await setup.api.custom_send(answer, {"msgtype": "text", "text": {"content": "x"}})
    assert (caught.value.errcode, caught.value.kind) == (errcode, kind)
    assert (caught.value.retry_after is not None) == (kind == "retry")
    assert len(setup.wechat.sends) == 1


async def test_a_network_error_is_a_retry(setup: Setup) -> None:
    tokens, http = setup.tokens, setup.http
    await tokens.get()
    closed = WeChatApi("http://127.0.0.1:9", "corp", "secret", tokens, http)  # nothing listens on port 9
    with pytest.raises(WeChatError) as caught:
        await closed.menu_create({"button": []})
    assert (caught.value.errcode, caught.value.kind) == (None, "retry")
    assert "access_token" not in str(caught.value) and "tok-" not in str(caught.value)


async def test_a_wrong_secret_fails_at_gettoken(setup: Setup) -> None:
    with pytest.raises(WeChatError) as caught:
        await gettoken(setup.http, setup.base, "corp", "wrong")
    assert (caught.value.errcode, caught.value.kind) == (40001, "token")


async def test_sync_msg_body(setup: Setup) -> None:
    answer = await setup.api.sync_msg("cb-token", None, "wkKf")
    assert answer["next_cursor"] == "c2"
    await setup.api.sync_msg("cb-token", "c2", "wkKf", limit=10)
    assert [body for _, _, body in setup.wechat.sends] == [
        {"token": "cb-token", "limit": 1000, "open_kfid": "wkKf"},
        {"token": "cb-token", "limit": 10, "open_kfid": "wkKf", "cursor": "c2"},
    ]


async def test_template_and_custom_bodies(setup: Setup) -> None:
    await setup.api.template_send("oUser", "tmpl", {"first": {"value": "v"}}, url="https://example.org/x")
    await setup.api.template_send("oUser", "tmpl", {})
    assert [body for _, _, body in setup.wechat.sends] == [
        {"touser": "oUser", "template_id": "tmpl", "data": {"first": {"value": "v"}}, "url": "https://example.org/x"},
        {"touser": "oUser", "template_id": "tmpl", "data": {}},
    ]


async def test_kf_send_without_our_id_returns_wechats(setup: Setup) -> None:
    assert await setup.api.kf_send("wmUser", "wkKf", {"msgtype": "text", "text": {"content": "x"}}, None) == "server-id"
    assert "msgid" not in setup.wechat.sends[-1][2]


@pytest.mark.parametrize("client_msgid", ["", "x" * 33, "has space", "中文"])
async def test_a_malformed_client_msgid_is_refused_before_sending(setup: Setup, client_msgid: str) -> None:
    with pytest.raises(ValueError):
        await setup.api.kf_send("wmUser", "wkKf", {"msgtype": "text", "text": {"content": "x"}}, client_msgid)
    assert setup.wechat.sends == []
