"""WeChat's callbacks: 微信客服 tells us "there are messages" (kf_msg_or_event, a token and nothing else); we read
them with kf/sync_msg from where we stopped, and store each as an update before answering.

Every request is checked before anything is read from it: the signature over token, timestamp, nonce and the
encrypted body (compared in constant time), a timestamp no older than five minutes (a replayed request is
refused), then the AES decryption, whose last bytes must name our corp id. Bad requests get 403 (signature,
timestamp) or 400 (body), and the log says why without a word of the content.

WeChat waits 5 seconds and then sends the callback again, three times. The answer comes once the messages are
stored: a crash before that gets the callback again, and a message read twice (a retried callback, a cursor
saved late, two workers pulling at once) is acted on once, as WeChat's msgid is recorded in the same
transaction as the update, the cursor and the person's window (storage wechat_inbound).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web
from telegram import Bot, Update

from bot.updates import UpdateRunner
from channels.wechat.api import WeChatApi
from channels.wechat.arrival import opening, picked, window_opens
from channels.wechat.crypto import WeChatCrypto
from channels.wechat.errors import BadSignature, CallbackRefused, StaleTimestamp, TooLarge, WeChatError
from channels.wechat.inbound import kf_update
from channels.wechat.xml import parse_envelope, parse_message
from storage.db import Database
from storage.protocols import UnitOfWork

log = logging.getLogger(__name__)
MAX_BODY_BYTES = 64 * 1024
CATCH_UP_EVERY_S = 600.0
FROM_RESIDENT, FROM_SYSTEM = 3, 4  # kf/sync_msg `origin`; 5 is a message the account itself sent
WECHAT_NAME = "微信用户"  # WeChat does not give a 微信客服 account the person's name
WELCOME_VALID = timedelta(seconds=18)  # WeChat allows 20 s for the answer to enter_session; a margin for the clocks


class WeChatReceiver:
    def __init__(self, db: Database, api: WeChatApi, crypto: WeChatCrypto, runner: UpdateRunner, bot: Bot,
                 clock: Callable[[], datetime], *, accounts: frozenset[str],
                 path: str = "/wechat") -> None:  # fmt: skip
        self._db, self._api, self._crypto, self._runner, self._bot = db, api, crypto, runner, bot
        self._clock, self.path, self._accounts = clock, path, accounts
        self._pulling: dict[str, asyncio.Lock] = {}

    def routes(self, app: web.Application) -> None:
        app.router.add_get(self.path, self._verify)
        app.router.add_post(self.path, self._callback)

    # -- the two kinds of request -----------------------------------------------------------------------

    async def _verify(self, request: web.Request) -> web.Response:
        """WeCom's URL check when the callback address is saved: answer the decrypted echostr."""
        query = request.query
        try:
            echostr = query.get("echostr", "")
            self._crypto.check(query.get("msg_signature", ""), query.get("timestamp", ""), query.get("nonce", ""),
                               echostr, now=time.time())  # fmt: skip
            return web.Response(text=self._crypto.decrypt(echostr).decode())
        except CallbackRefused as exc:
            return refused(request, exc)

    async def _callback(self, request: web.Request) -> web.Response:
        try:
            event = await opened(request, self._crypto)
        except CallbackRefused as exc:
            return refused(request, exc)
        if event.get("MsgType") != "event" or event.get("Event") != "kf_msg_or_event":
            log.info("wechat: %s/%s callback ignored", event.get("MsgType"), event.get("Event"))
            return web.Response(text="success")  # acknowledged, so WeChat does not send it again
        if event.get("OpenKfId") not in self._accounts:  # another 客服账号 of the corp (staffed by people, say)
            log.info("wechat: a callback for another 客服 account ignored")
            return web.Response(text="success")
        try:
            await self.pull(event.get("Token", ""), event.get("OpenKfId", ""))
        except WeChatError as exc:
            log.warning("wechat: reading messages failed (%s %s); WeChat will call again", exc.errcode, exc.errmsg)
            return web.Response(status=503)
        except Exception:
            log.exception("wechat: could not store the messages; WeChat will call again")
            return web.Response(status=500)
        return web.Response(text="success")

    # -- reading and storing the messages ----------------------------------------------------------------

    async def catch_up(self) -> None:
        """Read what came while no callback could be taken (the bot down, WeChat's retries spent): at start and
        every few minutes, without a callback token (which WeChat rate-limits harder, so not more often)."""
        while True:
            for account in self._accounts:
                try:
                    await self.pull("", account)
                except Exception as exc:  # the next callback or the next round reads them
                    log.warning("wechat: catching up on %s failed (%s)", account, type(exc).__name__)
            await asyncio.sleep(CATCH_UP_EVERY_S)

    async def pull(self, callback_token: str, account: str) -> None:
        """Read the account's new messages page by page; each page is stored in one transaction."""
        async with self._pulling.setdefault(account, asyncio.Lock()):
            while True:
                async with self._db.transaction() as tx:
                    cursor = await tx.wechat.cursor(account)
                page = await self._api.sync_msg(callback_token, cursor, account)
                async with self._db.transaction() as tx:
                    kept = await self._runner.keep(tx, await self._updates(tx, account, page.get("msg_list", [])))
                    if page.get("next_cursor"):
                        await tx.wechat.save_cursor(account, str(page["next_cursor"]))
                self._runner.start_kept(kept)
                if not page.get("has_more") or not page.get("next_cursor") or page.get("next_cursor") == cursor:
                    return  # read to the end (or WeChat gave no way forward: the next callback goes on)

    async def _updates(self, tx: UnitOfWork, account: str, messages: list[dict[str, Any]]) -> list[Update]:
        updates: list[Update] = []
        now = self._clock()
        for message in messages:
            try:
                update = await self._update(tx, account, message, now)
            except Exception:  # one odd message must not stop every message after it, callback after callback
                log.exception("wechat: message %s (%s) could not be read; skipped", message.get("msgid"),
                              message.get("msgtype"))  # fmt: skip
                continue
            if update is not None:
                updates.append(update)
        return updates

    async def _update(self, tx: UnitOfWork, account: str, message: dict[str, Any], now: datetime) -> Update | None:
        origin = message.get("origin")
        external_id = message.get("external_userid") or message.get("event", {}).get("external_userid")
        if origin not in (FROM_RESIDENT, FROM_SYSTEM) or not external_id or not message.get("msgid"):
            return None
        update_id = await tx.wechat.first_inbound(str(message["msgid"]), now)
        if update_id is None:
            return None  # read before
        person = await tx.wechat.person_for(account, str(external_id), now)
        event = message.get("event") or {}
        if event.get("event_type") == "enter_session" and event.get("welcome_code"):
            await tx.wechat.welcome(person.person_id, str(event["welcome_code"]), now + WELCOME_VALID)
        if origin == FROM_RESIDENT:
            await window_opens(tx, person.person_id, now)
        choice = None
        if message.get("msgtype") == "text":
            text = message.get("text", {})
            menu_id = text.get("menu_id")
            choice = await picked(tx, person.person_id, str(text.get("content", "")),
                                  str(menu_id) if menu_id is not None else None)  # fmt: skip
        data = kf_update(update_id, person.person_id, message, choice, WECHAT_NAME)
        if data is not None:
            data = await opening(tx, person.person_id, data)
        if data is None:
            log.info("wechat: a %s message has no use here", message.get("msgtype"))
            await tx.outbox.first_time_seen(update_id, now)
            return None
        return Update.de_json(data, self._bot)


async def opened(request: web.Request, crypto: WeChatCrypto) -> dict[str, str]:
    """The message inside a 安全模式 callback (微信客服 or 服务号), once the body is small enough, its signature
    (msg_signature over token, timestamp, nonce and Encrypt) and timestamp check out and it decrypts for us;
    CallbackRefused otherwise."""
    body = await request.content.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        raise TooLarge
    envelope = parse_envelope(body)
    query = request.query
    crypto.check(query.get("msg_signature", ""), query.get("timestamp", ""), query.get("nonce", ""),
                 envelope["Encrypt"], now=time.time())  # fmt: skip
    return parse_message(crypto.decrypt(envelope["Encrypt"]))


def refused(request: web.Request, exc: CallbackRefused) -> web.Response:
    """403 for a forged or replayed request, 413 for a body too big, 400 for one that is not WeChat's; logged
    without content."""
    status = 403 if isinstance(exc, BadSignature | StaleTimestamp) else 413 if isinstance(exc, TooLarge) else 400
    log.warning("wechat callback to %s from %s refused: %s", request.path, request.remote, type(exc).__name__)
    return web.Response(status=status)
