"""The WeChat channel, put together: the API client and its shared access_token, the outlet the bot sends
through, and the callback server WeChat posts to (bot/app.py starts it beside Telegram's polling or webhook)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial

import httpx
from aiohttp import web

from bot.channel_bot import ChannelBot
from bot.i18n import I18n
from bot.updates import UpdateRunner
from channels.wechat.api import WeChatApi, gettoken
from channels.wechat.crypto import WeChatCrypto
from channels.wechat.outlet import WeChatOutlet
from channels.wechat.receiver import MAX_BODY_BYTES, WeChatReceiver
from channels.wechat.tokens import AccessTokens
from storage.db import Database

API_TIMEOUT_S = 10.0


class WeChatChannel:
    def __init__(self, db: Database, i18n: I18n, clock: Callable[[], datetime], *, api_base: str, corp_id: str,
                 secret: str, token: str, aes_key: str, kf_id: str, listen: str, path: str) -> None:  # fmt: skip
        self._db, self._clock, self._path = db, clock, path
        self.kf_id = kf_id  # the 客服账号 residents write to
        host, _, port = listen.rpartition(":")
        self._host, self._port = host or "127.0.0.1", int(port)
        self._http = httpx.AsyncClient(timeout=API_TIMEOUT_S)
        tokens = AccessTokens(db, corp_id, partial(gettoken, self._http, api_base, corp_id, secret), clock)
        self.api = WeChatApi(api_base, corp_id, secret, tokens, self._http)
        self.crypto = WeChatCrypto(token, aes_key, corp_id)  # ValueError now, at start, for a malformed key
        self.outlet = WeChatOutlet(db, self.api, i18n, clock)
        self._site: web.AppRunner | None = None
        self.port = self._port

    async def serve(self, runner: UpdateRunner, bot: ChannelBot) -> None:
        """Listen for WeChat's callbacks; their messages go to `runner` like Telegram's updates."""
        receiver = WeChatReceiver(self._db, self.api, self.crypto, runner, bot, self._clock, path=self._path)
        app = web.Application(client_max_size=MAX_BODY_BYTES)
        receiver.routes(app)
        self._site = web.AppRunner(app, access_log=None)
        await self._site.setup()
        site = web.TCPSite(self._site, self._host, self._port)
        await site.start()
        if self._port == 0:  # a free port (tests): say which
            server = site._server  # aiohttp exposes the bound socket only here
            assert server is not None and server.sockets
            self.port = int(server.sockets[0].getsockname()[1])

    async def stop_listening(self) -> None:
        if self._site is not None:
            await self._site.cleanup()
            self._site = None

    async def close(self) -> None:
        await self.stop_listening()
        await self._http.aclose()
