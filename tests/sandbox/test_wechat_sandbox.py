"""The WeChat (微信客服) sandbox: crypto, signed callbacks with retries, sync_msg cursors, send windows, tokens."""

from __future__ import annotations

import asyncio
import base64
import hashlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from aiohttp import web
from defusedxml import ElementTree

from sandbox.wechat import DEFAULT_AES_KEY, CryptoError, MsgCrypt, WeChatSandbox
from sandbox.wechat.crypto import BLOCK

KF = "/cgi-bin/kf"


class Receiver:
    """A tiny bot-side callback endpoint: checks signatures with the sandbox's crypto, records what came."""

    def __init__(self, crypto: MsgCrypt) -> None:
        self.crypto = crypto
        self.posts: list[tuple[dict[str, str], bytes]] = []
        self.tokens: list[str] = []
        self.sleep_first = 0.0  # seconds the first POST takes (to provoke a retry)
        self.echo_ok = True
        self.arrived = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def handle_post(self, request: web.Request) -> web.Response:
        body = await request.read()
        query = dict(request.query)
        self.posts.append((query, body))
        if len(self.posts) == 1 and self.sleep_first:
            await asyncio.sleep(self.sleep_first)
        encrypted = ElementTree.fromstring(body).findtext("Encrypt")
        plain = self.crypto.decrypt_signed(query["msg_signature"], query["timestamp"], query["nonce"], encrypted)
        self.tokens.append(ElementTree.fromstring(plain).findtext("Token"))
        self.arrived.set()
        return web.Response(text="success")

    async def handle_get(self, request: web.Request) -> web.Response:
        q = request.query
        echo = self.crypto.decrypt_signed(q["msg_signature"], q["timestamp"], q["nonce"], q["echostr"])
        return web.Response(text=echo if self.echo_ok else f'"{echo}"')

    async def __aenter__(self) -> Receiver:
        app = web.Application()
        app.router.add_post("/cb", self.handle_post)
        app.router.add_get("/cb", self.handle_get)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/cb"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._runner is not None
        await self._runner.cleanup()

    async def next_token(self, timeout: float = 2.0) -> str:  # noqa: ASYNC109
        await asyncio.wait_for(self.arrived.wait(), timeout)
        self.arrived.clear()
        return self.tokens[-1]


@pytest.fixture
async def wechat() -> AsyncIterator[WeChatSandbox]:
    async with WeChatSandbox(callback_timeout=0.3) as sandbox:
        yield sandbox


@pytest.fixture
async def api(wechat: WeChatSandbox) -> AsyncIterator[Api]:
    async with httpx.AsyncClient(base_url=wechat.base_url) as http:
        client = Api(http)
        await client.login()
        yield client


async def oa_login(api: Api, appid: str = "wxsandboxoa", secret: str = "sandbox-oa-secret") -> dict[str, Any]:
    """The 服务号's token (/cgi-bin/token) instead of WeCom's."""
    params = {"grant_type": "client_credential", "appid": appid, "secret": secret}
    data = (await api.http.get("/cgi-bin/token", params=params)).json()
    api.token = data.get("access_token", api.token)
    return data


class Api:
    """Raw WeCom calls, the way a bot makes them."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http
        self.token = ""

    async def login(self, corpid: str = "wwsandbox", secret: str = "sandbox-secret") -> dict[str, Any]:
        data = (await self.http.get("/cgi-bin/gettoken", params={"corpid": corpid, "corpsecret": secret})).json()
        self.token = data.get("access_token", self.token)
        return data

    async def post(self, path: str, body: dict[str, Any], token: str | None = None) -> dict[str, Any]:
        response = await self.http.post(path, params={"access_token": token or self.token}, json=body)
        assert response.status_code == 200
        return response.json()

    async def send_text(self, touser: str, text: str, **extra: Any) -> dict[str, Any]:
        body = {"touser": touser, "open_kfid": "wkSANDBOX", "msgtype": "text", "text": {"content": text}, **extra}
        return await self.post(f"{KF}/send_msg", body)

    async def sync(self, cursor: str | None = None, limit: int = 1000, token: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"open_kfid": "wkSANDBOX", "limit": limit}
        if cursor is not None:
            body["cursor"] = cursor
        if token is not None:
            body["token"] = token
        return await self.post(f"{KF}/sync_msg", body)


def test_crypto_round_trip_and_padding() -> None:
    crypto = MsgCrypt("tok", DEFAULT_AES_KEY, "wwcorp")
    for message in ["", "a", "居民" * 100, "x" * 31]:
        encrypted = crypto.encrypt(message)
        assert len(base64.b64decode(encrypted)) % BLOCK == 0
        assert crypto.decrypt(encrypted) == message
    encrypted = crypto.encrypt("<xml/>")
    expected = hashlib.sha1("".join(sorted(["tok", "123", "n0nce", encrypted])).encode()).hexdigest()
    assert crypto.sign("123", "n0nce", encrypted) == expected
    assert crypto.decrypt_signed(expected, "123", "n0nce", encrypted) == "<xml/>"
    with pytest.raises(CryptoError):
        crypto.decrypt_signed(expected, "124", "n0nce", encrypted)
    with pytest.raises(CryptoError):  # another corp's message
        MsgCrypt("tok", DEFAULT_AES_KEY, "wwother").decrypt(encrypted)
    with pytest.raises(ValueError):
        MsgCrypt("tok", DEFAULT_AES_KEY[:-1], "wwcorp")


def test_crypto_agrees_with_the_bots_own_implementation() -> None:
    """Two implementations written apart: each must read what the other wrote."""
    bot_crypto = pytest.importorskip("channels.wechat.crypto")
    ours = MsgCrypt("tok", DEFAULT_AES_KEY, "wwsandbox")
    theirs = bot_crypto.WeChatCrypto("tok", DEFAULT_AES_KEY, "wwsandbox")
    for message in ["", "x" * 31, "<xml>居民</xml>" * 50]:
        encrypted = ours.encrypt(message)
        assert theirs.decrypt(encrypted).decode() == message
        assert theirs.signature("1700000000", "n", encrypted) == ours.sign("1700000000", "n", encrypted)
        back, signature = theirs.encrypt(message.encode(), "n", "1")
        assert ours.decrypt_signed(signature, "1", "n", back) == message


async def test_callback_is_signed_encrypted_and_its_token_syncs(wechat: WeChatSandbox, api: Api) -> None:
    async with Receiver(wechat.crypto) as receiver:
        wechat.set_callback_url(receiver.url)
        assert await wechat.verify_url()
        receiver.echo_ok = False
        assert not await wechat.verify_url()
        resident = await wechat.resident(name="王阿姨")
        msgid = await resident.send_text("楼道灯坏了")
        token = await receiver.next_token()
        query, body = receiver.posts[-1]
        outer = ElementTree.fromstring(body)
        assert outer.findtext("ToUserName") == "wwsandbox"
        plain = ElementTree.fromstring(wechat.crypto.decrypt(outer.findtext("Encrypt")))
        assert plain.findtext("Event") == "kf_msg_or_event"
        assert plain.findtext("OpenKfId") == "wkSANDBOX"
        data = await api.sync(token=token)
        assert data["errcode"] == 0
        [message] = data["msg_list"]
        assert message["msgid"] == msgid and message["origin"] == 3
        assert message["external_userid"] == resident.external_userid
        assert message["text"] == {"content": "楼道灯坏了"}
        assert (await api.sync(token="forged"))["errcode"] == 95007
        wechat.advance(0.2)  # 12 minutes: the callback Token is stale
        assert (await api.sync(token=token))["errcode"] == 95007
        # a replay of the last callback reaches the bot unchanged (the bot must dedupe)
        record = wechat.last_callback
        assert record is not None and record.query == query and record.body == body
        status, _ = await wechat.post_raw(record.query, record.body)
        assert status == 200


async def test_slow_receiver_gets_the_same_callback_again() -> None:
    async with WeChatSandbox(callback_timeout=0.3, retries=2) as wechat, Receiver(wechat.crypto) as receiver:
        receiver.sleep_first = 0.6
        wechat.set_callback_url(receiver.url)
        resident = await wechat.resident()
        await resident.send_text("在吗")
        await resident.send_text("第二条")
        await wechat.callbacks_idle()
        stats = wechat.stats()
        assert stats["callbacks"] == 2 and stats["callback_retries"] == 1 and stats["callback_failures"] == 0
        assert len(receiver.posts) == 3
        assert receiver.posts[0] == receiver.posts[1]  # same query and body
        assert receiver.posts[1] != receiver.posts[2]  # then the next one, in order


async def test_unreachable_callback_fails_after_retries() -> None:
    async with WeChatSandbox(callback_url="http://127.0.0.1:9/cb", retries=2) as wechat:
        await (await wechat.resident()).send_text("hello")
        await wechat.callbacks_idle()
        stats = wechat.stats()
        assert (stats["callbacks"], stats["callback_retries"], stats["callback_failures"]) == (1, 2, 1)


async def test_sync_msg_cursor_semantics(wechat: WeChatSandbox, api: Api) -> None:
    resident = await wechat.resident()
    first = await resident.send_text("一")
    await resident.send_location(39.9, 116.4, name="小区东门")
    await resident.tap_menu("report", "报修")
    page = await api.sync(limit=2)
    assert len(page["msg_list"]) == 2 and page["msg_list"][0]["msgid"] == first and page["has_more"] == 1
    rest = await api.sync(cursor=page["next_cursor"])
    assert rest["has_more"] == 0
    assert rest["msg_list"][0]["text"] == {"content": "报修", "menu_id": "report"}
    assert page["msg_list"][1]["location"]["name"] == "小区东门"
    again = await api.sync(cursor=page["next_cursor"])  # an older cursor reads the same messages again
    assert again["msg_list"] == rest["msg_list"]
    assert (await api.sync(cursor=rest["next_cursor"]))["msg_list"] == []
    await api.send_text(resident.external_userid, "收到")
    [echo] = (await api.sync(cursor=rest["next_cursor"]))["msg_list"]
    assert echo["origin"] == 5  # the bot's own message, to be skipped
    assert (await api.sync(limit=1001))["errcode"] == 40058


async def test_send_window_quota_and_expiry(wechat: WeChatSandbox, api: Api) -> None:
    resident = await wechat.resident()
    assert (await api.send_text(resident.external_userid, "too early"))["errcode"] == 45015
    await resident.send_text("你好")
    for n in range(5):
        assert (await api.send_text(resident.external_userid, f"回复{n}"))["errcode"] == 0
    assert (await api.send_text(resident.external_userid, "6th"))["errcode"] == 45047
    assert [m.text for m in await resident.wait_for_messages(5)] == [f"回复{n}" for n in range(5)]
    await resident.expect_silence(0.05)
    await resident.send_text("还有一个问题")  # a new message: a fresh window of 5
    assert (await api.send_text(resident.external_userid, "好的"))["errcode"] == 0
    wechat.advance(49)
    await api.login()  # the old token expired with the clock
    assert (await api.send_text(resident.external_userid, "late"))["errcode"] == 45015
    assert (await api.send_text("wmnobody", "x"))["errcode"] == 40003
    assert wechat.stats()["send_msg"] == {0: 6, 45015: 2, 45047: 1, 40003: 1}


async def test_repeated_client_msgid_is_not_delivered_twice(wechat: WeChatSandbox, api: Api) -> None:
    resident = await wechat.resident()
    await resident.send_text("hi")
    for _ in range(3):
        answer = await api.send_text(resident.external_userid, "once", msgid="reply-1")
        assert (answer["errcode"], answer["msgid"]) == (0, "reply-1")
    assert [m.msgid for m in await resident.messages()] == ["reply-1"]
    assert (await api.send_text(resident.external_userid, "x", msgid="bad id!"))["errcode"] == 40058


async def test_access_tokens(wechat: WeChatSandbox, api: Api) -> None:
    first = api.token
    assert (await api.login())["expires_in"] == 7200
    assert api.token != first
    assert (await api.sync(token=None))["errcode"] == 0
    assert (await api.post(f"{KF}/sync_msg", {}, token=first))["errcode"] == 0  # older tokens stay valid
    assert (await api.post(f"{KF}/sync_msg", {}, token="nonsense"))["errcode"] == 40001
    wechat.expire_tokens()
    assert (await api.sync())["errcode"] == 42001
    assert (await api.login(secret="wrong"))["errcode"] == 40001
    assert (await api.login(corpid="wwother"))["errcode"] == 40013
    await api.login()
    assert (await api.sync())["errcode"] == 0
    assert wechat.stats()["gettoken"] == 5


async def test_content_rules_faults_and_rate_limit(wechat: WeChatSandbox, api: Api) -> None:
    resident = await wechat.resident()
    await resident.send_text("hi")
    user = resident.external_userid
    assert (await api.send_text(user, "长" * 683))["errcode"] == 45002  # 2049 bytes
    assert (await api.send_text(user, ""))["errcode"] == 44004
    wechat.fail_next(f"{KF}/send_msg", -1, count=2)
    assert [(await api.send_text(user, "x"))["errcode"] for _ in range(3)] == [-1, -1, 0]
    wechat.max_sends_per_second = 1
    await resident.send_text("again")
    assert [(await api.send_text(user, "y"))["errcode"] for _ in range(2)] == [0, 45009]


async def test_msgmenu_and_tap(wechat: WeChatSandbox, api: Api) -> None:
    resident = await wechat.resident()
    await resident.send_text("你好")
    menu = {
        "head_content": "请选择：",
        "list": [
            {"type": "click", "click": {"id": "repair", "content": "报修"}},
            {"type": "view", "view": {"url": "https://example.org", "content": "公告"}},
            {"type": "text", "text": {"content": "或直接留言"}},
        ],
        "tail_content": "谢谢",
    }
    body = {"touser": resident.external_userid, "open_kfid": "wkSANDBOX", "msgtype": "msgmenu", "msgmenu": menu}
    assert (await api.post(f"{KF}/send_msg", body))["errcode"] == 0
    [shown] = await resident.wait_for_messages()
    assert shown.items[0] == ("click", "repair", "报修")
    assert shown.as_text() == "请选择：\n报修  [repair]\n公告  <https://example.org>\n或直接留言\n谢谢"


async def test_enter_session_welcome(wechat: WeChatSandbox, api: Api) -> None:
    resident = await wechat.resident()
    await resident.enter_session(scene_param="building-3")
    [event] = (await api.sync())["msg_list"]
    assert event["origin"] == 4 and event["event"]["scene_param"] == "building-3"
    assert (await api.send_text(resident.external_userid, "x"))["errcode"] == 45015  # no window from an event
    body = {"code": event["event"]["welcome_code"], "msgtype": "text", "text": {"content": "欢迎"}}
    assert (await api.post(f"{KF}/send_msg_on_event", body))["errcode"] == 0
    assert (await api.post(f"{KF}/send_msg_on_event", body))["errcode"] == 95017  # once per code
    assert [m.text for m in await resident.messages()] == ["欢迎"]


async def test_official_account(wechat: WeChatSandbox, api: Api) -> None:
    resident = await wechat.resident()
    text = {"touser": resident.openid, "msgtype": "text", "text": {"content": "通知"}}
    assert (await api.post("/cgi-bin/message/custom/send", text))["errcode"] == 40001  # WeCom's token: not here
    await oa_login(api)
    assert (await api.post("/cgi-bin/message/custom/send", text))["errcode"] == 45015
    template = {"touser": resident.openid, "template_id": "T1", "data": {"first": {"value": "停水"}}}
    assert (await api.post("/cgi-bin/message/template/send", template))["errcode"] == 0
    assert wechat.template_messages[0]["data"] == {"first": {"value": "停水"}}
    await resident.send_text("hi")  # a kf message opens the kf window only
    assert (await api.post("/cgi-bin/message/custom/send", text))["errcode"] == 45015
    await resident.oa_send_text("hi")  # no 服务号 URL set: no callback, but the window opens
    answers = [(await api.post("/cgi-bin/message/custom/send", text))["errcode"] for _ in range(21)]
    assert answers == [0] * 20 + [45047]
    await resident.oa_click("more")  # a menu click: a fresh window of 20
    assert (await api.post("/cgi-bin/message/custom/send", text))["errcode"] == 0
    wechat.advance(49)
    await oa_login(api)
    assert (await api.post("/cgi-bin/message/custom/send", text))["errcode"] == 45015
    bad_menu = {"touser": resident.openid, "msgtype": "msgmenu", "msgmenu": {"list": [{"id": "a"}]}}
    assert (await api.post("/cgi-bin/message/custom/send", bad_menu))["errcode"] == 40058
    too_many = {"button": [{"name": str(i), "type": "click", "key": "k"} for i in range(4)]}
    assert (await api.post("/cgi-bin/menu/create", too_many))["errcode"] == 40016
    subs = [{"name": str(i), "type": "view", "url": "https://x"} for i in range(6)]
    assert (await api.post("/cgi-bin/menu/create", {"button": [{"name": "a", "sub_button": subs}]}))["errcode"] == 40023
    menu = {"button": [{"name": "报修", "type": "click", "key": "repair"}, {"name": "更多", "sub_button": subs[:5]}]}
    assert (await api.post("/cgi-bin/menu/create", menu))["errcode"] == 0
    assert wechat.menu == menu


# -- the 服务号 follower side --------------------------------------------------------------------------------


def sha1_sorted(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


class OfficialServer:
    """A tiny 服务号 server: checks both signatures, opens the message, answers with ``self.answer(fields)``
    (a str body, or None for "success"); ``sleep`` seconds before answering (to break the 5-second rule)."""

    def __init__(self, wechat: WeChatSandbox) -> None:
        self.wechat = wechat
        self.crypto = MsgCrypt(wechat.token, wechat.encoding_aes_key, wechat.oa_app_id)
        self.posts: list[tuple[dict[str, str], bytes]] = []
        self.messages: list[dict[str, str]] = []
        self.answer: Any = lambda fields: None
        self.sleep = 0.0
        self._runner: web.AppRunner | None = None

    def passive(
        self, fields: dict[str, str], content: str, *, to: str | None = None, forge: bool = False, app: str = ""
    ) -> str:
        """The encrypted passive text reply, built by hand the way the bot must (``app``: another receive id)."""
        create = fields["CreateTime"]
        inner = (
            f"<xml><ToUserName><![CDATA[{to or fields['FromUserName']}]]></ToUserName>"
            f"<FromUserName><![CDATA[{fields['ToUserName']}]]></FromUserName><CreateTime>{create}</CreateTime>"
            f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{content}]]></Content></xml>"
        )
        crypto = MsgCrypt(self.wechat.token, self.wechat.encoding_aes_key, app) if app else self.crypto
        encrypted, timestamp, nonce = crypto.encrypt(inner), "1700000000", "n0nce"
        signature = sha1_sorted(self.wechat.token, timestamp, nonce, encrypted + ("x" if forge else ""))
        return (
            f"<xml><Encrypt><![CDATA[{encrypted}]]></Encrypt><MsgSignature><![CDATA[{signature}]]></MsgSignature>"
            f"<TimeStamp>{timestamp}</TimeStamp><Nonce><![CDATA[{nonce}]]></Nonce></xml>"
        )

    async def handle_post(self, request: web.Request) -> web.Response:
        q, body = dict(request.query), await request.read()
        self.posts.append((q, body))
        assert q["encrypt_type"] == "aes"
        assert q["signature"] == sha1_sorted(self.wechat.token, q["timestamp"], q["nonce"])
        outer = ElementTree.fromstring(body)
        assert outer.findtext("ToUserName") == "gh_sandbox"
        plain = self.crypto.decrypt_signed(q["msg_signature"], q["timestamp"], q["nonce"], outer.findtext("Encrypt"))
        fields = {child.tag: child.text or "" for child in ElementTree.fromstring(plain)}
        assert fields["FromUserName"] == q["openid"]
        self.messages.append(fields)
        if self.sleep:
            await asyncio.sleep(self.sleep)
        return web.Response(text=self.answer(fields) or "success")

    async def handle_get(self, request: web.Request) -> web.Response:
        q = request.query
        ok = q["signature"] == sha1_sorted(self.wechat.token, q["timestamp"], q["nonce"])
        return web.Response(text=q["echostr"] if ok else "bad signature")

    async def __aenter__(self) -> OfficialServer:
        app = web.Application()
        app.router.add_post("/mp", self.handle_post)
        app.router.add_get("/mp", self.handle_get)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.wechat.set_oa_callback_url(f"http://127.0.0.1:{port}/mp")
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._runner is not None
        await self._runner.cleanup()


async def test_oa_passive_reply_reaches_the_follower(wechat: WeChatSandbox, api: Api) -> None:
    async with OfficialServer(wechat) as server:
        assert await wechat.verify_oa_url()
        resident = await wechat.resident()
        server.answer = lambda fields: server.passive(fields, f"收到：{fields['Content']}")
        msgid = await resident.oa_send_text("楼道灯坏了")
        [got] = server.messages
        assert (got["MsgType"], got["Content"], got["MsgId"]) == ("text", "楼道灯坏了", msgid)
        assert got["ToUserName"] == "gh_sandbox" and got["FromUserName"] == resident.openid
        assert "bizmsgmenuid" not in got and int(msgid) < 2**63
        [reply] = await resident.messages()  # there when the action returns
        assert (reply.channel, reply.msgtype, reply.text) == ("oa_passive", "text", "收到：楼道灯坏了")
        record = wechat.last_oa_callback
        assert record is not None and (record.query, record.body) == server.posts[0]
        assert record.query["openid"] == resident.openid
        # the follower's message opened the 服务号 window: 客服消息 and template in the same stream, in order
        await oa_login(api)
        menu = {"head_content": "请选择", "list": [{"id": "m1", "content": "报修"}], "tail_content": "谢谢"}
        custom = {"touser": resident.openid, "msgtype": "msgmenu", "msgmenu": menu}
        assert (await api.post("/cgi-bin/message/custom/send", custom))["errcode"] == 0
        template = {"touser": resident.openid, "template_id": "T9", "data": {"first": {"value": "停水通知"}}}
        assert (await api.post("/cgi-bin/message/template/send", template))["errcode"] == 0
        _, shown, notice = await resident.wait_for_messages(3)
        assert (shown.channel, shown.items) == ("oa_custom", [("click", "m1", "报修")])
        assert notice.channel == "oa_template" and "first: 停水通知" in notice.text
        stats = wechat.stats()
        assert (stats["oa_callbacks"], stats["passive_replies"], stats["passive_errors"]) == (1, 1, 0)
        # "success" (or nothing) delivers nothing
        server.answer = lambda fields: None
        await resident.oa_send_location(39.9042, 116.4074, label="三社区东门")
        loc = server.messages[-1]
        assert (loc["MsgType"], loc["Location_X"], loc["Location_Y"], loc["Scale"], loc["Label"]) == (
            "location", "39.904200", "116.407400", "15", "三社区东门",
        )  # fmt: skip
        assert loc["MsgId"]
        await resident.expect_silence(0.05)
        assert (await oa_login(api, secret="wrong"))["errcode"] == 40125
        assert (await oa_login(api, appid="wxother"))["errcode"] == 40013


async def test_oa_events_and_bizmsgmenu_links(wechat: WeChatSandbox) -> None:
    async with OfficialServer(wechat) as server:
        resident = await wechat.resident()
        link = '<a href="weixin://bizmsgmenu?msgmenucontent=1.%20%E6%8A%A5%E4%BF%AE&msgmenuid=q7-1">1. 报修</a>'
        server.answer = lambda fields: server.passive(fields, f"欢迎！\n{link}\n<a href='https://e.org'>公告</a>")
        await resident.oa_subscribe()
        await resident.oa_click("repair")
        subscribe, click = server.messages
        for fields, (event, key) in [(subscribe, ("subscribe", "")), (click, ("CLICK", "repair"))]:
            assert (fields["MsgType"], fields["Event"], fields["EventKey"]) == ("event", event, key)
            assert "MsgId" not in fields and fields["FromUserName"] == resident.openid
        welcome, _ = await resident.wait_for_messages(2)
        assert welcome.text == "欢迎！\n1. 报修\n公告"
        assert welcome.items == [("click", "q7-1", "1. 报修"), ("view", "https://e.org", "公告")]
        _, menu_id, words = welcome.items[0]
        server.answer = lambda fields: None
        await resident.oa_send_text(words, bizmsgmenuid=menu_id)
        tapped = server.messages[-1]
        assert (tapped["Content"], tapped["bizmsgmenuid"]) == ("1. 报修", "q7-1")
        assert (
            b"<bizmsgmenuid>q7-1</bizmsgmenuid>"
            in MsgCrypt(wechat.token, wechat.encoding_aes_key, wechat.oa_app_id)
            .decrypt(ElementTree.fromstring(wechat.last_oa_callback.body).findtext("Encrypt"))
            .encode()
        )  # type: ignore[union-attr]


async def test_oa_bad_passive_replies_show_the_error(wechat: WeChatSandbox) -> None:
    unavailable = "该公众号暂时无法提供服务，请稍后再试"
    async with OfficialServer(wechat) as server:
        resident = await wechat.resident()
        answers = [
            lambda f: server.passive(f, "forged", forge=True),  # MsgSignature does not match
            lambda f: server.passive(f, "to someone else", to="o_someone_else"),
            lambda f: "<xml><ToUserName>broken",
            lambda f: "ok",  # neither "success" nor a reply
            lambda f: server.passive(f, "wrong app", app="wwsandbox"),  # receive id must be the 服务号's app id
        ]
        for answer in answers:
            server.answer = answer
            await resident.oa_send_text("在吗")
        shown = await resident.wait_for_messages(5)
        assert [(m.channel, m.text) for m in shown] == [("oa_error", unavailable)] * 5
        assert "signature" in shown[0].raw["error"] and "receive id" in shown[4].raw["error"]
        assert wechat.stats()["passive_errors"] == 5


async def test_oa_slow_server_gets_the_same_request_again_then_the_follower_sees_the_error() -> None:
    async with WeChatSandbox(callback_timeout=0.3) as wechat, OfficialServer(wechat) as server:
        server.sleep = 0.5
        resident = await wechat.resident()
        await resident.oa_click("repair")
        record = wechat.last_oa_callback
        assert record is not None and server.posts == [(record.query, record.body)] * 4  # the SAME request
        [error] = await resident.messages()
        assert (error.channel, error.text) == ("oa_error", "该公众号暂时无法提供服务，请稍后再试")
        stats = wechat.stats()
        assert (stats["oa_callbacks"], stats["oa_callback_retries"], stats["oa_callback_failures"]) == (1, 3, 1)
        server.sleep = 0
        assert await wechat.post_raw_oa(record.query, record.body) == (200, "success")  # a replay, as is
        wechat.set_oa_callback_url(wechat.oa_callback_url.replace("/mp", "/nothing"))  # type: ignore[union-attr]
        assert not await wechat.verify_oa_url()
