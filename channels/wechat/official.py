"""A verified 服务号 (official account): its followers' messages, menu clicks and subscriptions come in the
callback itself (安全模式: AES, signed), and the answer may go back inside the HTTP answer — the passive reply —
when the turn has it ready within WeChat's 5 seconds; otherwise the answer is "success" and the messages go as
customer-service messages through the outbox (channels/wechat/passive.py, outlet.py).

Checks as for 微信客服 (channels/wechat/receiver.py): msg_signature over token, timestamp, nonce and the
encrypted body in constant time, a timestamp within five minutes, the decrypted app id. WeChat sends a callback
again when it gets no answer in 5 seconds, three times: each message is recorded by its MsgId (an event, which
has none, by its sender and time) in the transaction that stores it, so a repeated callback is answered
"success" and acted on once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import datetime

from aiohttp import web
from telegram import Bot, Update

from bot.updates import UpdateRunner
from channels.wechat.arrival import opening, picked, window_opens
from channels.wechat.crypto import WeChatCrypto
from channels.wechat.errors import CallbackRefused
from channels.wechat.inbound import official_update
from channels.wechat.passive import PassiveSlot, PassiveSlots
from channels.wechat.receiver import WECHAT_NAME, opened, refused
from channels.wechat.xml import reply_envelope
from storage.db import Database

log = logging.getLogger(__name__)
PASSIVE_WITHIN_S = 4.0  # WeChat waits 5 seconds; the answer must be on its way before


class OfficialReceiver:
    def __init__(self, db: Database, crypto: WeChatCrypto, app_id: str, runner: UpdateRunner, bot: Bot,
                 slots: PassiveSlots, clock: Callable[[], datetime], *, path: str) -> None:  # fmt: skip
        self._db, self._crypto, self._app_id, self._runner, self._bot = db, crypto, app_id, runner, bot
        self._slots, self._clock, self.path = slots, clock, path

    def routes(self, app: web.Application) -> None:
        app.router.add_get(self.path, self._verify)
        app.router.add_post(self.path, self._callback)

    async def _verify(self, request: web.Request) -> web.Response:
        """The 服务号's URL check: `signature` over token, timestamp and nonce; answer echostr as it came."""
        query = request.query
        try:
            self._crypto.check(query.get("signature", ""), query.get("timestamp", ""), query.get("nonce", ""),
                               now=time.time())  # fmt: skip
        except CallbackRefused as exc:
            return refused(request, exc)
        return web.Response(text=query.get("echostr", ""))

    async def _callback(self, request: web.Request) -> web.StreamResponse:
        timestamp, nonce = request.query.get("timestamp", ""), request.query.get("nonce", "")
        try:
            message = await opened(request, self._crypto)
        except CallbackRefused as exc:
            return refused(request, exc)
        openid = message.get("FromUserName", "")
        if not openid:
            return web.Response(status=400)
        try:
            person_id, kept = await self._store(openid, message)
        except Exception:
            log.exception("wechat 服务号: could not store a message; WeChat will call again")
            return web.Response(status=500)
        if not kept:
            return web.Response(text="success")
        slot = self._slots.open(person_id, message.get("ToUserName", ""))
        try:
            reply = await _first_reply(slot, self._runner.start_kept(kept))
            if reply is None:
                return web.Response(text="success")
            encrypt, signature = self._crypto.encrypt(reply.encode(), nonce, timestamp)
            answer = web.Response(text=reply_envelope(encrypt, signature, timestamp, nonce), content_type="text/xml")
            await answer.prepare(request)
            await answer.write_eof()
            slot.close(delivered=True)
            return answer
        finally:
            slot.close()  # not delivered, unless closed as delivered above
            self._slots.release(person_id, slot)

    async def _store(self, openid: str, message: dict[str, str]) -> tuple[int, list[tuple[object, Update]]]:
        now = self._clock()
        key = message.get("MsgId") or ":".join(
            (openid, message.get("CreateTime", ""), message.get("Event", ""), message.get("EventKey", ""))
        )
        async with self._db.transaction() as tx:
            update_id = await tx.wechat.first_inbound(f"oa:{key}", now)
            if update_id is None:
                return 0, []  # WeChat's retry of a callback already stored
            person = await tx.wechat.person_for(self._app_id, openid, now)
            if message.get("MsgType") == "event" and message.get("Event") == "unsubscribe":
                await tx.users.set_blocked(person.person_id, now, now)  # as a Telegram user who blocks the bot
                await tx.outbox.first_time_seen(update_id, now)
                return person.person_id, []
            await window_opens(tx, person.person_id, now)  # any interaction opens a 服务号's window
            choice = None
            if message.get("MsgType") == "text":
                choice = await picked(tx, person.person_id, message.get("Content", ""), message.get("bizmsgmenuid"))
            data = official_update(update_id, person.person_id, message, choice, WECHAT_NAME)
            if data is not None:
                data = await opening(tx, person.person_id, data)
            if data is None:
                log.info("wechat 服务号: a %s message has no use here", message.get("MsgType"))
                await tx.outbox.first_time_seen(update_id, now)
                return person.person_id, []
            update = Update.de_json(data, self._bot)
            assert update is not None
            kept = await self._runner.keep(tx, [update])
        return person.person_id, list(kept)


async def _first_reply(slot: PassiveSlot, turns: list[asyncio.Task[None]]) -> str | None:
    """The turn's first message to the person, if it comes within the time WeChat waits; None otherwise."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + PASSIVE_WITHIN_S
    pending: set[asyncio.Future[object]] = {slot.offered, *turns}  # type: ignore[arg-type]
    while not slot.offered.done() and loop.time() < deadline:
        running = {f for f in pending if not f.done()}
        if running == {slot.offered} and turns:  # the turn is over and said nothing to them
            return None
        await asyncio.wait(running, timeout=deadline - loop.time(), return_when=asyncio.FIRST_COMPLETED)
    if slot.offered.done() and not slot.offered.cancelled():
        return slot.offered.result()
    return None
