"""``WeChatSandbox``: the fake WeChat server (API + callbacks + residents) on one aiohttp server.

Runs inside the caller's event loop::

    async with WeChatSandbox(callback_url="http://127.0.0.1:8080/wechat/callback") as wechat:
        bot_config = {"api_base": wechat.base_url, "corp_id": wechat.corp_id, ...}
        resident = await wechat.resident(name="王阿姨")
        await resident.send_text("你好")          # stored, then a signed callback goes to the bot
        [reply] = await resident.wait_for_messages(1)

The 服务号 (official account) side has its own URL (``oa_callback_url``) and app id; the same person writes to
it with ``resident.oa_send_text(...)`` and the call returns once the bot's answer was handled.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

from aiohttp import web

from sandbox.listen import listen
from sandbox.wechat import kf_api, official
from sandbox.wechat.callbacks import CallbackDelivery
from sandbox.wechat.crypto import DEFAULT_AES_KEY, MsgCrypt
from sandbox.wechat.http import STATE_KEY
from sandbox.wechat.models import CallbackRecord
from sandbox.wechat.oa_callbacks import OfficialCallbacks
from sandbox.wechat.resident import WeChatResident
from sandbox.wechat.state import WeChatState


class WeChatSandbox:
    def __init__(
        self,
        *,
        corp_id: str = "wwsandbox",
        secret: str = "sandbox-secret",
        token: str = "sandboxtoken",
        encoding_aes_key: str = DEFAULT_AES_KEY,
        open_kfid: str = "wkSANDBOX",
        callback_url: str | None = None,
        oa_app_id: str = "wxsandboxoa",
        oa_secret: str = "sandbox-oa-secret",
        oa_original_id: str = "gh_sandbox",
        oa_callback_url: str | None = None,
        token_ttl: float = 7200,
        callback_timeout: float = 5.0,
        retries: int = 3,
        max_sends_per_second: float | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        """``token``/``encoding_aes_key``: the callback settings (Token, EncodingAESKey) the bot is configured with.
        ``callback_timeout``/``retries``: WeCom waits 5 s for HTTP 200 and then repeats the same callback.
        ``oa_*``: the 服务号 (AppID, AppSecret, original id "gh_…" = ToUserName of its callbacks, server URL). It
        shares ``token`` and ``encoding_aes_key`` with the kf side (one set of callback settings for the bot;
        real accounts configure each separately), but its crypto's receive id is ``oa_app_id``. Its callbacks
        use the same ``callback_timeout`` (WeChat: 5 s) and ``retries`` (WeChat: 3).
        ``max_sends_per_second``: answer 45009 above this many send_msg calls per second (None: no limit)."""
        self.corp_id = corp_id
        self.secret = secret
        self.token = token
        self.encoding_aes_key = encoding_aes_key
        self.open_kfid = open_kfid
        self.host = host
        self.port = port
        self.oa_app_id = oa_app_id
        self.oa_secret = oa_secret
        self.oa_original_id = oa_original_id
        self.crypto = MsgCrypt(token, encoding_aes_key, corp_id)
        self.oa_crypto = MsgCrypt(token, encoding_aes_key, oa_app_id)
        self.state = WeChatState(
            corp_id=corp_id,
            secret=secret,
            open_kfid=open_kfid,
            token_ttl=token_ttl,
            oa_app_id=oa_app_id,
            oa_secret=oa_secret,
        )
        self.state.max_sends_per_second = max_sends_per_second
        self.callbacks = CallbackDelivery(
            self.state, self.crypto, callback_url, timeout=callback_timeout, retries=retries
        )
        self.state.on_resident_message = self.callbacks.notify
        self.oa_callbacks = OfficialCallbacks(
            self.state,
            self.oa_crypto,
            oa_callback_url,
            original_id=oa_original_id,
            timeout=callback_timeout,
            retries=retries,
        )
        self._runner: web.AppRunner | None = None

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    # -- configuration and test controls -----------------------------------------------------------------
    def set_callback_url(self, url: str | None) -> None:
        self.callbacks.url = url

    @property
    def callback_url(self) -> str | None:
        return self.callbacks.url

    def set_oa_callback_url(self, url: str | None) -> None:
        self.oa_callbacks.url = url

    @property
    def oa_callback_url(self) -> str | None:
        return self.oa_callbacks.url

    @property
    def callback_timeout(self) -> float:
        return self.callbacks.timeout

    @callback_timeout.setter
    def callback_timeout(self, seconds: float) -> None:
        """WeChat's 5-second rule, for both the kf and the 服务号 callbacks."""
        self.callbacks.timeout = self.oa_callbacks.timeout = seconds

    @property
    def max_sends_per_second(self) -> float | None:
        return self.state.max_sends_per_second

    @max_sends_per_second.setter
    def max_sends_per_second(self, value: float | None) -> None:
        self.state.max_sends_per_second = value

    def advance(self, hours: float) -> None:
        """Move the sandbox clock forward: reply windows, access-token and callback-Token expiry, send_time.
        Callback query timestamps stay on the real clock (see ``callbacks``)."""
        self.state.advance(hours)

    def fail_next(self, path: str, errcode: int, count: int = 1) -> None:
        """The next ``count`` calls of ``path`` (e.g. "/cgi-bin/kf/send_msg") answer ``errcode`` and do nothing."""
        self.state.fail_next(path, errcode, count)

    def expire_tokens(self) -> None:
        """Every access token issued so far expires now (→ 42001); gettoken gives working ones again."""
        self.state.expire_tokens()

    def stats(self) -> dict[str, Any]:
        return self.state.stats()

    @property
    def last_callback(self) -> CallbackRecord | None:
        return self.callbacks.last_callback

    @property
    def last_oa_callback(self) -> CallbackRecord | None:
        """The latest 服务号 callback as POSTed (query: signature, timestamp, nonce, openid, encrypt_type,
        msg_signature; body: the envelope XML)."""
        return self.oa_callbacks.last_callback

    @property
    def template_messages(self) -> list[dict[str, Any]]:
        return self.state.template_messages

    @property
    def menu(self) -> dict[str, Any] | None:
        return self.state.menu

    async def resident(self, name: str = "王阿姨") -> WeChatResident:
        return WeChatResident(self.state, self.state.add_resident(name), self.oa_callbacks)

    async def verify_url(self) -> bool:
        return await self.callbacks.verify_url()

    async def post_raw(self, query: dict[str, str], body: bytes) -> tuple[int, str]:
        return await self.callbacks.post_raw(query, body)

    async def verify_oa_url(self) -> bool:
        """The 服务号's GET URL check (plain echostr, ``signature`` over token, timestamp, nonce)."""
        return await self.oa_callbacks.verify_url()

    async def post_raw_oa(self, query: dict[str, str], body: bytes) -> tuple[int, str]:
        return await self.oa_callbacks.post_raw(query, body)

    async def callbacks_idle(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109 - a test helper's deadline
        """Wait until every queued callback was delivered or given up on."""
        await self.callbacks.idle(timeout)

    # -- lifecycle ---------------------------------------------------------------------------------------
    def _make_app(self) -> web.Application:
        app = web.Application(client_max_size=kf_api.MAX_MEDIA_BYTES + 64 * 1024)  # media/upload takes files
        app[STATE_KEY] = self.state
        kf_api.add_routes(app)
        official.add_routes(app)
        return app

    async def start(self) -> None:
        if self._runner is not None:
            raise RuntimeError("WeChatSandbox already started")
        runner, self.port = await listen(self._make_app(), self.host, self.port)
        self.callbacks.start()
        self.oa_callbacks.start()
        self._runner = runner

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is None:
            return
        await self.callbacks.stop()
        await self.oa_callbacks.stop()
        await runner.cleanup()

    async def __aenter__(self) -> WeChatSandbox:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()
