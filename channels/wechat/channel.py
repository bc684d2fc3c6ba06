"""The WeChat channel, put together from the settings: for each door that is configured (a 微信客服 account, a
服务号, or both), its API client with the access_token shared in the database and its callback route; the outlet
the bot sends through; and the HTTP server WeChat posts to (bot/app.py starts it beside Telegram's polling or
webhook; several webhook workers share its port)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from functools import partial

import httpx
from aiohttp import web
from pydantic import SecretStr

from bot.channel_bot import ChannelBot
from bot.config import Settings
from bot.i18n import I18n
from bot.updates import UpdateRunner
from channels.wechat.api import WeChatApi, gettoken
from channels.wechat.crypto import WeChatCrypto
from channels.wechat.doors import Door, KfDoor, OfficialDoor
from channels.wechat.official import OfficialReceiver
from channels.wechat.outlet import WeChatOutlet
from channels.wechat.passive import PassiveSlots
from channels.wechat.receiver import MAX_BODY_BYTES, WeChatReceiver
from channels.wechat.tokens import AccessTokens
from storage.db import Database

API_TIMEOUT_S = 10.0


def _secret(*values: SecretStr | None) -> str:
    """The first of the values that is set (a 服务号 setting falls back to the 客服 one)."""
    return next((value.get_secret_value() for value in values if value), "")


class WeChatChannel:
    def __init__(self, settings: Settings, db: Database, i18n: I18n, clock: Callable[[], datetime], *,
                 reuse_port: bool = False) -> None:  # fmt: skip
        self._settings, self._db, self._clock, self._reuse_port = settings, db, clock, reuse_port
        host, _, port = settings.wechat_listen.rpartition(":")
        self._host, self.port = host or "127.0.0.1", int(port)
        self._http = httpx.AsyncClient(timeout=API_TIMEOUT_S)
        self._slots = PassiveSlots()
        doors: dict[str, Door] = {}
        self.kf_api: WeChatApi | None = None
        self.official_api: WeChatApi | None = None
        if settings.wechat_corp_id:
            self.kf_api = self._api(settings.wechat_api_base, settings.wechat_corp_id, _secret(settings.wechat_secret))
            # ValueError now, at start, for a malformed key.
            self.kf_crypto = WeChatCrypto(_secret(settings.wechat_token), _secret(settings.wechat_aes_key),
                                          settings.wechat_corp_id)  # fmt: skip
            doors[settings.wechat_kf_id] = KfDoor(self.kf_api)
        if settings.wechat_oa_app_id:
            app_id = settings.wechat_oa_app_id
            self.official_api = self._api(settings.wechat_oa_api_base, app_id, _secret(settings.wechat_oa_secret),
                                          official_account=True)  # fmt: skip
            self.official_crypto = WeChatCrypto(
                _secret(settings.wechat_oa_token, settings.wechat_token),
                _secret(settings.wechat_oa_aes_key, settings.wechat_aes_key), app_id,
            )  # fmt: skip
            doors[app_id] = OfficialDoor(self.official_api, self._slots, settings.wechat_oa_template_id or None)
        self.outlet = WeChatOutlet(db, doors, i18n, clock)
        self._site: web.AppRunner | None = None
        self._catch_up: asyncio.Task[None] | None = None

    def _api(self, base: str, app: str, secret: str, *, official_account: bool = False) -> WeChatApi:
        fetch = partial(gettoken, self._http, base, app, secret, official_account=official_account)
        return WeChatApi(base, app, secret, AccessTokens(self._db, app, fetch, self._clock), self._http)

    async def serve(self, runner: UpdateRunner, bot: ChannelBot) -> None:
        """Listen for WeChat's callbacks; their messages go to `runner` like Telegram's updates."""
        settings = self._settings
        app = web.Application(client_max_size=MAX_BODY_BYTES)
        if self.kf_api is not None:
            accounts = frozenset({settings.wechat_kf_id})
            receiver = WeChatReceiver(self._db, self.kf_api, self.kf_crypto, runner, bot, self._clock,
                                      accounts=accounts, path=settings.wechat_path)  # fmt: skip
            receiver.routes(app)
            self._catch_up = asyncio.create_task(receiver.catch_up(), name="sanshe-wechat-catch-up")
        if self.official_api is not None:
            OfficialReceiver(self._db, self.official_crypto, settings.wechat_oa_app_id, runner, bot, self._slots,
                             self._clock, path=settings.wechat_oa_path).routes(app)  # fmt: skip
        self._site = web.AppRunner(app, access_log=None)
        await self._site.setup()
        site = web.TCPSite(self._site, self._host, self.port, reuse_port=self._reuse_port or None)
        await site.start()
        if self.port == 0:  # a free port (tests): say which
            server = site._server  # aiohttp exposes the bound socket only here
            assert server is not None and server.sockets
            self.port = int(server.sockets[0].getsockname()[1])

    async def stop_listening(self) -> None:
        if self._catch_up is not None:
            self._catch_up.cancel()
            await asyncio.gather(self._catch_up, return_exceptions=True)
            self._catch_up = None
        if self._site is not None:
            await self._site.cleanup()
            self._site = None

    async def close(self) -> None:
        await self.stop_listening()
        await self._http.aclose()
